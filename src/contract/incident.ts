import { Type } from 'typebox';
import { Nullable, Reference, RefIn } from './common.js';
import { IncidentImpactBrief } from './impact.js';
import { IncidentResponder } from './collab.js';

export const IncidentStatus = Type.Union([Type.Literal('triggered'), Type.Literal('acknowledged'), Type.Literal('resolved')]);
export const Urgency = Type.Union([Type.Literal('high'), Type.Literal('low')]);

export const Incident = Type.Object({
  id: Type.String(),
  type: Type.Literal('incident'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  incident_number: Type.Integer(),
  title: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  status: IncidentStatus,
  incident_key: Nullable(Type.String()),
  urgency: Urgency,
  service: Reference('service_reference'),
  escalation_policy: Nullable(Reference('escalation_policy_reference')),
  teams: Type.Array(Reference('team_reference')),
  priority: Nullable(Reference('priority_reference')),
  assignments: Type.Array(Type.Object({ at: Type.String(), assignee: Reference('user_reference') })),
  assigned_via: Type.String(),
  acknowledgements: Type.Array(Type.Object({ at: Type.String(), acknowledger: Reference('user_reference') })),
  last_status_change_at: Type.String(),
  last_status_change_by: Nullable(Reference('user_reference')),
  resolved_at: Nullable(Type.String()),
  first_trigger_log_entry: Nullable(Reference('trigger_log_entry_reference')),
  alert_counts: Type.Object({ all: Type.Integer(), triggered: Type.Integer(), resolved: Type.Integer() }),
  is_mergeable: Type.Boolean(),
  pending_actions: Type.Array(Type.Object({ type: Type.String(), at: Type.String() })),
  resolve_reason: Nullable(Type.Object({ type: Type.String() })),
  body: Type.Optional(Type.Object({ type: Type.String(), details: Type.String() })),
  /** The people asked to join it (responder requests), as PagerDuty's incidents_responders. */
  incidents_responders: Type.Optional(Type.Array(IncidentResponder)),
});

/** GET /incidents/{id} adds the people affected, on services with an impact metric. */
export const IncidentDetail = Type.Object({ ...Incident.properties, impact: Type.Optional(Nullable(IncidentImpactBrief)) });

export const IncidentEscalated = Type.Object({ incident: Incident, escalation_level: Type.Integer({ description: 'The 1-based level that is paged now' }) });

/** The data of an `event: incident` on GET /api/v1/stream (server-sent events): what changed, not the new state. */
export const IncidentChanged = Type.Object({ kind: Type.String(), incident_id: Type.String(), service_id: Type.String() });

export const IncidentUpdateFields = Type.Object({
  id: Type.Optional(Type.String()),
  type: Type.Optional(Type.String()),
  status: Type.Optional(IncidentStatus),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  urgency: Type.Optional(Urgency),
  priority: Type.Optional(Type.Union([RefIn, Type.Null()], { description: 'A priority of the organization (GET /priorities), or null for none' })),
  resolution: Type.Optional(Type.String({ maxLength: 10_000 })),
  assignments: Type.Optional(Type.Array(Type.Object({ assignee: RefIn }), { maxItems: 50 })),
  escalation_level: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Escalate now to this 1-based level of the policy the incident froze (as POST /incidents/{id}/escalate)' })),
  escalation_policy: Type.Optional(Type.Null({ description: 'Refused when set: Vigil does not move an incident to another policy (reassign with assignments, or escalate)' })),
  conference_bridge: Type.Optional(Type.Null({ description: 'Refused when set: Vigil has no conference bridges' })),
});

export const IncidentUpdate = Type.Object({ incident: IncidentUpdateFields });
export const IncidentBulkUpdate = Type.Object({ incidents: Type.Array(IncidentUpdateFields, { minItems: 1 }) });

export const IncidentCreate = Type.Object({
  incident: Type.Object({
    type: Type.Optional(Type.String()),
    title: Type.String({ minLength: 1, maxLength: 1024 }),
    service: RefIn,
    urgency: Type.Optional(Urgency),
    incident_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    body: Type.Optional(Type.Object({ type: Type.Optional(Type.String()), details: Type.String({ maxLength: 65_536 }) })),
    priority: Type.Optional(RefIn),
    assignments: Type.Optional(Type.Array(Type.Object({ assignee: RefIn }), { minItems: 1, maxItems: 50, description: 'Assign these users instead of paging the policy’s first level' })),
    escalation_policy: Type.Optional(Type.Null({ description: 'Refused when set: an incident follows its service’s policy' })),
    conference_bridge: Type.Optional(Type.Null({ description: 'Refused when set: Vigil has no conference bridges' })),
  }),
});

export const NoteCreate = Type.Object({ note: Type.Object({ content: Type.String({ minLength: 1, maxLength: 65_536 }) }) });
export const Note = Type.Object({ id: Type.String(), user: Nullable(Reference('user_reference')), content: Type.String(), created_at: Type.String() });

export const LogEntry = Type.Object({
  id: Type.String(),
  type: Type.String(),
  summary: Type.String({ description: "What happened. Vigil's own sentences are in the caller's language (their `locale`, else the organization's default); a note or an alert's summary is as written." }),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  created_at: Type.String(),
  agent: Nullable(Reference('user_reference')),
  channel: Type.Object({ type: Type.String() }, { additionalProperties: true }),
  service: Reference('service_reference'),
  incident: Nullable(Reference('incident_reference')),
  teams: Type.Array(Reference('team_reference')),
  contexts: Type.Array(Type.Object({}, { additionalProperties: true })),
  note: Type.Optional(Type.String()),
  event_details: Type.Record(Type.String(), Type.String()),
});

export const Alert = Type.Object({
  id: Type.String(),
  type: Type.Literal('alert'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  created_at: Type.String(),
  status: Type.String(),
  alert_key: Type.String(),
  severity: Type.String(),
  // null for an event an organization's router sent nowhere (unrouted, suppressed).
  service: Nullable(Reference('service_reference')),
  // null for a suppressed alert (an event rule or a maintenance window): it belongs to no incident.
  incident: Nullable(Reference('incident_reference')),
  integration: Reference('inbound_integration_reference'),
  suppressed: Type.Boolean(),
  suppressed_by: Nullable(Type.Union([Type.Literal('rule'), Type.Literal('maintenance')], { description: 'What suppressed it: an event rule (or the unrouted path) or a maintenance window' })),
  rule_match: Type.Array(Type.Object({ set: Type.String(), rule: Nullable(Type.String()), label: Nullable(Type.String()) }), { description: 'The event rules that matched its latest trigger' }),
  count: Type.Integer(),
  last_seen_at: Type.String(),
  resolved_at: Nullable(Type.String()),
  body: Type.Object({ type: Type.String(), contexts: Type.Array(Type.Any()), details: Type.Any(), cef_details: Type.Any() }),
});

/** POST /incidents/{id}/snooze: PagerDuty's body. */
export const IncidentSnooze = Type.Object({
  duration: Type.Integer({ minimum: 1, maximum: 604_800, description: 'Seconds; the incident triggers again when they have passed (at most a week)' }),
});

/** PUT /incidents/{id}/merge: PagerDuty's body. */
export const IncidentMerge = Type.Object({
  source_incidents: Type.Array(RefIn, { minItems: 1, description: 'Open incidents (at most 50) whose open alerts move to this one; each is resolved' }),
});

/** A change to one alert (PagerDuty's AlertUpdate): resolve it, or move it to another open incident. */
export const AlertUpdateFields = Type.Object({
  id: Type.Optional(Type.String({ maxLength: 64, description: 'Required in PUT /incidents/{id}/alerts' })),
  type: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.Union([Type.Literal('resolved'), Type.Literal('triggered')], { description: 'resolved resolves it; triggered is accepted only for an open alert (a resolved alert never opens again)' })),
  incident: Type.Optional(RefIn),
});
export const AlertUpdate = Type.Object({ alert: AlertUpdateFields });
export const AlertsUpdate = Type.Object({ alerts: Type.Array(AlertUpdateFields, { minItems: 1, description: 'At most 250 (413 above)' }) });
