/**
 * Caps and care (DESIGN §9, RESEARCH §3.4 and §3.6): a weekly hour cap (Crisis Text
 * Line asks for at most 12 h a week), a minimum rest between shifts (against
 * "clopening"), a limit of pages per shift after which the volunteer is handed back
 * (SRE practice: at most two incidents per shift), and a cool-down after a critical
 * incident. Pure: the caller gathers the volunteer's worked intervals.
 *
 * Vocabulary. *Worked* time is what the hours ledger counts: scheduled on-call shifts
 * and response time (acknowledge → resolve). Availability is when a volunteer MAY be
 * asked; it is not worked time. For paging, the *shift* is the availability window
 * containing the page (availability.shiftAt).
 */
import { Temporal } from 'temporal-polyfill';
import { clip, union, type Interval } from './availability.js';
import { say, word, type Wording } from '../lib/i18n/translate.js';

export interface Caps {
  weeklyHourCap: number;
  minRestHours: number;
  pagesPerShift: number;
  /** After responding to a critical incident, not paged again for this long. 0: no cool-down. */
  cooldownHours: number;
}

export const DEFAULT_CAPS: Caps = { weeklyHourCap: 12, minRestHours: 8, pagesPerShift: 2, cooldownHours: 24 };

export const HOUR_MS = 3_600_000;

/** Total length of the union of the intervals inside [from, to), in milliseconds (overlaps count once). */
export function coveredMs(intervals: readonly Interval[], from: number, to: number): number {
  return clip(union(intervals), from, to).reduce((s, i) => s + (i.end - i.start), 0);
}

/** The ISO week (Monday 00:00 to the next Monday 00:00, local) containing `at`, in `timeZone`. */
export function weekOf(at: number, timeZone: string): Interval {
  const z = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone);
  const monday = z.toPlainDate().subtract({ days: z.dayOfWeek - 1 });
  const start = monday.toZonedDateTime({ timeZone }).epochMilliseconds;
  const end = monday.add({ days: 7 }).toZonedDateTime({ timeZone }).epochMilliseconds;
  return { start, end };
}

export type RefusalReason = 'weekly_cap' | 'rest' | 'pages_per_shift' | 'cooldown';

export interface Refusal {
  reason: RefusalReason;
  message: string;
  /** The message as a wording, for timelines read in other languages. */
  words: Wording;
}

export interface PageState {
  at: number;
  /** The volunteer's zone: weeks are their weeks. */
  timeZone: string;
  /** The availability window containing `at` (availability.shiftAt). */
  shift: Interval;
  /** Pages already sent to this volunteer within `shift`. */
  pagesInShift: number;
  /** Worked intervals (scheduled shifts and responses), any order; an open response ends at `at`. */
  worked: readonly Interval[];
  /** When the volunteer's responses to critical incidents ended. */
  criticalEnds: readonly number[];
}

const hours = (ms: number) => Math.round((ms / HOUR_MS) * 10) / 10;
const fmtHours = (ms: number) => `${hours(ms)} h`;

/** A refusal in words that fit after the volunteer's name; `message` is its English. */
const refused = (reason: Refusal['reason'], words: Wording): Refusal => ({ reason, message: word('en', words), words });

/**
 * Why this volunteer must not be paged now, or null when they may be. Checked in
 * this order, so the message names the first cap in the way.
 */
export function pageRefusal(s: PageState, caps: Caps): Refusal | null {
  if (s.pagesInShift >= caps.pagesPerShift) {
    return refused('pages_per_shift', say('volunteer.cap.pagesPerShift', { pages: s.pagesInShift, limit: caps.pagesPerShift }));
  }
  const week = weekOf(s.at, s.timeZone);
  const used = coveredMs(s.worked, week.start, Math.min(week.end, s.at));
  if (used >= caps.weeklyHourCap * HOUR_MS) {
    return refused('weekly_cap', say('volunteer.cap.weekly', { hours: hours(used), cap: caps.weeklyHourCap }));
  }
  // Rest: the end of the last work that began before this shift, to now.
  const before = s.worked.filter((w) => w.start < s.shift.start && w.end <= s.at);
  const lastEnd = before.reduce((m, w) => Math.max(m, w.end), -Infinity);
  if (lastEnd > -Infinity && s.at - lastEnd < caps.minRestHours * HOUR_MS) {
    return refused('rest', say('volunteer.cap.rest', { hours: hours(s.at - lastEnd), min: caps.minRestHours }));
  }
  const lastCritical = s.criticalEnds.reduce((m, t) => Math.max(m, t), -Infinity);
  if (caps.cooldownHours > 0 && lastCritical > -Infinity && lastCritical <= s.at && s.at - lastCritical < caps.cooldownHours * HOUR_MS) {
    return refused('cooldown', say('volunteer.cap.cooldown', { hours: hours(s.at - lastCritical), cap: caps.cooldownHours }));
  }
  return null;
}

export interface ShiftWarning {
  cap: 'weekly_cap' | 'rest';
  message: string;
}

/**
 * What a coordinator is told BEFORE scheduling `proposed` for a volunteer who already
 * works `existing`: every week the shift touches that would go past the cap, and a
 * rest gap shorter than the minimum before or after it. Empty: within every cap.
 */
export function shiftWarnings(proposed: Interval, existing: readonly Interval[], timeZone: string, caps: Caps): ShiftWarning[] {
  const out: ShiftWarning[] = [];
  const all = [...existing, proposed];
  for (let week = weekOf(proposed.start, timeZone); week.start < proposed.end; week = weekOf(week.end, timeZone)) {
    const total = coveredMs(all, week.start, week.end);
    if (total > caps.weeklyHourCap * HOUR_MS) {
      const label = Temporal.Instant.fromEpochMilliseconds(week.start).toZonedDateTimeISO(timeZone).toPlainDate().toString();
      out.push({ cap: 'weekly_cap', message: `the week of ${label} would have ${fmtHours(total)} (cap ${caps.weeklyHourCap} h)` });
    }
  }
  const rest = caps.minRestHours * HOUR_MS;
  for (const w of union(existing)) {
    if (w.end <= proposed.start && proposed.start - w.end < rest) out.push({ cap: 'rest', message: `only ${fmtHours(proposed.start - w.end)} of rest after the previous shift (minimum ${caps.minRestHours} h)` });
    if (w.start >= proposed.end && w.start - proposed.end < rest) out.push({ cap: 'rest', message: `only ${fmtHours(w.start - proposed.end)} of rest before the next shift (minimum ${caps.minRestHours} h)` });
  }
  return out;
}

/** Caps from a profile's stored columns, falling back to the defaults. */
export function capsOf(row: { weekly_hour_cap: number | null; min_rest_hours: number | null; pages_per_shift: number | null; cooldown_hours: number | null }): Caps {
  return {
    weeklyHourCap: row.weekly_hour_cap ?? DEFAULT_CAPS.weeklyHourCap,
    minRestHours: row.min_rest_hours ?? DEFAULT_CAPS.minRestHours,
    pagesPerShift: row.pages_per_shift ?? DEFAULT_CAPS.pagesPerShift,
    cooldownHours: row.cooldown_hours ?? DEFAULT_CAPS.cooldownHours,
  };
}
