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
  /** Per local hour (parallel to `hours`): observed count, open minutes, and count per open
   *  minute — NaN when the hour has a missing minute or was closed throughout. */
  readonly hourCount: Float64Array;
  readonly hourOpen: Float64Array;
  readonly hourRate: Float64Array;
  /** keyIndex[key − firstKey] = index into `hours`, or −1. Use {@link indexOfKey}. */
  readonly firstKey: number;
  readonly keyIndex: Int32Array;
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
      localHours.push({ key, slot, start: cur, end: clippedEnd });
    }
    cur = segEnd;
    off = nextOff;
  }
  const firstKey = localHours[0]?.key ?? 0;
  const keyIndex = new Int32Array(localHours.length === 0 ? 0 : localHours[localHours.length - 1]!.key - firstKey + 1).fill(-1);
  const hourCount = new Float64Array(localHours.length);
  const hourOpen = new Float64Array(localHours.length);
  const hourRate = new Float64Array(localHours.length);
  const partial = { start, countPrefix, missingPrefix, openPrefix };
  localHours.forEach((lh, i) => {
    keyIndex[lh.key - firstKey] = i;
    hourCount[i] = countIn(partial, lh.start, lh.end);
    hourOpen[i] = openMinutesIn(partial, lh.start, lh.end);
    const usable = missingIn({ ...partial, end }, lh.start, lh.end) === 0 && hourOpen[i]! > 0;
    hourRate[i] = usable ? hourCount[i]! / hourOpen[i]! : NaN;
  });
  return {
    timeZone,
    start,
    end,
    hours: localHours,
    countPrefix,
    missingPrefix,
    openPrefix,
    hourCount,
    hourOpen,
    hourRate,
    firstKey,
    keyIndex,
  };
}

/** Index into h.hours of the local hour with this key, or −1 (outside, or a skipped DST hour). */
export function indexOfKey(h: History, key: number): number {
  const i = key - h.firstKey;
  return i >= 0 && i < h.keyIndex.length ? h.keyIndex[i]! : -1;
}

type Prefixes = Pick<History, 'start' | 'countPrefix' | 'missingPrefix' | 'openPrefix'>;

function minuteIndex(h: Prefixes, t: number): number {
  return Math.min(Math.max(Math.floor((t - h.start) / MINUTE_MS), 0), h.countPrefix.length - 1);
}

/** Observed count in [from, to) (minute resolution; clipped to the series; missing minutes as 0). */
export function countIn(h: Prefixes, from: number, to: number): number {
  return h.countPrefix[minuteIndex(h, to)]! - h.countPrefix[minuteIndex(h, from)]!;
}

/** Minutes in [from, to) with no report, plus minutes outside the series. */
export function missingIn(h: Prefixes & Pick<History, 'end'>, from: number, to: number): number {
  const outside = Math.max(0, Math.min(to, h.start) - from) + Math.max(0, to - Math.max(from, h.end));
  return h.missingPrefix[minuteIndex(h, to)]! - h.missingPrefix[minuteIndex(h, from)]! + outside / MINUTE_MS;
}

/** Open minutes in [from, to) (fractional when rules open mid-minute). */
export function openMinutesIn(h: Prefixes, from: number, to: number): number {
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

/**
 * Dense series over [from, to) from sparse minute buckets (e.g. rows of impact samples).
 * Minutes without a bucket are 0: a source that reports counts sends nothing when nothing
 * happened. Pass `missing` ranges (e.g. while the counter was not scraped) to mark them NaN.
 */
export function seriesFromBuckets(
  buckets: ReadonlyArray<{ readonly minute: number; readonly count: number }>,
  from: number,
  to: number,
  missing: ReadonlyArray<{ readonly start: number; readonly end: number }> = [],
): MinuteSeries {
  if (from % MINUTE_MS !== 0 || to % MINUTE_MS !== 0) throw new RangeError('seriesFromBuckets: from and to must be minute-aligned');
  const n = Math.max(0, (to - from) / MINUTE_MS);
  const counts = new Float64Array(n);
  for (const b of buckets) {
    const i = (b.minute - from) / MINUTE_MS;
    if (i >= 0 && i < n && Number.isInteger(i)) counts[i] = counts[i]! + b.count;
  }
  for (const r of missing) {
    const a = Math.max(0, Math.floor((r.start - from) / MINUTE_MS));
    const z = Math.min(n, Math.ceil((r.end - from) / MINUTE_MS));
    for (let i = a; i < z; i++) counts[i] = NaN;
  }
  return { start: from, counts };
}
