/**
 * Maintenance windows, pure: when a window is in force, and whether its definition holds.
 *
 * A one-off window is [start, end). A recurring window (a Vigil extension) repeats its first
 * occurrence [start, end) by an RFC 5545 RRULE read in its IANA `time_zone`: every
 * occurrence starts at the rule's local wall-clock time and lasts the first occurrence's
 * wall-clock length, so a Sunday 02:00–04:00 window stays 02:00–04:00 local across DST
 * changes (three real hours on the night clocks fall back at 03:00, one on the night they
 * spring forward at 02:00).
 *
 * The rule is expanded in floating (wall-clock) time and each wall time is then placed in the
 * zone with `compatible` disambiguation. RFC 5545 drops an instance whose start falls in a
 * spring-forward gap; a maintenance window must not silently vanish for a week, so here it
 * starts when the gap ends instead (02:00 becomes 03:00 on that night, and still ends at 04:00).
 *
 * A window never covers time before it existed (`notBefore`, its creation: an occurrence in
 * progress then begins at creation, as PagerDuty moves a start in the past to now) nor after
 * it was ended early (`endedAt`). Instants are epoch milliseconds; intervals are half-open.
 */
import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import type { MaintenanceWindowTable } from '../storage/schema.js';

export interface Occurrence {
  start: number;
  end: number;
}

export interface WindowTimes {
  /** The (first) occurrence's start. */
  start: number;
  /** The (first) occurrence's end. */
  end: number;
  /** RRULE value (e.g. `FREQ=WEEKLY;BYDAY=SU`), or null for a one-off window. */
  recurrence: string | null;
  timeZone: string | null;
  /** Nothing before this instant (the window's creation). */
  notBefore: number;
  /** Nothing from this instant on (ended early), or null. */
  endedAt: number | null;
}

export type Phase = 'ongoing' | 'future' | 'past';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A recurring window may start at most this many times on one local date. */
export const MAX_OCCURRENCES_PER_DAY = 4;
/** How far ahead a recurrence is checked (its daily count, its own overlaps, overlaps with other windows). */
export const CHECK_HORIZON_MS = 366 * DAY_MS;

export function windowTimes(row: Pick<MaintenanceWindowTable, 'start_time' | 'end_time' | 'recurrence' | 'time_zone' | 'created_at' | 'ended_at'>): WindowTimes {
  return {
    start: Number(row.start_time),
    end: Number(row.end_time),
    recurrence: row.recurrence,
    timeZone: row.time_zone,
    notBefore: Number(row.created_at),
    endedAt: row.ended_at === null ? null : Number(row.ended_at),
  };
}

// ---------------------------------------------------------------------------------------------
// Time zones and wall-clock time

export function isValidZone(zone: string): boolean {
  try {
    Temporal.Now.instant().toZonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading of an instant in a zone, as milliseconds of a UTC-floating clock. */
function wallOf(ms: number, zone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDateTime().toZonedDateTime('UTC').epochMilliseconds;
}

/** The instant a wall-clock reading denotes in a zone (a time in a gap moves forward by the gap; a repeated one is the earlier). */
function instantOf(wall: number, zone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(wall).toZonedDateTimeISO('UTC').toPlainDateTime().toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
}

/** ISO 8601 with the zone's offset (UTC, `Z`, without a zone). */
export function isoIn(ms: number, zone: string | null): string {
  if (!zone) return new Date(ms).toISOString().replace('.000Z', 'Z');
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toString({ timeZoneName: 'never', smallestUnit: 'second' });
}

/** "2026-03-08 02:00–04:00 Europe/Paris" (dates repeated when it spans days). */
export function describeOccurrence(o: Occurrence, zone: string | null): string {
  const z = zone ?? 'UTC';
  const s = Temporal.Instant.fromEpochMilliseconds(o.start).toZonedDateTimeISO(z);
  const e = Temporal.Instant.fromEpochMilliseconds(o.end).toZonedDateTimeISO(z);
  const hm = (d: Temporal.ZonedDateTime) => `${String(d.hour).padStart(2, '0')}:${String(d.minute).padStart(2, '0')}`;
  const sameDay = s.toPlainDate().equals(e.toPlainDate());
  return `${s.toPlainDate().toString()} ${hm(s)}–${sameDay ? '' : `${e.toPlainDate().toString()} `}${hm(e)} ${z}`;
}

const OFFSET_RE = /(Z|z|[+-]\d{2}(:?\d{2})?)$/;
const LOCAL_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * A local date-time without an offset ("2026-03-08T02:00:00") read in `zone`, or null when
 * the text has an offset or no zone applies (the caller parses it as an instant then).
 */
export function parseLocal(text: string, zone: string | null): number | null {
  const t = text.trim();
  if (!zone || OFFSET_RE.test(t) || !LOCAL_RE.test(t)) return null;
  try {
    return Temporal.PlainDateTime.from(t.replace(' ', 'T')).toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The recurrence rule

/** Rule parts a window may use. DTSTART comes from start_time; the rest are refused rather than ignored. */
const PARTS = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYYEARDAY', 'BYWEEKNO', 'BYSETPOS', 'BYHOUR', 'BYMINUTE', 'WKST']);
const FREQS = new Set(['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY']);
const POSITIVE = /^[1-9]\d{0,5}$/;
const UNTIL_RE = /^(\d{8})(T\d{6}Z?)?$/;

/**
 * The rule in canonical form (upper case, no `RRULE:` prefix), or the problem with it. Only
 * the shape is checked here; `checkRecurrence` expands it.
 */
export function normalizeRecurrence(text: string): { rule: string } | { error: string } {
  const t = text.trim().replace(/^RRULE:/i, '');
  if (!t) return { error: 'must be an RRULE value such as FREQ=WEEKLY;BYDAY=SU' };
  if (/[\r\n]/.test(t)) return { error: 'must be one RRULE value on one line (no DTSTART, EXDATE or RDATE lines)' };
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of t.toUpperCase().split(';').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return { error: `${part} is not a rule part NAME=VALUE` };
    const [k, v] = [part.slice(0, eq), part.slice(eq + 1)];
    if (k === 'DTSTART') return { error: 'DTSTART is not allowed: the first occurrence is the window’s start_time' };
    if (!PARTS.has(k)) return { error: `${k} is not supported (use ${[...PARTS].join(', ')})` };
    if (seen.has(k)) return { error: `${k} is given twice` };
    seen.add(k);
    if (k === 'FREQ' && !FREQS.has(v)) return { error: `FREQ=${v} is not a frequency (${[...FREQS].join(', ')})` };
    if ((k === 'INTERVAL' || k === 'COUNT') && !POSITIVE.test(v)) return { error: `${k} must be a positive whole number` };
    if (k === 'UNTIL' && !UNTIL_RE.test(v)) return { error: 'UNTIL must be a date (20261231) or a date-time (20261231T235959Z)' };
    out.push(`${k}=${v}`);
  }
  if (!seen.has('FREQ')) return { error: 'FREQ is required (e.g. FREQ=WEEKLY;BYDAY=SU)' };
  if (seen.has('COUNT') && seen.has('UNTIL')) return { error: 'COUNT and UNTIL must not both be given (RFC 5545)' };
  return { rule: out.join(';') };
}

interface Compiled {
  rule: RRuleTemporal<Temporal.ZonedDateTime>;
  zone: string;
  /** The first occurrence's start, on the floating clock. */
  wallStart: number;
  /** Every occurrence's wall-clock length. */
  wallLen: number;
}

const cache = new Map<string, Compiled>();

const floating = (wall: number) => {
  const d = Temporal.Instant.fromEpochMilliseconds(wall).toZonedDateTimeISO('UTC');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.year, 4)}${p(d.month)}${p(d.day)}T${p(d.hour)}${p(d.minute)}${p(d.second)}Z`;
};

/** Compile a recurring window on the floating clock (throws RangeError with the library's reason). */
function compile(w: WindowTimes): Compiled {
  const zone = w.timeZone ?? 'UTC';
  const key = `${zone}|${w.start}|${w.end}|${w.recurrence}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const norm = normalizeRecurrence(w.recurrence ?? '');
  if ('error' in norm) throw new RangeError(norm.error);
  const wallStart = Math.floor(wallOf(w.start, zone) / 1000) * 1000;
  const wallLen = wallOf(w.end, zone) - wallOf(w.start, zone);
  // UNTIL is read on the same floating clock: an instant (…Z) becomes its local reading; a date means through that local day.
  const rule = norm.rule.replace(/UNTIL=([0-9TZ]+)/, (_m, v: string) => {
    const [, date, time] = UNTIL_RE.exec(v)!;
    if (!time) return `UNTIL=${date}T235959Z`;
    if (!time.endsWith('Z')) return `UNTIL=${date}${time}Z`;
    const instant = Date.UTC(+date!.slice(0, 4), +date!.slice(4, 6) - 1, +date!.slice(6, 8), +time.slice(1, 3), +time.slice(3, 5), +time.slice(5, 7));
    return `UNTIL=${floating(wallOf(instant, zone))}`;
  });
  const compiled: Compiled = { rule: new RRuleTemporal({ rruleString: `DTSTART:${floating(wallStart)}\nRRULE:${rule}`, temporal: Temporal }), zone, wallStart, wallLen };
  if (cache.size > 2_000) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

function placed(c: Compiled, wall: number): Occurrence {
  return { start: instantOf(wall, c.zone), end: instantOf(wall + c.wallLen, c.zone) };
}

function clipped(w: WindowTimes, o: Occurrence): Occurrence | null {
  const start = Math.max(o.start, w.notBefore);
  const end = Math.min(o.end, w.endedAt ?? Infinity);
  return start < end ? { start, end } : null;
}

// ---------------------------------------------------------------------------------------------
// When a window is in force

/** Every occurrence overlapping [from, to), clipped to the window's life, sorted by start. */
export function occurrences(w: WindowTimes, from: number, to: number): Occurrence[] {
  if (!(from < to)) return [];
  let raw: Occurrence[];
  if (!w.recurrence) {
    raw = [{ start: w.start, end: w.end }];
  } else {
    const c = compile(w);
    const lo = wallOf(from, c.zone) - c.wallLen - DAY_MS;
    const hi = wallOf(to, c.zone) + DAY_MS;
    raw = c.rule.between(new Date(lo), new Date(hi), true).map((d) => placed(c, d.epochMilliseconds));
  }
  const out: Occurrence[] = [];
  for (const o of raw) {
    const k = clipped(w, o);
    if (k && k.end > from && k.start < to) out.push(k);
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The occurrence in force at `t`, or null. */
export function occurrenceAt(w: WindowTimes, t: number): Occurrence | null {
  return occurrences(w, t, t + 1)[0] ?? null;
}

/** The first occurrence starting after `after`, or null when the window has none left. */
export function nextOccurrence(w: WindowTimes, after: number): Occurrence | null {
  if (w.endedAt !== null && w.endedAt <= after) return null;
  if (!w.recurrence) {
    const k = clipped(w, { start: w.start, end: w.end });
    return k && k.start > after ? k : null;
  }
  const c = compile(w);
  let cursor = new Date(wallOf(Math.max(after, w.notBefore - 1), c.zone) - c.wallLen - DAY_MS);
  for (let i = 0; i < 10_000; i++) {
    const d = c.rule.next(cursor, true);
    if (!d) return null;
    const o = placed(c, d.epochMilliseconds);
    if (w.endedAt !== null && o.start >= w.endedAt) return null;
    const k = clipped(w, o);
    if (k && k.start > after) return k;
    cursor = new Date(d.epochMilliseconds + 1);
  }
  return null;
}

/** The next instant after `t` at which the window starts or ends an occurrence, or null. */
export function nextTransition(w: WindowTimes, t: number): number | null {
  const cur = occurrenceAt(w, t);
  if (cur) return cur.end;
  return nextOccurrence(w, t)?.start ?? null;
}

/** ongoing: an occurrence is in force at `t`; future: one is still to come; past: neither. */
export function phaseAt(w: WindowTimes, t: number): Phase {
  if (occurrenceAt(w, t)) return 'ongoing';
  return nextOccurrence(w, t) ? 'future' : 'past';
}

/** Whether any occurrence has started by `t` (then the window is ended, not deleted). */
export function hasBegun(w: WindowTimes, t: number): boolean {
  const first = nextOccurrence(w, w.notBefore - 1);
  return first !== null && first.start <= t;
}

/** The occurrence in force at `t`, or else the next one: what a recurring window shows as `next_occurrence`. */
export function currentOrNext(w: WindowTimes, t: number): Occurrence | null {
  return occurrenceAt(w, t) ?? nextOccurrence(w, t);
}

/**
 * The engine's step for one window at `now`, given the occurrence it last started
 * (`activeSince`): end that one if it is no longer in force, start the one in force if it
 * has not been started, and the instant to look again. Idempotent: applying the plan and
 * planning again at the same `now` plans nothing.
 */
export interface TransitionPlan {
  /** The occurrence that began at `activeSince` is over. */
  end: boolean;
  /** An occurrence to announce as started. */
  start: Occurrence | null;
  activeSince: number | null;
  nextTransitionAt: number | null;
}

export function planTransition(w: WindowTimes, activeSince: number | null, now: number): TransitionPlan {
  const cur = occurrenceAt(w, now);
  return {
    end: activeSince !== null && (cur === null || cur.start !== activeSince),
    start: cur && cur.start !== activeSince ? cur : null,
    activeSince: cur?.start ?? null,
    nextTransitionAt: cur ? cur.end : (nextOccurrence(w, now)?.start ?? null),
  };
}

/** The first pair of occurrences of two windows that overlap within [from, to), or null. */
export function firstOverlap(a: WindowTimes, b: WindowTimes, from: number, to: number): { a: Occurrence; b: Occurrence } | null {
  const oa = occurrences(a, from, to);
  const ob = occurrences(b, from, to);
  let i = 0;
  let j = 0;
  while (i < oa.length && j < ob.length) {
    const x = oa[i]!;
    const y = ob[j]!;
    if (x.start < y.end && y.start < x.end) return { a: x, b: y };
    if (x.end <= y.end) i++;
    else j++;
  }
  return null;
}

/** The range within which a new or changed window is checked against the others. */
export function checkRange(now: number, ...windows: WindowTimes[]): { from: number; to: number } {
  const oneOffEnds = windows.filter((w) => !w.recurrence).map((w) => w.end);
  return { from: now, to: Math.max(now + CHECK_HORIZON_MS, ...oneOffEnds) };
}

// ---------------------------------------------------------------------------------------------
// Whether a definition holds

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

function duration(ms: number): string {
  const m = Math.round(ms / MINUTE_MS);
  if (m % 1440 === 0) return plural(m / 1440, 'day');
  if (m % 60 === 0) return plural(m / 60, 'hour');
  return plural(m, 'minute');
}

/**
 * Every problem with a recurring window's definition, each naming its field: the zone, the
 * rule, that start_time is the rule's first occurrence, at most MAX_OCCURRENCES_PER_DAY
 * starts on any local date and no occurrence overlapping the next, over its first year.
 */
export function checkRecurrence(w: WindowTimes, prefix = 'maintenance_window'): string[] {
  if (!w.recurrence) return [];
  if (!w.timeZone) return [`${prefix}.time_zone is required with a recurrence: the rule repeats in local time (e.g. Europe/Paris)`];
  if (!isValidZone(w.timeZone)) return [`${prefix}.time_zone: ${w.timeZone} is not an IANA time zone`];
  const norm = normalizeRecurrence(w.recurrence);
  if ('error' in norm) return [`${prefix}.recurrence: ${norm.error}`];
  const freq = /FREQ=(\w+)/.exec(norm.rule)![1]!;
  if (freq === 'SECONDLY' || freq === 'MINUTELY') return [`${prefix}.recurrence: FREQ=${freq} repeats more than ${MAX_OCCURRENCES_PER_DAY} times a day`];
  let c: Compiled;
  try {
    c = compile(w);
  } catch (err) {
    return [`${prefix}.recurrence: is not a valid RFC 5545 rule: ${(err as Error).message}`];
  }
  if (!(c.wallLen > 0)) return [`${prefix}.end_time must be after start_time on the clock of ${c.zone}`];
  const walls: number[] = [];
  const stop = c.wallStart + CHECK_HORIZON_MS;
  const cap = Math.ceil(CHECK_HORIZON_MS / DAY_MS) * MAX_OCCURRENCES_PER_DAY + 1;
  try {
    c.rule.all((d) => {
      const t = d.epochMilliseconds;
      if (t >= stop || walls.length >= cap) return false;
      walls.push(t);
      return true;
    });
  } catch (err) {
    return [`${prefix}.recurrence: is not a valid RFC 5545 rule: ${(err as Error).message}`];
  }
  const local = (wall: number) => new Date(wall).toISOString().slice(0, 16).replace('T', ' ');
  if (walls.length === 0) return [`${prefix}.recurrence: ${norm.rule} produces no occurrence from start_time on`];
  if (walls[0] !== c.wallStart) {
    return [`${prefix}.start_time: ${local(c.wallStart)} (${c.zone}) is not an occurrence of ${norm.rule}; start the window on its first occurrence, ${local(walls[0]!)}`];
  }
  const perDate = new Map<string, number>();
  for (const t of walls) {
    const date = new Date(t).toISOString().slice(0, 10);
    const n = (perDate.get(date) ?? 0) + 1;
    if (n > MAX_OCCURRENCES_PER_DAY) return [`${prefix}.recurrence: ${norm.rule} starts more than ${MAX_OCCURRENCES_PER_DAY} times on ${date}; a window repeats at most ${MAX_OCCURRENCES_PER_DAY} times a day`];
    perDate.set(date, n);
  }
  for (let i = 1; i < walls.length; i++) {
    const prev = placed(c, walls[i - 1]!);
    const next = placed(c, walls[i]!);
    if (next.start < prev.end) {
      return [`${prefix}.end_time: each occurrence lasts ${duration(c.wallLen)} but ${local(walls[i - 1]!)} and ${local(walls[i]!)} start ${duration(walls[i]! - walls[i - 1]!)} apart, so they would overlap`];
    }
  }
  return [];
}
