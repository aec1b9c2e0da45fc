import { describe, expect, it } from 'vitest';
import { at, HOUR, MIN, NY, WEEK } from '../../../test/impact/fixtures.js';
import {
  advance,
  baselineFor,
  counterToMinutes,
  estimatePeopleAffected,
  evaluateImpact,
  expectedBandFor,
  expectedIn,
  explain,
  historyStart,
  INITIAL_DETECTOR_STATE,
  resolveSettings,
  seriesFromBuckets,
  type CounterSample,
  type DetectorState,
} from './impact.js';

/**
 * End to end through the public API, the way the engine's impact module will call it: a
 * Prometheus-style counter scraped every 5 minutes (with a process restart), stored as minute
 * buckets, loaded back for [historyStart(now), now), evaluated every 5 minutes.
 */
describe('impact API end to end', () => {
  const outageStart = at('2025-12-01T10:00'); // a Monday morning
  const first = historyStart(outageStart + HOUR);
  const restart = at('2025-11-20T03:00');
  const samples: CounterSample[] = [];
  let counter = 1_000_000;
  for (let t = first; t <= outageStart + HOUR; t += 5 * MIN) {
    if (t === restart) counter = 25; // the exporter restarted and has counted 25 since
    else if (t > first && t <= outageStart) counter += 25; // 300 an hour; nothing after the outage starts
    samples.push({ at: t, counter });
  }
  const buckets = counterToMinutes(samples);
  const load = (now: number) => seriesFromBuckets(buckets, historyStart(now), now);
  const input = (now: number) => ({ series: load(now), timeZone: NY, now, metricName: 'Applications delivered' });

  it('historyStart covers the level/dispersion windows plus their 8-week look-back', () => {
    const now = at('2025-12-01T11:00');
    expect(now - historyStart(now)).toBeGreaterThanOrEqual(8 * WEEK + 14 * 24 * HOUR + 6 * HOUR);
    expect(historyStart(now) % MIN).toBe(0);
  });

  it('the counter reset is invisible; the outage opens one incident ten minutes after it is clear', () => {
    expect(samples.some((s) => s.at === restart && s.counter === 25)).toBe(true);
    // Every 5-minute interval before the outage carries its 25 units, the restart included.
    const restartMinute = seriesFromBuckets(buckets, restart - 5 * MIN, restart);
    expect(Array.from(restartMinute.counts).reduce((a, b) => a + b, 0)).toBe(25);
    let state: DetectorState = INITIAL_DETECTOR_STATE;
    const actions: string[] = [];
    let sentence = '';
    for (let now = outageStart - 30 * MIN; now <= outageStart + HOUR; now += 5 * MIN) {
      const evaluation = evaluateImpact(input(now));
      const step = advance(state, evaluation, resolveSettings());
      state = step.state;
      actions.push(`${(now - outageStart) / MIN}:${step.action}`);
      if (step.action === 'open_incident') sentence = explain(evaluation);
    }
    // The 15-minute window holds 75 expected; at +10 min it is 2/3 empty (p tiny, drop 67 % <
    // 80 %), at +15 it breaches, at +20 the second consecutive breach pages.
    expect(actions.filter((a) => a.endsWith('open_incident'))).toEqual(['20:open_incident']);
    expect(sentence).toBe(
      'Applications delivered dropped to 0 in the last 15 minutes against 75 expected (median of the weeks of 3 Nov, 10 Nov, 17 Nov and 24 Nov); ' +
        'a drop this large happens by chance practically never (less than once in a trillion hours).',
    );
  });

  it('people affected, with the incident kept out of its own baseline', () => {
    const now = outageStart + HOUR;
    const a = estimatePeopleAffected({ ...input(now), incident: { start: outageStart, end: now } });
    expect(a).not.toBeNull();
    expect(a!.label).toBe('contacts');
    expect(a!.shortfall.estimate).toBeCloseTo(300, 6);
    expect(a!.shortfall.low).toBeLessThan(300);
    expect(a!.shortfall.high).toBeGreaterThan(300);
  });

  it('the expected band for a day', () => {
    const now = outageStart;
    const band = expectedBandFor({ ...input(now), from: now - 24 * HOUR, to: now });
    expect(band!.expected).toBeCloseTo(24 * 300, 6);
    expect(band!.low).toBeLessThan(band!.expected);
    expect(band!.high).toBeGreaterThan(band!.expected);
  });

  it('a silence inside a maintenance window opens nothing; one that outlasts it pages once it is testable', () => {
    // The counts stop at outageStart; maintenance covers its first 30 minutes.
    const maintenance = [{ start: outageStart, end: outageStart + 30 * MIN }];
    let state: DetectorState = INITIAL_DETECTOR_STATE;
    const actions: string[] = [];
    let reason = '';
    for (let now = outageStart - 30 * MIN; now <= outageStart + HOUR; now += 5 * MIN) {
      const evaluation = evaluateImpact({ ...input(now), maintenance });
      const step = advance(state, evaluation, resolveSettings());
      state = step.state;
      if (step.action !== 'none') actions.push(`${(now - outageStart) / MIN}:${step.action}`);
      if (now === outageStart + 20 * MIN) reason = explain(evaluation);
    }
    expect(reason).toBe('Applications delivered cannot be tested for a silent drop right now: a maintenance window covers the recent minutes.');
    // From +45 the 15-minute window [+30, +45) lies after the window and breaches; the second breach pages.
    expect(actions).toEqual(['50:open_incident']);
  });

  it('maintenance is kept out of baselines exactly as an excluded range', () => {
    const now = outageStart;
    const lastWeek = [{ start: outageStart - WEEK - 2 * HOUR, end: outageStart - WEEK + 2 * HOUR }];
    const figures = (b: ReturnType<typeof baselineFor>) => (b.mode === 'ready' ? { weeks: b.cleanWeeks, band: expectedIn(b, now - HOUR, now) } : null);
    const withMaintenance = figures(baselineFor({ ...input(now), maintenance: lastWeek }));
    expect(withMaintenance).not.toBeNull();
    expect(withMaintenance).toEqual(figures(baselineFor({ ...input(now), excluded: lastWeek })));
    // Last week's hours around this time are left out: the median comes from other weeks.
    expect(withMaintenance!.band.weeksAgo).not.toEqual(figures(baselineFor(input(now)))!.band.weeksAgo);
  });
});
