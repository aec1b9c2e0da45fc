/** Escalation policies on the wire, in PagerDuty REST v2 shape. */
import { Type } from 'typebox';
import { Nullable, RefIn, Reference } from './common.js';

export const EscalationTargetIn = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.String({ maxLength: 64, description: 'user_reference or schedule_reference (user and schedule are accepted too)' }),
});

export const EscalationRuleIn = Type.Object({
  id: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 64, description: 'Keep an existing rule id on update.' })])),
  escalation_delay_in_minutes: Type.Integer({ description: 'Minutes after this level fires before the next one does (1 to 1440).' }),
  targets: Type.Array(EscalationTargetIn, { maxItems: 50 }),
});

const PolicyFields = {
  type: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 1024 })])),
  num_loops: Type.Optional(Type.Integer({ description: 'How many times the policy repeats after its first pass (0 to 9).' })),
  on_call_handoff_notifications: Type.Optional(Type.String({ maxLength: 32 })),
  escalation_rules: Type.Array(EscalationRuleIn, { maxItems: 50 }),
  // PagerDuty lets a policy list its services and teams. A service names its policy itself
  // (PUT /services/{id}): a non-empty services list is refused (400) rather than ignored.
  services: Type.Optional(Type.Array(Type.Any(), { maxItems: 0, description: 'Refused when not empty: set escalation_policy on the service instead' })),
  teams: Type.Optional(Type.Array(RefIn, { maxItems: 100, description: "The teams that own the policy (team references); replaces the policy's teams" })),
};

export const EscalationPolicyCreate = Type.Object({ escalation_policy: Type.Object(PolicyFields) });
export const EscalationPolicyUpdate = Type.Object({ escalation_policy: Type.Partial(Type.Object(PolicyFields)) });

export const EscalationRule = Type.Object({
  id: Type.String(),
  escalation_delay_in_minutes: Type.Integer(),
  targets: Type.Array(Reference('user_reference')),
});

export const EscalationPolicy = Type.Object({
  id: Type.String(),
  type: Type.Literal('escalation_policy'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  name: Type.String(),
  description: Nullable(Type.String()),
  num_loops: Type.Integer(),
  on_call_handoff_notifications: Type.String(),
  escalation_rules: Type.Array(EscalationRule),
  services: Type.Array(Reference('service_reference')),
  teams: Type.Array(Reference('team_reference')),
  created_at: Type.String(),
  updated_at: Type.String(),
});
