/**
 * Opening hours as RFC 5545 recurrence rules (RESEARCH §1.6: HSDS schedules "are RFC 5545
 * RRULES"; §2.4 step 2: a service that is closed by schedule has expected = 0 and must not
 * alert).
 *
 * A rule is the iCalendar text of DTSTART (+ RRULE, optional EXDATE/RDATE lines) and a
 * duration: every occurrence opens the service for `durationMinutes` of elapsed time. Rules are
 * evaluated in their DTSTART's TZID (a floating DTSTART is read in `hours.timeZone`), with
 * rrule-temporal, so "09:00 on weekdays" stays 09:00 local across DST changes.
 *
 * The union of all rules' occurrences is when the service is open. `null`/`undefined` hours
 * mean always open. Pure apart from a memo of parsed rules keyed by the rule object.
 */
import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import { mergeRanges, overlapMs, type TimeRange } from './range.js';

export interface OpeningHoursRule {
  /** e.g. "DTSTART;TZID=America/New_York:20260105T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR" */
  readonly rrule: string;
  /** How long each occurrence is open, in minutes of elapsed time (> 0). */
  readonly durationMinutes: number;
}

export interface OpeningHours {
  /** The service's IANA zone; used for rules whose DTSTART has no TZID. */
  readonly timeZone: string;
  readonly rules: readonly OpeningHoursRule[];
}

const parsed = new WeakMap<OpeningHoursRule, RRuleTemporal<Temporal.ZonedDateTime>>();

function compile(rule: OpeningHoursRule, timeZone: string): RRuleTemporal<Temporal.ZonedDateTime> {
  const hit = parsed.get(rule);
  if (hit !== undefined) return hit;
  if (!(rule.durationMinutes > 0) || !Number.isFinite(rule.durationMinutes)) {
    throw new RangeError(`opening hours: durationMinutes must be a positive number, got ${rule.durationMinutes}`);
  }
  const compiled = new RRuleTemporal({ rruleString: rule.rrule, tzid: timeZone, temporal: Temporal });
  parsed.set(rule, compiled);
  return compiled;
}

/**
 * Throws (RangeError or the parser's error, naming the problem) if any rule is unusable.
 * Call it when a service's settings are saved so that bad rules never reach the engine.
 */
export function validateOpeningHours(hours: OpeningHours): void {
  for (const rule of hours.rules) compile(rule, hours.timeZone);
}

/**
 * When the service is open within [from, to): sorted, merged, clipped to the range.
 * With no hours at all the whole range is returned.
 */
export function openIntervals(hours: OpeningHours | null | undefined, from: number, to: number): TimeRange[] {
  if (to <= from) return [];
  if (hours == null) return [{ start: from, end: to }];
  const raw: TimeRange[] = [];
  for (const rule of hours.rules) {
    const rr = compile(rule, hours.timeZone);
    const durationMs = rule.durationMinutes * 60_000;
    // An occurrence that started up to one duration before `from` can still be open at `from`.
    for (const occ of rr.between(new Date(from - durationMs), new Date(to), true)) {
      const start = occ.epochMilliseconds;
      const end = start + durationMs;
      if (end > from && start < to) raw.push({ start: Math.max(start, from), end: Math.min(end, to) });
    }
  }
  return mergeRanges(raw);
}

/** Is the service open at instant `at`? */
export function isOpen(hours: OpeningHours | null | undefined, at: number): boolean {
  return openIntervals(hours, at, at + 1).length > 0;
}

/** Fraction of [slotStart, slotEnd) during which the service is open, in [0, 1]. */
export function openFraction(hours: OpeningHours | null | undefined, slotStart: number, slotEnd: number): number {
  if (slotEnd <= slotStart) return 0;
  let open = 0;
  for (const iv of openIntervals(hours, slotStart, slotEnd)) open += overlapMs(iv.start, iv.end, slotStart, slotEnd);
  return open / (slotEnd - slotStart);
}

/**
 * Open fraction of every minute in [start, start + minutes·60 000): one pass over the rules
 * for a whole series, which is how the baseline uses opening hours.
 */
export function openFractionPerMinute(hours: OpeningHours | null | undefined, start: number, minutes: number): Float64Array {
  const out = new Float64Array(minutes);
  if (hours == null) return out.fill(1);
  const end = start + minutes * 60_000;
  for (const iv of openIntervals(hours, start, end)) {
    const first = Math.floor((iv.start - start) / 60_000);
    const last = Math.ceil((iv.end - start) / 60_000);
    for (let i = Math.max(0, first); i < Math.min(minutes, last); i++) {
      const m = start + i * 60_000;
      out[i] = out[i]! + overlapMs(iv.start, iv.end, m, m + 60_000) / 60_000;
    }
  }
  return out;
}
