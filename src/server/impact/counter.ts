/**
 * Turning what services report into per-minute counts (DESIGN §8, RESEARCH §2.4 "c_t is the
 * count … derived from the service's counter as the increase per bucket").
 *
 * Services report either
 *   - a monotonic counter, sampled now and then ({at, counter}), or
 *   - a count per interval ({count, intervalStart, intervalSeconds}).
 * Both end up as whole-number counts per minute bucket, which is what the baseline and the
 * detector consume. Everything here is pure; instants are epoch milliseconds.
 */

export const MINUTE_MS = 60_000;

/** One scrape of a monotonic counter. */
export interface CounterSample {
  readonly at: number;
  readonly counter: number;
}

/** A count attributed to the interval [intervalStart, intervalStart + intervalSeconds·1000). */
export interface IntervalCount {
  readonly count: number;
  readonly intervalStart: number;
  readonly intervalSeconds: number;
}

/** The increase of a counter between two consecutive samples. */
export interface CounterIncrease {
  readonly start: number;
  readonly end: number;
  readonly increase: number;
  /** True when the counter went down, i.e. the process restarted and counted again from 0. */
  readonly reset: boolean;
}

/** One minute bucket: `minute` is the bucket's start (a multiple of 60 000 ms). */
export interface MinuteBucket {
  readonly minute: number;
  readonly count: number;
}

/**
 * Per-interval increases with Prometheus `increase` semantics: between consecutive samples
 * the increase is `b − a`, except when the counter dropped (a reset), in which case the new
 * value is the count since the reset (`b`, counted from 0). No extrapolation to window edges
 * is done: the first sample only establishes the starting value.
 *
 * Late or out-of-order samples are accepted: samples are ordered by `at` first. Duplicate
 * samples at the same instant keep the larger value (a retried scrape cannot lower a counter).
 * Non-finite or negative counter values are rejected with a RangeError.
 */
export function counterIncreases(samples: readonly CounterSample[]): CounterIncrease[] {
  for (const s of samples) {
    if (!Number.isFinite(s.at) || !Number.isFinite(s.counter) || s.counter < 0) {
      throw new RangeError(`counter sample must have a finite time and a finite counter ≥ 0: ${JSON.stringify(s)}`);
    }
  }
  const sorted = [...samples].sort((x, y) => x.at - y.at || y.counter - x.counter);
  const out: CounterIncrease[] = [];
  let prev: CounterSample | undefined;
  for (const s of sorted) {
    if (prev !== undefined && s.at === prev.at) continue; // duplicate scrape, larger kept
    if (prev !== undefined) {
      const reset = s.counter < prev.counter;
      out.push({ start: prev.at, end: s.at, increase: reset ? s.counter : s.counter - prev.counter, reset });
    }
    prev = s;
  }
  return out;
}

/** Counter increases expressed as interval counts, ready for {@link spreadToMinutes}. */
export function increasesToIntervals(increases: readonly CounterIncrease[]): IntervalCount[] {
  return increases.map((inc) => ({
    count: inc.increase,
    intervalStart: inc.start,
    intervalSeconds: (inc.end - inc.start) / 1000,
  }));
}

/**
 * Spread interval counts over the minute buckets they overlap, in proportion to the overlap,
 * as whole numbers whose sum equals the interval's count (largest-remainder rounding, ties to
 * the earlier minute, so the result is deterministic). Intervals of zero length put their
 * whole count into the minute containing their start. Counts from several intervals that land
 * in the same minute are added, so a report that arrives late merges into the same buckets it
 * would have filled on time (the operation is order-independent).
 *
 * Returns buckets sorted by minute, omitting minutes that received nothing.
 * Counts must be non-negative integers; anything else is a RangeError.
 */
export function spreadToMinutes(intervals: readonly IntervalCount[]): MinuteBucket[] {
  const acc = new Map<number, number>();
  for (const iv of intervals) addInterval(acc, iv);
  return [...acc.entries()].sort((a, b) => a[0] - b[0]).map(([minute, count]) => ({ minute, count }));
}

/** Add already-bucketed counts from several sources (e.g. a late batch) into one list. */
export function mergeBuckets(...lists: ReadonlyArray<readonly MinuteBucket[]>): MinuteBucket[] {
  const acc = new Map<number, number>();
  for (const list of lists) {
    for (const b of list) {
      if (b.minute % MINUTE_MS !== 0) throw new RangeError(`bucket minute ${b.minute} is not minute-aligned`);
      acc.set(b.minute, (acc.get(b.minute) ?? 0) + b.count);
    }
  }
  return [...acc.entries()].sort((a, b) => a[0] - b[0]).map(([minute, count]) => ({ minute, count }));
}

/** Monotonic counter samples straight to minute buckets. */
export function counterToMinutes(samples: readonly CounterSample[]): MinuteBucket[] {
  return spreadToMinutes(increasesToIntervals(counterIncreases(samples)));
}

function addInterval(acc: Map<number, number>, iv: IntervalCount): void {
  const { count, intervalStart, intervalSeconds } = iv;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`interval count must be a whole number ≥ 0, got ${count}`);
  if (!Number.isFinite(intervalStart) || !Number.isFinite(intervalSeconds) || intervalSeconds < 0) {
    throw new RangeError(`interval must have a finite start and a length ≥ 0: ${JSON.stringify(iv)}`);
  }
  if (count === 0) return;
  const start = intervalStart;
  const end = intervalStart + intervalSeconds * 1000;
  const firstMinute = Math.floor(start / MINUTE_MS) * MINUTE_MS;
  if (end <= start) {
    acc.set(firstMinute, (acc.get(firstMinute) ?? 0) + count);
    return;
  }
  const span = end - start;
  const shares: { minute: number; whole: number; remainder: number }[] = [];
  let assigned = 0;
  for (let m = firstMinute; m < end; m += MINUTE_MS) {
    const overlap = Math.min(end, m + MINUTE_MS) - Math.max(start, m);
    const exact = (count * overlap) / span;
    const whole = Math.floor(exact);
    shares.push({ minute: m, whole, remainder: exact - whole });
    assigned += whole;
  }
  // Hand out what rounding down left over to the largest remainders (stable: earlier first).
  // Float error in `exact` can make the leftover −1 or n; the modulo walk covers both.
  let leftover = count - assigned;
  const order = shares.map((_, i) => i).sort((i, j) => shares[j]!.remainder - shares[i]!.remainder || i - j);
  for (let n = 0; leftover > 0; n++, leftover--) shares[order[n % order.length]!]!.whole += 1;
  for (let n = order.length - 1; leftover < 0; n--) {
    const s = shares[order[((n % order.length) + order.length) % order.length]!]!;
    if (s.whole > 0) {
      s.whole -= 1;
      leftover++;
    }
  }
  for (const s of shares) if (s.whole > 0) acc.set(s.minute, (acc.get(s.minute) ?? 0) + s.whole);
}
