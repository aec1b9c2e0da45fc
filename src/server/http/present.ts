/**
 * Rows → PagerDuty-shaped resources. References carry `summary`, `self` and
 * `html_url`; timestamps are ISO 8601; arrays are never null.
 */
import type { AlertTable, IncidentTable, IntegrationTable, LogEntryTable, OrganizationTable, ServiceTable, UserTable } from '../storage/schema.js';
import { iso, isoOrNull } from '../lib/clock.js';
import { incidentSummary, type AgentRef } from '../incident/incident.js';

export class Presenter {
  constructor(readonly baseUrl: string) {}

  ref(type: string, id: string, summary: string | null, path: string, htmlPath: string | null = path) {
    return { id, type, summary, self: `${this.baseUrl}/api/v1/${path}/${id}`, html_url: htmlPath ? `${this.baseUrl}/${htmlPath}/${id}` : null };
  }

  agent(json: string | null) {
    if (!json) return null;
    const a = JSON.parse(json) as AgentRef;
    const path = a.type === 'user_reference' ? 'users' : a.type === 'service_reference' ? 'services' : 'integrations';
    return this.ref(a.type, a.id, a.summary, path, a.type === 'integration_reference' ? null : path);
  }

  organization(o: OrganizationTable) {
    return { id: o.id, type: 'organization' as const, name: o.name, time_zone: o.time_zone, created_at: iso(o.created_at) };
  }

  user(u: UserTable) {
    return {
      id: u.id,
      type: 'user' as const,
      summary: u.name,
      self: `${this.baseUrl}/api/v1/users/${u.id}`,
      html_url: `${this.baseUrl}/users/${u.id}`,
      name: u.name,
      email: u.email,
      role: u.role,
      time_zone: u.time_zone,
      created_at: iso(u.created_at),
      teams: [],
      contact_methods: [],
      notification_rules: [],
    };
  }

  integrationType(t: IntegrationTable['type']): string {
    return t === 'events_v2' ? 'events_api_v2_inbound_integration' : `${t}_inbound_integration`;
  }

  integrationRef(i: IntegrationTable) {
    return this.ref('inbound_integration_reference', i.id, i.name, `services/${i.service_id}/integrations`, null);
  }

  ingestUrl(t: IntegrationTable['type'], key = '<integration_key>'): string {
    if (t === 'events_v2') return `${this.baseUrl}/v2/enqueue`;
    if (t === 'impact') return `${this.baseUrl}/v1/impact`;
    return `${this.baseUrl}/v1/${t}/${key}`;
  }

  integration(i: IntegrationTable, service: ServiceTable, key?: string) {
    return {
      ...this.integrationRef(i),
      type: this.integrationType(i.type),
      vigil_type: i.type,
      name: i.name,
      summary: i.name,
      service: this.ref('service_reference', service.id, service.name, 'services'),
      created_at: iso(i.created_at),
      ...(key ? { integration_key: key } : {}),
      integration_key_hint: i.key_hint,
      ingest_url: this.ingestUrl(i.type, key),
      ...(i.type === 'heartbeat'
        ? { heartbeat: { interval_seconds: Number(i.heartbeat_interval ?? 0), state: i.heartbeat_state ?? 'pending', next_due_at: isoOrNull(i.heartbeat_next_due) } }
        : {}),
    };
  }

  service(s: ServiceTable, integrations: IntegrationTable[], lastIncidentAt: number | null, policyName: string | null = null) {
    return {
      id: s.id,
      type: 'service' as const,
      summary: s.name,
      self: `${this.baseUrl}/api/v1/services/${s.id}`,
      html_url: `${this.baseUrl}/services/${s.id}`,
      name: s.name,
      description: s.description,
      status: s.status,
      escalation_policy: s.escalation_policy_id ? this.ref('escalation_policy_reference', s.escalation_policy_id, policyName, 'escalation_policies') : null,
      incident_urgency_rule: s.urgency_rule === 'severity_based' ? { type: 'severity_based', urgency: null } : { type: 'constant', urgency: s.urgency_rule },
      acknowledgement_timeout: s.acknowledgement_timeout,
      auto_resolve_timeout: s.auto_resolve_timeout,
      integrations: integrations.map((i) => this.integrationRef(i)),
      teams: [],
      created_at: iso(s.created_at),
      updated_at: iso(s.updated_at),
      last_incident_timestamp: isoOrNull(lastIncidentAt),
    };
  }

  incident(
    i: IncidentTable,
    ctx: {
      service: Pick<ServiceTable, 'id' | 'name' | 'escalation_policy_id'> | undefined;
      counts: { all: number; triggered: number; resolved: number } | undefined;
      assignments: { user_id: string; at: number }[];
      userNames: Map<string, string>;
      firstTrigger: LogEntryTable | undefined;
      includeBody?: boolean;
    },
  ) {
    const ack = this.agent(i.acknowledged_by);
    return {
      id: i.id,
      type: 'incident' as const,
      summary: incidentSummary(Number(i.number), i.title),
      self: `${this.baseUrl}/api/v1/incidents/${i.id}`,
      html_url: `${this.baseUrl}/incidents/${i.id}`,
      incident_number: Number(i.number),
      title: i.title,
      created_at: iso(i.created_at),
      updated_at: iso(i.updated_at),
      status: i.status,
      incident_key: i.incident_key,
      urgency: i.urgency,
      service: this.ref('service_reference', i.service_id, ctx.service?.name ?? null, 'services'),
      escalation_policy: ctx.service?.escalation_policy_id ? this.ref('escalation_policy_reference', ctx.service.escalation_policy_id, null, 'escalation_policies') : null,
      teams: [],
      priority: null,
      assignments:
        i.status === 'resolved'
          ? []
          : ctx.assignments.map((a) => ({ at: iso(a.at), assignee: this.ref('user_reference', a.user_id, ctx.userNames.get(a.user_id) ?? null, 'users') })),
      assigned_via: i.assigned_via,
      acknowledgements: i.status === 'acknowledged' && ack && i.acknowledged_at ? [{ at: iso(i.acknowledged_at), acknowledger: ack }] : [],
      last_status_change_at: iso(i.last_status_change_at),
      last_status_change_by: this.agent(i.last_status_change_by),
      resolved_at: isoOrNull(i.resolved_at),
      first_trigger_log_entry: ctx.firstTrigger ? this.ref('trigger_log_entry_reference', ctx.firstTrigger.id, ctx.firstTrigger.summary, 'log_entries', null) : null,
      alert_counts: ctx.counts ?? { all: 0, triggered: 0, resolved: 0 },
      is_mergeable: i.status !== 'resolved',
      pending_actions: [],
      resolve_reason: null,
      ...(ctx.includeBody ? { body: { type: 'incident_body', details: i.body ?? '' } } : {}),
    };
  }

  /** event_details values are strings only: go-pagerduty decodes them into map[string]string. */
  logEntry(e: LogEntryTable, serviceName: string | null, incidentTitle: string | null) {
    const details = e.details ? (JSON.parse(e.details) as Record<string, unknown>) : {};
    const eventDetails: Record<string, string> = {};
    for (const [k, v] of Object.entries(details)) eventDetails[k] = typeof v === 'string' ? v : JSON.stringify(v);
    return {
      id: e.id,
      type: e.type,
      summary: e.summary,
      self: `${this.baseUrl}/api/v1/log_entries/${e.id}`,
      html_url: null,
      created_at: iso(e.created_at),
      agent: this.agent(e.agent),
      channel: JSON.parse(e.channel) as { type: string },
      service: this.ref('service_reference', e.service_id, serviceName, 'services'),
      incident: e.incident_id ? this.ref('incident_reference', e.incident_id, incidentTitle, 'incidents') : null,
      teams: [],
      contexts: [],
      ...(e.type === 'annotate_log_entry' ? { note: e.summary } : {}),
      event_details: eventDetails,
    };
  }

  alert(a: AlertTable, serviceName: string | null, integrationName: string | null) {
    const details = JSON.parse(a.details) as Record<string, unknown>;
    return {
      id: a.id,
      type: 'alert' as const,
      summary: a.summary,
      self: `${this.baseUrl}/api/v1/incidents/${a.incident_id}/alerts/${a.id}`,
      html_url: null,
      created_at: iso(a.first_seen_at),
      status: a.status === 'resolved' ? 'resolved' : 'triggered',
      alert_key: a.dedup_key,
      severity: a.severity,
      service: this.ref('service_reference', a.service_id, serviceName, 'services'),
      incident: a.incident_id ? this.ref('incident_reference', a.incident_id, null, 'incidents') : null,
      integration: this.ref('inbound_integration_reference', a.integration_id, integrationName, `services/${a.service_id}/integrations`, null),
      suppressed: a.status === 'suppressed',
      count: Number(a.count),
      last_seen_at: iso(a.last_seen_at),
      resolved_at: isoOrNull(a.resolved_at),
      body: { type: 'alert_body', contexts: (details.links as unknown[]) ?? [], details: details.custom_details ?? null, cef_details: details },
    };
  }
}

export function page<K extends string, T>(key: K, items: T[], limit: number, offset: number, total: number, wantTotal: boolean | undefined): Record<K, T[]> & { limit: number; offset: number; more: boolean; total: number | null } {
  const meta = { limit, offset, more: offset + items.length < total, total: wantTotal ? total : null };
  return { ...meta, [key]: items } as Record<K, T[]> & typeof meta;
}
