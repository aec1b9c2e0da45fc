/**
 * The configuration-as-code file (`vigil export` / `vigil apply`): an organization's services,
 * their integrations (never their keys) and event rules, schedules, escalation policies,
 * maintenance windows, volunteer pools and teams (with their members). Resources are named, never identified: users by
 * email, everything else by name, so a file moves between organizations. Published as
 * docs/vigil-config.schema.json and GET /api/v1/vigil-config.schema.json (JSON Schema 2020-12).
 */
import { Type, type TSchema } from 'typebox';

const Closed = { additionalProperties: false } as const;
const Name = Type.String({ minLength: 1, maxLength: 255 });
const Text = Type.String({ maxLength: 1024 });
const Email = Type.String({ minLength: 3, maxLength: 100, description: 'A user of the organization, by email; the user must exist' });
const Teams = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, description: 'The teams that own it, by name; each is in the file or the organization. Left out: its teams are left as they are' });
const Opaque = (description: string) => Type.Object({}, { additionalProperties: true, description });

const Restriction = Type.Object(
  {
    type: Type.Union([Type.Literal('daily_restriction'), Type.Literal('weekly_restriction')]),
    start_time_of_day: Type.String({ pattern: '^\\d{2}:\\d{2}:\\d{2}$' }),
    duration_seconds: Type.Integer({ minimum: 1 }),
    start_day_of_week: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 })),
  },
  Closed,
);

const Layer = Type.Object(
  {
    name: Type.Optional(Name),
    start: Type.String({ minLength: 1, maxLength: 64 }),
    end: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    rotation_virtual_start: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    rotation_turn_length: Type.Object({ unit: Type.Union([Type.Literal('hours'), Type.Literal('days'), Type.Literal('weeks')]), count: Type.Integer({ minimum: 1 }) }, Closed),
    users: Type.Array(Email, { maxItems: 100, description: 'Rotation order' }),
    restrictions: Type.Optional(Type.Array(Restriction, { maxItems: 50 })),
    open_shifts: Type.Optional(Type.Boolean()),
  },
  Closed,
);

const Schedule = Type.Object(
  {
    name: Name,
    description: Type.Optional(Text),
    time_zone: Type.String({ minLength: 1, maxLength: 64 }),
    schedule_layers: Type.Array(Layer, { maxItems: 20, description: 'Bottom to top: a later layer wins' }),
    teams: Type.Optional(Teams),
  },
  Closed,
);

const Target = Type.Union([
  Type.Object({ user: Email }, Closed),
  Type.Object({ schedule: Name }, Closed),
  Type.Object({ volunteer_pool: Name }, Closed),
]);

const Policy = Type.Object(
  {
    name: Name,
    description: Type.Optional(Text),
    num_loops: Type.Optional(Type.Integer({ minimum: 0, maximum: 9 })),
    on_call_handoff_notifications: Type.Optional(Type.String({ maxLength: 32 })),
    escalation_rules: Type.Array(
      Type.Object({ escalation_delay_in_minutes: Type.Integer({ minimum: 1, maximum: 1440 }), targets: Type.Array(Target, { minItems: 1, maxItems: 50 }) }, Closed),
      { minItems: 1, maxItems: 50 },
    ),
    teams: Type.Optional(Teams),
  },
  Closed,
);

const Integration = Type.Object(
  {
    name: Name,
    type: Type.Union([Type.Literal('events_v2'), Type.Literal('alertmanager'), Type.Literal('heartbeat'), Type.Literal('impact'), Type.Literal('opsgenie'), Type.Literal('email')]),
    heartbeat_interval_seconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 7 * 86400 })),
    // email only (docs/sources.md, "Email"); checked by the server on apply. The Mailgun signing key is write-only and never in a file.
    email_incident_creation: Type.Optional(Type.Union([Type.Literal('on_new_email'), Type.Literal('on_new_email_subject'), Type.Literal('only_if_no_open_incidents'), Type.Literal('use_rules')])),
    email_filter_mode: Type.Optional(Type.Union([Type.Literal('all-email'), Type.Literal('or-rules-email'), Type.Literal('and-rules-email')])),
    email_filters: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 50 })),
    email_parsers: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 50 })),
    email_parsing_fallback: Type.Optional(Type.Union([Type.Literal('open_new_incident'), Type.Literal('discard')])),
    email_allowed_senders: Type.Optional(Type.Array(Type.String(), { maxItems: 100 })),
  },
  { ...Closed, description: 'Its key is made on apply and printed once; a file never holds one' },
);

const Rule = Type.Object(
  {
    label: Type.Optional(Type.String({ maxLength: 255 })),
    disabled: Type.Optional(Type.Boolean()),
    conditions: Type.Optional(Type.Array(Type.Object({ expression: Type.String({ minLength: 1, maxLength: 2048 }) }, Closed), { maxItems: 25 })),
    actions: Opaque('As in PUT /event_orchestrations/services/{id}, except priority: a priority name'),
  },
  Closed,
);

const Rules = Type.Object(
  {
    active: Type.Optional(Type.Boolean({ description: 'Whether ingest applies them (default true)' })),
    sets: Type.Array(Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), rules: Type.Array(Rule, { maxItems: 1000 }) }, Closed), { maxItems: 100 }),
    catch_all: Type.Optional(Type.Object({ actions: Opaque('As a rule\'s actions') }, Closed)),
  },
  { ...Closed, description: "The service's event rules (the service path of event orchestrations)" },
);

const Service = Type.Object(
  {
    name: Name,
    description: Type.Optional(Text),
    disabled: Type.Optional(Type.Boolean()),
    escalation_policy: Type.Optional(Name),
    incident_urgency_rule: Type.Optional(Opaque('As in the REST API')),
    support_hours: Type.Optional(Opaque('As in the REST API')),
    scheduled_actions: Type.Optional(Type.Array(Opaque('As in the REST API'), { maxItems: 10 })),
    alert_grouping_parameters: Type.Optional(Opaque('As in the REST API')),
    auto_pause_notifications_parameters: Type.Optional(Type.Object({ enabled: Type.Boolean(), timeout: Type.Optional(Type.Integer()) }, Closed)),
    acknowledgement_timeout: Type.Optional(Type.Integer({ minimum: 60, maximum: 86400 * 7 })),
    auto_resolve_timeout: Type.Optional(Type.Integer({ minimum: 60, maximum: 86400 * 30 })),
    integrations: Type.Optional(Type.Array(Integration, { maxItems: 100 })),
    rules: Type.Optional(Rules),
    teams: Type.Optional(Teams),
  },
  Closed,
);

const Window = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 1024, description: 'Names the window: unique in the file' }),
    start_time: Type.String({ minLength: 1, maxLength: 64 }),
    end_time: Type.String({ minLength: 1, maxLength: 64 }),
    services: Type.Array(Name, { minItems: 1, maxItems: 100 }),
    recurrence: Type.Optional(Type.String({ maxLength: 512 })),
    time_zone: Type.Optional(Type.String({ maxLength: 64 })),
  },
  Closed,
);

const Pool = Type.Object(
  {
    name: Name,
    description: Type.Optional(Text),
    strategy: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('round_robin')])),
    round_robin_timeout_minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
    requires: Type.Optional(Type.Object({ references: Type.Optional(Type.Boolean()), background_check: Type.Optional(Type.Boolean()), skills: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 })) }, Closed)),
    members: Type.Optional(Type.Array(Email, { maxItems: 500 })),
  },
  Closed,
);

const Team = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'Unique in the organization, case-insensitively' }),
    description: Type.Optional(Text),
    members: Type.Optional(
      Type.Array(
        Type.Object({ user: Email, role: Type.Optional(Type.Union([Type.Literal('observer'), Type.Literal('responder'), Type.Literal('manager')], { description: 'The team role (default responder)' })) }, Closed),
        { maxItems: 500, description: 'The whole membership: a member not listed is removed. Left out: the members are left as they are' },
      ),
    ),
  },
  Closed,
);

export const ConfigFile = Type.Object(
  {
    version: Type.Literal(1),
    teams: Type.Optional(Type.Array(Team)),
    schedules: Type.Optional(Type.Array(Schedule)),
    volunteer_pools: Type.Optional(Type.Array(Pool)),
    escalation_policies: Type.Optional(Type.Array(Policy)),
    services: Type.Optional(Type.Array(Service)),
    maintenance_windows: Type.Optional(Type.Array(Window)),
  },
  Closed,
);

/** The file's JSON Schema document, as published. */
export function configFileJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ConfigFile as TSchema)) as Record<string, unknown>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://vigil.example/vigil-config.schema.json',
    title: 'Vigil configuration (vigil export / vigil apply)',
    ...plain,
  };
}
