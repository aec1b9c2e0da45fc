/**
 * Schedule use cases: PagerDuty-shaped input → pure layers (schedule.ts), checked
 * by validateSchedule and against the organization's users; overrides; calendar
 * feeds; the reads behind the schedule and escalation policy API (policies name
 * schedules, which are above them). Who is on call through which escalation policy is oncall/'s.
 * The math is in on-call.ts and stays pure; this module loads rows, calls it, and
 * turns its issues into 400s that name the wire field.
 */
import { objectIdsOfTeams, setObjectTeams, teamIdsOfRefs } from '../org/team.service.js';
import { audited, type AuditActor } from '../org/audit.service.js';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { IANAZone } from 'luxon';
import { invalid, notFound } from '../errors.js';
import { allPolicies, policiesUsingSchedule, targetsOf, type PolicyRow } from '../escalation/policy.service.js';
import { parseTimestamp } from '../lib/timestamp.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashSecret } from '../lib/secrets.js';
import { userNames } from '../org/org.service.js';
import { getUser, getUsers } from '../org/org.store.js';
import { servicesUsingPolicy } from '../service/service.service.js';
import type { CalendarFeedTable, Database, ScheduleOverrideTable, UserTable } from '../storage/schema.js';
import { scheduleToICal, type ICalShift } from './ical.js';
import { ON_CALL_HORIZON_MS, renderFinal, renderLayer } from './on-call.js';
import { MAX_TURN_COUNT, SECONDS_PER_DAY, SECONDS_PER_WEEK, validateSchedule, type FinalEntry, type Restriction, type Schedule, type TimeRange, type TurnLength, type ValidationIssue } from './schedule.js';
import * as store from './schedule.store.js';
import type { ScheduleRow, StoredLayer } from './schedule.store.js';
import { zoneClock } from './zone.js';

type Db = Kysely<Database>;

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------- wire → pure

/**
 * PagerDuty's rotation_turn_length_seconds → a turn length. Multiples of a week
 * are weeks and of a day are days (both local calendar arithmetic: a handoff
 * keeps its local time across DST); any other multiple of an hour is elapsed
 * hours. Anything else (zero, negative, not whole hours) is null.
 */
export function turnLengthFromSeconds(seconds: number): TurnLength | null {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return null;
  if (seconds % SECONDS_PER_WEEK === 0) return { unit: 'weeks', count: seconds / SECONDS_PER_WEEK };
  if (seconds % SECONDS_PER_DAY === 0) return { unit: 'days', count: seconds / SECONDS_PER_DAY };
  if (seconds % 3600 === 0) return { unit: 'hours', count: seconds / 3600 };
  return null;
}

/** The nominal length in seconds (a day turn across a DST change really lasts 23 or 25 h). */
export function turnLengthSeconds(t: TurnLength): number {
  return t.count * (t.unit === 'weeks' ? SECONDS_PER_WEEK : t.unit === 'days' ? SECONDS_PER_DAY : 3600);
}

const NAIVE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;

/**
 * An ISO 8601 instant. A time with no offset is local wall time in `zone`,
 * resolved like every wall time in the schedule math (zone.ts): a skipped time
 * moves forward by the gap, a repeated one is its first occurrence.
 */
export function parseInstantIn(text: string, zone: string): number | null {
  const t = text.trim();
  const wall = parseTimestamp(t);
  if (wall === null) return null;
  if (NAIVE.test(t) && IANAZone.isValidZone(zone)) return zoneClock(zone).toInstant(wall);
  return wall;
}

export interface LayerInput {
  id?: string | null;
  name?: string | null;
  start: string;
  end?: string | null;
  rotation_virtual_start?: string;
  rotation_turn_length_seconds?: number;
  rotation_turn_length?: { unit: string; count: number };
  users: { user: { id: string } }[];
  restrictions?: { type: string; start_time_of_day: string; duration_seconds: number; start_day_of_week?: number | null }[];
  /** Vigil extension: the layer's turns are open shifts volunteers claim (users must be empty). */
  open_shifts?: boolean | null;
}

export interface ScheduleInput {
  name?: string;
  description?: string | null;
  time_zone?: string;
  schedule_layers?: LayerInput[];
  /** PagerDuty's teams: references to the organization's teams; replaces the schedule's teams. */
  teams?: { id: string; type?: string }[];
}

const scheduleTeams = async (db: Db, orgId: string, input: ScheduleInput): Promise<string[] | undefined> =>
  input.teams === undefined ? undefined : teamIdsOfRefs(db, orgId, input.teams, 'schedule.teams');

/** Pure field path (validateSchedule) → wire field path. */
function wireField(field: string, turnVia: ('seconds' | 'unit')[]): string {
  if (field === 'timeZone') return 'schedule.time_zone';
  const m = /^layers\[(\d+)\](?:\.(.*))?$/.exec(field);
  if (!m) return `schedule.${field}`;
  const i = Number(m[1]);
  const p = `schedule.schedule_layers[${i}]`;
  const rest = m[2] ?? '';
  if (!rest) return p;
  if (rest.startsWith('turnLength')) return turnVia[i] === 'unit' ? `${p}.rotation_turn_length${rest.slice('turnLength'.length)}` : `${p}.rotation_turn_length_seconds`;
  const r = rest
    .replace('rotationVirtualStart', 'rotation_virtual_start')
    .replace(/^users\[(\d+)\]$/, 'users[$1].user.id')
    .replace('startTimeOfDay', 'start_time_of_day')
    .replace('durationSeconds', 'duration_seconds')
    .replace('startDayOfWeek', 'start_day_of_week')
    .replace(/^open$/, 'open_shifts');
  return `${p}.${r}`;
}

function issueText(issue: ValidationIssue, turnVia: ('seconds' | 'unit')[]): string {
  const wire = wireField(issue.field, turnVia);
  if (wire.endsWith('rotation_turn_length_seconds') && issue.field.endsWith('count')) return `${wire} is out of range: at most ${MAX_TURN_COUNT} weeks, days or hours`;
  return `${wire} ${issue.message}`;
}

/**
 * Validate PagerDuty-shaped layers and build the stored ones. Throws one 400
 * listing every problem, each naming its field.
 */
async function buildLayers(db: Db, orgId: string, now: number, zone: string, input: LayerInput[], existing: StoredLayer[]): Promise<StoredLayer[]> {
  const errors = new Map<string, string>();
  /** The first problem found with a field is the one reported. */
  const fail = (field: string, problem: string) => {
    if (!errors.has(field)) errors.set(field, `${field}${problem}`);
  };
  const turnVia: ('seconds' | 'unit')[] = [];
  const keep = new Set(existing.map((l) => l.id));
  const used = new Set<string>();

  const layers: StoredLayer[] = input.map((l, i) => {
    const p = `schedule.schedule_layers[${i}]`;
    const instant = (text: string | null | undefined, field: string): number | null => {
      if (text === undefined || text === null) return null;
      const t = parseInstantIn(text, zone);
      if (t === null) fail(`${p}.${field}`, ` must be an ISO 8601 date-time, got ${JSON.stringify(text).slice(0, 40)}`);
      return t;
    };
    const start = instant(l.start, 'start') ?? 0;
    const end = instant(l.end, 'end');
    const virtualStart = l.rotation_virtual_start === undefined ? start : (instant(l.rotation_virtual_start, 'rotation_virtual_start') ?? start);

    let turnLength: TurnLength = { unit: 'hours', count: 1 };
    if (l.rotation_turn_length) {
      turnVia[i] = 'unit';
      const { unit, count } = l.rotation_turn_length;
      if (unit !== 'hours' && unit !== 'days' && unit !== 'weeks') fail(`${p}.rotation_turn_length.unit`, ' must be hours, days or weeks');
      else {
        turnLength = { unit, count };
        if (l.rotation_turn_length_seconds !== undefined && Number.isInteger(count) && l.rotation_turn_length_seconds !== turnLengthSeconds(turnLength)) {
          fail(`${p}.rotation_turn_length_seconds`, ` (${l.rotation_turn_length_seconds}) disagrees with rotation_turn_length (${count} ${unit}); send one of them`);
        }
      }
    } else {
      turnVia[i] = 'seconds';
      const s = l.rotation_turn_length_seconds;
      if (s === undefined) fail(`${p}.rotation_turn_length_seconds`, ' is required (or the Vigil extension rotation_turn_length {unit, count})');
      else {
        const t = turnLengthFromSeconds(s);
        if (t) turnLength = t;
        else fail(`${p}.rotation_turn_length_seconds`, ` must be a positive multiple of 3600 (whole hours), got ${s}`);
      }
    }

    const restrictions = (l.restrictions ?? []).map((r): Restriction =>
      r.type === 'weekly_restriction'
        ? { type: 'weekly_restriction', startDayOfWeek: r.start_day_of_week as number, startTimeOfDay: r.start_time_of_day, durationSeconds: r.duration_seconds }
        : ({ type: r.type, startTimeOfDay: r.start_time_of_day, durationSeconds: r.duration_seconds } as Restriction),
    );

    const id = l.id && keep.has(l.id) && !used.has(l.id) ? l.id : newId(now);
    used.add(id);
    return {
      id,
      name: l.name?.trim() || `Layer ${i + 1}`,
      start,
      end,
      rotationVirtualStart: virtualStart,
      turnLength,
      users: l.users.map((u) => u.user.id),
      restrictions,
      ...(l.open_shifts === true ? { open: true } : {}),
    };
  });

  for (const issue of validateSchedule({ timeZone: zone, layers, overrides: [] })) {
    const text = issueText(issue, turnVia);
    const field = text.split(' ')[0]!;
    if (![...errors.keys()].some((f) => field.startsWith(f))) errors.set(field, text);
  }

  const ids = [...new Set(layers.flatMap((l) => l.users))];
  const live = new Set((await getUsers(db, orgId, ids)).filter((u) => u.deleted_at === null).map((u) => u.id));
  layers.forEach((l, i) =>
    l.users.forEach((u, j) => {
      if (!live.has(u)) fail(`schedule.schedule_layers[${i}].users[${j}].user.id`, `: user ${u} not found in this organization`);
    }),
  );
  if (errors.size) throw invalid(...errors.values());
  return layers;
}

function checkZone(zone: string): void {
  if (!IANAZone.isValidZone(zone)) throw invalid(`schedule.time_zone must be a known IANA time zone such as "Europe/Berlin", got ${JSON.stringify(zone).slice(0, 64)}`);
}

// ------------------------------------------------------------------ use cases

export async function requireSchedule(db: Db, orgId: string, id: string): Promise<ScheduleRow> {
  const s = await store.getSchedule(db, orgId, id);
  if (!s) throw notFound(`schedule ${id}`);
  return s;
}

export type ScheduleCreateInput = ScheduleInput & { name: string; time_zone: string; schedule_layers: LayerInput[] };

/** The row a create would store, validated as a create validates it; nothing is written. */
export async function validatedSchedule(db: Db, clock: Clock, orgId: string, input: ScheduleCreateInput): Promise<ScheduleRow> {
  const name = input.name.trim();
  if (!name) throw invalid('schedule.name must not be blank');
  const now = clock.now();
  // buildLayers checks the zone too, so every problem is answered at once.
  const layers = await buildLayers(db, orgId, now, input.time_zone, input.schedule_layers, []);
  await scheduleTeams(db, orgId, input);
  return { org_id: orgId, id: newId(now), name, description: input.description ?? null, time_zone: input.time_zone, layers, created_at: now, updated_at: now, deleted_at: null };
}

export async function createSchedule(db: Db, clock: Clock, orgId: string, input: ScheduleCreateInput, actor?: AuditActor): Promise<ScheduleRow> {
  const row = await validatedSchedule(db, clock, orgId, input);
  const teamIds = await scheduleTeams(db, orgId, input);
  await audited(db, row.created_at, orgId, actor, { root: { type: 'schedule', id: row.id, name: row.name }, action: 'create', before: null, after: { ...row } }, async (trx) => {
    await store.insertSchedule(trx, row);
    if (teamIds) await setObjectTeams(trx, orgId, 'schedule', row.id, teamIds);
  });
  return row;
}

/**
 * Fields not sent are kept. schedule_layers, when sent, replaces the layers; a
 * layer sent with its id keeps that id. Changing time_zone alone keeps every
 * instant: the handoff's local time is re-read in the new zone.
 */
export async function updateSchedule(db: Db, clock: Clock, orgId: string, id: string, input: ScheduleInput, actor?: AuditActor): Promise<ScheduleRow> {
  const current = await requireSchedule(db, orgId, id);
  const now = clock.now();
  const patch: Partial<ScheduleRow> = { updated_at: now };
  if (input.name !== undefined) {
    if (!input.name.trim()) throw invalid('schedule.name must not be blank');
    patch.name = input.name.trim();
  }
  if (input.description !== undefined) patch.description = input.description;
  if (input.time_zone !== undefined) {
    if (input.schedule_layers === undefined) checkZone(input.time_zone);
    patch.time_zone = input.time_zone;
  }
  if (input.schedule_layers !== undefined) patch.layers = await buildLayers(db, orgId, now, patch.time_zone ?? current.time_zone, input.schedule_layers, current.layers);
  const teamIds = await scheduleTeams(db, orgId, input);
  const after = { ...current, ...patch };
  await audited(db, now, orgId, actor, { root: { type: 'schedule', id, name: after.name }, action: 'update', before: { ...current }, after: { ...after } }, async (trx) => {
    await store.updateSchedule(trx, orgId, id, patch);
    if (teamIds) await setObjectTeams(trx, orgId, 'schedule', id, teamIds);
  });
  return after;
}

/** Like PagerDuty: a schedule an escalation policy targets cannot be deleted (400 naming the policies). */
export async function deleteSchedule(db: Db, clock: Clock, orgId: string, id: string, actor?: AuditActor): Promise<void> {
  const current = await requireSchedule(db, orgId, id);
  const policies = await policiesUsingSchedule(db, orgId, id);
  if (policies.length) throw invalid(`schedule: used by escalation ${policies.length === 1 ? 'policy' : 'policies'} ${policies.map((p) => `${p.name} (${p.id})`).join(', ')}; remove it from them first`);
  const now = clock.now();
  await audited(db, now, orgId, actor, { root: { type: 'schedule', id, name: current.name }, action: 'delete', before: { ...current }, after: null }, (trx) => store.softDeleteSchedule(trx, orgId, id, now));
}

export interface OverrideInput {
  start: string;
  end: string;
  user: { id: string };
  time_zone?: string;
}

/** All or nothing: one bad override rejects the request, naming `<path>[i].<field>`. */
export async function createOverrides(db: Db, clock: Clock, orgId: string, schedule: ScheduleRow, items: OverrideInput[], path: (i: number) => string): Promise<ScheduleOverrideTable[]> {
  const errors: string[] = [];
  const now = clock.now();
  const users = await getUsers(db, orgId, [...new Set(items.map((o) => o.user.id))]);
  const live = new Set(users.filter((u) => u.deleted_at === null).map((u) => u.id));
  const rows = items.map((o, i) => {
    const p = path(i);
    let zone = schedule.time_zone;
    if (o.time_zone !== undefined) {
      if (IANAZone.isValidZone(o.time_zone)) zone = o.time_zone;
      else errors.push(`${p}.time_zone must be a known IANA time zone`);
    }
    const start = parseInstantIn(o.start, zone);
    const end = parseInstantIn(o.end, zone);
    if (start === null) errors.push(`${p}.start must be an ISO 8601 date-time`);
    if (end === null) errors.push(`${p}.end must be an ISO 8601 date-time`);
    if (start !== null && end !== null && end <= start) errors.push(`${p}.end must be after start`);
    if (!live.has(o.user.id)) errors.push(`${p}.user.id: user ${o.user.id} not found in this organization`);
    return { org_id: orgId, id: newId(now), schedule_id: schedule.id, user_id: o.user.id, start: start ?? 0, end: end ?? 0, created_at: now };
  });
  if (errors.length) throw invalid(...errors);
  await store.insertOverrides(db, rows);
  return rows;
}

// ---------------------------------------------------------------- rendering

/** The pure schedule with the overrides that can matter inside `window`. */
export async function pureSchedule(db: Db, orgId: string, row: ScheduleRow, window: { since: number; until: number }): Promise<Schedule> {
  const overrides = await store.listOverrides(db, orgId, row.id, window);
  return { timeZone: row.time_zone, layers: row.layers, overrides: overrides.map((o) => ({ id: o.id, userId: o.user_id, start: o.start, end: o.end })) };
}

export const MAX_RENDER_MS = 366 * DAY_MS;

/**
 * since/until of a rendering request, PagerDuty's way: one bound alone means two
 * weeks from (or to) it; neither means `fallback` (null: no rendering).
 */
export function renderRange(since: number | undefined, until: number | undefined, fallback: number | null): { since: number; until: number } | null {
  if (since === undefined && until === undefined) {
    if (fallback === null) return null;
    since = fallback;
  }
  const s = since ?? until! - 14 * DAY_MS;
  const u = until ?? s + 14 * DAY_MS;
  if (u <= s) throw invalid('until must be after since');
  if (u - s > MAX_RENDER_MS) throw invalid('until: the range must not exceed 366 days');
  return { since: s, until: u };
}

/** A final-schedule entry overlaps [since, until); a zero-length range is the instant `since`. */
export function overlaps(e: { start: number; end: number }, since: number, until: number): boolean {
  return since === until ? e.start <= since && since < e.end : e.start < until && e.end > since;
}

/**
 * Final shifts (people only, no gaps) of each schedule that overlap [since,
 * until), whole: rendered over a window ON_CALL_HORIZON_MS wider on each side,
 * so a shift is cut only where whoIsOnCall would cut it too.
 */
export async function shiftsOverlapping(db: Db, orgId: string, rows: ScheduleRow[], since: number, until: number): Promise<Map<string, FinalEntry[]>> {
  const window = { since: since - ON_CALL_HORIZON_MS, until: until + ON_CALL_HORIZON_MS };
  const out = new Map<string, FinalEntry[]>();
  for (const row of rows) {
    const entries = renderFinal(await pureSchedule(db, orgId, row, window), window);
    out.set(
      row.id,
      entries.filter((e) => e.userId !== null && overlaps(e, since, until)),
    );
  }
  return out;
}

// ----------------------------------------------------------- calendar feeds

export const FEED_DAYS = 60;
export const FEED_PROD_ID = '//Vigil//Vigil on-call//EN';

/**
 * A new secret feed URL token for a schedule or a user (256 random bits, stored
 * as its SHA-256). Creating one revokes the previous feed of the same target.
 */
export async function createCalendarFeed(db: Db, clock: Clock, orgId: string, kind: CalendarFeedTable['kind'], targetId: string): Promise<{ feed: CalendarFeedTable; token: string }> {
  const now = clock.now();
  const token = randomBytes(32).toString('base64url');
  const feed: CalendarFeedTable = { org_id: orgId, id: newId(now), kind, target_id: targetId, token_hash: hashSecret(token), created_at: now, revoked_at: null };
  await store.replaceCalendarFeed(db, feed);
  return { feed, token };
}

/**
 * The iCalendar text of a feed: every final shift overlapping the next
 * FEED_DAYS days, whole, in UTC. null when the token is unknown or revoked, or
 * its schedule or user is gone (the caller answers 404 for all of these alike).
 */
export async function renderCalendarFeed(db: Db, clock: Clock, token: string): Promise<string | null> {
  const feed = await store.findCalendarFeed(db, hashSecret(token));
  if (!feed) return null;
  const now = clock.now();
  const until = now + FEED_DAYS * DAY_MS;
  const orgId = feed.org_id;
  if (feed.kind === 'schedule') {
    const row = await store.getSchedule(db, orgId, feed.target_id);
    if (!row) return null;
    const entries = (await shiftsOverlapping(db, orgId, [row], now, until)).get(row.id) ?? [];
    const users = await getUsers(db, orgId, [...new Set(entries.map((e) => e.userId!))]);
    return scheduleToICal({ name: row.name, entries, userNames: Object.fromEntries(users.map((u) => [u.id, u.name])), prodId: FEED_PROD_ID, now, uidScope: row.id });
  }
  const user = await getUser(db, orgId, feed.target_id);
  if (!user) return null;
  const rows = await store.allSchedules(db, orgId);
  const shifts = await shiftsOverlapping(db, orgId, rows, now, until);
  const entries: ICalShift[] = rows
    .flatMap((row) => (shifts.get(row.id) ?? []).filter((e) => e.userId === user.id).map((e) => ({ ...e, source: { name: row.name, uidScope: row.id } })))
    .sort((a, b) => a.start - b.start);
  return scheduleToICal({ name: `${user.name} on call`, entries, userNames: { [user.id]: user.name }, prodId: FEED_PROD_ID, now, uidScope: `user-${user.id}` });
}

// ------------------------------------------------------------ reads for the API

export type { ScheduleRow } from './schedule.store.js';

/** `teamIds`: only the schedules any of these teams owns (400 for an unknown team). */
export async function listSchedules(db: Db, orgId: string, q: { query?: string; teamIds?: string[]; limit: number; offset: number }): Promise<{ rows: ScheduleRow[]; total: number }> {
  const { teamIds, ...rest } = q;
  return store.listSchedules(db, orgId, { ...rest, ...(teamIds?.length ? { ids: await objectIdsOfTeams(db, orgId, 'schedule', teamIds) } : {}) });
}

/** The schedules with an open-shift layer: where volunteers look for shifts to claim. */
export async function openShiftSchedules(db: Db, orgId: string): Promise<ScheduleRow[]> {
  return (await store.allSchedules(db, orgId)).filter((s) => s.layers.some((l) => l.open === true));
}

/** A schedule rendered over a range: its final schedule, its overrides alone, and each layer alone. */
export interface Rendering {
  range: TimeRange;
  final: FinalEntry[];
  overrides: FinalEntry[];
  layers: FinalEntry[][];
}

export async function renderSchedule(db: Db, orgId: string, row: ScheduleRow, range: TimeRange): Promise<Rendering> {
  const schedule = await pureSchedule(db, orgId, row, range);
  return {
    range,
    final: renderFinal(schedule, range),
    overrides: renderFinal({ ...schedule, layers: [] }, range).filter((e) => e.userId !== null),
    layers: row.layers.map((_, i) => renderLayer(schedule, i, range).map((e) => ({ start: e.start, end: e.end, userId: e.userId }))),
  };
}

/** What a schedule's presentation names: its people (and a rendering's), and the escalation policies that target it. */
export interface ScheduleFacts {
  userNames: Map<string, string>;
  /** By schedule id. */
  policies: Map<string, { id: string; name: string }[]>;
}

export async function scheduleFacts(db: Db, orgId: string, rows: ScheduleRow[], rendering?: Rendering): Promise<ScheduleFacts> {
  const policies = await allPolicies(db, orgId);
  const ids = rows.flatMap((r) => r.layers.flatMap((l) => l.users));
  if (rendering) for (const e of [...rendering.final, ...rendering.overrides]) if (e.userId) ids.push(e.userId);
  const names = await userNames(db, orgId, ids);
  const targeting = new Map(rows.map((row) => [row.id, policies.filter((pol) => targetsOf(pol).some((t) => t.type === 'schedule_reference' && t.id === row.id))]));
  return { userNames: names, policies: targeting };
}

/** The final schedule over a range, with the names of its people. */
export async function finalSchedule(db: Db, orgId: string, row: ScheduleRow, range: TimeRange): Promise<{ entries: FinalEntry[]; userNames: Map<string, string> }> {
  const entries = renderFinal(await pureSchedule(db, orgId, row, range), range);
  return { entries, userNames: await userNames(db, orgId, entries.flatMap((e) => (e.userId ? [e.userId] : []))) };
}

/** A schedule's overrides overlapping [since, until) (until absent: not yet over at since), with the names of their people. */
export async function overridesOf(db: Db, orgId: string, scheduleId: string, range: { since: number; until?: number }): Promise<{ overrides: ScheduleOverrideTable[]; userNames: Map<string, string> }> {
  const overrides = await store.listOverrides(db, orgId, scheduleId, range);
  return { overrides, userNames: await userNames(db, orgId, overrides.map((o) => o.user_id)) };
}

export async function deleteOverride(db: Db, orgId: string, scheduleId: string, overrideId: string): Promise<void> {
  const o = await store.getOverride(db, orgId, scheduleId, overrideId);
  if (!o) throw notFound(`override ${overrideId}`);
  await store.deleteOverride(db, orgId, o.id);
}

/** The live members of a schedule in order of appearance: on call over `range` (overrides included), or in its layers when range is null. */
export async function scheduleUsers(db: Db, orgId: string, row: ScheduleRow, range: TimeRange | null): Promise<UserTable[]> {
  const ids = range ? renderFinal(await pureSchedule(db, orgId, row, range), range).flatMap((e) => (e.userId ? [e.userId] : [])) : row.layers.flatMap((l) => l.users);
  const order = [...new Set(ids)];
  const users = (await getUsers(db, orgId, order)).filter((u) => u.deleted_at === null);
  const byId = new Map(users.map((u) => [u.id, u]));
  return order.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}

/**
 * What an escalation policy's presentation names: its targets (keyed `type:id`; a deleted
 * schedule has no name) and the services that use it (by policy id). Read here because
 * schedules and services are both above escalation.
 */
export interface PolicyFacts {
  targetNames: Map<string, string>;
  services: Map<string, { id: string; name: string }[]>;
}

export async function policyFacts(db: Db, orgId: string, policies: PolicyRow[]): Promise<PolicyFacts> {
  const targets = policies.flatMap(targetsOf);
  const [users, schedules, services] = await Promise.all([
    getUsers(db, orgId, [...new Set(targets.filter((t) => t.type === 'user_reference').map((t) => t.id))]),
    store.getSchedules(db, orgId, [...new Set(targets.filter((t) => t.type === 'schedule_reference').map((t) => t.id))]),
    Promise.all(policies.map((pol) => servicesUsingPolicy(db, orgId, pol.id))),
  ]);
  const targetNames = new Map<string, string>([...users.map((u) => [`user_reference:${u.id}`, u.name] as const), ...schedules.map((s) => [`schedule_reference:${s.id}`, s.name] as const)]);
  return { targetNames, services: new Map(policies.map((pol, i) => [pol.id, services[i]!])) };
}

/** A member's shift starting (`oncall`) or ending (`offcall`) on a schedule. */
export interface Handoff {
  schedule: { id: string; name: string; timeZone: string };
  kind: 'oncall' | 'offcall';
  at: number;
}

/**
 * The member's handoffs on every schedule of the organization at instants in (after, upTo],
 * overrides included, in each schedule's zone (DST moves a handoff as it moves the shift).
 * A shift that merely continues (the same person in the next turn) has no handoff.
 */
export async function userHandoffs(db: Db, orgId: string, userId: string, after: number, upTo: number): Promise<Handoff[]> {
  // Every schedule: an override can put anyone on one, in no layer of it.
  const rows = await store.allSchedules(db, orgId);
  const shifts = await shiftsOverlapping(db, orgId, rows, after, upTo + 1);
  const out: Handoff[] = [];
  for (const row of rows) {
    const schedule = { id: row.id, name: row.name, timeZone: row.time_zone };
    for (const e of shifts.get(row.id) ?? []) {
      if (e.userId !== userId) continue;
      if (e.start > after && e.start <= upTo) out.push({ schedule, kind: 'oncall', at: e.start });
      if (e.end > after && e.end <= upTo) out.push({ schedule, kind: 'offcall', at: e.end });
    }
  }
  return out.sort((a, b) => a.at - b.at || a.schedule.id.localeCompare(b.schedule.id));
}
