/**
 * Outbound webhooks in PagerDuty's v3 shape (BRIEF.md §4), so a receiver written for
 * PagerDuty (go-pagerduty's webhookv3, PD's own examples) works against Vigil unchanged.
 *
 * v3 never batches: a message that bundles several incidents becomes one POST per
 * incident, sent in order. Each POST carries X-Webhook-Id, stable across retries, so a
 * receiver can drop the duplicates that a retry of a half-delivered bundle produces.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { permanent, type ChannelAdapter, type DeliveryResult, type Destination, type IncidentView, type Message } from '../../channel.js';
import { classifyStatus, parseHttpUrl, postHttp, withDetail, type HttpOptions } from '../http.js';

export const WEBHOOK_USER_AGENT = 'Vigil-Webhook/V3.0';

/** PagerDuty drops anything larger than 256 KB; a receiver sized for PD may too. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

/**
 * `v1=<hex HMAC-SHA256(secret, raw body)>` for each secret, joined by `,` with no
 * spaces: the X-PagerDuty-Signature format. Several secrets let a subscriber rotate.
 */
export function signBody(raw: Buffer | string, secrets: string[]): string {
  return secrets.map((s) => 'v1=' + createHmac('sha256', s).update(raw).digest('hex')).join(',');
}

/**
 * True when any `v1=` item of the header matches any secret. Compares in constant time
 * per item; items of the wrong length are rejected without comparing.
 */
export function verifySignature(raw: Buffer | string, header: string | null | undefined, secrets: string[]): boolean {
  if (!header) return false;
  const offered = header
    .split(',')
    .filter((v) => v.startsWith('v1='))
    .map((v) => Buffer.from(v, 'utf8'));
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from('v1=' + createHmac('sha256', secret).update(raw).digest('hex'), 'utf8');
    for (const o of offered) {
      if (o.length === expected.length && timingSafeEqual(o, expected)) ok = true;
    }
  }
  return ok;
}

type Reference = { id: string; type: string; summary: string; self: string | null; html_url: string | null };

/**
 * IncidentView carries the incident's own URLs only. Vigil's API and UI place every
 * resource beside `incidents/` (`…/services/{id}`, `…/users/{id}`), so the other
 * references' URLs are derived from the incident's; when the incident URL does not end
 * in `/incidents/{id}` they are null rather than guessed.
 */
function bases(inc: IncidentView): { api: string | null; web: string | null } {
  const cut = (url: string): string | null => {
    for (const id of [inc.id, encodeURIComponent(inc.id)]) {
      const suffix = '/incidents/' + id;
      if (url.endsWith(suffix)) return url.slice(0, -suffix.length);
    }
    return null;
  };
  return { api: cut(inc.selfUrl), web: cut(inc.htmlUrl) };
}

function reference(b: { api: string | null; web: string | null }, collection: string, type: string, id: string, summary: string): Reference {
  const path = `/${collection}/${encodeURIComponent(id)}`;
  return { id, type, summary, self: b.api === null ? null : b.api + path, html_url: b.web === null ? null : b.web + path };
}

function incidentData(inc: IncidentView): Record<string, unknown> {
  const b = bases(inc);
  return {
    id: inc.id,
    type: 'incident',
    self: inc.selfUrl,
    html_url: inc.htmlUrl,
    number: inc.number,
    status: inc.status,
    incident_key: inc.incidentKey,
    created_at: inc.createdAt,
    title: inc.title,
    service: reference(b, 'services', 'service_reference', inc.service.id, inc.service.name),
    assignees: inc.assignees.map((a) => reference(b, 'users', 'user_reference', a.id, a.name)),
    escalation_policy: inc.escalationPolicy ? reference(b, 'escalation_policies', 'escalation_policy_reference', inc.escalationPolicy.id, inc.escalationPolicy.name) : null,
    teams: [],
    priority: inc.priority ? reference(b, 'priorities', 'priority_reference', inc.priority.id, inc.priority.name) : null,
    urgency: inc.urgency,
    conference_bridge: null,
    resolve_reason: null,
  };
}

export interface WebhookDelivery {
  /** Sent as X-Webhook-Id and used as `event.id`: the same on every retry. */
  webhookId: string;
  body: string;
}

/**
 * The POSTs a message becomes, in order. Pure. Returns a permanent result for a message
 * that cannot be expressed (an annotation without its note, an incident event without
 * an incident), since resending it would not help.
 */
export function buildWebhookDeliveries(msg: Message): WebhookDelivery[] | DeliveryResult {
  const envelope = (webhookId: string, resourceType: string, agent: Reference | null, data: unknown): WebhookDelivery => ({
    webhookId,
    body: JSON.stringify({
      event: { id: webhookId, event_type: msg.eventType, resource_type: resourceType, occurred_at: msg.occurredAt, agent, client: null, data },
    }),
  });

  if (msg.eventType === 'pagey.ping') {
    return [envelope(msg.idempotencyKey, 'pagey', null, { message: 'Hello from your friend Pagey!', type: 'ping' })];
  }
  // A status page subscriber's event (status-page/subscriptions.ts): public facts only, no incident.
  if (msg.statusEvent) return [envelope(msg.idempotencyKey, 'status_page', null, msg.statusEvent)];
  if (msg.incidents.length === 0) return withDetail(permanent('invalid_message'), `${msg.eventType} without an incident`);
  if (msg.eventType === 'incident.annotated' && !msg.note) return withDetail(permanent('invalid_message'), 'incident.annotated without a note');

  const single = msg.incidents.length === 1;
  return msg.incidents.map((inc) => {
    const b = bases(inc);
    const agent = msg.agent
      ? reference(b, msg.agent.type === 'user_reference' ? 'users' : 'services', msg.agent.type, msg.agent.id, msg.agent.name)
      : null;
    const data =
      msg.eventType === 'incident.annotated' && msg.note
        ? { type: 'incident_note', id: msg.note.id, content: msg.note.content, trimmed: false, incident: { id: inc.id, type: 'incident_reference', summary: inc.title, self: inc.selfUrl, html_url: inc.htmlUrl } }
        : incidentData(inc);
    return envelope(single ? msg.idempotencyKey : `${msg.idempotencyKey}:${inc.id}`, 'incident', agent, data);
  });
}

export interface WebhookChannelOptions extends HttpOptions {
  userAgent?: string;
}

export class WebhookChannel implements ChannelAdapter {
  readonly type = 'webhook' as const;
  readonly #opts: WebhookChannelOptions;

  /** `timeoutMs` defaults to 5 s, the reply time PagerDuty allows its subscribers. */
  constructor(opts: WebhookChannelOptions = {}) {
    this.#opts = opts;
  }

  /**
   * Sends every POST of the message in order. A retryable failure stops the sequence
   * (later events for the same subscriber queue behind a failing one, as in PD) and
   * makes the whole message retryable: the POSTs that did arrive are resent with the
   * same X-Webhook-Id. A permanent failure of one POST does not hold back the others;
   * the message is then permanent.
   */
  async send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    const url = parseHttpUrl(dest.address);
    if (!(url instanceof URL)) return url;
    const deliveries = buildWebhookDeliveries(msg);
    if (!Array.isArray(deliveries)) return deliveries;
    const now = this.#opts.now ?? Date.now;
    let failed: DeliveryResult | null = null;
    for (const d of deliveries) {
      if (Buffer.byteLength(d.body) > MAX_WEBHOOK_BYTES) {
        failed = withDetail(permanent('payload_too_large'), `${Buffer.byteLength(d.body)} bytes`);
        continue;
      }
      const headers = this.#headers(dest, d);
      if (!(headers instanceof Headers)) {
        failed = headers;
        continue;
      }
      const attempt = await postHttp(url, headers, d.body, this.#opts, signal);
      const result = 'failure' in attempt ? attempt.failure : withDetail(classifyStatus(attempt.reply, now()), attempt.reply.status >= 300 ? attempt.reply.body : undefined);
      if (result.kind === 'retryable') return result;
      if (result.kind === 'permanent') failed = result;
    }
    return failed ?? { kind: 'sent' };
  }

  #headers(dest: Destination, d: WebhookDelivery): Headers | DeliveryResult {
    const h = new Headers();
    try {
      // Custom headers first, so a subscriber's header can never replace the signature or id.
      for (const { name, value } of dest.headers ?? []) h.set(name, value);
    } catch (err) {
      return withDetail(permanent('invalid_header'), (err as Error).message);
    }
    h.set('Content-Type', 'application/json');
    h.set('User-Agent', this.#opts.userAgent ?? WEBHOOK_USER_AGENT);
    h.set('X-Webhook-Id', d.webhookId);
    if (dest.subscriptionId) h.set('X-Webhook-Subscription', dest.subscriptionId);
    const secrets = dest.secrets ?? [];
    if (secrets.length > 0) {
      const sig = signBody(d.body, secrets);
      h.set('X-Vigil-Signature', sig);
      h.set('X-PagerDuty-Signature', sig);
    }
    return h;
  }
}
