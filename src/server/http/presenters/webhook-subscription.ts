import { maskUrl } from '../../notify/mask.js';
import { NEVER_OCCURRING_EVENTS } from '../../notify/subscription.service.js';
import type { WebhookSubscriptionTable } from '../../storage/schema.js';

/**
 * A webhook subscription in PagerDuty's webhooks v3 shape. The URL, header values and
 * secret are write-only: only the answer that created it (`secret` given) shows them;
 * every later answer, to every role, has the URL's scheme and host as a hint.
 */
export function presentWebhookSubscription(s: WebhookSubscriptionTable, secret?: string) {
  return {
    id: s.id,
    type: 'webhook_subscription' as const,
    active: s.active === 1,
    description: s.description,
    events: JSON.parse(s.events) as string[],
    vigil_never_sent: (JSON.parse(s.events) as string[]).filter((e) => (NEVER_OCCURRING_EVENTS as readonly string[]).includes(e)),
    oauth_client_id: s.oauth_client_id ?? null,
    filter: s.filter_type === 'service_reference' ? { type: s.filter_type, id: s.filter_id ?? '' } : { type: s.filter_type },
    delivery_method: {
      id: s.id,
      type: 'http_delivery_method' as const,
      url: secret ? s.url : maskUrl(s.url),
      secret: secret ?? null,
      temporarily_disabled: false,
      // Header values may be credentials: redacted on read, as PagerDuty does.
      custom_headers: (JSON.parse(s.custom_headers) as { name: string; value: string }[]).map((h) => ({ name: h.name, value: secret ? h.value : null })),
    },
  };
}
