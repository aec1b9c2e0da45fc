import { describe, expect, it } from 'vitest';
import { availableWindows, isAvailable, occurrences, shiftAt, showIn, subtract, toRfc5545, union, validateAvailability, type Availability } from './availability.js';

const at = (s: string) => Date.parse(s);
const H = 3_600_000;

/** A volunteer in Berlin, available 19:00–23:00 Berlin time every day. */
const berlin: Availability = { timeZone: 'Europe/Berlin', windows: [{ rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU', start: '19:00', end: '23:00' }], unavailable: [] };

describe('a Berlin volunteer (19:00–23:00 local) paged by an organization in America/Los_Angeles', () => {
  // 2026: the US springs forward on 8 March and falls back on 1 November; the EU on 29 March and 25 October.
  // Between those dates Berlin and Los Angeles are 8 hours apart instead of 9.
  it.each([
    // [instant (UTC), Los Angeles wall clock, Berlin wall clock, available]
    ['2026-03-04T18:00:00Z', '10:00 PST', '19:00 CET', true],
    ['2026-03-04T17:59:59Z', '09:59 PST', '18:59 CET', false],
    ['2026-03-04T21:59:59Z', '13:59 PST', '22:59 CET', true],
    ['2026-03-04T22:00:00Z', '14:00 PST', '23:00 CET', false],
    // US on summer time, Berlin not yet: 10:00 in Los Angeles is 18:00 in Berlin.
    ['2026-03-11T17:00:00Z', '10:00 PDT', '18:00 CET', false],
    ['2026-03-11T18:00:00Z', '11:00 PDT', '19:00 CET', true],
    ['2026-03-11T21:30:00Z', '14:30 PDT', '22:30 CET', true],
    ['2026-03-11T22:00:00Z', '15:00 PDT', '23:00 CET', false],
    // The US change day and the EU change day themselves.
    ['2026-03-08T18:00:00Z', '11:00 PDT', '19:00 CET', true],
    ['2026-03-29T17:00:00Z', '10:00 PDT', '19:00 CEST', true],
    ['2026-03-29T21:00:00Z', '14:00 PDT', '23:00 CEST', false],
    // Both on summer time: 9 hours apart again.
    ['2026-04-01T17:00:00Z', '10:00 PDT', '19:00 CEST', true],
    ['2026-04-01T16:59:00Z', '09:59 PDT', '18:59 CEST', false],
    ['2026-04-01T20:59:00Z', '13:59 PDT', '22:59 CEST', true],
    ['2026-04-01T21:00:00Z', '14:00 PDT', '23:00 CEST', false],
    // Autumn: Berlin back on winter time on 25 October, Los Angeles only on 1 November.
    ['2026-10-25T18:00:00Z', '11:00 PDT', '19:00 CET', true],
    ['2026-10-28T17:00:00Z', '10:00 PDT', '18:00 CET', false],
    ['2026-10-28T18:00:00Z', '11:00 PDT', '19:00 CET', true],
    ['2026-11-01T18:00:00Z', '10:00 PST', '19:00 CET', true],
    ['2026-11-04T18:00:00Z', '10:00 PST', '19:00 CET', true],
    ['2026-11-04T22:00:00Z', '14:00 PST', '23:00 CET', false],
  ])('at %s (%s in Los Angeles, %s in Berlin): available = %s', (instant, _la, _berlin, expected) => {
    expect(isAvailable(berlin, at(instant))).toBe(expected);
  });

  const days = (a: string, n: number, b?: string) => [...Array(n).fill(a), ...(b ? Array(7 - n).fill(b) : [])] as string[];
  it.each([
    // [week (Monday 00:00 in Los Angeles), what Los Angeles sees Monday…Sunday]
    ['2026-03-02T08:00:00Z', days('10:00–14:00', 6, '11:00–15:00')], // Sunday 8 March: the US changes
    ['2026-03-09T07:00:00Z', days('11:00–15:00', 7)],
    ['2026-03-23T07:00:00Z', days('11:00–15:00', 6, '10:00–14:00')], // Sunday 29 March: the EU changes
    ['2026-03-30T07:00:00Z', days('10:00–14:00', 7)],
    ['2026-10-19T07:00:00Z', days('10:00–14:00', 6, '11:00–15:00')], // Sunday 25 October: the EU changes back
    ['2026-10-26T07:00:00Z', days('11:00–15:00', 6, '10:00–14:00')], // Sunday 1 November: the US changes back
    ['2026-11-02T08:00:00Z', days('10:00–14:00', 7)],
  ])('the week from %s is shown to Los Angeles as %j', (monday, hours) => {
    const from = at(monday);
    const shown = showIn(availableWindows(berlin, { from, to: from + 7 * 24 * H }), 'America/Los_Angeles');
    expect(shown.map((w) => w.label.slice(-11))).toEqual(hours);
    for (const w of shown) expect(w.time_zone).toBe('America/Los_Angeles');
  });

  it('the windows are 4 hours of elapsed time even on the DST change days', () => {
    for (const day of ['2026-03-08', '2026-03-29', '2026-10-25', '2026-11-01']) {
      const from = at(`${day}T00:00:00Z`);
      const w = availableWindows(berlin, { from, to: from + 24 * H });
      expect(w).toHaveLength(1);
      expect(w[0]!.end - w[0]!.start).toBe(4 * H);
    }
  });

  it('shows instants with the offset of the viewer zone', () => {
    const from = at('2026-03-11T00:00:00Z');
    expect(showIn(availableWindows(berlin, { from, to: from + 24 * H }), 'America/Los_Angeles')[0]).toEqual({ start: '2026-03-11T11:00:00-07:00', end: '2026-03-11T15:00:00-07:00', time_zone: 'America/Los_Angeles', label: 'Wed 11 Mar 11:00–15:00' });
    expect(showIn(availableWindows(berlin, { from, to: from + 24 * H }), 'Europe/Berlin')[0]!.label).toBe('Wed 11 Mar 19:00–23:00');
  });
});

describe('windows', () => {
  it.each([
    // A night window ends at a wall-clock time: 9 hours on the night Berlin falls back, 7 on the night it springs forward.
    ['2026-10-24T12:00:00Z', 9],
    ['2026-03-28T12:00:00Z', 7],
    ['2026-05-02T12:00:00Z', 8],
  ])('22:00–06:00 starting on the evening of %s lasts %s h', (noon, hours) => {
    const night: Availability = { timeZone: 'Europe/Berlin', windows: [{ rrule: 'FREQ=DAILY', start: '22:00', end: '06:00' }], unavailable: [] };
    const occ = occurrences(night, at(noon), at(noon) + 12 * H);
    expect(occ).toHaveLength(1);
    expect((occ[0]!.end - occ[0]!.start) / H).toBe(hours);
  });

  it('start equal to end is a whole day; several windows merge', () => {
    const a: Availability = { timeZone: 'UTC', windows: [{ rrule: 'FREQ=WEEKLY;BYDAY=SA', start: '00:00', end: '00:00' }, { rrule: 'FREQ=WEEKLY;BYDAY=SU', start: '00:00', end: '12:00' }], unavailable: [] };
    expect(availableWindows(a, { from: at('2026-03-07T00:00:00Z'), to: at('2026-03-09T00:00:00Z') })).toEqual([{ start: at('2026-03-07T00:00:00Z'), end: at('2026-03-08T12:00:00Z') }]);
  });

  it('from (the DTSTART date) and UNTIL bound the rule', () => {
    const a: Availability = { timeZone: 'Europe/Berlin', windows: [{ rrule: 'FREQ=WEEKLY;BYDAY=WE;UNTIL=20260325T000000Z', start: '19:00', end: '23:00', from: '2026-03-10' }], unavailable: [] };
    expect(isAvailable(a, at('2026-03-04T18:30:00Z'))).toBe(false);
    expect(isAvailable(a, at('2026-03-11T18:30:00Z'))).toBe(true);
    expect(isAvailable(a, at('2026-03-18T18:30:00Z'))).toBe(true);
    expect(isAvailable(a, at('2026-03-25T18:30:00Z'))).toBe(false);
    expect(toRfc5545(a.windows[0]!, a.timeZone)).toBe('DTSTART;TZID=Europe/Berlin:20260310T190000\nRRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20260325T000000Z');
  });

  it('one-off unavailability is cut out, whole or in part', () => {
    const a: Availability = {
      ...berlin,
      unavailable: [
        { start: at('2026-03-10T23:00:00Z'), end: at('2026-03-11T23:00:00Z'), reason: 'holiday' },
        { start: at('2026-03-12T19:00:00Z'), end: at('2026-03-12T20:00:00Z') },
      ],
    };
    expect(isAvailable(a, at('2026-03-11T18:30:00Z'))).toBe(false);
    expect(availableWindows(a, { from: at('2026-03-12T00:00:00Z'), to: at('2026-03-13T00:00:00Z') })).toEqual([
      { start: at('2026-03-12T18:00:00Z'), end: at('2026-03-12T19:00:00Z') },
      { start: at('2026-03-12T20:00:00Z'), end: at('2026-03-12T22:00:00Z') },
    ]);
    // The shift for paging is the piece of the window that contains the instant.
    expect(shiftAt(a, at('2026-03-12T21:00:00Z'))).toEqual({ start: at('2026-03-12T20:00:00Z'), end: at('2026-03-12T22:00:00Z') });
    expect(shiftAt(a, at('2026-03-12T19:30:00Z'))).toBeNull();
  });

  it('shiftAt is the whole window, not just the part after the instant', () => {
    expect(shiftAt(berlin, at('2026-03-04T20:00:00Z'))).toEqual({ start: at('2026-03-04T18:00:00Z'), end: at('2026-03-04T22:00:00Z') });
    expect(shiftAt(berlin, at('2026-03-04T12:00:00Z'))).toBeNull();
  });

  it('no windows: never available', () => {
    expect(isAvailable({ timeZone: 'UTC', windows: [], unavailable: [] }, at('2026-03-04T12:00:00Z'))).toBe(false);
  });
});

describe('validateAvailability', () => {
  it.each([
    [{ timeZone: 'Mars/Olympus', windows: [] }, 'availability.time_zone'],
    [{ timeZone: 'UTC', windows: [{ rrule: 'FREQ=WEEKLY', start: '7pm', end: '23:00' }] }, 'availability.windows[0].start'],
    [{ timeZone: 'UTC', windows: [{ rrule: 'FREQ=WEEKLY', start: '19:00', end: '24:00' }] }, 'availability.windows[0].end'],
    [{ timeZone: 'UTC', windows: [{ rrule: 'FREQ=HOURLY', start: '19:00', end: '23:00' }] }, 'availability.windows[0].rrule'],
    [{ timeZone: 'UTC', windows: [{ rrule: 'FREQ=WEEKLY;BYHOUR=3', start: '19:00', end: '23:00' }] }, 'availability.windows[0].rrule'],
    [{ timeZone: 'UTC', windows: [{ rrule: 'FREQ=WEEKLY;BYDAY=XX', start: '19:00', end: '23:00' }] }, 'availability.windows[0].rrule'],
    [{ timeZone: 'UTC', windows: [{ rrule: 'FREQ=WEEKLY', start: '19:00', end: '23:00', from: '2026-13-01' }] }, 'availability.windows[0].from'],
  ])('%j is refused at %s', (a, field) => {
    const issues = validateAvailability(a);
    expect(issues.map((i) => i.field)).toContain(field);
  });

  it('accepts good rules', () => {
    expect(validateAvailability(berlin)).toEqual([]);
    expect(validateAvailability({ timeZone: 'Asia/Kolkata', windows: [{ rrule: 'RRULE:FREQ=MONTHLY;BYDAY=1SA', start: '09:30', end: '13:00' }] })).toEqual([]);
  });
});

describe('interval algebra', () => {
  it('union and subtract', () => {
    expect(union([{ start: 5, end: 7 }, { start: 1, end: 3 }, { start: 3, end: 4 }])).toEqual([{ start: 1, end: 4 }, { start: 5, end: 7 }]);
    expect(subtract([{ start: 0, end: 10 }], [{ start: 2, end: 3 }, { start: 8, end: 12 }])).toEqual([{ start: 0, end: 2 }, { start: 3, end: 8 }]);
    expect(subtract([{ start: 0, end: 10 }], [{ start: -1, end: 11 }])).toEqual([]);
  });
});
