/** Pure parts of the web data layer: the people-served sum and weekly windows. */
import { describe, expect, it } from 'vitest';
import { localDate, summarizeDay } from '../../src/web/data/impact';
import { describeWindow, weekdaysOf, weeklyRule } from '../../src/web/data/volunteers';
import { webcal } from '../../src/web/data/schedules';

const H = 3_600_000;
const day = Date.UTC(2026, 2, 2);
const bucket = (h: number, count: number, expected: number | null, people: number | null = count) => ({
  start: new Date(day + h * H).toISOString(),
  end: new Date(day + (h + 1) * H).toISOString(),
  count,
  people,
  expected,
  expected_low: expected === null ? null : expected * 0.8,
  expected_high: expected === null ? null : expected * 1.2,
});
const series = (buckets: ReturnType<typeof bucket>[], people_per_unit: number | null = null) => ({
  service: { id: 'S', summary: 'Food bank phone line' },
  metric: { label: 'people', unit_label: 'callers', people_per_unit, kind: 'people' },
  buckets,
});

describe('people served today', () => {
  it('sums the hours begun, pro-rates the current hour, and places the count against the band', () => {
    const now = day + 2.5 * H; // half of the third hour gone
    const s = summarizeDay(series([bucket(0, 10, 10), bucket(1, 10, 10), bucket(2, 5, 10), bucket(3, 0, 10)]), now);
    expect(s).toMatchObject({ served: 25, expected: 25, low: 20, high: 30, state: 'within' });
    expect(summarizeDay(series([bucket(0, 2, 10), bucket(1, 2, 10)]), day + 2 * H).state).toBe('below');
    expect(summarizeDay(series([bucket(0, 30, 10), bucket(1, 30, 10)]), day + 2 * H).state).toBe('above');
  });
  it('counts the day in the metric\'s own time zone, across a DST change, whatever the browser\'s zone', () => {
    // 2026-03-08 is the spring-forward day in New York (a 23-hour day). At 10:30 New York time
    // (14:30 UTC, EDT), "today" there began at 05:00 UTC; the hours before belong to the 7th.
    const sunday = Date.UTC(2026, 2, 8);
    const hourly = (fromUtcHour: number, toUtcHour: number, count: number) =>
      Array.from({ length: toUtcHour - fromUtcHour }, (_, i) => ({ ...bucket(0, count, 10), start: new Date(sunday + (fromUtcHour + i) * H).toISOString(), end: new Date(sunday + (fromUtcHour + i + 1) * H).toISOString() }));
    const ny = { ...series([...hourly(0, 5, 100), ...hourly(5, 15, 1)]), time_zone: 'America/New_York' };
    const now = sunday + 14.5 * H;
    // 05:00–14:30 UTC: ten hours begun, one person each (not the 500 of the 7th); expected 9 × 10 + half of 10.
    expect(summarizeDay(ny, now)).toMatchObject({ served: 10, expected: 95 });
    expect(localDate(now, 'America/New_York')).toBe('2026-03-08');
    expect(localDate(sunday + 4 * H, 'America/New_York')).toBe('2026-03-07');
    // The same series read as UTC counts from 00:00 UTC.
    expect(summarizeDay({ ...ny, time_zone: 'UTC' }, now).served).toBe(510);
  });

  it('is "learning" while any hour has no band, and scales contacts to people by the metric factor', () => {
    expect(summarizeDay(series([bucket(0, 10, null), bucket(1, 10, 10)]), day + 2 * H)).toMatchObject({ state: 'learning', expected: null, served: 20 });
    const contacts = summarizeDay(series([bucket(0, 10, 10, 5)], 0.5), day + H);
    expect(contacts).toMatchObject({ served: 5, expected: 5, state: 'within' });
  });
});

describe('weekly availability windows', () => {
  it('reads and writes FREQ=WEEKLY rules in weekday order, and leaves other rules alone', () => {
    expect(weeklyRule(['FR', 'MO', 'WE'])).toBe('FREQ=WEEKLY;BYDAY=MO,WE,FR');
    expect(weekdaysOf('FREQ=WEEKLY;BYDAY=MO,WE,FR')).toEqual(['MO', 'WE', 'FR']);
    expect(weekdaysOf('FREQ=MONTHLY;BYMONTHDAY=1')).toBeNull();
    expect(weekdaysOf('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO')).toBeNull();
    expect(describeWindow({ rrule: 'FREQ=WEEKLY;BYDAY=SA,SU', start: '22:00', end: '06:00' })).toBe('Sat, Sun 22:00–06:00 (next day)');
  });
  it('turns a feed address into a webcal: subscription link', () => {
    expect(webcal('https://vigil.example/calendar/abc.ics')).toBe('webcal://vigil.example/calendar/abc.ics');
  });
});
