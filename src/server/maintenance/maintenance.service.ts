/**
 * Maintenance windows' use cases, in PagerDuty's terms: create, list (ongoing, future,
 * past), get, update, and delete — which deletes a window that has not begun, ends one that
 * has (from now on nothing of it is in force), and refuses one that is over. A start in the
 * past becomes now; the end must be in the future and after the start; every service must
 * exist in the organization; one service's windows never overlap. Recurring windows (a Vigil
 * extension) repeat by an RRULE in their time zone (maintenance.ts).
 *
 * Errors are VigilErrors naming the field; nothing is written when one is thrown. Starting
 * and ending occurrences is the engine's job (engine/maintenance): a write here only sets
 * the window's next transition so the engine looks at it when it should.
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { parseTimestamp } from '../lib/timestamp.js';
import { getUsers, nextMaintenanceNumber } from '../org/org.store.js';
import { getServicesByIds } from '../service/service.store.js';
import { lockOrganization } from '../storage/dialect.js';
import type { Database, MaintenanceWindowTable, ServiceTable, UserTable } from '../storage/schema.js';
import {
  checkRange,
  checkRecurrence,
  currentOrNext,
  describeOccurrence,
  firstOverlap,
  hasBegun,
  isValidZone,
  normalizeRecurrence,
  occurrences,
  parseLocal,
  phaseAt,
  planTransition,
  windowTimes,
  type Occurrence,
  type Phase,
  type WindowTimes,
} from './maintenance.js';
import * as store from './maintenance.store.js';

type Db = Kysely<Database>;

const F = 'maintenance_window';

/** The body of POST and PUT: PagerDuty's fields, and Vigil's `recurrence` and `time_zone`. */
export interface WindowInput {
  type?: string;
  start_time?: string;
  end_time?: string;
  description?: string | null;
  services?: { id: string; type?: string }[];
  teams?: unknown[];
  recurrence?: string | null;
  time_zone?: string | null;
}

/** What a window answers with that a client may send back unchanged (PagerDuty's read-only fields). */
const READ_ONLY = new Set(['id', 'type', 'summary', 'self', 'html_url', 'sequence_number', 'created_by', 'teams', 'next_occurrence']);
const WRITABLE = new Set(['start_time', 'end_time', 'description', 'services', 'recurrence', 'time_zone']);

export interface WindowView {
  row: MaintenanceWindowTable;
  serviceIds: string[];
}

export type ListFilter = Phase | 'open' | 'all';

// ---------------------------------------------------------------------------------------------
// Reading the input

interface Candidate {
  start: number;
  end: number;
  description: string | null;
  serviceIds: string[];
  recurrence: string | null;
  timeZone: string | null;
}

function parseTime(text: string, zone: string | null, field: string, errors: string[]): number | null {
  const t = parseLocal(text, zone) ?? parseTimestamp(text);
  if (t === null) errors.push(`${F}.${field} must be an ISO 8601 date-time (e.g. 2026-03-08T02:00:00+01:00), got ${JSON.stringify(text).slice(0, 64)}`);
  return t;
}

/** The window as it would be: the input over what is stored (nothing stored on create), shape-checked. */
function readInput(input: WindowInput, current: WindowView | null, errors: string[]): Candidate | null {
  for (const k of Object.keys(input)) {
    if (!READ_ONLY.has(k) && !WRITABLE.has(k)) errors.push(`${F}.${k} is not a field of a maintenance window (${[...WRITABLE].join(', ')})`);
  }
  if (input.type !== undefined && input.type !== 'maintenance_window') errors.push(`${F}.type must be "maintenance_window"`);
  if (input.teams !== undefined && (!Array.isArray(input.teams) || input.teams.length > 0)) errors.push(`${F}.teams: Vigil has no teams; leave it out or send []`);
  const zone = input.time_zone !== undefined ? input.time_zone : (current?.row.time_zone ?? null);
  if (zone !== null && !isValidZone(zone)) errors.push(`${F}.time_zone: ${zone} is not an IANA time zone (e.g. Europe/Paris)`);
  const readZone = zone !== null && isValidZone(zone) ? zone : null;
  if (!current && input.start_time === undefined) errors.push(`${F}.start_time is required`);
  if (!current && input.end_time === undefined) errors.push(`${F}.end_time is required`);
  if (!current && input.services === undefined) errors.push(`${F}.services is required: the services the window covers`);
  const start = input.start_time !== undefined ? parseTime(input.start_time, readZone, 'start_time', errors) : (current ? Number(current.row.start_time) : null);
  const end = input.end_time !== undefined ? parseTime(input.end_time, readZone, 'end_time', errors) : (current ? Number(current.row.end_time) : null);
  let serviceIds = current?.serviceIds ?? [];
  if (input.services !== undefined) {
    if (input.services.length === 0) errors.push(`${F}.services must name at least one service`);
    serviceIds = [...new Set(input.services.map((s) => s.id))];
    input.services.forEach((s, i) => {
      if (s.type !== undefined && s.type !== 'service_reference' && s.type !== 'service') errors.push(`${F}.services[${i}].type must be "service_reference"`);
    });
  }
  let recurrence = input.recurrence !== undefined ? input.recurrence : (current?.row.recurrence ?? null);
  if (recurrence !== null && recurrence.trim() === '') recurrence = null;
  if (recurrence !== null) {
    const n = normalizeRecurrence(recurrence);
    if ('error' in n) errors.push(`${F}.recurrence: ${n.error}`);
    else recurrence = n.rule;
  }
  const description = input.description !== undefined ? (input.description?.trim() ? input.description.trim() : null) : (current?.row.description ?? null);
  if (start === null || end === null) return null;
  return { start, end, description, serviceIds, recurrence, timeZone: zone };
}

/** The services must be live services of the organization. */
async function checkServices(db: Db, orgId: string, input: WindowInput, serviceIds: string[], errors: string[]): Promise<Map<string, string>> {
  const found = new Map((await getServicesByIds(db, orgId, serviceIds)).filter((s) => s.deleted_at === null).map((s) => [s.id, s.name]));
  if (input.services) {
    input.services.forEach((s, i) => {
      if (!found.has(s.id)) errors.push(`${F}.services[${i}]: service ${s.id} not found`);
    });
  }
  return found;
}

/**
 * When the window's edges are due (start/end as given; the first start moved to now if it
 * is in the past), or the problems with them.
 */
function settleTimes(c: Candidate, now: number, current: WindowView | null, errors: string[]): WindowTimes {
  const notBefore = current ? Number(current.row.created_at) : now;
  if (!c.recurrence) {
    // A stored start already in the past (a window in progress) stays; a new one in the past becomes now.
    const unchanged = current !== null && c.start === Number(current.row.start_time);
    const start = unchanged ? c.start : Math.max(c.start, now);
    if (c.end <= now) errors.push(`${F}.end_time must be in the future`);
    else if (c.end <= start) errors.push(`${F}.end_time must be after start_time`);
    return { start, end: c.end, recurrence: null, timeZone: c.timeZone, notBefore, endedAt: null };
  }
  // Recurring: start_time is the first occurrence and stays put (it anchors the rule); the
  // occurrences before the window existed are simply not part of it.
  const w: WindowTimes = { start: Math.floor(c.start / 1000) * 1000, end: Math.floor(c.end / 1000) * 1000, recurrence: c.recurrence, timeZone: c.timeZone, notBefore, endedAt: null };
  if (w.end <= w.start) {
    errors.push(`${F}.end_time must be after start_time (the end of the first occurrence)`);
    return w;
  }
  const problems = checkRecurrence(w, F);
  errors.push(...problems);
  if (!problems.length && phaseAt(w, now) === 'past') errors.push(`${F}.recurrence: ${c.recurrence} has no occurrence after now`);
  return w;
}

/** One service's windows must not overlap: the first clash, named by the service it shares. */
async function checkOverlaps(db: Db, orgId: string, w: WindowTimes, serviceIds: string[], names: Map<string, string>, selfId: string | null, now: number, errors: string[]): Promise<void> {
  const others = (await store.windowsOfServices(db, orgId, serviceIds, now)).filter((o) => o.window.id !== selfId);
  for (const o of others) {
    const theirs = windowTimes(o.window);
    const range = checkRange(now, w, theirs);
    const clash = firstOverlap(w, theirs, range.from, range.to);
    if (!clash) continue;
    const shared = serviceIds.findIndex((id) => o.serviceIds.includes(id));
    const label = `#${o.window.sequence_number}${o.window.description ? ` (${o.window.description})` : ''}`;
    errors.push(
      `${F}.services[${shared}]: ${names.get(serviceIds[shared]!) ?? serviceIds[shared]} is already in maintenance window ${label} ${describeOccurrence(clash.b, o.window.time_zone)}, ` +
        `which overlaps this window's ${describeOccurrence(clash.a, w.timeZone)}; one service's windows must not overlap`,
    );
    return;
  }
}

/** When the engine should next look at a window: now if it has an edge to act on, else its next edge. */
function nextLook(w: WindowTimes, activeSince: number | null, now: number): number | null {
  const plan = planTransition(w, activeSince, now);
  return plan.end || plan.start ? now : plan.nextTransitionAt;
}

// ---------------------------------------------------------------------------------------------
// Use cases

export async function createWindow(db: Db, clock: Clock, orgId: string, userId: string | null, input: WindowInput): Promise<WindowView> {
  return db.transaction().execute(async (trx) => {
    // Under the organization's lock: sequence numbers, and the overlap check against windows another request is adding.
    await lockOrganization(trx, orgId);
    const now = clock.now();
    const errors: string[] = [];
    const c = readInput(input, null, errors);
    const names = await checkServices(trx, orgId, input, c?.serviceIds ?? [], errors);
    if (!c || errors.length) throw invalid(...errors);
    const w = settleTimes(c, now, null, errors);
    if (errors.length) throw invalid(...errors);
    await checkOverlaps(trx, orgId, w, c.serviceIds, names, null, now, errors);
    if (errors.length) throw invalid(...errors);
    const row: MaintenanceWindowTable = {
      org_id: orgId,
      id: newId(now),
      sequence_number: await nextMaintenanceNumber(trx, orgId),
      description: c.description,
      start_time: w.start,
      end_time: w.end,
      recurrence: w.recurrence,
      time_zone: w.timeZone,
      created_by: userId,
      created_at: now,
      updated_at: now,
      deleted_at: null,
      next_transition_at: nextLook(w, null, now),
      active_since: null,
      ended_at: null,
    };
    await store.insertWindow(trx, row, c.serviceIds);
    return { row, serviceIds: c.serviceIds };
  });
}

/**
 * Change what is given. A window that is over cannot change; one in progress keeps its
 * start, recurrence, zone and services (end it and create another), and may change its
 * end and description.
 */
export async function updateWindow(db: Db, clock: Clock, orgId: string, id: string, input: WindowInput): Promise<WindowView> {
  return db.transaction().execute(async (trx) => {
    await lockOrganization(trx, orgId);
    const row = await store.getWindow(trx, orgId, id, true);
    if (!row) throw notFound(`maintenance window ${id}`);
    const current: WindowView = { row, serviceIds: (await store.servicesOfWindows(trx, orgId, [id])).map((s) => s.service_id) };
    const now = clock.now();
    const phase = phaseAt(windowTimes(row), now);
    if (phase === 'past') throw invalid(`${F}: window #${row.sequence_number} has ended and cannot be changed`);
    const errors: string[] = [];
    const c = readInput(input, current, errors);
    const names = await checkServices(trx, orgId, input, c?.serviceIds ?? [], errors);
    if (!c || errors.length) throw invalid(...errors);
    if (phase === 'ongoing') {
      const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
      const inProgress = (field: string) => errors.push(`${F}.${field} cannot change while the window is in progress; end it and create another`);
      if (c.start !== Number(row.start_time)) inProgress('start_time');
      if (c.recurrence !== row.recurrence) inProgress('recurrence');
      if (c.timeZone !== row.time_zone) inProgress('time_zone');
      if (!same(c.serviceIds, current.serviceIds)) inProgress('services');
      if (errors.length) throw invalid(...errors);
    }
    const w = settleTimes(c, now, current, errors);
    if (errors.length) throw invalid(...errors);
    await checkOverlaps(trx, orgId, w, c.serviceIds, names, id, now, errors);
    if (errors.length) throw invalid(...errors);
    const patch = { description: c.description, start_time: w.start, end_time: w.end, recurrence: w.recurrence, time_zone: w.timeZone, updated_at: now, next_transition_at: nextLook(w, row.active_since === null ? null : Number(row.active_since), now) };
    await store.updateWindow(trx, orgId, id, patch);
    if (input.services !== undefined) await store.setWindowServices(trx, orgId, id, c.serviceIds);
    return { row: { ...row, ...patch }, serviceIds: c.serviceIds };
  });
}

/**
 * PagerDuty's DELETE: a window that has not begun is deleted; one that has is ended now (its
 * services leave maintenance at once; the engine writes the timeline entry); one that is
 * over cannot be deleted (400).
 */
export async function deleteWindow(db: Db, clock: Clock, orgId: string, id: string): Promise<'deleted' | 'ended'> {
  return db.transaction().execute(async (trx) => {
    const row = await store.getWindow(trx, orgId, id, true);
    if (!row) throw notFound(`maintenance window ${id}`);
    const now = clock.now();
    const w = windowTimes(row);
    if (!hasBegun(w, now)) {
      await store.updateWindow(trx, orgId, id, { deleted_at: now, updated_at: now, next_transition_at: null });
      return 'deleted';
    }
    if (phaseAt(w, now) === 'past') throw new VigilError('invalid_input', [`${F}: window #${row.sequence_number} has already ended and cannot be deleted`]);
    await store.updateWindow(trx, orgId, id, {
      ended_at: now,
      ...(row.recurrence ? {} : { end_time: now }),
      updated_at: now,
      next_transition_at: row.active_since !== null ? now : null,
    });
    return 'ended';
  });
}

/** A window of the organization (not deleted), or 404. */
export async function requireWindow(db: Db, orgId: string, id: string): Promise<WindowView> {
  const row = await store.getWindow(db, orgId, id);
  if (!row) throw notFound(`maintenance window ${id}`);
  return { row, serviceIds: (await store.servicesOfWindows(db, orgId, [id])).map((s) => s.service_id) };
}

/**
 * Windows in `filter` at `now` (ongoing, future, past; open = ongoing or future; all),
 * covering any of `serviceIds`, whose description contains `query`. Ongoing and future ones
 * soonest first, past ones latest first.
 */
export async function listWindows(db: Db, clock: Clock, orgId: string, q: { filter: ListFilter; serviceIds?: string[]; query?: string; limit: number; offset: number }): Promise<{ rows: WindowView[]; total: number }> {
  const now = clock.now();
  const coarse = q.filter === 'past' ? 'past' : q.filter === 'all' ? 'any' : 'live';
  const candidates = await store.listCandidates(db, orgId, { ...(q.serviceIds ? { serviceIds: q.serviceIds } : {}), ...(q.query ? { query: q.query } : {}), coarse, now });
  const keep = (p: Phase) => q.filter === 'all' || p === q.filter || (q.filter === 'open' && p !== 'past');
  const matched = candidates
    .map((row) => {
      const w = windowTimes(row);
      const phase = phaseAt(w, now);
      const occ = phase === 'past' ? null : currentOrNext(w, now);
      return { row, phase, key: occ?.start ?? Number(row.start_time) };
    })
    .filter((m) => keep(m.phase));
  matched.sort((a, b) => (q.filter === 'past' ? b.key - a.key : a.key - b.key) || a.row.sequence_number - b.row.sequence_number);
  const slice = matched.slice(q.offset, q.offset + q.limit).map((m) => m.row);
  const links = await store.servicesOfWindows(db, orgId, slice.map((r) => r.id));
  return { rows: slice.map((row) => ({ row, serviceIds: links.filter((l) => l.window_id === row.id).map((l) => l.service_id) })), total: matched.length };
}

/** What a page of windows shows besides its rows: its services and its creators (deleted ones too, by name). */
export async function windowFacts(db: Db, orgId: string, views: WindowView[]): Promise<{ services: Map<string, ServiceTable>; users: Map<string, UserTable> }> {
  const serviceIds = [...new Set(views.flatMap((v) => v.serviceIds))];
  const userIds = [...new Set(views.flatMap((v) => (v.row.created_by ? [v.row.created_by] : [])))];
  const [services, users] = await Promise.all([getServicesByIds(db, orgId, serviceIds), getUsers(db, orgId, userIds)]);
  return { services: new Map(services.map((s) => [s.id, s])), users: new Map(users.map((u) => [u.id, u])) };
}

/**
 * When a service was or will be in maintenance within [from, to): its windows' occurrences,
 * merged and sorted. The impact detector keeps these out of its baselines and its tests.
 */
export async function maintenanceOf(db: Db, orgId: string, serviceId: string, from: number, to: number): Promise<Occurrence[]> {
  const out: Occurrence[] = [];
  for (const { window } of await store.windowsOfServices(db, orgId, [serviceId], from, to)) out.push(...occurrences(windowTimes(window), from, to));
  out.sort((a, b) => a.start - b.start);
  const merged: Occurrence[] = [];
  for (const o of out) {
    const last = merged.at(-1);
    if (last && o.start <= last.end) last.end = Math.max(last.end, o.end);
    else merged.push({ ...o });
  }
  return merged;
}

export interface PlannedMaintenance {
  window: MaintenanceWindowTable;
  serviceIds: string[];
  occurrence: Occurrence;
}

/** Occurrences in force at `now` or starting before `until`, for these services, soonest first (the status page's planned maintenance). */
export async function plannedMaintenance(db: Db, orgId: string, serviceIds: string[], now: number, until: number): Promise<PlannedMaintenance[]> {
  const out: PlannedMaintenance[] = [];
  for (const { window, serviceIds: covered } of await store.windowsOfServices(db, orgId, serviceIds, now, until)) {
    for (const occurrence of occurrences(windowTimes(window), now, until)) out.push({ window, serviceIds: covered, occurrence });
  }
  return out.sort((a, b) => a.occurrence.start - b.occurrence.start || a.window.sequence_number - b.window.sequence_number);
}

export { servicesInMaintenance } from './maintenance.store.js';
