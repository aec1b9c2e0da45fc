/**
 * Event orchestrations (event rules) on the wire, in PagerDuty REST v2's shapes:
 * global orchestrations with their routing keys, the router, unrouted and service
 * rule paths, and Vigil's "test against a sample event" answers.
 *
 * Request schemas check types only. The rules themselves (PCL expressions, which
 * actions a path allows, set routing) are checked by the server, which names each
 * problem's field; fields PagerDuty has and Vigil does not implement are refused
 * there, never dropped.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { FIELDS_CHECKED, Nullable, Reference } from './common.js';

/**
 * Optional, and null allowed (PagerDuty clients send nulls back). Written as OpenAPI's
 * `nullable` rather than a union, so a wrong type is reported once, as "must be boolean".
 */
const Maybe = <T extends TSchema>(t: T) => Type.Optional(Type.Unsafe<Static<T> | null>({ ...t, nullable: true }));

const Ref = (type: string) => Type.Object({ id: Type.String(), type: Type.String({ examples: [type] }), self: Type.Optional(Type.String()) });

const Severity = Type.Union([Type.Literal('critical'), Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')]);

export const Variable = Type.Object({
  name: Type.String({ description: 'Used in templates as {{variables.<name>}}.' }),
  path: Type.String({ description: 'The event field the regex reads, e.g. event.source.' }),
  type: Type.String({ examples: ['regex'] }),
  value: Type.String({ description: 'An RE2 regular expression: its capture groups appended together, or the whole match when it has none.' }),
});

export const Extraction = Type.Object({
  target: Type.String({ description: 'event.summary, event.source, event.component, event.group, event.class, event.dedup_key or event.custom_details.<key>' }),
  template: Type.Optional(Type.String({ description: 'e.g. "[{{event.custom_details.region}}] {{event.summary}}"' })),
  source: Type.Optional(Type.String({ description: 'With regex: the field the regex reads.' })),
  regex: Type.Optional(Type.String({ description: 'With source: an RE2 regular expression; its capture groups appended together, or the whole match.' })),
});

const actionFields = {
  route_to: Type.String({ description: 'Router: a service id (catch-all: or "unrouted"). Service and unrouted paths: the id of the set to continue in.' }),
  suppress: Type.Boolean({ description: 'Store the alert, open no incident, page nobody.' }),
  suspend: Type.Integer({ description: 'Pause notifications this many seconds: page only if the alert is still open then (PagerDuty auto-pause).' }),
  priority: Type.String({ description: 'A priority id of the organization.' }),
  severity: Severity,
  annotate: Type.String({ description: 'A note added to the incident; may use {{event.<field>}} and {{variables.<name>}}.' }),
  event_action: Type.Union([Type.Literal('trigger'), Type.Literal('resolve')]),
  variables: Type.Array(Variable, { maxItems: 25 }),
  extractions: Type.Array(Extraction, { maxItems: 25 }),
  urgency: Type.Union([Type.Literal('high'), Type.Literal('low')], { description: 'Vigil extension: the urgency of the incident.' }),
  drop_event: Type.Boolean({ description: 'Vigil extension on service rules: count the event and store nothing.' }),
};

/**
 * Actions as sent. Values are typed loosely (the server names the allowed values in its
 * answer), and nulls mean "not set": PagerDuty clients send them back after a read.
 */
const ActionsIn = Type.Object({
  route_to: Maybe(actionFields.route_to),
  suppress: Maybe(actionFields.suppress),
  suspend: Maybe(Type.Number({ description: 'Seconds to pause notifications (0 to 86400).' })),
  priority: Maybe(actionFields.priority),
  severity: Maybe(Type.String({ description: 'critical, error, warning or info' })),
  annotate: Maybe(actionFields.annotate),
  event_action: Maybe(Type.String({ description: 'trigger or resolve' })),
  variables: Maybe(Type.Array(Type.Unknown(), { maxItems: 25, description: 'Each {name, path, type: "regex", value}.' })),
  extractions: Maybe(Type.Array(Type.Unknown(), { maxItems: 25, description: 'Each {target, template} or {target, source, regex}.' })),
  urgency: Maybe(Type.String({ description: 'Vigil extension: high or low.' })),
  drop_event: Maybe(actionFields.drop_event),
});
const ActionsOut = Type.Object({
  route_to: Type.Optional(actionFields.route_to),
  suppress: Type.Optional(actionFields.suppress),
  suspend: Type.Optional(actionFields.suspend),
  priority: Type.Optional(actionFields.priority),
  severity: Type.Optional(actionFields.severity),
  annotate: Type.Optional(actionFields.annotate),
  event_action: Type.Optional(actionFields.event_action),
  variables: Type.Optional(actionFields.variables),
  extractions: Type.Optional(actionFields.extractions),
  urgency: Type.Optional(actionFields.urgency),
  drop_event: Type.Optional(actionFields.drop_event),
});

const Condition = Type.Object({ expression: Type.String({ maxLength: 2048, description: "A PCL condition, e.g. \"event.custom_details.region matches part 'eu-'\" (docs/rules.md)." }) });

const RuleIn = Type.Object({
  id: Maybe(Type.String({ maxLength: 64, description: 'Kept when it names a rule of the version being replaced; otherwise assigned.' })),
  label: Maybe(Type.String({ maxLength: 255 })),
  disabled: Maybe(Type.Boolean()),
  conditions: Maybe(Type.Array(Condition, { maxItems: 25, description: 'The rule matches when any condition does; with none, it always matches.' })),
  actions: Maybe(ActionsIn),
});

const RuleOut = Type.Object({
  id: Type.String(),
  label: Type.Optional(Type.String()),
  disabled: Type.Boolean(),
  conditions: Type.Array(Condition),
  actions: ActionsOut,
});

export const OrchestrationPathIn = Type.Object({
  type: Type.Optional(Type.String()),
  sets: Type.Optional(Type.Array(Type.Object({ id: Type.String({ maxLength: 64 }), rules: Maybe(Type.Array(RuleIn, { maxItems: 1000 })) }), { maxItems: 100 })),
  catch_all: Maybe(Type.Object({ actions: Maybe(ActionsIn) })),
}, FIELDS_CHECKED);

export const OrchestrationPathBody = Type.Object({ orchestration_path: OrchestrationPathIn });

export const OrchestrationPath = Type.Object({
  type: Type.String({ examples: ['router', 'unrouted', 'service'] }),
  parent: Ref('event_orchestration_reference'),
  self: Type.String(),
  sets: Type.Array(Type.Object({ id: Type.String(), rules: Type.Array(RuleOut) })),
  catch_all: Type.Object({ actions: ActionsOut }),
  created_at: Type.Optional(Type.String()),
  created_by: Type.Optional(Ref('user_reference')),
  updated_at: Type.Optional(Type.String()),
  updated_by: Type.Optional(Ref('user_reference')),
  version: Type.String({ description: 'Goes up with every change of these rules.' }),
});

export const OrchestrationPathResponse = Type.Object({ orchestration_path: OrchestrationPath });

export const OrchestrationIntegration = Type.Object({
  id: Type.String(),
  label: Type.String(),
  parameters: Type.Object({
    routing_key: Type.Optional(Type.String({ description: 'Returned only when the integration is created; stored hashed.' })),
    type: Type.String({ examples: ['global'] }),
  }),
  routing_key_hint: Type.String({ description: 'Vigil: the first characters of the routing key, to recognise it.' }),
  ingest_url: Type.String({ description: 'Send PagerDuty Events API v2 events here with this routing key.' }),
  created_at: Type.String(),
});

export const Orchestration = Type.Object({
  id: Type.String(),
  type: Type.Literal('event_orchestration'),
  self: Type.String(),
  name: Type.String(),
  description: Type.String(),
  integrations: Type.Array(OrchestrationIntegration),
  routes: Type.Integer({ description: 'How many services the router sends events to.' }),
  created_at: Type.String(),
  created_by: Type.Optional(Ref('user_reference')),
  updated_at: Type.String(),
  updated_by: Type.Optional(Ref('user_reference')),
  version: Type.String(),
});

const OrchestrationFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Maybe(Type.String({ maxLength: 1024 })),
  team: Type.Optional(Type.Unknown({ description: 'Refused unless null: Vigil has no teams; an orchestration belongs to the organization.' })),
};

export const OrchestrationCreate = Type.Object({ orchestration: Type.Object(OrchestrationFields, FIELDS_CHECKED) });
export const OrchestrationUpdate = Type.Object({ orchestration: Type.Partial(Type.Object(OrchestrationFields), FIELDS_CHECKED) });

export const IntegrationLabelBody = Type.Object({ integration: Type.Object({ label: Type.String({ minLength: 1, maxLength: 255 }) }) });

export const ActiveBody = Type.Object({ active: Type.Boolean() });

// ---------- testing rules against a sample event ----------

export const SampleEvent = Type.Object({
  payload: Type.Object({
    summary: Type.String({ minLength: 1, maxLength: 1024 }),
    source: Type.Optional(Type.String({ maxLength: 1024 })),
    severity: Type.String({ description: 'critical, error, warning or info' }),
    component: Type.Optional(Type.String({ maxLength: 1024 })),
    group: Type.Optional(Type.String({ maxLength: 1024 })),
    class: Type.Optional(Type.String({ maxLength: 1024 })),
    custom_details: Type.Optional(Type.Unknown()),
    timestamp: Type.Optional(Type.String({ description: 'ISO 8601; defaults to now.' })),
  }),
  dedup_key: Type.Optional(Type.String({ maxLength: 255 })),
  links: Type.Optional(Type.Array(Type.Object({ href: Type.String({ maxLength: 2048 }), text: Type.Optional(Type.String({ maxLength: 1024 })) }), { maxItems: 100 })),
  client: Type.Optional(Type.String({ maxLength: 1024 })),
});

export const RuleTestBody = Type.Object({
  event: SampleEvent,
  orchestration_path: Type.Optional(OrchestrationPathIn),
  now: Type.Optional(Type.String({ description: 'Evaluate as if at this instant (ISO 8601), for time conditions; defaults to now.' })),
});

const Match = Type.Object({
  set_id: Type.String(),
  rule_id: Nullable(Type.String()),
  label: Nullable(Type.String()),
  catch_all: Type.Boolean(),
});

const TestCommon = {
  draft: Type.Boolean({ description: 'true: the orchestration_path sent was tested (and not stored); false: the stored rules were.' }),
  matched: Type.Array(Match, { description: 'The rule that acted in each set visited, in order; a catch-all when no rule of that set matched.' }),
};

export const RouterTestResult = Type.Object({
  result: Type.Object({
    ...TestCommon,
    route_to: Nullable(Reference('service_reference')),
    unrouted: Type.Boolean(),
  }),
});

export const ServiceTestResult = Type.Object({
  result: Type.Object({
    ...TestCommon,
    active: Type.Boolean({ description: "Whether ingest applies this service's rules (PUT .../active)." }),
    actions: Type.Object({
      drop_event: Type.Boolean(),
      suppress: Type.Boolean(),
      suspend: Nullable(Type.Integer()),
      priority: Nullable(Reference('priority_reference')),
      severity: Nullable(Type.String()),
      urgency: Nullable(Type.String()),
      event_action: Nullable(Type.String()),
      annotations: Type.Array(Type.String()),
    }),
    event: Type.Object({
      payload: Type.Object({
        summary: Type.String(),
        source: Nullable(Type.String()),
        severity: Type.String(),
        component: Type.Optional(Type.String()),
        group: Type.Optional(Type.String()),
        class: Type.Optional(Type.String()),
        custom_details: Type.Optional(Type.Unknown()),
        timestamp: Type.String(),
      }),
      dedup_key: Nullable(Type.String()),
      links: Type.Array(Type.Object({ href: Type.String(), text: Type.Optional(Type.String()) })),
      client: Nullable(Type.String()),
    }),
  }),
});
