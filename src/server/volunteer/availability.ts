/**
 * When a volunteer may be paged (DESIGN §9, RESEARCH §3.6 "Availability windows").
 *
 * A volunteer states recurring windows in THEIR OWN IANA zone, each an RFC 5545
 * recurrence rule (the RRULE value, e.g. `FREQ=WEEKLY;BYDAY=MO,WE`) with a local
 * start and end time ("19:00"–"23:00"). The rule is expanded by rrule-temporal in the
 * volunteer's zone, so 19:00 stays 19:00 in Berlin across Berlin's DST changes,
 * whatever the paging organization's zone does. The end is a wall-clock time too: a
 * 22:00–06:00 window is 9 hours long on the night Europe falls back. One-off
 * unavailability (holidays, illness) is cut out of the windows.
 *
 * Pure: no I/O, time comes in as arguments. Instants are epoch milliseconds and
 * intervals are half-open [start, end).
 */
import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import { parseTimestamp } from '../lib/timestamp.js';

export interface Interval {
  start: number;
  end: number;
}

export interface AvailabilityWindow {
  /** RFC 5545 RRULE value, without DTSTART (built from `from` and `start`): e.g. `FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR`. */
  rrule: string;
  /** Local start time 'HH:MM' in the volunteer's zone. */
  start: string;
  /** Local end time 'HH:MM'; at or before `start` means the next day (equal: 24 hours). */
  end: string;
  /** First local date of the rule, 'YYYY-MM-DD' (the DTSTART date). Absent: DEFAULT_FROM. */
  from?: string | null;
}

export interface Unavailability {
  start: number;
  end: number;
  reason?: string | null;
}

export interface Availability {
  /** The volunteer's own IANA zone, in which every window is read. */
  timeZone: string;
  windows: readonly AvailabilityWindow[];
  unavailable: readonly Unavailability[];
}

/** A Monday long ago: weekly rules start here unless they say otherwise (rrule-temporal jumps to the query window, so the age costs nothing). */
export const DEFAULT_FROM = '2024-01-01';
/** A window lasts at most a day of wall-clock time; +2 h covers a DST change inside it. */
const MAX_WINDOW_MS = 26 * 3_600_000;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ALLOWED_FREQ = new Set(['DAILY', 'WEEKLY', 'MONTHLY']);
/** Time comes from start/end; rule parts that would split a window into many are refused. */
const FORBIDDEN_PARTS = new Set(['BYHOUR', 'BYMINUTE', 'BYSECOND', 'DTSTART']);

export interface Issue {
  field: string;
  message: string;
}

export function isValidZone(zone: string): boolean {
  try {
    Temporal.Now.instant().toZonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`not a local time HH:MM: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The full RFC 5545 text of a window in a zone (DTSTART with TZID + RRULE), as stored in calendars. */
export function toRfc5545(w: AvailabilityWindow, timeZone: string): string {
  const date = (w.from ?? DEFAULT_FROM).replace(/-/g, '');
  const time = w.start.replace(':', '') + '00';
  return `DTSTART;TZID=${timeZone}:${date}T${time}\nRRULE:${w.rrule.trim().replace(/^RRULE:/i, '')}`;
}

const compiled = new Map<string, RRuleTemporal<Temporal.ZonedDateTime>>();

function compile(w: AvailabilityWindow, timeZone: string): RRuleTemporal<Temporal.ZonedDateTime> {
  const text = toRfc5545(w, timeZone);
  const hit = compiled.get(text);
  if (hit) return hit;
  const rule = new RRuleTemporal({ rruleString: text, temporal: Temporal });
  if (compiled.size > 5_000) compiled.clear();
  compiled.set(text, rule);
  return rule;
}

/** Every problem with untrusted availability, each naming its field; empty when valid. */
export function validateAvailability(a: { timeZone: string; windows: readonly AvailabilityWindow[] }, prefix = 'availability'): Issue[] {
  const issues: Issue[] = [];
  if (!isValidZone(a.timeZone)) issues.push({ field: `${prefix}.time_zone`, message: `${a.timeZone} is not an IANA time zone` });
  a.windows.forEach((w, i) => {
    const f = `${prefix}.windows[${i}]`;
    if (!HHMM.test(w.start)) issues.push({ field: `${f}.start`, message: 'must be a local time HH:MM' });
    if (!HHMM.test(w.end)) issues.push({ field: `${f}.end`, message: 'must be a local time HH:MM' });
    if (w.from != null && (!DATE.test(w.from) || parseTimestamp(w.from) === null)) issues.push({ field: `${f}.from`, message: 'must be a date YYYY-MM-DD' });
    const parts = new Map(
      w.rrule
        .trim()
        .replace(/^RRULE:/i, '')
        .split(';')
        .filter(Boolean)
        .map((p) => {
          const [k, v] = p.split('=');
          return [(k ?? '').toUpperCase(), v ?? ''] as const;
        }),
    );
    const freq = parts.get('FREQ');
    if (!freq || !ALLOWED_FREQ.has(freq.toUpperCase())) issues.push({ field: `${f}.rrule`, message: 'FREQ must be DAILY, WEEKLY or MONTHLY' });
    for (const k of parts.keys()) if (FORBIDDEN_PARTS.has(k)) issues.push({ field: `${f}.rrule`, message: `${k} is not allowed: the window's times come from start and end` });
    if (/[\r\n]/.test(w.rrule)) issues.push({ field: `${f}.rrule`, message: 'must be one RRULE value on one line' });
    if (issues.some((x) => x.field.startsWith(f)) || issues.some((x) => x.field.endsWith('time_zone'))) return;
    try {
      compile(w, a.timeZone).between(new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 0, 15)), true);
    } catch (err) {
      issues.push({ field: `${f}.rrule`, message: `is not a valid RFC 5545 rule: ${(err as Error).message}` });
    }
  });
  return issues;
}

/**
 * Each occurrence of each window overlapping [from, to), as a real interval (not
 * clipped, not merged), sorted by start. The window's local end is placed on the
 * occurrence's local date (or the next one), then read in the zone.
 */
export function occurrences(a: Pick<Availability, 'timeZone' | 'windows'>, from: number, to: number): Interval[] {
  if (!(from < to)) return [];
  const out: Interval[] = [];
  for (const w of a.windows) {
    const rule = compile(w, a.timeZone);
    const startMin = minutesOf(w.start);
    const endMin = minutesOf(w.end);
    const nextDay = endMin <= startMin;
    for (const occ of rule.between(new Date(from - MAX_WINDOW_MS), new Date(to), true)) {
      const start = occ.epochMilliseconds;
      let endDate = occ.toPlainDate();
      if (nextDay) endDate = endDate.add({ days: 1 });
      const end = endDate
        .toPlainDateTime({ hour: Math.floor(endMin / 60), minute: endMin % 60 })
        .toZonedDateTime(a.timeZone, { disambiguation: 'compatible' }).epochMilliseconds;
      if (end > from && start < to && end > start) out.push({ start, end });
    }
  }
  return out.sort((x, y) => x.start - y.start || x.end - y.end);
}

/** Sorted union of intervals; touching ones merge. */
export function union(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const { start, end } of sorted) {
    const last = out.at(-1);
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out;
}

/** `base` minus `cuts` (both any order); the result is sorted and merged. */
export function subtract(base: readonly Interval[], cuts: readonly Interval[]): Interval[] {
  const holes = union(cuts);
  const out: Interval[] = [];
  for (const b of union(base)) {
    let cursor = b.start;
    for (const h of holes) {
      if (h.end <= cursor || h.start >= b.end) continue;
      if (h.start > cursor) out.push({ start: cursor, end: h.start });
      cursor = Math.max(cursor, h.end);
      if (cursor >= b.end) break;
    }
    if (cursor < b.end) out.push({ start: cursor, end: b.end });
  }
  return out;
}

export function clip(intervals: readonly Interval[], from: number, to: number): Interval[] {
  return intervals.map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) })).filter((i) => i.start < i.end);
}

/** When the volunteer may be paged within [from, to): sorted, merged, unavailability cut out, clipped. */
export function availableWindows(a: Availability, range: { from: number; to: number }): Interval[] {
  return clip(subtract(occurrences(a, range.from, range.to), a.unavailable), range.from, range.to);
}

export function isAvailable(a: Availability, at: number): boolean {
  return availableWindows(a, { from: at, to: at + 1 }).length > 0;
}

/**
 * The volunteer's current shift for paging purposes: the availability occurrence
 * containing `at` (the earliest-starting one if windows overlap), minus
 * unavailability, as the piece that contains `at`. Null when not available. Pages
 * per shift are counted within it.
 */
export function shiftAt(a: Availability, at: number): Interval | null {
  const containing = occurrences(a, at, at + 1).filter((o) => o.start <= at && at < o.end);
  const first = containing[0];
  if (!first) return null;
  const pieces = subtract([first], a.unavailable);
  return pieces.find((p) => p.start <= at && at < p.end) ?? null;
}

export interface ZonedInterval {
  /** ISO 8601 with the offset of `timeZone`, e.g. 2026-03-09T11:00:00-07:00. */
  start: string;
  end: string;
  time_zone: string;
  /** Human reading, e.g. "Mon 9 Mar 11:00–15:00". */
  label: string;
}

const WEEKDAY = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTH = ['', 'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function zoned(ms: number, timeZone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone);
}

export function isoIn(ms: number, timeZone: string): string {
  return zoned(ms, timeZone).toString({ timeZoneName: 'never', smallestUnit: 'second' });
}

/** Intervals shown in another zone (a coordinator's, the organization's). */
export function showIn(intervals: readonly Interval[], timeZone: string): ZonedInterval[] {
  const hm = (z: Temporal.ZonedDateTime) => `${String(z.hour).padStart(2, '0')}:${String(z.minute).padStart(2, '0')}`;
  return intervals.map((i) => {
    const s = zoned(i.start, timeZone);
    const e = zoned(i.end, timeZone);
    const sameDay = Temporal.PlainDate.compare(s.toPlainDate(), e.toPlainDate()) === 0 || (e.hour === 0 && e.minute === 0 && e.epochMilliseconds - s.epochMilliseconds <= 86_400_000);
    const day = (z: Temporal.ZonedDateTime) => `${WEEKDAY[z.dayOfWeek]} ${z.day} ${MONTH[z.month]}`;
    const label = sameDay ? `${day(s)} ${hm(s)}–${hm(e)}` : `${day(s)} ${hm(s)} – ${day(e)} ${hm(e)}`;
    return { start: isoIn(i.start, timeZone), end: isoIn(i.end, timeZone), time_zone: timeZone, label };
  });
}
