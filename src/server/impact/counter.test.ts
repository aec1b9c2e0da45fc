import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterIncreases, counterToMinutes, mergeBuckets, spreadToMinutes, type IntervalCount } from './counter.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0);
const MIN = 60_000;

describe('counterIncreases (Prometheus increase semantics)', () => {
  it.each([
    { name: 'steady growth', counters: [100, 110, 130], want: [10, 20], resets: [false, false] },
    { name: 'a drop is a reset: the new value counts from 0', counters: [100, 110, 4, 9], want: [10, 4, 5], resets: [false, true, false] },
    { name: 'reset to exactly 0', counters: [50, 0, 3], want: [0, 3], resets: [true, false] },
    { name: 'two resets in a row', counters: [50, 7, 2], want: [7, 2], resets: [true, true] },
    { name: 'flat counter', counters: [5, 5, 5], want: [0, 0], resets: [false, false] },
  ])('$name', ({ counters, want, resets }) => {
    const samples = counters.map((counter, i) => ({ at: T0 + i * MIN, counter }));
    const inc = counterIncreases(samples);
    expect(inc.map((x) => x.increase)).toEqual(want);
    expect(inc.map((x) => x.reset)).toEqual(resets);
    expect(inc.map((x) => [x.start, x.end])).toEqual(want.map((_, i) => [T0 + i * MIN, T0 + (i + 1) * MIN]));
  });

  it('late (out-of-order) samples give the same increases as in-order ones', () => {
    const inOrder = [0, 5, 12, 3, 8].map((counter, i) => ({ at: T0 + i * 30_000, counter }));
    const shuffled = [inOrder[3]!, inOrder[0]!, inOrder[4]!, inOrder[2]!, inOrder[1]!];
    expect(counterIncreases(shuffled)).toEqual(counterIncreases(inOrder));
  });

  it('a duplicated (retried) scrape is counted once, keeping the larger value', () => {
    const samples = [
      { at: T0, counter: 10 },
      { at: T0 + MIN, counter: 15 },
      { at: T0 + MIN, counter: 15 },
      { at: T0 + 2 * MIN, counter: 20 },
    ];
    expect(counterIncreases(samples).map((x) => x.increase)).toEqual([5, 5]);
  });

  it('rejects nonsense', () => {
    expect(() => counterIncreases([{ at: T0, counter: -1 }])).toThrow(RangeError);
    expect(() => counterIncreases([{ at: Number.NaN, counter: 1 }])).toThrow(RangeError);
  });

  it('needs two samples for an increase', () => {
    expect(counterIncreases([])).toEqual([]);
    expect(counterIncreases([{ at: T0, counter: 7 }])).toEqual([]);
  });
});

describe('spreadToMinutes', () => {
  it.each([
    { name: 'one minute, aligned', iv: { count: 7, intervalStart: T0, intervalSeconds: 60 }, want: [[T0, 7]] },
    {
      name: '5-minute interval, even split',
      iv: { count: 10, intervalStart: T0, intervalSeconds: 300 },
      want: [0, 1, 2, 3, 4].map((i) => [T0 + i * MIN, 2]),
    },
    {
      name: '5-minute interval, remainder to the earliest minutes',
      iv: { count: 7, intervalStart: T0, intervalSeconds: 300 },
      want: [
        [T0, 2],
        [T0 + MIN, 2],
        [T0 + 2 * MIN, 1],
        [T0 + 3 * MIN, 1],
        [T0 + 4 * MIN, 1],
      ],
    },
    {
      name: 'unaligned interval: proportional to the overlap',
      iv: { count: 4, intervalStart: T0 + 45_000, intervalSeconds: 120 }, // 15 s, 60 s, 45 s
      want: [
        [T0, 1], // 0.5 → 0, largest remainders win
        [T0 + MIN, 2],
        [T0 + 2 * MIN, 1], // 1.5 → 1
      ],
    },
    { name: 'zero-length interval lands in its minute', iv: { count: 3, intervalStart: T0 + 10_000, intervalSeconds: 0 }, want: [[T0, 3]] },
    { name: 'zero count produces nothing', iv: { count: 0, intervalStart: T0, intervalSeconds: 600 }, want: [] },
  ])('$name', ({ iv, want }) => {
    const got = spreadToMinutes([iv]).map((b) => [b.minute, b.count]);
    expect(got).toEqual(want);
  });

  it('keeps the sum, gives whole numbers, and never leaves the interval (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            count: fc.integer({ min: 0, max: 10_000 }),
            intervalStart: fc.integer({ min: T0, max: T0 + 3_600_000 }),
            intervalSeconds: fc.integer({ min: 0, max: 7_200 }),
          }),
          { maxLength: 20 },
        ),
        (intervals: IntervalCount[]) => {
          const buckets = spreadToMinutes(intervals);
          const total = intervals.reduce((a, b) => a + b.count, 0);
          if (buckets.reduce((a, b) => a + b.count, 0) !== total) return false;
          for (const b of buckets) {
            if (!Number.isInteger(b.count) || b.count <= 0 || b.minute % MIN !== 0) return false;
            const inside = intervals.some(
              (iv) => iv.count > 0 && b.minute + MIN > iv.intervalStart && b.minute <= iv.intervalStart + iv.intervalSeconds * 1000,
            );
            if (!inside) return false;
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a late report merges into the same buckets it would have filled on time', () => {
    const onTime: IntervalCount[] = [
      { count: 30, intervalStart: T0, intervalSeconds: 300 },
      { count: 12, intervalStart: T0 + 300_000, intervalSeconds: 300 },
      { count: 7, intervalStart: T0 + 600_000, intervalSeconds: 300 },
    ];
    const first = spreadToMinutes([onTime[0]!, onTime[2]!]); // the middle report arrives late
    const late = spreadToMinutes([onTime[1]!]);
    expect(mergeBuckets(first, late)).toEqual(spreadToMinutes(onTime));
  });

  it('rejects fractional or negative counts', () => {
    expect(() => spreadToMinutes([{ count: 1.5, intervalStart: T0, intervalSeconds: 60 }])).toThrow(RangeError);
    expect(() => spreadToMinutes([{ count: -2, intervalStart: T0, intervalSeconds: 60 }])).toThrow(RangeError);
  });
});

describe('counterToMinutes', () => {
  it('turns scrapes with a reset into minute counts whose total is the real number of events', () => {
    // Scraped every 2 minutes; the process restarts between the 3rd and 4th scrape.
    const samples = [
      { at: T0, counter: 1000 },
      { at: T0 + 2 * MIN, counter: 1010 },
      { at: T0 + 4 * MIN, counter: 1030 },
      { at: T0 + 6 * MIN, counter: 6 },
      { at: T0 + 8 * MIN, counter: 10 },
    ];
    const buckets = counterToMinutes(samples);
    expect(buckets.map((b) => [(b.minute - T0) / MIN, b.count])).toEqual([
      [0, 5],
      [1, 5],
      [2, 10],
      [3, 10],
      [4, 3],
      [5, 3],
      [6, 2],
      [7, 2],
    ]);
    expect(buckets.reduce((a, b) => a + b.count, 0)).toBe(10 + 20 + 6 + 4);
  });
});
