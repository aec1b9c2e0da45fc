import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPS, capsOf, coveredMs, pageRefusal, shiftWarnings, weekOf, type PageState } from './caps.js';

const at = (s: string) => Date.parse(s);
const H = 3_600_000;

describe('weekOf (the volunteer’s own ISO week)', () => {
  it.each([
    ['2026-03-04T12:00:00Z', 'UTC', '2026-03-02T00:00:00Z', '2026-03-09T00:00:00Z'],
    // Sunday 23:30 in Berlin is still the week that began on Monday the 23rd, though it is Sunday 21:30 UTC.
    ['2026-03-29T21:30:00Z', 'Europe/Berlin', '2026-03-22T23:00:00Z', '2026-03-29T22:00:00Z'],
    // The week in which Los Angeles changes clocks is 167 hours long.
    ['2026-03-05T12:00:00Z', 'America/Los_Angeles', '2026-03-02T08:00:00Z', '2026-03-09T07:00:00Z'],
  ])('%s in %s is in [%s, %s)', (instant, zone, start, end) => {
    expect(weekOf(at(instant), zone)).toEqual({ start: at(start), end: at(end) });
  });
});

describe('pageRefusal', () => {
  const shift = { start: at('2026-03-04T18:00:00Z'), end: at('2026-03-04T22:00:00Z') };
  const base: PageState = { at: at('2026-03-04T19:00:00Z'), timeZone: 'Europe/Berlin', shift, pagesInShift: 0, worked: [], criticalEnds: [] };
  const worked = (from: string, hours: number) => ({ start: at(from), end: at(from) + hours * H });

  it.each<[string, Partial<PageState>, string | null]>([
    ['a fresh volunteer', {}, null],
    ['one page this shift', { pagesInShift: 1 }, null],
    ['two pages this shift: handed back', { pagesInShift: 2 }, 'pages_per_shift'],
    ['11.9 h this week', { worked: [worked('2026-03-02T06:00:00Z', 11.9)] }, null],
    ['12 h this week: at the cap', { worked: [worked('2026-03-02T06:00:00Z', 12)] }, 'weekly_cap'],
    ['overlapping shift and response count once', { worked: [worked('2026-03-02T06:00:00Z', 8), worked('2026-03-02T10:00:00Z', 6)] }, null],
    ['13 h last week do not count', { worked: [worked('2026-02-27T06:00:00Z', 13)] }, null],
    // Berlin's week began Sunday 23:00 UTC: an hour of work then is this week's.
    ['work late on Sunday UTC is Monday in Berlin', { worked: [worked('2026-03-01T23:00:00Z', 12)] }, 'weekly_cap'],
    ['a shift that ended 7 h before: not rested', { worked: [worked('2026-03-04T08:00:00Z', 4)] }, 'rest'],
    ['a shift that ended 8 h before: rested', { worked: [worked('2026-03-04T07:00:00Z', 4)] }, null],
    ['an incident earlier in this same shift is not a rest problem', { worked: [worked('2026-03-04T18:10:00Z', 0.5)], pagesInShift: 1 }, null],
    ['a critical incident resolved 3 h ago: cooling down', { criticalEnds: [at('2026-03-04T16:00:00Z')], worked: [] }, 'cooldown'],
    ['a critical incident resolved 25 h ago: fine', { criticalEnds: [at('2026-03-03T18:00:00Z')] }, null],
  ])('%s → %s', (_name, patch, expected) => {
    expect(pageRefusal({ ...base, ...patch }, DEFAULT_CAPS)?.reason ?? null).toBe(expected);
  });

  it('the refusal says why in words', () => {
    expect(pageRefusal({ ...base, pagesInShift: 2 }, DEFAULT_CAPS)?.message).toBe('handed back after 2 pages this shift (limit 2)');
    expect(pageRefusal({ ...base, worked: [worked('2026-03-02T06:00:00Z', 12.5)] }, DEFAULT_CAPS)?.message).toBe('has given 12.5 h this week (cap 12 h)');
  });

  it('caps are per volunteer', () => {
    const caps = capsOf({ weekly_hour_cap: 4, min_rest_hours: null, pages_per_shift: 3, cooldown_hours: 0 });
    expect(caps).toEqual({ weeklyHourCap: 4, minRestHours: 8, pagesPerShift: 3, cooldownHours: 0 });
    expect(pageRefusal({ ...base, pagesInShift: 2 }, caps)).toBeNull();
    expect(pageRefusal({ ...base, worked: [worked('2026-03-02T06:00:00Z', 4)] }, caps)?.reason).toBe('weekly_cap');
    expect(pageRefusal({ ...base, criticalEnds: [base.at - H] }, caps)).toBeNull();
  });
});

describe('shiftWarnings (the coordinator is told before scheduling past a cap)', () => {
  const iv = (from: string, hours: number) => ({ start: at(from), end: at(from) + hours * H });
  it.each<[string, { start: number; end: number }, { start: number; end: number }[], string[]]>([
    ['within every cap', iv('2026-03-04T18:00:00Z', 4), [iv('2026-03-02T18:00:00Z', 4)], []],
    ['past the weekly cap', iv('2026-03-06T18:00:00Z', 4), [iv('2026-03-02T18:00:00Z', 4), iv('2026-03-04T18:00:00Z', 5)], ['weekly_cap']],
    ['too little rest after', iv('2026-03-05T04:00:00Z', 2), [iv('2026-03-04T18:00:00Z', 4)], ['rest']],
    ['too little rest before', iv('2026-03-04T10:00:00Z', 2), [iv('2026-03-04T18:00:00Z', 4)], ['rest']],
    ['both', iv('2026-03-05T00:00:00Z', 6), [iv('2026-03-02T10:00:00Z', 8), iv('2026-03-04T18:00:00Z', 4)], ['weekly_cap', 'rest']],
  ])('%s', (_name, proposed, existing, caps) => {
    expect(shiftWarnings(proposed, existing, 'UTC', DEFAULT_CAPS).map((w) => w.cap)).toEqual(caps);
  });

  it('a shift across a week boundary is checked in both weeks', () => {
    const w = shiftWarnings(iv('2026-03-08T20:00:00Z', 8), [iv('2026-03-02T08:00:00Z', 10), iv('2026-03-09T10:00:00Z', 2)], 'UTC', { ...DEFAULT_CAPS, minRestHours: 0 });
    expect(w.map((x) => x.message)).toEqual(['the week of 2026-03-02 would have 14 h (cap 12 h)']);
  });
});

describe('coveredMs', () => {
  it('counts overlaps once and clips', () => {
    expect(coveredMs([{ start: 0, end: 10 }, { start: 5, end: 15 }, { start: 20, end: 30 }], 2, 25)).toBe(13 + 5);
  });
});
