import { describe, expect, it } from 'vitest';
import { at, HOUR, MIN, NY } from '../../../test/impact/fixtures.js';
import { isOpen, openFraction, openFractionPerMinute, openIntervals, validateOpeningHours, type OpeningHours } from './opening-hours.js';

/** Weekdays 09:00–17:00 New York time. */
const officeHours: OpeningHours = {
  timeZone: NY,
  rules: [{ rrule: 'DTSTART;TZID=America/New_York:20260105T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', durationMinutes: 8 * 60 }],
};

describe('isOpen', () => {
  it.each([
    ['Monday 08:59', '2026-01-12T08:59', false],
    ['Monday 09:00', '2026-01-12T09:00', true],
    ['Monday 16:59', '2026-01-12T16:59', true],
    ['Monday 17:00 (end is exclusive)', '2026-01-12T17:00', false],
    ['Saturday noon', '2026-01-17T12:00', false],
    ['before DTSTART', '2026-01-02T12:00', false],
    // 2026-03-08 is the spring-forward Sunday: Monday 09:00 is now 13:00Z instead of 14:00Z.
    ['Monday after spring-forward, 09:00 EDT', '2026-03-09T09:00', true],
    ['Monday after spring-forward, 08:30 EDT', '2026-03-09T08:30', false],
    // 2026-11-01 is the fall-back Sunday.
    ['Monday after fall-back, 09:00 EST', '2026-11-02T09:00', true],
    ['Monday after fall-back, 17:30 EST', '2026-11-02T17:30', false],
  ])('%s → %s', (_name, local, open) => {
    expect(isOpen(officeHours, at(local))).toBe(open);
  });

  it('keeps local time across DST: the UTC opening instant moves by an hour', () => {
    expect(isOpen(officeHours, Date.UTC(2026, 2, 6, 14, 0))).toBe(true); // Fri 09:00 EST
    expect(isOpen(officeHours, Date.UTC(2026, 2, 6, 13, 30))).toBe(false);
    expect(isOpen(officeHours, Date.UTC(2026, 2, 9, 13, 30))).toBe(true); // Mon 09:30 EDT
  });

  it('no hours means always open', () => {
    expect(isOpen(null, at('2026-01-17T03:00'))).toBe(true);
    expect(openFraction(undefined, 0, HOUR)).toBe(1);
  });
});

describe('openFraction and openIntervals', () => {
  it.each([
    ['a closed hour', '2026-01-12T07:00', 60, 0],
    ['an open hour', '2026-01-12T10:00', 60, 1],
    ['the hour around closing', '2026-01-12T16:30', 60, 0.5],
    ['a whole weekday', '2026-01-12T00:00', 24 * 60, 8 / 24],
    ['a whole week', '2026-01-12T00:00', 7 * 24 * 60, 40 / 168],
  ])('%s', (_name, local, minutes, want) => {
    const start = at(local);
    expect(openFraction(officeHours, start, start + minutes * MIN)).toBeCloseTo(want, 12);
  });

  it('unions overlapping rules and honours EXDATE (a holiday closure)', () => {
    const hours: OpeningHours = {
      timeZone: NY,
      rules: [
        {
          rrule:
            'DTSTART;TZID=America/New_York:20260105T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\nEXDATE;TZID=America/New_York:20260119T090000',
          durationMinutes: 8 * 60,
        },
        // Evening chat line on Mondays 16:00–20:00 overlaps the day shift by an hour.
        { rrule: 'DTSTART;TZID=America/New_York:20260105T160000\nRRULE:FREQ=WEEKLY;BYDAY=MO', durationMinutes: 4 * 60 },
      ],
    };
    const monday = at('2026-01-12T00:00');
    expect(openIntervals(hours, monday, monday + 24 * HOUR)).toEqual([{ start: at('2026-01-12T09:00'), end: at('2026-01-12T20:00') }]);
    // Martin Luther King Day: the day shift is cancelled, the evening line still runs.
    const holiday = at('2026-01-19T00:00');
    expect(openIntervals(hours, holiday, holiday + 24 * HOUR)).toEqual([{ start: at('2026-01-19T16:00'), end: at('2026-01-19T20:00') }]);
  });

  it('a floating DTSTART is read in the service zone', () => {
    const hours: OpeningHours = {
      timeZone: 'Europe/Paris',
      rules: [{ rrule: 'DTSTART:20260105T090000\nRRULE:FREQ=DAILY', durationMinutes: 60 }],
    };
    expect(isOpen(hours, Date.UTC(2026, 0, 7, 8, 30))).toBe(true); // 09:30 in Paris
    expect(isOpen(hours, Date.UTC(2026, 0, 7, 9, 30))).toBe(false);
  });

  it('per-minute fractions agree with openFraction', () => {
    const start = at('2026-01-12T08:00');
    const perMinute = openFractionPerMinute(officeHours, start, 10 * 60);
    expect(perMinute.reduce((a, b) => a + b, 0)).toBeCloseTo(openFraction(officeHours, start, start + 10 * HOUR) * 600, 9);
    expect(perMinute[59]).toBe(0);
    expect(perMinute[60]).toBe(1);
  });

  it('rejects unusable rules up front', () => {
    expect(() => validateOpeningHours({ timeZone: NY, rules: [{ rrule: 'RRULE:FREQ=WEEKLY', durationMinutes: 60 }] })).toThrow();
    expect(() =>
      validateOpeningHours({ timeZone: NY, rules: [{ rrule: 'DTSTART;TZID=America/New_York:20260105T090000\nRRULE:FREQ=WEKLY', durationMinutes: 60 }] }),
    ).toThrow();
    expect(() =>
      validateOpeningHours({ timeZone: NY, rules: [{ rrule: 'DTSTART;TZID=America/New_York:20260105T090000\nRRULE:FREQ=DAILY', durationMinutes: 0 }] }),
    ).toThrow(RangeError);
  });
});
