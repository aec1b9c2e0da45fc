/** dropStart (src/server/impact/window.ts): where a drop began, table-driven on seeded series. */
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { baselineFor, historyStart } from '../../src/server/impact/impact.js';
import type { ReadyBaseline } from '../../src/server/impact/baseline.js';
import { dropStart } from '../../src/server/impact/window.js';
import { Generator, HOUR, MIN } from './synthetic.js';

const ZONE = 'America/New_York';
const NOW = DateTime.fromISO('2026-02-18T14:40', { zone: ZONE }).toMillis();

function series(peak: number, seed: number, dropFrom: number, keep: number) {
  const from = historyStart(NOW);
  const gen = new Generator(ZONE, peak, seed);
  const counts = new Float64Array((NOW - from) / MIN);
  for (const iv of gen.range(Math.ceil(from / (5 * MIN)) * 5 * MIN, NOW)) {
    const c = iv.start >= dropFrom ? Math.round(iv.count * keep) : iv.count;
    // Spread each 5-minute count evenly enough: all of it in its middle minute.
    const i = (iv.start + 2 * MIN - from) / MIN;
    if (i >= 0 && i < counts.length) counts[i] = c;
  }
  return { start: from, counts };
}

describe('dropStart', () => {
  const cases = [
    { name: 'total outage at 600/h', peak: 600, keep: 0, ago: 40 * MIN, tolerance: 5 * MIN },
    { name: '75 % drop at 240/h', peak: 240, keep: 0.25, ago: 30 * MIN, tolerance: 10 * MIN },
    { name: '60 % drop at 600/h over 2 h', peak: 600, keep: 0.4, ago: 2 * HOUR, tolerance: 10 * MIN },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const at = NOW - c.ago;
      const s = series(c.peak, 17, at, c.keep);
      const baseline = baselineFor({ series: s, timeZone: ZONE, now: NOW });
      expect(baseline.mode).toBe('ready');
      const start = dropStart(baseline as ReadyBaseline, s, { now: NOW, lookbackMs: 12 * HOUR });
      expect(start).not.toBeNull();
      expect(Math.abs(start! - at)).toBeLessThanOrEqual(c.tolerance);
    });
  }

  it('finds nothing (or only a few minutes) without a drop', () => {
    const s = series(600, 23, Infinity, 1);
    const baseline = baselineFor({ series: s, timeZone: ZONE, now: NOW }) as ReadyBaseline;
    const start = dropStart(baseline, s, { now: NOW, lookbackMs: 12 * HOUR });
    expect(start === null || NOW - start <= 15 * MIN).toBe(true);
  });
});
