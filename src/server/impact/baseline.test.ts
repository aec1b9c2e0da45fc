import { describe, expect, it } from 'vitest';
import { at, DAY, edit, HOUR, local, MIN, NY, seriesFrom, WEEK } from '../../../test/impact/fixtures.js';
import {
  computeBaseline,
  DEFAULT_BASELINE_SETTINGS,
  dispersionAt,
  estimateDispersion,
  expectedBand,
  expectedIn,
  medianVarianceShare,
  sourceWeekStarts,
  windowPhi,
  type BaselineSettings,
  type DispersionPoint,
  type ReadyBaseline,
} from './baseline.js';
import { buildHistory, hourIndexAt, type MinuteSeries } from './history.js';
import { nbinomQuantile } from './nbinom.js';
import type { OpeningHours } from './opening-hours.js';
import type { TimeRange } from './range.js';

/** Level factor pinned to 1, to test the median on its own. */
const NO_LEVEL: BaselineSettings = { ...DEFAULT_BASELINE_SETTINGS, levelMin: 1, levelMax: 1 };

function ready(series: MinuteSeries, asOf: number, excluded: TimeRange[] = [], settings = DEFAULT_BASELINE_SETTINGS, hours?: OpeningHours) {
  const b = computeBaseline(buildHistory(series, NY, hours), { asOf, excluded, settings });
  if (b.mode !== 'ready') throw new Error(`expected a ready baseline, got ${b.mode}`);
  return b;
}

function hourExpected(b: ReadyBaseline, localStart: string, minutes = 60) {
  const start = at(localStart);
  return expectedIn(b, start, start + minutes * MIN);
}

describe('median of the same local hour over the last 4 clean weeks', () => {
  // Nine Mondays from 2025-09-01; the Monday 10:00 hour of week w runs at perMinute[w].
  const start = at('2025-09-01T00:00');
  const perMinute = [1, 1, 1, 1, 1, 2, 3, 10, 7];
  const mondayTen = (w: number) => start + w * WEEK + 10 * HOUR;
  const series = seriesFrom(start, 9 * 7 * 1440, (t) => {
    const w = Math.floor((t - start) / WEEK);
    return t >= mondayTen(w) && t < mondayTen(w) + HOUR ? perMinute[w]! : 1;
  });
  const asOf = mondayTen(8) + HOUR;

  it.each<{ name: string; excluded: TimeRange[]; want: number; weeksAgo: number[] }>([
    { name: 'plain: weeks 4–7 give 1, 2, 3, 10 → median 2.5/min', excluded: [], want: 150, weeksAgo: [1, 2, 3, 4] },
    {
      name: 'an incident in week 7 and a holiday on week 5’s Monday are skipped',
      excluded: [
        { start: mondayTen(7) + 15 * MIN, end: mondayTen(7) + 20 * MIN },
        { start: mondayTen(5) - 10 * HOUR, end: mondayTen(5) + 14 * HOUR },
      ],
      want: 60, // weeks 6, 4, 3, 2 → 3, 1, 1, 1 → median 1/min
      weeksAgo: [2, 4, 5, 6],
    },
  ])('$name', ({ excluded, want, weeksAgo }) => {
    const b = ready(series, asOf, excluded, NO_LEVEL);
    const e = expectedIn(b, mondayTen(8), mondayTen(8) + HOUR);
    expect(e.expected).toBeCloseTo(want, 9);
    expect(e.weeksAgo).toEqual(weeksAgo);
    expect(e.complete).toBe(true);
    // The weeks the median came from, as start instants a summary can cite.
    expect(sourceWeekStarts(b, mondayTen(8), e.weeksAgo)).toEqual([...weeksAgo].reverse().map((k) => mondayTen(8 - k)));
  });

  it('gives no baseline for an hour with fewer than 2 clean weeks (and says the sum is incomplete)', () => {
    const excluded = [4, 5, 6, 7].map((w) => ({ start: mondayTen(w), end: mondayTen(w) + HOUR }));
    const b = ready(series, asOf, [...excluded, { start: start, end: mondayTen(3) + HOUR }], NO_LEVEL);
    const e = expectedIn(b, mondayTen(8), mondayTen(8) + HOUR);
    expect(e.complete).toBe(false);
    expect(b.hour(hourIndexAt(b.history, mondayTen(8)))).toBeNull();
  });

  it('never reads data at or after asOf', () => {
    const b1 = ready(series, asOf, [], NO_LEVEL);
    const spoiled = edit(series, asOf, asOf + WEEK, () => 1000);
    const b2 = ready(spoiled, asOf, [], NO_LEVEL);
    expect([b2.level, b2.dispersion]).toEqual([b1.level, b1.dispersion]);
    expect(expectedIn(b2, mondayTen(8), mondayTen(8) + HOUR)).toEqual(expectedIn(b1, mondayTen(8), mondayTen(8) + HOUR));
  });
});

describe('learning mode', () => {
  const start = at('2025-09-01T00:00');
  it.each([
    { weeksOfData: 1, excluded: [] as TimeRange[], mode: 'learning', clean: 1 },
    { weeksOfData: 2, excluded: [], mode: 'ready', clean: 2 },
    // A week that is mostly an incident does not count as clean.
    { weeksOfData: 2, excluded: [{ start: start + DAY, end: start + 6 * DAY }], mode: 'learning', clean: 1 },
    { weeksOfData: 9, excluded: [], mode: 'ready', clean: 8 },
  ])('$weeksOfData weeks of data → $mode', ({ weeksOfData, excluded, mode, clean }) => {
    const series = seriesFrom(start, weeksOfData * 7 * 1440 + 60, () => 1);
    const b = computeBaseline(buildHistory(series, NY), { asOf: start + weeksOfData * WEEK + HOUR, excluded });
    expect(b.mode).toBe(mode);
    expect(b.cleanWeeks).toBe(clean);
  });
});

describe('level factor', () => {
  const start = at('2025-09-01T00:00');
  const asOf = start + 9 * WEEK;
  const lastWeek = start + 8 * WEEK - 6 * HOUR; // the level window: 7 days ending 6 h before asOf
  const base = seriesFrom(start, 9 * 7 * 1440, () => 2);

  it.each([
    { factor: 1, level: 1, raw: 1 },
    { factor: 1.2, level: 1.2, raw: 1.2 },
    { factor: 3, level: 1.5, raw: 3 }, // clamped up
    { factor: 0.2, level: 0.67, raw: 0.2 }, // clamped down
    { factor: 0.5, level: 0.67, raw: 0.5 },
  ])('a ×$factor last week gives L = $level', ({ factor, level, raw }) => {
    const series = edit(base, lastWeek, asOf, (c) => c * factor);
    const b = ready(series, asOf);
    expect(b.level).toBeCloseTo(level, 3);
    expect(b.levelRaw).toBeCloseTo(raw, 3); // (Σc + 1)/(Σb + 1) with Σb = 168 h × 120
    // E = L × median.
    expect(expectedIn(b, asOf - HOUR, asOf).expected).toBeCloseTo(level * 120, 2);
  });

  it('ignores the last 6 hours, so a current outage does not lower its own expectation', () => {
    const outage = edit(base, asOf - 5 * HOUR, asOf, () => 0);
    expect(ready(outage, asOf).level).toBe(ready(base, asOf).level);
    const older = edit(base, asOf - 30 * HOUR, asOf - 6 * HOUR, () => 0);
    expect(ready(older, asOf).level).toBeLessThan(1);
  });

  it('skips excluded hours in the level window', () => {
    const outage = edit(base, asOf - 30 * HOUR, asOf - 6 * HOUR, () => 0);
    expect(ready(outage, asOf, [{ start: asOf - 30 * HOUR, end: asOf - 6 * HOUR }]).level).toBe(1);
  });
});

describe('over-dispersion φ(x) as a function of volume', () => {
  // Seeded generator so the tests are reproducible.
  const seeded = (seed: number) => {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  };
  const gaussian = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

  describe('estimateDispersion (pure): recovers the variance model it is fed', () => {
    /**
     * 14 days of hours whose expected count follows a daily cycle from `low` to `high` an hour,
     * each observed with variance E·φ(x)·(1 + s(4)) (chance, plus the scatter of a 4-week
     * median), a fraction `outliers` of them with 25 times that variance (unrecorded incidents,
     * surges).
     */
    const points = (phiOf: (x: number) => number, low: number, high: number, seed: number, outliers = 0): DispersionPoint[] => {
      const rand = seeded(seed);
      const share = medianVarianceShare(4);
      return Array.from({ length: 14 * 24 }, (_, h) => {
        const x = low + (high - low) * (1 - Math.cos((2 * Math.PI * h) / 24)) / 2;
        const sd = Math.sqrt(x * phiOf(x) * (1 + share) * (rand() < outliers ? 25 : 1));
        return { perHour: x, expected: x, observed: Math.max(0, x + sd * gaussian(rand)), medianShare: share };
      });
    };
    // Bounds hold for seeds 1–40 (the test runs 1–3); truth in the comments.
    it.each<{ name: string; phiOf: (x: number) => number; low: number; high: number; outliers?: number; floor: [number, number]; at40: [number, number]; at600: [number, number] }>([
      // Poisson: φ = 1 at every volume (the median's share is taken out, not mistaken for noise).
      { name: 'Poisson', phiOf: () => 1, low: 40, high: 720, floor: [1, 1.05], at40: [1, 1.05], at600: [1, 1.35] },
      // Gamma-mixed Poisson per 5 minutes with shape 20 (the simulation's noise): φ = 1 + x/240,
      // so 1.17 at 40 an hour and 3.5 at 600.
      { name: 'NB2, k = 240 an hour', phiOf: (x) => 1 + x / 240, low: 40, high: 720, floor: [1, 1.05], at40: [1.1, 1.25], at600: [2.7, 4.4] },
      // Clumps of about 3 at every volume (a quasi-Poisson φ = 3): the floor is kept.
      { name: 'clumped, φ = 3 everywhere', phiOf: () => 3, low: 40, high: 720, floor: [1.7, 3.6], at40: [1.8, 3.6], at600: [2.4, 3.8] },
      // φ = 2 + x/300 (2.13 at 40, 4 at 600). A floor of 2 is not always told from 1 in 14 days;
      // then the slope carries it and the quiet hours get less than their due (φ(40) ≥ 1.2).
      { name: 'clumped and NB2, φ = 2 + x/300', phiOf: (x) => 2 + x / 300, low: 40, high: 720, floor: [1, 3], at40: [1.2, 3], at600: [3, 5.3] },
      // 3 % of hours with 25× the variance move the fit only a little (residuals are capped).
      { name: 'NB2 with 3 % outlying hours', phiOf: (x) => 1 + x / 240, low: 40, high: 720, outliers: 0.03, floor: [1, 1.05], at40: [1.1, 1.3], at600: [2.8, 4.9] },
      // One volume only: no slope can be told, the pooled value is used.
      { name: 'a flat service, φ = 2', phiOf: () => 2, low: 100, high: 100, floor: [1.6, 2.4], at40: [1.6, 2.4], at600: [1.6, 2.4] },
    ])('$name', ({ phiOf, low, high, outliers, floor, at40, at600 }) => {
      for (const seed of [1, 2, 3]) {
        const d = estimateDispersion(points(phiOf, low, high, seed, outliers), 10);
        expect(d.hours).toBe(336);
        expect(d.floor, `floor, seed ${seed}`).toBeGreaterThanOrEqual(floor[0]);
        expect(d.floor, `floor, seed ${seed}`).toBeLessThanOrEqual(floor[1]);
        expect(dispersionAt(d, 40), `φ(40), seed ${seed}`).toBeGreaterThanOrEqual(at40[0]);
        expect(dispersionAt(d, 40), `φ(40), seed ${seed}`).toBeLessThanOrEqual(at40[1]);
        expect(dispersionAt(d, 600), `φ(600), seed ${seed}`).toBeGreaterThanOrEqual(at600[0]);
        expect(dispersionAt(d, 600), `φ(600), seed ${seed}`).toBeLessThanOrEqual(at600[1]);
      }
    });

    it.each([
      { name: 'no hours → Poisson', pts: [] as DispersionPoint[], at: 500, want: 1 },
      { name: 'never below 1 (counts steadier than Poisson)', pts: Array.from({ length: 50 }, (_, i) => ({ perHour: 10 + i, expected: 10 + i, observed: 10 + i, medianShare: 0.3 })), at: 500, want: 1 },
      { name: 'never above the maximum', pts: Array.from({ length: 50 }, (_, i) => ({ perHour: 100, expected: 100, observed: i % 2 ? 300 : 0, medianShare: 0 })), at: 100, want: 10 },
    ])('$name', ({ pts, at, want }) => {
      expect(dispersionAt(estimateDispersion(pts, 10), at)).toBe(want);
    });
  });

  describe('s(K), the variance of a median of K values', () => {
    it.each([
      [1, 1],
      [2, 0.5], // the mean of two
      [4, 0.2975],
      [12, 0.1176],
      [20, Math.PI / 40], // large K: π/(2K)
    ])('s(%i) = %f', (k, want) => {
      expect(medianVarianceShare(k)).toBeCloseTo(want, 4);
    });
  });

  describe('computeBaseline: φ from the last 14 days of clean hours', () => {
    const start = at('2025-09-01T00:00');
    const asOf = start + 9 * WEEK;
    const poisson = (rand: () => number, lambda: number) => {
      let k = 0;
      let p = rand();
      const l = Math.exp(-lambda);
      while (p > l) {
        k++;
        p *= rand();
      }
      return k;
    };

    it.each([
      { name: 'constant counts → φ = 1 (never below)', count: () => () => 2, at: [120], lo: 1, hi: 1 },
      // Poisson noise: φ ≈ 1 once the scatter of the 4-week median is taken out.
      { name: 'Poisson noise → φ ≈ 1', count: () => { const r = seeded(42); return () => poisson(r, 1); }, at: [60], lo: 1, hi: 1.2 },
      // Whole minutes of 0 or 20 at random: variance far above the mean → clamped at 10.
      { name: 'very bursty counts → φ clamped to 10', count: () => { const r = seeded(43); return () => (r() < 0.05 ? 20 : 0); }, at: [60], lo: 10, hi: 10 },
    ])('$name', ({ count, at: xs, lo, hi }) => {
      const b = ready(seriesFrom(start, 9 * 7 * 1440, count()), asOf);
      for (const x of xs) {
        expect(dispersionAt(b.dispersion, x)).toBeGreaterThanOrEqual(lo);
        expect(dispersionAt(b.dispersion, x)).toBeLessThanOrEqual(hi);
      }
      expect(b.dispersion.hours).toBeGreaterThan(300); // 14 days of hours with E ≥ 5
    });

    it('is smaller at quiet hours than at busy ones when the rate wobbles (gamma-mixed Poisson)', () => {
      // A daily cycle from 0.1 to 10 a minute (6 to 600 an hour); every 5 minutes the rate is
      // multiplied by a Gamma(20, 1/20) draw (approximated by a lognormal with the same mean and
      // variance), so φ(x) = 1 + x/240 an hour.
      const rand = seeded(44);
      let factor = 1;
      const series = seriesFrom(start, 9 * 7 * 1440, (t) => {
        if (((t - start) / MIN) % 5 === 0) {
          const s2 = Math.log(1 + 1 / 20);
          factor = Math.exp(Math.sqrt(s2) * gaussian(rand) - s2 / 2);
        }
        const { hour } = local(t);
        const perMinute = 0.1 + 9.9 * (1 - Math.cos((2 * Math.PI * (hour - 4)) / 24)) / 2;
        return poisson(rand, perMinute * factor);
      });
      const b = ready(series, asOf);
      expect(b.dispersion.floor).toBeLessThan(1.3);
      expect(dispersionAt(b.dispersion, 30)).toBeLessThan(1.4); // truth 1.125
      expect(dispersionAt(b.dispersion, 600)).toBeGreaterThan(2.5); // truth 3.5
      expect(dispersionAt(b.dispersion, 600)).toBeLessThan(5);
    });

    it('uses only hours expecting at least 5 (none here → Poisson)', () => {
      const r = seeded(45);
      const b = ready(seriesFrom(start, 9 * 7 * 1440, () => (r() < 0.02 ? 1 : 0)), asOf);
      expect(b.dispersion.hours).toBe(0);
      expect(dispersionAt(b.dispersion, 100)).toBe(1);
    });
  });
});

describe('DST: slots are local hours (America/New_York)', () => {
  // 09:00 local is the busy hour (5/min); everything else 1/min.
  const busyAtNine = (t: number) => (local(t).hour === 9 ? 5 : 1);

  describe('November fall-back (2025-11-02)', () => {
    const start = at('2025-10-06T00:00');
    const end = at('2025-11-10T00:00');
    const series = seriesFrom(start, (end - start) / MIN, busyAtNine);
    const history = buildHistory(series, NY);

    it('indexes the repeated 01:00 as one 120-minute local hour in slot Sunday 01', () => {
      const i = hourIndexAt(history, at('2025-11-02T01:30'));
      const h = history.hours[i]!;
      expect(h.end - h.start).toBe(2 * HOUR);
      expect(h.slot).toBe(6 * 24 + 1);
      expect(history.hours[i + 1]!.start).toBe(Date.UTC(2025, 10, 2, 7)); // 02:00 EST
    });

    it.each([
      // After the change 09:00 EST is 14:00Z; before it 14:00Z was 10:00 EDT (1/min). A UTC-hour
      // baseline would expect 60 here; the local-hour one expects the 300 of the busy hour.
      ['Monday 09:00 EST', '2025-11-03T09:00', 60, 300],
      ['Monday 10:00 EST', '2025-11-03T10:00', 60, 60],
      ['Monday 08:00 EST', '2025-11-03T08:00', 60, 60],
      ['the repeated 01:00 (two real hours)', '2025-11-02T01:00', 120, 120],
    ])('%s expects the same local hour of earlier weeks', (_name, localStart, minutes, want) => {
      const b = ready(series, at('2025-11-03T12:00'));
      expect(hourExpected(b, localStart, minutes).expected).toBeCloseTo(want, 6);
    });

    it('cites the weeks by their own local 09:00', () => {
      const b = ready(series, at('2025-11-03T12:00'));
      const nine = at('2025-11-03T09:00');
      const weeks = sourceWeekStarts(b, nine, hourExpected(b, '2025-11-03T09:00').weeksAgo);
      expect(weeks).toEqual(['2025-10-06', '2025-10-13', '2025-10-20', '2025-10-27'].map((d) => at(`${d}T09:00`)));
      expect(weeks.map((t) => new Date(t).getUTCHours())).toEqual([13, 13, 13, 13]); // EDT
    });
  });

  describe('March spring-forward (2026-03-08)', () => {
    const start = at('2026-02-02T00:00');
    const end = at('2026-03-16T00:00');
    const series = seriesFrom(start, (end - start) / MIN, busyAtNine);

    it('skips the missing 02:00 hour and looks further back for it a week later', () => {
      const b = ready(series, at('2026-03-15T12:00'));
      const e = hourExpected(b, '2026-03-15T02:00');
      expect(e.weeksAgo).toEqual([2, 3, 4, 5]);
      expect(e.expected).toBeCloseTo(60, 6);
      expect(hourExpected(b, '2026-03-09T09:00').expected).toBeCloseTo(300, 6);
    });
  });
});

describe('opening hours: closed means expected 0', () => {
  const hours: OpeningHours = {
    timeZone: NY,
    rules: [
      {
        rrule:
          'DTSTART;TZID=America/New_York:20250901T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\nEXDATE;TZID=America/New_York:20251027T090000',
        durationMinutes: 8 * 60,
      },
    ],
  };
  const start = at('2025-09-01T00:00');
  const open = (t: number) => {
    const { hour, weekday } = local(t);
    return weekday <= 5 && hour >= 9 && hour < 17;
  };
  // 2/min while open, and a trickle of 1 per hour while closed (stray test traffic).
  const series = seriesFrom(start, 9 * 7 * 1440, (t) => (open(t) ? 2 : t % HOUR === 0 ? 1 : 0));

  it.each([
    ['a Saturday afternoon', '2025-11-01T14:00', 60, 0],
    ['a weekday night', '2025-10-29T03:00', 60, 0],
    ['an open hour', '2025-10-29T11:00', 60, 120],
    ['the hour around closing', '2025-10-29T16:30', 60, 60],
    ['a holiday closure (EXDATE)', '2025-10-27T11:00', 60, 0],
  ])('%s', (_name, localStart, minutes, want) => {
    const b = ready(series, at('2025-11-01T20:00'), [], NO_LEVEL, hours);
    expect(hourExpected(b, localStart, minutes).expected).toBeCloseTo(want, 6);
  });
});

describe('expectedBand', () => {
  it('is the NB 5 %–95 % band around ΣE with the volume-dependent φ of its hours', () => {
    const start = at('2025-09-01T00:00');
    const b = ready(
      seriesFrom(start, 9 * 7 * 1440, () => 3),
      start + 9 * WEEK,
    );
    const from = start + 9 * WEEK - DAY;
    const band = expectedBand(b, from, from + DAY);
    expect(band.expected).toBeCloseTo(3 * 1440, 6);
    const phi = windowPhi(expectedIn(b, from, from + DAY), false); // chance only: what the hours scatter by
    expect(phi).toBe(1); // noise-free history
    expect(band.low).toBe(nbinomQuantile(0.05, band.expected, phi));
    expect(band.high).toBe(nbinomQuantile(0.95, band.expected, phi));
    expect(band.low).toBeLessThan(band.expected);
    expect(band.high).toBeGreaterThan(band.expected);
  });
});
