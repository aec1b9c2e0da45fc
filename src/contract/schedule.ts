/**
 * Schedules, overrides, on-calls and calendar feeds on the wire, in PagerDuty
 * REST v2 shapes. Request values are typed loosely (strings, integers) so the
 * server can answer each semantic problem with a 400 that names the field.
 */
import { Type, type TSchema } from 'typebox';
import { Nullable, Reference, RefIn } from './common.js';
import { CapWarning } from './open-shifts.js';

/**
 * Null first: with coerceTypes, ajv would turn a null into "" (or 0) when the
 * string branch came first; this way a GET answer PUT back keeps its nulls.
 */
const OrNull = <T extends TSchema>(t: T) => Type.Union([Type.Null(), t]);

const Instant = (description: string) => Type.String({ maxLength: 64, description });

export const TurnLength = Type.Object(
  {
    unit: Type.String({ maxLength: 16, description: 'hours, days or weeks' }),
    count: Type.Integer(),
  },
  { description: 'Vigil extension: the turn length as a unit and a count. days and weeks are local calendar days in the schedule time zone (a 09:00 handoff stays at 09:00 across DST); hours are elapsed hours.' },
);

export const RestrictionIn = Type.Object({
  type: Type.String({ maxLength: 32, description: 'daily_restriction or weekly_restriction' }),
  start_time_of_day: Type.String({ maxLength: 16, description: 'HH:MM:SS, local time in the schedule time zone' }),
  duration_seconds: Type.Integer(),
  start_day_of_week: Type.Optional(OrNull(Type.Integer({ description: 'weekly_restriction only: ISO weekday, 1 = Monday … 7 = Sunday' }))),
});

export const ScheduleLayerIn = Type.Object({
  id: Type.Optional(OrNull(Type.String({ maxLength: 64, description: 'Keep an existing layer id on update; omitted means a new layer.' }))),
  name: Type.Optional(OrNull(Type.String({ maxLength: 255 }))),
  start: Instant('When the layer starts to apply. A time without an offset is read in the schedule time zone.'),
  end: Type.Optional(OrNull(Instant('When the layer stops applying (exclusive); null means never.'))),
  rotation_virtual_start: Type.Optional(Instant('A handoff instant: the first user’s turn starts here. Defaults to start.')),
  rotation_turn_length_seconds: Type.Optional(Type.Integer({ description: 'Multiples of 604800 are weeks and of 86400 days (local calendar days); other multiples of 3600 are elapsed hours.' })),
  rotation_turn_length: Type.Optional(TurnLength),
  users: Type.Array(Type.Object({ user: RefIn }), { maxItems: 100, description: 'Rotation order.' }),
  restrictions: Type.Optional(Type.Array(RestrictionIn, { maxItems: 50 })),
  open_shifts: Type.Optional(OrNull(Type.Boolean({ description: 'Vigil extension: every turn of this layer is an open shift that volunteers claim (users must be empty). See docs/volunteers.md.' }))),
});

const ScheduleFields = {
  type: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(OrNull(Type.String({ maxLength: 1024 }))),
  time_zone: Type.String({ maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' }),
  schedule_layers: Type.Array(ScheduleLayerIn, { maxItems: 20, description: 'Ordered bottom to top: where two layers both have someone on call, the one listed LATER wins.' }),
  teams: Type.Optional(Type.Array(RefIn, { maxItems: 100, description: "The teams that own the schedule (team references); replaces the schedule's teams" })),
};

export const ScheduleCreate = Type.Object({ schedule: Type.Object(ScheduleFields) });
export const ScheduleUpdate = Type.Object({ schedule: Type.Partial(Type.Object(ScheduleFields)) });

export const RenderedEntry = Type.Object({
  start: Type.String(),
  end: Type.String(),
  user: Nullable(Reference('user_reference')),
});

export const SubSchedule = Type.Object({
  name: Type.String(),
  rendered_schedule_entries: Type.Array(RenderedEntry, { description: 'Empty unless since or until is given. user is null for a gap.' }),
  rendered_coverage_percentage: Nullable(Type.Number()),
});

export const Restriction = Type.Object({
  type: Type.String(),
  start_time_of_day: Type.String(),
  duration_seconds: Type.Integer(),
  start_day_of_week: Type.Optional(Type.Integer()),
});

export const ScheduleLayer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  start: Type.String(),
  end: Nullable(Type.String()),
  rotation_virtual_start: Type.String(),
  rotation_turn_length_seconds: Type.Integer({ description: 'Nominal: a days or weeks turn across a DST change lasts an hour more or less.' }),
  rotation_turn_length: Type.Object({ unit: Type.String(), count: Type.Integer() }),
  users: Type.Array(Type.Object({ user: Reference('user_reference') })),
  restrictions: Type.Array(Restriction),
  open_shifts: Type.Optional(Type.Boolean()),
  rendered_schedule_entries: Type.Optional(Type.Array(RenderedEntry)),
  rendered_coverage_percentage: Type.Optional(Nullable(Type.Number())),
});

export const Schedule = Type.Object({
  id: Type.String(),
  type: Type.Literal('schedule'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  name: Type.String(),
  description: Nullable(Type.String()),
  time_zone: Type.String(),
  schedule_layers: Type.Array(ScheduleLayer),
  final_schedule: SubSchedule,
  overrides_subschedule: SubSchedule,
  users: Type.Array(Reference('user_reference')),
  escalation_policies: Type.Array(Reference('escalation_policy_reference')),
  teams: Type.Array(Reference('team_reference')),
});

export const FinalSchedule = Type.Object({
  schedule: Reference('schedule_reference'),
  time_zone: Type.String(),
  since: Type.String(),
  until: Type.String(),
  final_schedule: SubSchedule,
});

export const RangeQuery = {
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
  time_zone: Type.Optional(Type.String({ maxLength: 64, description: 'Accepted for PagerDuty clients; times are always answered in UTC.' })),
  overflow: Type.Optional(Type.Boolean()),
};

export const Override = Type.Object({
  id: Type.String(),
  start: Type.String(),
  end: Type.String(),
  user: Reference('user_reference'),
});

export const OverrideIn = Type.Object({
  start: Instant('A time without an offset is read in time_zone, else in the schedule time zone.'),
  end: Instant('Exclusive.'),
  user: RefIn,
  time_zone: Type.Optional(Type.String({ maxLength: 64 })),
});

export const OverrideCreate = Type.Object({
  override: Type.Optional(OverrideIn),
  overrides: Type.Optional(Type.Array(OverrideIn, { minItems: 1, maxItems: 100 })),
});

/** Vigil extension: a schedule or override write that takes a volunteer past a weekly cap or rest gap answers with warnings (docs/volunteers.md). */
export const CapWarnings = Type.Array(CapWarning, { description: 'Volunteers this write takes past their weekly hour cap or minimum rest; the write is made all the same.' });

export const OverrideCreated = Type.Union([
  Type.Object({ override: Override, warnings: Type.Optional(CapWarnings) }),
  Type.Array(Type.Object({ status: Type.Integer(), override: Override, warnings: Type.Optional(CapWarnings) })),
]);

export const Oncall = Type.Object({
  user: Reference('user_reference'),
  schedule: Nullable(Reference('schedule_reference')),
  escalation_policy: Nullable(Reference('escalation_policy_reference')),
  escalation_level: Nullable(Type.Integer({ description: '1-based; null only for a schedule no escalation policy uses (asked for by schedule_ids[]).' })),
  start: Nullable(Type.String({ description: 'null for a direct user target: permanently on call.' })),
  end: Nullable(Type.String()),
});

export const CalendarFeed = Type.Object({
  id: Type.String(),
  type: Type.Literal('calendar_feed'),
  kind: Type.String({ description: 'schedule or user' }),
  target: Reference('reference'),
  url: Type.String({ description: 'The secret iCalendar URL. Returned once; creating a new feed revokes the previous URL.' }),
  created_at: Type.String(),
});
