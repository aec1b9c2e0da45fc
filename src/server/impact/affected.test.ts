import { describe, expect, it } from 'vitest';
import { at, edit, HOUR, MIN, NY, seriesFrom, WEEK } from '../../../test/impact/fixtures.js';
import { peopleAffected } from './affected.js';
import { computeBaseline, DEFAULT_BASELINE_SETTINGS, medianVarianceShare } from './baseline.js';
import { buildHistory, type MinuteSeries } from './history.js';
import type { TimeRange } from './range.js';

const NOW = at('2025-11-30T18:00');
const START = NOW - 9 * WEEK;
const flat = seriesFrom(START, (NOW - START) / MIN, () => 2); // 120 an hour, noise-free: φ = 1
const Z90 = 1.6448536269514722;
const K = 4;

function affected(series: MinuteSeries, incident: TimeRange, now = NOW, peoplePerUnit?: number) {
  // Level pinned to 1 so the figures are exact; the incident is excluded from its own baseline.
  const settings = { ...DEFAULT_BASELINE_SETTINGS, levelMin: 1, levelMax: 1 };
  const b = computeBaseline(buildHistory(series, NY), { asOf: now, excluded: [incident], settings });
  if (b.mode !== 'ready') throw new Error('learning');
  return peopleAffected(b, { incident, now, peoplePerUnit });
}

/**
 * Half-width of the 90 % interval for a shortfall over E expected units of whole hours with
 * φ = 1: chance (E) plus the variance of the K-week medians (s(K)·E, s(4) ≈ 0.30).
 */
const halfWidth = (e: number) => Z90 * Math.sqrt(e * (1 + medianVarianceShare(K)));

describe('peopleAffected', () => {
  const t0 = NOW - 10 * HOUR;
  const oneHour = { start: t0, end: t0 + HOUR };

  it.each([
    {
      name: 'a full 1-hour outage, nobody comes back',
      series: edit(flat, t0, t0 + HOUR, () => 0),
      shortfall: 120,
      catchUp: 0,
      net: 120,
    },
    {
      name: 'a 50 % drop for an hour',
      series: edit(flat, t0, t0 + HOUR, () => 1),
      shortfall: 60,
      catchUp: 0,
      net: 60,
    },
    {
      name: 'people retry over the next 3 hours (catch-up of 90)',
      series: edit(edit(flat, t0, t0 + HOUR, () => 0), t0 + HOUR, t0 + 4 * HOUR, () => 2.5),
      shortfall: 120,
      catchUp: 90,
      net: 30,
    },
    {
      name: 'more catch-up than shortfall: net floors at 0',
      series: edit(edit(flat, t0, t0 + HOUR, () => 0), t0 + HOUR, t0 + 4 * HOUR, () => 4),
      shortfall: 120,
      catchUp: 360,
      net: 0,
    },
    {
      name: 'a quiet period after the outage does not add to the loss',
      series: edit(edit(flat, t0, t0 + HOUR, () => 0), t0 + HOUR, t0 + 2 * HOUR, () => 1),
      shortfall: 120,
      catchUp: 0,
      net: 120,
    },
  ])('$name', ({ series, shortfall, catchUp, net }) => {
    const a = affected(series, oneHour);
    expect(a.label).toBe('contacts');
    expect(a.expected).toBeCloseTo(120, 9);
    expect(a.shortfall.estimate).toBeCloseTo(shortfall, 9);
    expect(a.shortfall.low).toBeCloseTo(Math.max(0, shortfall - halfWidth(120)), 9);
    expect(a.shortfall.high).toBeCloseTo(shortfall + halfWidth(120), 9);
    expect(a.catchUp).toBeCloseTo(catchUp, 9);
    expect(a.net.estimate).toBeCloseTo(net, 9);
    expect(a.net.low).toBeLessThanOrEqual(a.net.estimate);
    expect(a.net.high).toBeGreaterThanOrEqual(a.net.estimate);
    expect(a.catchUpComplete).toBe(false); // 10 h ago: the 24 h have not passed yet
  });

  it('labels approximate people when the service has a people-per-unit factor', () => {
    const a = affected(edit(flat, t0, t0 + HOUR, () => 0), oneHour, NOW, 0.8);
    expect(a.label).toBe('approximate people');
    expect(a.shortfall.estimate).toBeCloseTo(96, 9);
    expect(a.shortfall.high).toBeCloseTo((120 + halfWidth(120)) * 0.8, 9);
  });

  it('an open incident runs to now and has no catch-up yet', () => {
    const open = { start: NOW - 2 * HOUR, end: NOW };
    const a = affected(edit(flat, NOW - 2 * HOUR, NOW, () => 0), open);
    expect(a.shortfall.estimate).toBeCloseTo(240, 9);
    expect(a.catchUp).toBe(0);
    expect(a.catchUpComplete).toBe(false);
  });

  it('marks the catch-up complete once 24 h have passed', () => {
    const old = { start: NOW - 30 * HOUR, end: NOW - 29 * HOUR };
    const a = affected(edit(flat, old.start, old.end, () => 0), old);
    expect(a.catchUpComplete).toBe(true);
    expect(a.shortfall.estimate).toBeCloseTo(120, 9);
  });

  it('a window with nothing missing has a shortfall of 0 and an interval around it', () => {
    const a = affected(flat, oneHour);
    expect(a.shortfall).toEqual({ estimate: 0, low: 0, high: expect.closeTo(halfWidth(120), 9) });
  });
});
