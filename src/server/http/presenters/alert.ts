import { iso, isoOrNull } from '../../lib/clock.js';
import type { AlertTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';

/** An alert of an incident: the event's details, links as `contexts`, its dedup key as `alert_key`. */
export function presentAlert(p: BasePresenter, a: AlertTable, serviceName: string | null, integrationName: string | null) {
  const details = JSON.parse(a.details) as Record<string, unknown>;
  return {
    id: a.id,
    type: 'alert' as const,
    summary: a.summary,
    self: a.incident_id ? `${p.baseUrl}/api/v1/incidents/${a.incident_id}/alerts/${a.id}` : `${p.baseUrl}/api/v1/alerts/${a.id}`,
    html_url: null,
    created_at: iso(a.first_seen_at),
    status: a.status === 'resolved' ? 'resolved' : a.status === 'suppressed' ? 'suppressed' : 'triggered',
    alert_key: a.dedup_key,
    severity: a.severity,
    // An event no router rule took has no service.
    service: a.service_id ? p.ref('service_reference', a.service_id, serviceName, 'services') : null,
    incident: a.incident_id ? p.ref('incident_reference', a.incident_id, null, 'incidents') : null,
    integration: p.ref('inbound_integration_reference', a.integration_id, integrationName, a.service_id ? `services/${a.service_id}/integrations` : 'event_orchestrations', null),
    suppressed_by: a.suppressed_by,
    rule_match: a.rule_match ? (JSON.parse(a.rule_match) as { set: string; rule: string | null; label: string | null }[]) : [],
    suppressed: a.status === 'suppressed',
    count: Number(a.count),
    last_seen_at: iso(a.last_seen_at),
    resolved_at: isoOrNull(a.resolved_at),
    body: { type: 'alert_body', contexts: contextsOf(details), details: details.custom_details ?? null, cef_details: details },
  };
}

/** PagerDuty's contexts: each link and image of the event, typed. */
function contextsOf(details: Record<string, unknown>): Record<string, unknown>[] {
  const links = Array.isArray(details.links) ? (details.links as Record<string, unknown>[]) : [];
  const images = Array.isArray(details.images) ? (details.images as Record<string, unknown>[]) : [];
  return [...links.map((l) => ({ type: 'link', ...l })), ...images.map((i) => ({ type: 'image', ...i }))];
}
