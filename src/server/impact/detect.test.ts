import { describe, expect, it } from 'vitest';
import { at, edit, HOUR, local, MIN, NY, seriesFrom, WEEK } from '../../../test/impact/fixtures.js';
import { computeBaseline, medianVarianceShare } from './baseline.js';
import { nbinomCdf } from './nbinom.js';
import {
  advance,
  DEFAULT_DETECTOR_SETTINGS,
  evaluate,
  explain,
  INITIAL_DETECTOR_STATE,
  resolveSettings,
  type ActiveEvaluation,
  type DetectorAction,
  type DetectorSettings,
  type Evaluation,
} from './detect.js';
import { buildHistory, type MinuteSeries } from './history.js';
import type { OpeningHours } from './opening-hours.js';

const NOW = at('2025-11-30T15:00'); // a Sunday; the same hour on 2, 9, 16 and 23 Nov
const START = NOW - 9 * WEEK;

/** Units in minute t when `perHour` (≤ 60) units an hour are spread as evenly as whole minutes allow. */
function evenly(perHour: number, t: number): number {
  const m = ((t - START) / MIN) % 60;
  return Math.floor(((m + 1) * perHour) / 60) - Math.floor((m * perHour) / 60);
}

function steady(perHour: number, from = START, to = NOW): MinuteSeries {
  return seriesFrom(from, (to - from) / MIN, (t) => evenly(perHour, t));
}

/** Keep only `keep` units in [from, NOW). */
function thin(series: MinuteSeries, from: number, keep: number): MinuteSeries {
  let left = keep;
  return edit(series, from, NOW, (c) => {
    const v = Math.min(c, left);
    left -= v;
    return v;
  });
}

function run(series: MinuteSeries, settings: DetectorSettings = DEFAULT_DETECTOR_SETTINGS, now = NOW, hours?: OpeningHours): Evaluation {
  const baseline = computeBaseline(buildHistory(series, NY, hours), { asOf: now, settings: settings.baseline });
  return evaluate(baseline, { now, settings, metricName: 'Conversations answered' });
}

function active(e: Evaluation): ActiveEvaluation {
  if (e.mode !== 'active') throw new Error(`expected an active evaluation, got ${e.mode}`);
  return e;
}

describe('evaluate: when does a window breach?', () => {
  // 4 units a minute: E = 60 (15 min), 240 (1 h), 720 (3 h), 2880 (12 h); φ = 1 (no noise).
  const flat = seriesFrom(START, (NOW - START) / MIN, () => 4);
  const lastMinutes = (m: number, f: (c: number, t: number) => number) => edit(flat, NOW - m * MIN, NOW, f);

  // `worst` is checked for breaches only. Drops or rises older than 6 h also move the level
  // factor (the method's intent), so E is only checked for the short cases.
  it.each<{ name: string; series: MinuteSeries; page: boolean; watch: boolean; worst?: number; levelUnchanged: boolean }>([
    { name: 'normal traffic', series: flat, page: false, watch: false, levelUnchanged: true },
    { name: 'total outage for 15 minutes', series: lastMinutes(15, () => 0), page: true, watch: true, worst: 15, levelUnchanged: true },
    // 16 of 60 is a 73 % drop: wildly significant, but below the 80 % minimum drop of the
    // 15-minute window, and too small to move the longer windows past theirs.
    {
      name: 'a significant but small drop (min-drop guard)',
      series: lastMinutes(15, (_c, t) => (t < NOW - 11 * MIN ? 4 : 0)),
      page: false,
      watch: false,
      levelUnchanged: true,
    },
    { name: 'half the traffic for an hour', series: lastMinutes(60, () => 2), page: true, watch: true, worst: 60, levelUnchanged: true },
    { name: 'a 25 % drop for 12 hours', series: lastMinutes(720, () => 3), page: true, watch: true, worst: 720, levelUnchanged: false },
    { name: 'a rise never breaches', series: lastMinutes(720, () => 12), page: false, watch: false, levelUnchanged: false },
  ])('$name', ({ series, page, watch, worst, levelUnchanged }) => {
    const e = active(run(series));
    expect(e.breachPage).toBe(page);
    expect(e.breachWatch).toBe(watch);
    if (worst !== undefined) expect(e.worst?.minutes).toBe(worst);
    if (levelUnchanged) expect(e.windows.map((w) => w.expected)).toEqual([60, 240, 720, 2880].map((x) => expect.closeTo(x, 6)));
  });

  it('reports every window with its numbers', () => {
    const e = active(run(lastMinutes(15, () => 0)));
    const w15 = e.windows[0]!;
    expect(w15).toMatchObject({ minutes: 15, minDrop: 0.8, observed: 0, eligible: true, breachPage: true, start: NOW - 15 * MIN, end: NOW });
    // Noise-free history: φ(x) = 1, plus the median's share for a quarter of an hour, s(4)/4.
    expect(w15.phi).toBeCloseTo(1 + medianVarianceShare(4) / 4, 12);
    expect(w15.p).toBe(nbinomCdf(0, 60, w15.phi));
    expect(w15.p).toBeLessThan(1e-25); // e^−60 ≈ 8.8e-27 for Poisson
    expect(w15.drop).toBeCloseTo(1, 12);
  });

  it('needs E ≥ minExpected: a significant total outage is not tested when too little is expected', () => {
    const e = active(run(edit(steady(32), NOW - 15 * MIN, NOW, () => 0))); // E₁₅ = 8
    expect(e.windows[0]).toMatchObject({ observed: 0, eligible: false, ineligibleReason: 'low_expected', breachWatch: false });
    expect(e.windows[0]!.p).toBeLessThan(1e-3); // e^−8 ≈ 3.4e-4
  });

  it('does not count missing minutes as zero', () => {
    const e = active(run(lastMinutes(15, () => Number.NaN)));
    expect(e.windows.every((w) => w.ineligibleReason === 'missing_data')).toBe(true);
    expect(e.breachWatch).toBe(false);
    expect(explain(e)).toBe('Conversations answered cannot be tested for a silent drop right now: some recent minutes have no reported data.');
  });

  it('with a reporting lag, the not-yet-reported minutes are not read (late data is no outage)', () => {
    // Counts for the last 10 minutes have not arrived yet (stored as 0 so far).
    const late = lastMinutes(10, () => 0);
    const settings = resolveSettings({ reportingLagMs: 10 * MIN });
    expect(active(run(late, settings)).breachWatch).toBe(false);
    expect(active(run(late, settings)).windows[0]!.end).toBe(NOW - 10 * MIN);
    expect(active(run(lastMinutes(25, () => 0), settings)).breachPage).toBe(true);
  });

  it('every threshold is a setting', () => {
    const outage = lastMinutes(15, () => 0);
    expect(active(run(outage, resolveSettings({ minExpected: 100 }))).windows[0]!.eligible).toBe(false);
    expect(active(run(outage, resolveSettings({ alphaPage: 1e-40 }))).breachPage).toBe(false);
    const onlyHour = resolveSettings({ windows: [{ minutes: 60, minDrop: 0.5 }] });
    expect(active(run(outage, onlyHour)).windows).toHaveLength(1);
  });
});

describe('evaluate: modes', () => {
  it('learning with fewer than 2 clean weeks', () => {
    const e = run(steady(41, NOW - WEEK - HOUR));
    expect(e.mode).toBe('learning');
    expect(explain(e)).toBe(
      'Conversations answered has 1 clean week of history so far; silent-drop detection starts once 2 clean weeks are available.',
    );
  });

  it('insufficient volume when no window can ever reach E ≥ 10, with a heartbeat suggestion', () => {
    // One unit every 3 hours: at most 4 in any 12 hours.
    const tiny = seriesFrom(START, (NOW - START) / MIN, (t) => (((t - START) / MIN) % 180 === 0 ? 1 : 0));
    const e = run(tiny);
    expect(e.mode).toBe('insufficient_volume');
    if (e.mode !== 'insufficient_volume') return;
    expect(e.maxWindowExpected).toBeCloseTo(4, 6);
    expect(explain(e)).toBe(
      'Conversations answered is too small to test for silent drops: at most 4 expected in any 12-hour window, below the 10 ' +
        'needed to tell a silent drop from chance; add a heartbeat or a synthetic end-to-end check for this service.',
    );
    expect(advance(INITIAL_DETECTOR_STATE, e).action).toBe('insufficient_volume');
  });

  it('a service closed right now is active but untested, not "insufficient"', () => {
    const hours: OpeningHours = {
      timeZone: NY,
      rules: [{ rrule: 'DTSTART;TZID=America/New_York:20250901T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', durationMinutes: 480 }],
    };
    const officeOnly = seriesFrom(START, (NOW - START) / MIN, (t) => {
      const { hour, weekday } = local(t);
      return weekday <= 5 && hour >= 9 && hour < 17 ? 2 : 0;
    });
    const e = active(run(officeOnly, DEFAULT_DETECTOR_SETTINGS, NOW, hours)); // Sunday afternoon
    expect(e.worst).toBeNull();
    expect(e.windows.map((w) => w.expected)).toEqual([0, 0, 0, 0]);
    expect(explain(e)).toBe('Conversations answered cannot be tested for a silent drop right now: fewer than 10 are expected in every window.');
  });
});

describe('explain', () => {
  it('one sentence for a paging drop: observed, expected, the weeks, how unlikely', () => {
    const e = active(run(thin(steady(41), NOW - HOUR, 3)));
    expect(e.breachPage).toBe(true);
    expect(explain(e)).toBe(
      'Conversations answered dropped to 3 in the last hour against 41 expected (median of the weeks of 2 Nov, 9 Nov, 16 Nov and 23 Nov); ' +
        'a drop this large happens by chance about once in 660 billion hours.', // 1/P(X ≤ 3 | NB mean 41, φ = 1 + s(4)) = 6.55e11 (jStat)
    );
  });

  it('says how often by chance, in words', () => {
    // 12 of 41 in the last hour is a 71 % drop. φ(x) = 1 here (noise-free history); the window
    // is one whole hour, so the median's share adds s(4) ≈ 0.30: φ = 1.30.
    const e = active(run(thin(steady(41), NOW - HOUR, 12)));
    expect(e.worst?.minutes).toBe(60);
    expect(e.phi).toBeCloseTo(1 + medianVarianceShare(4), 12);
    expect(explain(e)).toBe(
      'Conversations answered dropped to 12 in the last hour against 41 expected (median of the weeks of 2 Nov, 9 Nov, 16 Nov and 23 Nov); ' +
        'a drop this large happens by chance about once in 780,000 hours.', // 1/P(X ≤ 12 | NB mean 41, φ = 1.2975) = 7.77e5 (jStat)
    );
  });

  it('mentions the level factor when it moved the expectation', () => {
    const grown = edit(steady(41), NOW - WEEK - 6 * HOUR, NOW, (_c, t) => evenly(49, t)); // +20 % over the level window
    const e = active(run(thin(grown, NOW - HOUR, 3)));
    expect(explain(e)).toMatch(/^Conversations answered dropped to 3 in the last hour against 49 expected \(median of the weeks of 2 Nov, 9 Nov, 16 Nov and 23 Nov, scaled \+20% for the recent level\); /);
  });

  it('reads well when nothing is wrong, and for rises', () => {
    expect(explain(run(steady(41)))).toBe(
      'Conversations answered stayed at 492 in the last 12 hours against 492 expected (median of the weeks of 2 Nov, 9 Nov, 16 Nov and 23 Nov), within the usual range.',
    );
    const surge = edit(steady(41), NOW - HOUR, NOW, () => 1);
    expect(explain(run(surge))).toMatch(/^Conversations answered reached \d+ in the last .* against \d+ expected .*, above the usual level \(rises never page\)\.$/);
  });
});

describe('advance: the state machine across evaluations', () => {
  const T = NOW;
  const step = (i: number) => T + i * 5 * MIN;
  const ev = (at: number, kind: 'P' | 'W' | '-'): Evaluation => ({
    mode: 'active',
    at,
    timeZone: NY,
    metricName: 'x',
    minExpected: 10,
    level: 1,
    phi: 1,
    windows: [],
    worst: null,
    worstP: 1,
    breachPage: kind === 'P',
    breachWatch: kind !== '-',
  });

  it.each<[string, string, DetectorAction[]]>([
    ['two consecutive page-level breaches open an incident', 'PP', ['none', 'open_incident']],
    ['only once per episode', 'PPPP', ['none', 'open_incident', 'none', 'none']],
    ['a single breach does nothing', 'P-P-', ['none', 'none', 'none', 'none']],
    ['watch-level breaches post one watch note', 'WWW', ['none', 'watch', 'none']],
    ['a watch can escalate to an incident', 'WWPP', ['none', 'watch', 'none', 'open_incident']],
    ['a clean evaluation ends the episode', 'PP-PP', ['none', 'open_incident', 'none', 'none', 'open_incident']],
    ['no watch after the incident opened', 'PPWW', ['none', 'open_incident', 'none', 'none']],
  ])('%s (%s)', (_name, seq, want) => {
    let state = INITIAL_DETECTOR_STATE;
    const got = [...seq].map((c, i) => {
      const s = advance(state, ev(step(i), c as 'P' | 'W' | '-'));
      state = s.state;
      return s.action;
    });
    expect(got).toEqual(want);
  });

  it('evaluations further apart than maxEvaluationGapMs are not consecutive', () => {
    const first = advance(INITIAL_DETECTOR_STATE, ev(T, 'P'));
    expect(advance(first.state, ev(T + 20 * MIN, 'P')).action).toBe('none');
    expect(advance(first.state, ev(T + 10 * MIN, 'P')).action).toBe('open_incident');
  });

  it('is idempotent per instant: replaying an evaluation changes nothing', () => {
    const first = advance(INITIAL_DETECTOR_STATE, ev(T, 'P'));
    const replay = advance(first.state, ev(T, 'P'));
    expect(replay).toEqual({ state: first.state, action: 'none', breaching: false });
  });

  it('learning resets the streaks', () => {
    const first = advance(INITIAL_DETECTOR_STATE, ev(T, 'P'));
    const learning: Evaluation = { mode: 'learning', at: step(1), timeZone: NY, metricName: 'x', cleanWeeks: 1, neededWeeks: 2 };
    const l = advance(first.state, learning);
    expect(l.action).toBe('learning');
    expect(advance(l.state, ev(step(2), 'P')).action).toBe('none');
  });
});

describe('settings', () => {
  it('exports the defaults of DESIGN §8', () => {
    expect(DEFAULT_DETECTOR_SETTINGS).toMatchObject({
      windows: [
        { minutes: 15, minDrop: 0.8 },
        { minutes: 60, minDrop: 0.5 },
        { minutes: 180, minDrop: 0.3 },
        { minutes: 720, minDrop: 0.2 },
      ],
      minExpected: 10,
      alphaPage: 1e-4,
      alphaWatch: 1e-3,
      consecutivePage: 2,
      baseline: { weeks: 4, maxLookbackWeeks: 8, minCleanWeeks: 2, levelMin: 0.67, levelMax: 1.5 },
    });
  });

  it.each([
    [{ alphaPage: 0 }, 'alphaPage'],
    [{ windows: [] }, 'windows'],
    [{ windows: [{ minutes: 15, minDrop: 1.5 }] }, 'windows.minDrop'],
    [{ baseline: { weeks: 0 } }, 'baseline.weeks'],
    [{ consecutivePage: 0 }, 'consecutivePage'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => resolveSettings(input as never)).toThrow(new RegExp(field.replace('.', '\\.')));
  });
});
