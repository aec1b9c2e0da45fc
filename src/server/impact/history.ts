/**
 * A service's per-minute counts, indexed by LOCAL hour in the service's IANA zone.
 *
 * RESEARCH §2.4: "Hour-of-week slots (168) use the service's own IANA time zone, so DST shifts
 * the slot and not the behaviour". A local hour here is the contiguous stretch of real time
 * during which the wall clock shows one (date, hour):
 *   - normally 60 minutes;
 *   - 120 minutes for the repeated hour on a fall-back night (01:00 EDT then 01:00 EST);
 *   - absent for the skipped hour on a spring-forward night (02:00 does not exist).
 * Rates are compared per open minute, so a 120-minute local hour lines up with the 60-minute
 * hours of other weeks without special cases.
 *
 * Each local hour carries a key = localDayNumber·24 + localHour, so "the same local hour k
 * weeks earlier" is simply key − 168·k. Nothing here reads the clock.
 */
import { IANAZone } from 'luxon';
import { MINUTE_MS } from './counter.js';
import { openFractionPerMinute, type OpeningHours } from './opening-hours.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
export const HOURS_PER_WEEK = 168;

/**
 * Dense per-minute counts: counts[i] is the count in [start + i·60 000, start + (i+1)·60 000).
 * `start` must be minute-aligned. NaN marks a minute with no report at all (RESEARCH §2.3:
 * missing data is not zero); such minutes are never used as baseline or as observations.
 */
export interface MinuteSeries {
  readonly start: number;
  readonly counts: ArrayLike<number>;
}

export interface LocalHour {
  /** localDayNumber·24 + localHour (localDayNumber = days since 1970-01-01 on the local calendar). */
  readonly key: number;
  /** Hour of week, 0 = Monday 00:00 local … 167 = Sunday 23:00 local. */
  readonly slot: number;
  /** Real-time extent, clipped to the series. */
  readonly start: number;
  readonly end: number;
}

export interface History {
  readonly timeZone: string;
  readonly start: number;
  /** Exclusive end of the series. */
  readonly end: number;
  readonly hours: readonly LocalHour[];
  /** Prefix sums over minutes (length minutes+1): counts (NaN as 0), missing minutes, open fraction. */
  readonly countPrefix: Float64Array;
  readonly missingPrefix: Float64Array;
  readonly openPrefix: Float64Array;
  readonly indexByKey: ReadonlyMap<number, number>;
}

/**
 * Index a series by local hour. Cost is one zone-offset lookup per hour plus one pass over the
 * minutes, so ten weeks take a few milliseconds.
 * Throws RangeError for an unknown zone or a series start that is not minute-aligned.
 */
export function buildHistory(series: MinuteSeries, timeZone: string, hours?: OpeningHours | null): History {
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) throw new RangeError(`unknown IANA time zone: ${timeZone}`);
  if (series.start % MINUTE_MS !== 0) throw new RangeError(`series start ${series.start} is not minute-aligned`);
  const n = series.counts.length;
  const start = series.start;
  const end = start + n * MINUTE_MS;

  const countPrefix = new Float64Array(n + 1);
  const missingPrefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const c = series.counts[i]!;
    const missing = Number.isNaN(c);
    countPrefix[i + 1] = countPrefix[i]! + (missing ? 0 : c);
    missingPrefix[i + 1] = missingPrefix[i]! + (missing ? 1 : 0);
  }
  const open = openFractionPerMinute(hours, start, n);
  const openPrefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) openPrefix[i + 1] = openPrefix[i]! + open[i]!;

  const offsetMs = (t: number) => zone.offset(t) * MINUTE_MS;
  const localHours: { key: number; slot: number; start: number; end: number }[] = [];
  const indexByKey = new Map<number, number>();
  let cur = start;
  let off = offsetMs(cur);
  while (cur < end) {
    const local = cur + off;
    const hourStartLocal = Math.floor(local / HOUR_MS) * HOUR_MS;
    let segEnd = cur + (hourStartLocal + HOUR_MS - local); // next local :00 if the offset holds
    let nextOff = offsetMs(segEnd);
    if (nextOff !== off) {
      // The offset changed in (cur, segEnd]: find the first minute with the new offset. For
      // almost every zone this is segEnd itself (transitions happen on the hour).
      let lo = cur;
      let hi = segEnd;
      while (hi - lo > MINUTE_MS) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
        if (mid <= lo) break;
        if (offsetMs(mid) === off) lo = mid;
        else hi = mid;
      }
      segEnd = hi;
      nextOff = offsetMs(segEnd);
    }
    const key = hourStartLocal / HOUR_MS;
    const clippedEnd = Math.min(segEnd, end);
    const last = localHours[localHours.length - 1];
    if (last !== undefined && last.key === key) {
      last.end = clippedEnd; // the repeated hour of a fall-back night
    } else {
      const day = Math.floor(hourStartLocal / DAY_MS);
      const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Monday
      const slot = weekday * 24 + (key - day * 24);
      indexByKey.set(key, localHours.length);
      localHours.push({ key, slot, start: cur, end: clippedEnd });
    }
    cur = segEnd;
    off = nextOff;
  }
  return { timeZone, start, end, hours: localHours, countPrefix, missingPrefix, openPrefix, indexByKey };
}

function minuteIndex(h: History, t: number): number {
  return Math.min(Math.max(Math.floor((t - h.start) / MINUTE_MS), 0), h.countPrefix.length - 1);
}

/** Observed count in [from, to) (minute resolution; clipped to the series; missing minutes as 0). */
export function countIn(h: History, from: number, to: number): number {
  return h.countPrefix[minuteIndex(h, to)]! - h.countPrefix[minuteIndex(h, from)]!;
}

/** Minutes in [from, to) with no report, plus minutes outside the series. */
export function missingIn(h: History, from: number, to: number): number {
  const outside = Math.max(0, Math.min(to, h.start) - from) + Math.max(0, to - Math.max(from, h.end));
  return h.missingPrefix[minuteIndex(h, to)]! - h.missingPrefix[minuteIndex(h, from)]! + outside / MINUTE_MS;
}

/** Open minutes in [from, to) (fractional when rules open mid-minute). */
export function openMinutesIn(h: History, from: number, to: number): number {
  return h.openPrefix[minuteIndex(h, to)]! - h.openPrefix[minuteIndex(h, from)]!;
}

/** Index into h.hours of the local hour containing instant t, or −1 outside the series. */
export function hourIndexAt(h: History, t: number): number {
  if (t < h.start || t >= h.end) return -1;
  let lo = 0;
  let hi = h.hours.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (h.hours[mid]!.start <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The local calendar date of a local-hour key, as {year, month (1-12), day}. */
export function localDateOfKey(key: number): { year: number; month: number; day: number } {
  const d = new Date(Math.floor(key / 24) * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
