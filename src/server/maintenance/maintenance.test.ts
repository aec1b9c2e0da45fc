import { describe, expect, it } from 'vitest';
import {
  checkRecurrence,
  currentOrNext,
  describeOccurrence,
  firstOverlap,
  hasBegun,
  isoIn,
  nextOccurrence,
  nextTransition,
  normalizeRecurrence,
  occurrenceAt,
  occurrences,
  parseLocal,
  phaseAt,
  planTransition,
  type WindowTimes,
} from './maintenance.js';

const at = (s: string) => Date.parse(s);
const H = 3_600_000;
const DAY = 24 * H;
const iso = (o: { start: number; end: number }) => [new Date(o.start).toISOString(), new Date(o.end).toISOString()];

/** A weekly Sunday 02:00–04:00 window in `zone`, first on Sunday 1 March 2026, created long before. */
function sundayNights(zone: string, startUtc: string, endUtc: string): WindowTimes {
  return { start: at(startUtc), end: at(endUtc), recurrence: 'FREQ=WEEKLY;BYDAY=SU', timeZone: zone, notBefore: at('2026-01-01T00:00:00Z'), endedAt: null };
}

describe('a weekly Sunday 02:00–04:00 window keeps its wall-clock times across DST', () => {
  // Europe/Paris springs forward at 02:00 on 29 March 2026 (02:00–03:00 does not exist) and
  // falls back at 03:00 on 25 October 2026 (02:00–03:00 happens twice).
  const paris = sundayNights('Europe/Paris', '2026-03-01T01:00:00Z', '2026-03-01T03:00:00Z');
  it.each([
    ['2026-03-22', '2026-03-22T01:00:00.000Z', '2026-03-22T03:00:00.000Z', 2],
    // 02:00 does not exist: the occurrence starts when the gap ends (03:00 CEST) and still ends at 04:00.
    ['2026-03-29', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z', 1],
    ['2026-04-05', '2026-04-05T00:00:00.000Z', '2026-04-05T02:00:00.000Z', 2],
    ['2026-10-18', '2026-10-18T00:00:00.000Z', '2026-10-18T02:00:00.000Z', 2],
    // 02:00 happens twice: the first (summer time) starts it, 04:00 winter time ends it: three real hours.
    ['2026-10-25', '2026-10-25T00:00:00.000Z', '2026-10-25T03:00:00.000Z', 3],
    ['2026-11-01', '2026-11-01T01:00:00.000Z', '2026-11-01T03:00:00.000Z', 2],
  ])('Europe/Paris on %s: %s – %s (%d h)', (day, start, end, hours) => {
    const [o] = occurrences(paris, at(`${day}T00:00:00Z`) - 2 * H, at(`${day}T00:00:00Z`) + DAY);
    expect(iso(o!)).toEqual([start, end]);
    expect((o!.end - o!.start) / H).toBe(hours);
    expect(isoIn(o!.end, 'Europe/Paris')).toMatch(/T04:00:00[+-]\d\d:00$/);
  });

  // America/New_York springs forward at 02:00 on 8 March 2026 and falls back at 02:00 on 1 November 2026
  // (01:00–02:00 happens twice, so 02:00–04:00 is untouched that night).
  const newYork = sundayNights('America/New_York', '2026-03-01T07:00:00Z', '2026-03-01T09:00:00Z');
  it.each([
    ['2026-03-01', '2026-03-01T07:00:00.000Z', '2026-03-01T09:00:00.000Z', 2],
    ['2026-03-08', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z', 1],
    ['2026-03-15', '2026-03-15T06:00:00.000Z', '2026-03-15T08:00:00.000Z', 2],
    ['2026-10-25', '2026-10-25T06:00:00.000Z', '2026-10-25T08:00:00.000Z', 2],
    ['2026-11-01', '2026-11-01T07:00:00.000Z', '2026-11-01T09:00:00.000Z', 2],
    ['2026-11-08', '2026-11-08T07:00:00.000Z', '2026-11-08T09:00:00.000Z', 2],
  ])('America/New_York on %s: %s – %s (%d h)', (day, start, end, hours) => {
    const [o] = occurrences(newYork, at(`${day}T00:00:00Z`), at(`${day}T00:00:00Z`) + DAY);
    expect(iso(o!)).toEqual([start, end]);
    expect((o!.end - o!.start) / H).toBe(hours);
  });

  it('answers inside, next start and next end across the spring-forward night (Paris)', () => {
    expect(occurrenceAt(paris, at('2026-03-29T00:59:59Z'))).toBeNull();
    expect(occurrenceAt(paris, at('2026-03-29T01:00:00Z'))).not.toBeNull();
    expect(occurrenceAt(paris, at('2026-03-29T01:59:59Z'))).not.toBeNull();
    expect(occurrenceAt(paris, at('2026-03-29T02:00:00Z'))).toBeNull();
    expect(nextTransition(paris, at('2026-03-28T12:00:00Z'))).toBe(at('2026-03-29T01:00:00Z'));
    expect(nextTransition(paris, at('2026-03-29T01:00:00Z'))).toBe(at('2026-03-29T02:00:00Z'));
    expect(nextTransition(paris, at('2026-03-29T02:00:00Z'))).toBe(at('2026-04-05T00:00:00Z'));
    expect(iso(nextOccurrence(paris, at('2026-10-24T00:00:00Z'))!)).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T03:00:00.000Z']);
  });

  it('answers inside, next start and next end across the fall-back night (New York)', () => {
    expect(phaseAt(newYork, at('2026-11-01T06:59:59Z'))).toBe('future');
    expect(phaseAt(newYork, at('2026-11-01T07:00:00Z'))).toBe('ongoing');
    expect(phaseAt(newYork, at('2026-11-01T08:59:59Z'))).toBe('ongoing');
    expect(nextTransition(newYork, at('2026-11-01T07:30:00Z'))).toBe(at('2026-11-01T09:00:00Z'));
    expect(nextTransition(newYork, at('2026-11-01T09:00:00Z'))).toBe(at('2026-11-08T07:00:00Z'));
  });

  it('shows occurrences on the local clock', () => {
    expect(describeOccurrence(occurrenceAt(paris, at('2026-10-25T01:00:00Z'))!, 'Europe/Paris')).toBe('2026-10-25 02:00–04:00 Europe/Paris');
    expect(isoIn(at('2026-03-01T07:00:00Z'), 'America/New_York')).toBe('2026-03-01T02:00:00-05:00');
    expect(isoIn(at('2026-03-01T07:00:00Z'), null)).toBe('2026-03-01T07:00:00Z');
  });
});

describe('a window’s life', () => {
  const oneOff: WindowTimes = { start: at('2026-03-02T10:00:00Z'), end: at('2026-03-02T12:00:00Z'), recurrence: null, timeZone: null, notBefore: at('2026-03-01T00:00:00Z'), endedAt: null };

  it('a one-off window is future, ongoing, then past', () => {
    expect(phaseAt(oneOff, at('2026-03-02T09:59:59Z'))).toBe('future');
    expect(phaseAt(oneOff, at('2026-03-02T10:00:00Z'))).toBe('ongoing');
    expect(phaseAt(oneOff, at('2026-03-02T12:00:00Z'))).toBe('past');
    expect(hasBegun(oneOff, at('2026-03-02T09:00:00Z'))).toBe(false);
    expect(hasBegun(oneOff, at('2026-03-02T10:00:00Z'))).toBe(true);
    expect(currentOrNext(oneOff, at('2026-03-02T11:00:00Z'))).toEqual({ start: oneOff.start, end: oneOff.end });
  });

  it('ended early, nothing of it remains after that instant', () => {
    const weekly: WindowTimes = { start: at('2026-03-01T01:00:00Z'), end: at('2026-03-01T03:00:00Z'), recurrence: 'FREQ=WEEKLY;BYDAY=SU', timeZone: 'Europe/Paris', notBefore: at('2026-02-01T00:00:00Z'), endedAt: at('2026-03-08T02:00:00Z') };
    expect(iso(occurrenceAt(weekly, at('2026-03-08T01:30:00Z'))!)).toEqual(['2026-03-08T01:00:00.000Z', '2026-03-08T02:00:00.000Z']);
    expect(phaseAt(weekly, at('2026-03-08T02:00:00Z'))).toBe('past');
    expect(nextOccurrence(weekly, at('2026-03-08T01:30:00Z'))).toBeNull();
    expect(occurrences(weekly, at('2026-03-01T00:00:00Z'), at('2026-04-01T00:00:00Z'))).toHaveLength(2);
  });

  it('covers nothing before it was created: an occurrence in progress then begins at creation', () => {
    const created = at('2026-03-01T02:00:00Z');
    const weekly: WindowTimes = { start: at('2026-03-01T01:00:00Z'), end: at('2026-03-01T03:00:00Z'), recurrence: 'FREQ=WEEKLY;BYDAY=SU', timeZone: 'Europe/Paris', notBefore: created, endedAt: null };
    expect(occurrences(weekly, at('2026-02-01T00:00:00Z'), at('2026-03-02T00:00:00Z')).map(iso)).toEqual([['2026-03-01T02:00:00.000Z', '2026-03-01T03:00:00.000Z']]);
    expect(hasBegun(weekly, created - 1)).toBe(false);
    expect(hasBegun(weekly, created)).toBe(true);
  });

  it('the engine plans each edge once: start, nothing, end, nothing', () => {
    const t0 = at('2026-03-02T10:00:00Z');
    const start = planTransition(oneOff, null, t0);
    expect(start).toEqual({ end: false, start: { start: t0, end: oneOff.end }, activeSince: t0, nextTransitionAt: oneOff.end });
    expect(planTransition(oneOff, start.activeSince, t0)).toEqual({ end: false, start: null, activeSince: t0, nextTransitionAt: oneOff.end });
    const end = planTransition(oneOff, t0, oneOff.end);
    expect(end).toEqual({ end: true, start: null, activeSince: null, nextTransitionAt: null });
    expect(planTransition(oneOff, null, oneOff.end)).toEqual({ end: false, start: null, activeSince: null, nextTransitionAt: null });
    // Missed entirely (the engine was down): nothing to start, nothing left.
    expect(planTransition(oneOff, null, at('2026-03-03T00:00:00Z')).start).toBeNull();
  });

  it('finds the first overlap of two windows, touching is not overlapping', () => {
    const daily: WindowTimes = { start: at('2026-03-02T11:00:00Z'), end: at('2026-03-02T11:30:00Z'), recurrence: 'FREQ=DAILY', timeZone: 'UTC', notBefore: 0, endedAt: null };
    expect(firstOverlap(oneOff, daily, at('2026-03-01T00:00:00Z'), at('2026-04-01T00:00:00Z'))?.b.start).toBe(at('2026-03-02T11:00:00Z'));
    const after = { ...oneOff, start: at('2026-03-02T12:00:00Z'), end: at('2026-03-02T13:00:00Z') };
    expect(firstOverlap(oneOff, after, 0, at('2027-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('checking a recurrence', () => {
  const base: WindowTimes = { start: at('2026-03-01T01:00:00Z'), end: at('2026-03-01T03:00:00Z'), recurrence: 'FREQ=WEEKLY;BYDAY=SU', timeZone: 'Europe/Paris', notBefore: 0, endedAt: null };
  it.each([
    [{ recurrence: 'rrule:freq=weekly;byday=su' }, null],
    [{ timeZone: null }, 'maintenance_window.time_zone is required'],
    [{ timeZone: 'Mars/Olympus' }, 'maintenance_window.time_zone: Mars/Olympus is not an IANA time zone'],
    [{ recurrence: 'FREQ=WEEKLY;BYDAY=XX' }, 'maintenance_window.recurrence: is not a valid RFC 5545 rule'],
    [{ recurrence: 'FREQ=FORTNIGHTLY' }, 'maintenance_window.recurrence: FREQ=FORTNIGHTLY is not a frequency'],
    [{ recurrence: 'BYDAY=SU' }, 'maintenance_window.recurrence: FREQ is required'],
    [{ recurrence: 'FREQ=WEEKLY;FOO=1' }, 'maintenance_window.recurrence: FOO is not supported'],
    [{ recurrence: 'FREQ=WEEKLY;COUNT=0' }, 'maintenance_window.recurrence: COUNT must be a positive whole number'],
    [{ recurrence: 'FREQ=WEEKLY;COUNT=3;UNTIL=20261231' }, 'maintenance_window.recurrence: COUNT and UNTIL must not both be given'],
    [{ recurrence: 'DTSTART:20260301T020000\nRRULE:FREQ=WEEKLY' }, 'maintenance_window.recurrence: must be one RRULE value on one line'],
    [{ recurrence: 'FREQ=MINUTELY' }, 'maintenance_window.recurrence: FREQ=MINUTELY repeats more than 4 times a day'],
    [{ recurrence: 'FREQ=HOURLY;INTERVAL=3', end: at('2026-03-01T01:30:00Z') }, 'maintenance_window.recurrence: FREQ=HOURLY;INTERVAL=3 starts more than 4 times on 2026-03-01'],
    [{ recurrence: 'FREQ=HOURLY;INTERVAL=6', end: at('2026-03-01T02:00:00Z') }, null],
    [{ recurrence: 'FREQ=WEEKLY;BYDAY=MO' }, 'maintenance_window.start_time: 2026-03-01 02:00 (Europe/Paris) is not an occurrence of FREQ=WEEKLY;BYDAY=MO; start the window on its first occurrence, 2026-03-02 02:00'],
    [{ recurrence: 'FREQ=DAILY', end: at('2026-03-02T03:00:00Z') }, 'maintenance_window.end_time: each occurrence lasts 26 hours but 2026-03-01 02:00 and 2026-03-02 02:00 start 1 day apart, so they would overlap'],
    [{ recurrence: 'FREQ=WEEKLY;UNTIL=20260201' }, 'maintenance_window.recurrence: FREQ=WEEKLY;UNTIL=20260201 produces no occurrence'],
  ])('%j → %s', (patch, error) => {
    const errors = checkRecurrence({ ...base, ...(patch as Partial<WindowTimes>) });
    if (error === null) expect(errors).toEqual([]);
    else expect(errors.join(' ')).toContain(error);
  });

  it('normalizes the rule text and reads UNTIL in the zone', () => {
    expect(normalizeRecurrence(' RRULE:freq=weekly;byday=su ')).toEqual({ rule: 'FREQ=WEEKLY;BYDAY=SU' });
    // Until Sunday 8 March inclusive (local date): two occurrences.
    const until = { ...base, recurrence: 'FREQ=WEEKLY;BYDAY=SU;UNTIL=20260308' };
    expect(occurrences(until, at('2026-02-01T00:00:00Z'), at('2026-06-01T00:00:00Z'))).toHaveLength(2);
    // An instant: 01:00Z on 8 March is 02:00 in Paris, the second occurrence's start, so it is included.
    const instant = { ...base, recurrence: 'FREQ=WEEKLY;BYDAY=SU;UNTIL=20260308T010000Z' };
    expect(occurrences(instant, at('2026-02-01T00:00:00Z'), at('2026-06-01T00:00:00Z'))).toHaveLength(2);
  });

  it('reads a local time without an offset in the window’s zone', () => {
    expect(parseLocal('2026-03-29T02:00:00', 'Europe/Paris')).toBe(at('2026-03-29T01:00:00Z'));
    expect(parseLocal('2026-03-01T02:00', 'America/New_York')).toBe(at('2026-03-01T07:00:00Z'));
    expect(parseLocal('2026-03-01T02:00:00Z', 'Europe/Paris')).toBeNull();
    expect(parseLocal('2026-03-01T02:00:00', null)).toBeNull();
  });
});
