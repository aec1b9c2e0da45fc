/** PagerDuty's legacy service event rules (/services/{id}/rules), kept as rules of the service's start set. */
import { Type } from 'typebox';
import { FIELDS_CHECKED, Nullable } from './common.js';

const Value = Nullable(Type.Object({ value: Type.Any() }));

/** PagerDuty's ServiceEventRule; a rule whose condition legacy rules cannot express has `vigil_conditions` instead of `conditions`. */
export const ServiceRule = Type.Object({
  id: Type.String(),
  self: Type.String(),
  position: Type.Integer(),
  disabled: Type.Boolean(),
  conditions: Type.Optional(Type.Object({ operator: Type.String(), subconditions: Type.Array(Type.Object({ operator: Type.String(), parameters: Type.Object({ path: Type.String(), value: Type.Optional(Type.String()) }) })) })),
  time_frame: Type.Null(),
  variables: Type.Array(Type.Any()),
  actions: Type.Object({ annotate: Value, event_action: Value, priority: Value, severity: Value, suppress: Value, suspend: Value, extractions: Type.Array(Type.Any()) }),
  vigil_conditions: Type.Optional(Type.Array(Type.Object({ expression: Type.String() }), { description: "Vigil: the rule's PCL conditions, when they are not of the legacy form (written through event orchestrations)" })),
  vigil_actions: Type.Optional(Type.Record(Type.String(), Type.Any(), { description: 'Vigil: actions legacy rules do not have (urgency, drop_event, route_to…), kept by updates here' })),
});

/** The rule as sent; legacy-rules.service checks every field, naming it. */
export const ServiceRuleBody = Type.Object({ rule: Type.Object({}, { ...FIELDS_CHECKED, additionalProperties: true }) }, { additionalProperties: false });
export const ServiceRuleUpdateBody = Type.Object({ rule: Type.Object({}, { ...FIELDS_CHECKED, additionalProperties: true }), rule_id: Type.Optional(Type.String()) }, { additionalProperties: false });
