/** Incident collaboration resources in PagerDuty's shapes. */
import { iso } from '../../lib/clock.js';
import type { IncidentResponderTable, IncidentTable, LogEntryTable, StatusUpdateRuleTable, StatusUpdateTable, ContactMethodTable, UserTable } from '../../storage/schema.js';
import type { ResponderRequest } from '../../incident/responder.service.js';
import type { Outlier } from '../../incident/similar.service.js';
import type { BasePresenter } from './common.js';

export function editedNote(p: BasePresenter, e: LogEntryTable & { updated_at: number }) {
  return { id: e.id, user: p.agent(e.agent), content: e.summary, created_at: iso(e.created_at), updated_at: iso(e.updated_at) };
}

const incidentRef = (p: BasePresenter, i: { id: string; title: string }) => p.ref('incident_reference', i.id, i.title, 'incidents');

/** One person asked to join (PagerDuty's IncidentsRespondersReference). */
export function incidentResponder(p: BasePresenter, r: IncidentResponderTable, incident: { id: string; title: string }, names: ReadonlyMap<string, string>) {
  return {
    state: r.state,
    user: p.ref('user_reference', r.user_id, names.get(r.user_id) ?? null, 'users'),
    incident: incidentRef(p, incident),
    updated_at: iso(r.updated_at),
    message: r.message,
    requester: p.ref('user_reference', r.requester_id, names.get(r.requester_id) ?? null, 'users'),
    requested_at: iso(r.requested_at),
    escalation_policy_requests: r.policy_name ? [r.policy_name] : [],
  };
}

export function responderRequest(p: BasePresenter, r: ResponderRequest) {
  const names = new Map<string, string>([...r.users.values()].map((u: UserTable) => [u.id, u.name]));
  names.set(r.requester.id, r.requester.name);
  return {
    id: r.requestId,
    incident: incidentRef(p, r.incident),
    requester: p.ref('user_reference', r.requester.id, r.requester.name, 'users'),
    requested_at: iso(r.requestedAt),
    message: r.message,
    responder_request_targets: r.targets.map((t) => ({
      type: t.kind === 'user' ? 'user_reference' : 'escalation_policy_reference',
      id: t.id,
      summary: t.summary,
      incident_responders: t.responders.map((x) => incidentResponder(p, x, r.incident, names)),
    })),
  };
}

export function statusUpdate(p: BasePresenter, u: StatusUpdateTable, senderName: string) {
  return {
    id: u.id,
    message: u.message,
    created_at: iso(u.created_at),
    sender: u.sender_id ? p.ref('user_reference', u.sender_id, senderName, 'users') : null,
    ...(u.subject !== null ? { subject: u.subject } : {}),
    ...(u.html_message !== null ? { html_message: u.html_message } : {}),
  };
}

export function statusRule(p: BasePresenter, rule: StatusUpdateRuleTable, method: ContactMethodTable | undefined) {
  return {
    id: rule.id,
    type: 'status_update_notification_rule' as const,
    summary: `contact method ${rule.contact_method_id} used as status_update_notification_rule`,
    self: `${p.baseUrl}/api/v1/users/${rule.user_id}/status_update_notification_rules/${rule.id}`,
    contact_method: { ...p.ref('email_contact_method_reference', rule.contact_method_id, method?.label ?? null, `users/${rule.user_id}/contact_methods`, null) },
    created_at: iso(rule.created_at),
  };
}

/** An incident as PagerDuty's Event Intelligence answers list it; `full` (additional_details[]=incident) adds number, status, urgency and service. */
export function incidentBrief(p: BasePresenter, i: IncidentTable, full: boolean) {
  return {
    id: i.id,
    created_at: iso(i.created_at),
    self: `${p.baseUrl}/api/v1/incidents/${i.id}`,
    title: i.title,
    ...(full
      ? { incident_number: i.number, type: 'incident', summary: `[#${i.number}] ${i.title}`, html_url: `${p.baseUrl}/incidents/${i.id}`, status: i.status, urgency: i.urgency, service: p.ref('service_reference', i.service_id, null, 'services') }
      : {}),
  };
}

export function related(p: BasePresenter, i: IncidentTable, r: { incident: IncidentTable; from: number; to: number }, full: boolean) {
  return {
    incident: incidentBrief(p, i, full),
    relationships: [],
    vigil_relationship: { type: 'shared_escalation_policy' as const, escalation_policy: p.ref('escalation_policy_reference', r.incident.escalation_policy_id ?? '', null, 'escalation_policies'), window_start: iso(r.from), window_end: iso(r.to) },
  };
}

export function outlier(p: BasePresenter, o: Outlier, full: boolean) {
  return {
    incident: { ...incidentBrief(p, o.incident, full), occurrence: { count: o.occurrence.count, frequency: o.occurrence.frequency, category: o.occurrence.category, since: iso(o.occurrence.since), until: iso(o.occurrence.until) } },
    incident_template: { id: o.clusterId, cluster_id: o.clusterId, mined_text: o.template },
  };
}
