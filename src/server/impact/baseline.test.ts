import { describe, expect, it } from 'vitest';
import { at, DAY, edit, HOUR, local, MIN, NY, seriesFrom, WEEK } from '../../../test/impact/fixtures.js';
import {
  computeBaseline,
  DEFAULT_BASELINE_SETTINGS,
  expectedBand,
  expectedIn,
  sourceWeekStarts,
  type BaselineSettings,
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
    expect([b2.level, b2.phi]).toEqual([b1.level, b1.phi]);
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

describe('over-dispersion φ', () => {
  const start = at('2025-09-01T00:00');
  const asOf = start + 9 * WEEK;
  // Seeded generator so the test is reproducible.
  const rand = (() => {
    let a = 42;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  })();
  const poisson = (lambda: number) => {
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
    { name: 'constant counts → φ = 1 (never below)', count: () => 2, lo: 1, hi: 1 },
    // Poisson noise: ≈ 1 plus the extra scatter of a 4-week median (about π/8).
    { name: 'Poisson noise → φ ≈ 1–2', count: () => poisson(1), lo: 1, hi: 2 },
    // Whole minutes of 0 or 20 at random: variance far above the mean → clamped at 10.
    { name: 'very bursty counts → φ clamped to 10', count: () => (rand() < 0.05 ? 20 : 0), lo: 10, hi: 10 },
  ])('$name', ({ count, lo, hi }) => {
    const b = ready(seriesFrom(start, 9 * 7 * 1440, count), asOf);
    expect(b.phi).toBeGreaterThanOrEqual(lo);
    expect(b.phi).toBeLessThanOrEqual(hi);
    expect(b.phiHours).toBeGreaterThan(300); // 14 days of hours with E ≥ 5
  });

  it('uses only hours expecting at least 5 (none here → Poisson)', () => {
    const b = ready(seriesFrom(start, 9 * 7 * 1440, () => (rand() < 0.02 ? 1 : 0)), asOf);
    expect(b.phiHours).toBe(0);
    expect(b.phi).toBe(1);
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
  it('is the NB 5 %–95 % band around ΣE with the same φ the detector uses', () => {
    const start = at('2025-09-01T00:00');
    const b = ready(
      seriesFrom(start, 9 * 7 * 1440, () => 3),
      start + 9 * WEEK,
    );
    const from = start + 9 * WEEK - DAY;
    const band = expectedBand(b, from, from + DAY);
    expect(band.expected).toBeCloseTo(3 * 1440, 6);
    expect(band.low).toBe(nbinomQuantile(0.05, band.expected, b.phi));
    expect(band.high).toBe(nbinomQuantile(0.95, band.expected, b.phi));
    expect(band.low).toBeLessThan(band.expected);
    expect(band.high).toBeGreaterThan(band.expected);
  });
});
