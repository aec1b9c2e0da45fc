import { iso, isoOrNull } from '../../lib/clock.js';
import type { IntegrationTable, ServiceTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';
import type { ForwardStats } from '../../notify/forward.js';
import { presentAlertSettings } from '../../service/alert-settings.js';
import { readEmailConfig } from '../../ingest/email/email-config.js';

export function serviceRef(p: BasePresenter, s: Pick<ServiceTable, 'id' | 'name'>) {
  return p.ref('service_reference', s.id, s.name, 'services');
}

export function integrationType(t: IntegrationTable['type']): string {
  if (t === 'email') return 'generic_email_inbound_integration';
  return t === 'events_v2' ? 'events_api_v2_inbound_integration' : `${t}_inbound_integration`;
}

export function integrationRef(p: BasePresenter, i: IntegrationTable) {
  return p.ref('inbound_integration_reference', i.id, i.name, `services/${i.service_id}/integrations`, null);
}

/** Where a sender posts: the shared endpoint for keys in the body, or the key's own URL. */
export function ingestUrl(p: BasePresenter, t: IntegrationTable['type'], key = '<integration_key>'): string {
  if (t === 'events_v2') return `${p.baseUrl}/v2/enqueue`;
  if (t === 'impact') return `${p.baseUrl}/v1/impact`;
  if (t === 'email') return `${p.baseUrl}/v1/email/postmark/${key}`;
  return `${p.baseUrl}/v1/${t === 'generic_webhook' ? 'webhook' : t}/${key}`;
}

/** An integration; `key` (the routing key) only in the answer that created or rotated it. */
/** `forward`: the forward's health (notify/forward.ts forwardHealth), answered with its setting; never the key. */
export function presentIntegration(p: BasePresenter, i: IntegrationTable, service: ServiceTable, key?: string, forward?: ForwardStats) {
  return {
    ...integrationRef(p, i),
    type: integrationType(i.type),
    vigil_type: i.type,
    name: i.name,
    summary: i.name,
    service: serviceRef(p, service),
    created_at: iso(i.created_at),
    ...(key ? { integration_key: key } : {}),
    integration_key_hint: i.key_hint,
    ingest_url: ingestUrl(p, i.type, key),
    ...(i.type === 'heartbeat'
      ? { heartbeat: { interval_seconds: Number(i.heartbeat_interval ?? 0), state: i.heartbeat_state ?? 'pending', next_due_at: isoOrNull(i.heartbeat_next_due) } }
      : {}),
    ...(i.type === 'events_v2' || i.type === 'opsgenie' ? { forward: presentForward(i, forward) } : {}),
    ...(i.type === 'generic_webhook' && i.webhook_mapping ? { webhook: JSON.parse(i.webhook_mapping) as { preset: string | null; mapping: Record<string, unknown> } } : {}),
    ...(i.type === 'email' ? presentEmail(p, i, key) : {}),
  };
}

/** PagerDuty's email fields; the address only with the key it holds; the Mailgun key never (only whether one is set). */
function presentEmail(p: BasePresenter, i: IntegrationTable, key: string | undefined) {
  const c = readEmailConfig(i.email_config);
  return {
    ...(key ? { integration_email: `${key}@${p.emailDomain}` } : {}),
    integration_email_domain: p.emailDomain,
    email_incident_creation: c.email_incident_creation,
    email_filter_mode: c.email_filter_mode,
    email_filters: c.email_filters,
    email_parsers: c.email_parsers,
    email_parsing_fallback: c.email_parsing_fallback,
    email_allowed_senders: c.email_allowed_senders,
    mailgun_signing_key_set: c.mailgun_signing_key !== null,
  };
}

function presentForward(i: IntegrationTable, h: ForwardStats | undefined) {
  if (i.forward_url === null || i.forward_kind === null) return null;
  return {
    url: i.forward_url,
    kind: i.forward_kind,
    pending: h?.pending ?? 0,
    failed: h?.failed ?? 0,
    last_error: h?.last_error ?? null,
    last_error_at: isoOrNull(h?.last_error_at ?? null),
    last_sent_at: isoOrNull(h?.last_sent_at ?? null),
  };
}

/** A service; `inMaintenance`: a maintenance window is in progress, shown as PagerDuty's status "maintenance" (the stored status is kept). */
export function presentService(p: BasePresenter, s: ServiceTable, integrations: IntegrationTable[], lastIncidentAt: number | null, policyName: string | null = null, inMaintenance = false) {
  return {
    id: s.id,
    type: 'service' as const,
    summary: s.name,
    self: `${p.baseUrl}/api/v1/services/${s.id}`,
    html_url: `${p.baseUrl}/services/${s.id}`,
    name: s.name,
    description: s.description,
    status: inMaintenance && s.status === 'active' ? 'maintenance' : s.status,
    escalation_policy: s.escalation_policy_id ? p.ref('escalation_policy_reference', s.escalation_policy_id, policyName, 'escalation_policies') : null,
    ...presentAlertSettings(s),
    acknowledgement_timeout: s.acknowledgement_timeout,
    auto_resolve_timeout: s.auto_resolve_timeout,
    integrations: integrations.map((i) => integrationRef(p, i)),
    teams: [],
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    ...(lastIncidentAt === null ? {} : { last_incident_timestamp: iso(lastIncidentAt) }),
    ...(s.built_in ? { built_in: s.built_in } : {}),
  };
}
