import { iso, isoOrNull } from '../../lib/clock.js';
import { incidentSummary } from '../../incident/incident.js';
import type { IncidentFacts } from '../../incident/incident-read.service.js';
import type { IncidentTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';
import { incidentResponder } from './collab.js';

export function incidentRef(p: BasePresenter, i: Pick<IncidentTable, 'id' | 'number' | 'title'>) {
  return p.ref('incident_reference', i.id, incidentSummary(Number(i.number), i.title), 'incidents');
}

/** An incident; assignments are empty once it is resolved, and `body` is shown on a single incident only. */
export function presentIncident(p: BasePresenter, i: IncidentTable, ctx: IncidentFacts & { includeBody?: boolean }) {
  const ack = p.acknowledger(i.acknowledged_by, { id: i.service_id, name: ctx.service?.name ?? null });
  return {
    id: i.id,
    type: 'incident' as const,
    summary: incidentSummary(Number(i.number), i.title),
    self: `${p.baseUrl}/api/v1/incidents/${i.id}`,
    html_url: `${p.baseUrl}/incidents/${i.id}`,
    incident_number: Number(i.number),
    title: i.title,
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    status: i.status,
    incident_key: i.incident_key,
    urgency: i.urgency,
    service: p.ref('service_reference', i.service_id, ctx.service?.name ?? null, 'services'),
    escalation_policy: ctx.service?.escalation_policy_id ? p.ref('escalation_policy_reference', ctx.service.escalation_policy_id, null, 'escalation_policies') : null,
    teams: [],
    priority: i.priority_id ? p.ref('priority_reference', i.priority_id, ctx.priorityName ?? null, 'priorities', null) : null,
    assignments:
      i.status === 'resolved'
        ? []
        : ctx.assignments.map((a) => ({ at: iso(a.at), assignee: p.ref('user_reference', a.user_id, ctx.userNames.get(a.user_id) ?? null, 'users') })),
    assigned_via: i.assigned_via,
    acknowledgements: i.status === 'acknowledged' && ack && i.acknowledged_at ? [{ at: iso(i.acknowledged_at), acknowledger: ack }] : [],
    last_status_change_at: iso(i.last_status_change_at),
    last_status_change_by: p.agent(i.last_status_change_by, i.service_id),
    resolved_at: isoOrNull(i.resolved_at),
    first_trigger_log_entry: ctx.firstTrigger ? p.ref('trigger_log_entry_reference', ctx.firstTrigger.id, ctx.firstTrigger.summary, 'log_entries', null) : null,
    alert_counts: ctx.counts ?? { all: 0, triggered: 0, resolved: 0 },
    is_mergeable: i.status !== 'resolved',
    // A snoozed incident triggers again when the snooze ends (PagerDuty shows it so).
    pending_actions: i.status === 'acknowledged' && i.snoozed_until !== null ? [{ type: 'unacknowledge', at: iso(Number(i.snoozed_until)) }] : [],
    resolve_reason: null,
    incidents_responders: (ctx.responders ?? []).map((r) => incidentResponder(p, r, { id: i.id, title: i.title }, ctx.userNames)),
    ...(ctx.includeBody ? { body: { type: 'incident_body', details: i.body ?? '' } } : {}),
  };
}
