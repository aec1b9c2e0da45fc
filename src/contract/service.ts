import { Type } from 'typebox';
import { Nullable, Reference, RefIn } from './common.js';

export const IntegrationType = Type.Union([Type.Literal('events_v2'), Type.Literal('alertmanager'), Type.Literal('heartbeat'), Type.Literal('impact')]);

export const Integration = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'events_api_v2_inbound_integration or alertmanager_inbound_integration' }),
  vigil_type: IntegrationType,
  name: Type.String(),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  service: Reference('service_reference'),
  created_at: Type.String(),
  integration_key: Type.Optional(Type.String({ description: 'The routing key. Returned only when the integration is created or its key rotated; stored hashed.' })),
  integration_key_hint: Type.String({ description: 'First characters of the key, to recognise it.' }),
  ingest_url: Type.String({ description: 'Where to send events (or, for a heartbeat, the URL to ping).' }),
  heartbeat: Type.Optional(Type.Object({ interval_seconds: Type.Integer(), state: Type.String(), next_due_at: Nullable(Type.String()) })),
});

export const Service = Type.Object({
  id: Type.String(),
  type: Type.Literal('service'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  name: Type.String(),
  description: Nullable(Type.String()),
  status: Type.String(),
  escalation_policy: Nullable(Reference('escalation_policy_reference')),
  incident_urgency_rule: Type.Object({ type: Type.String(), urgency: Nullable(Type.String()) }),
  acknowledgement_timeout: Nullable(Type.Integer()),
  auto_resolve_timeout: Nullable(Type.Integer()),
  integrations: Type.Array(Reference('inbound_integration_reference')),
  teams: Type.Array(Reference('team_reference')),
  created_at: Type.String(),
  updated_at: Type.String(),
  last_incident_timestamp: Nullable(Type.String()),
});

const UrgencyRuleIn = Type.Object({
  type: Type.Union([Type.Literal('constant'), Type.Literal('use_support_hours'), Type.Literal('severity_based')]),
  urgency: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('low'), Type.Literal('severity_based')])),
});

const ServiceFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('maintenance')])),
  escalation_policy: Type.Optional(Nullable(RefIn)),
  incident_urgency_rule: Type.Optional(UrgencyRuleIn),
  acknowledgement_timeout: Type.Optional(Nullable(Type.Integer({ minimum: 60, maximum: 86400 * 7 }))),
  auto_resolve_timeout: Type.Optional(Nullable(Type.Integer({ minimum: 60, maximum: 86400 * 30 }))),
};

export const ServiceCreate = Type.Object({ service: Type.Object(ServiceFields) });
export const ServiceUpdate = Type.Object({ service: Type.Partial(Type.Object(ServiceFields)) });

export const IntegrationCreate = Type.Object({
  integration: Type.Object({
    type: Type.String({ description: 'events_v2 (or events_api_v2_inbound_integration), alertmanager, heartbeat or impact (counts for the impact metric, sent to POST /v1/impact)', minLength: 1, maxLength: 64 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    heartbeat_interval_seconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 7 * 86400, description: 'heartbeat only: a missed ping after this long opens an incident (default 300)' })),
  }),
});

/** A test event sent through an integration from the web UI; dedup_key names the incident it opens. */
export const TestEventSent = Type.Object({ status: Type.String(), dedup_key: Type.String() });
