import { DateTime } from 'luxon';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, test } from 'vitest';
import { renderLayer } from './on-call.js';
import type { Layer, Schedule, TurnLength } from './schedule.js';

const HOUR = 3_600_000;

/** Local wall time → instant, with Temporal as an oracle independent of the code under test. */
function local(iso: string, zone: string): number {
  return Temporal.PlainDateTime.from(iso).toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
}

function wall(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm ZZ");
}

function oneLayer(zone: string, vs: string, turnLength: TurnLength, users = ['a', 'b', 'c']): Schedule {
  const layer: Layer = {
    id: 'L',
    start: local('2000-01-01T00:00', zone),
    rotationVirtualStart: local(vs, zone),
    turnLength,
    users,
    restrictions: [],
  };
  return { timeZone: zone, layers: [layer], overrides: [] };
}

/** The handoffs that fall inside the range, as local wall times with offsets. */
function handoffs(schedule: Schedule, since: string, until: string) {
  const zone = schedule.timeZone;
  const entries = renderLayer(schedule, 0, { since: local(since, zone), until: local(until, zone) });
  return entries.slice(1).map((e) => ({ at: wall(e.start, zone), user: e.userId }));
}

describe('rotation turn lengths', () => {
  test.each([
    {
      name: 'daily',
      until: '2024-01-04T12:00',
      turn: { unit: 'days', count: 1 } as const,
      expected: [
        { at: '2024-01-02T09:00 +01:00', user: 'b' },
        { at: '2024-01-03T09:00 +01:00', user: 'c' },
        { at: '2024-01-04T09:00 +01:00', user: 'a' },
      ],
    },
    {
      name: 'weekly',
      until: '2024-01-23T12:00',
      turn: { unit: 'weeks', count: 1 } as const,
      expected: [
        { at: '2024-01-08T09:00 +01:00', user: 'b' },
        { at: '2024-01-15T09:00 +01:00', user: 'c' },
        { at: '2024-01-22T09:00 +01:00', user: 'a' },
      ],
    },
    {
      name: '3-day',
      until: '2024-01-10T12:00',
      turn: { unit: 'days', count: 3 } as const,
      expected: [
        { at: '2024-01-04T09:00 +01:00', user: 'b' },
        { at: '2024-01-07T09:00 +01:00', user: 'c' },
        { at: '2024-01-10T09:00 +01:00', user: 'a' },
      ],
    },
    {
      name: '8-hour',
      until: '2024-01-02T12:00',
      turn: { unit: 'hours', count: 8 } as const,
      expected: [
        { at: '2024-01-01T17:00 +01:00', user: 'b' },
        { at: '2024-01-02T01:00 +01:00', user: 'c' },
        { at: '2024-01-02T09:00 +01:00', user: 'a' },
      ],
    },
  ])('$name rotation hands off on schedule and cycles the users', ({ turn, until, expected }) => {
    const s = oneLayer('Europe/Berlin', '2024-01-01T09:00', turn);
    expect(handoffs(s, '2024-01-01T09:00', until)).toEqual(expected);
  });

  test('instants before rotationVirtualStart count turns backwards', () => {
    const s = oneLayer('UTC', '2024-01-10T00:00', { unit: 'days', count: 1 });
    const entries = renderLayer(s, 0, { since: local('2024-01-07T12:00', 'UTC'), until: local('2024-01-10T12:00', 'UTC') });
    expect(entries.map((e) => [e.turn, e.userId])).toEqual([
      [-3, 'a'],
      [-2, 'b'],
      [-1, 'c'],
      [0, 'a'],
    ]);
  });
});

describe('09:00 handoff across DST stays at 09:00 local', () => {
  test.each([
    { zone: 'America/New_York', change: '2024-03-10', hours: 23, before: '-05:00', after: '-04:00' },
    { zone: 'America/New_York', change: '2024-11-03', hours: 25, before: '-04:00', after: '-05:00' },
    { zone: 'Europe/Berlin', change: '2024-03-31', hours: 23, before: '+01:00', after: '+02:00' },
    { zone: 'Europe/Berlin', change: '2024-10-27', hours: 25, before: '+02:00', after: '+01:00' },
  ])('$zone on $change: the turn over the change lasts $hours h', ({ zone, change, hours, before, after }) => {
    const s = oneLayer(zone, '2024-01-01T09:00', { unit: 'days', count: 1 });
    const day = Temporal.PlainDate.from(change);
    const entries = renderLayer(s, 0, {
      since: local(`${day.subtract({ days: 1 })}T09:00`, zone),
      until: local(`${day.add({ days: 1 })}T09:00`, zone),
    });
    expect(entries.map((e) => wall(e.start, zone))).toEqual([
      `${day.subtract({ days: 1 })}T09:00 ${before}`,
      `${day}T09:00 ${after}`,
    ]);
    expect((entries[0]!.end - entries[0]!.start) / HOUR).toBe(hours);
    expect((entries[1]!.end - entries[1]!.start) / HOUR).toBe(24);
  });

  test('a weekly rotation keeps its local handoff too (167 h week)', () => {
    const s = oneLayer('America/New_York', '2024-03-04T09:00', { unit: 'weeks', count: 1 });
    const [week] = renderLayer(s, 0, { since: local('2024-03-04T09:00', s.timeZone), until: local('2024-03-11T09:00', s.timeZone) });
    expect((week!.end - week!.start) / HOUR).toBe(167);
  });

  test('an hours rotation keeps elapsed time instead, so its local time moves', () => {
    const s = oneLayer('America/New_York', '2024-03-09T09:00', { unit: 'hours', count: 24 });
    expect(handoffs(s, '2024-03-09T09:00', '2024-03-11T12:00')).toEqual([
      { at: '2024-03-10T10:00 -04:00', user: 'b' },
      { at: '2024-03-11T10:00 -04:00', user: 'c' },
    ]);
  });
});

describe('handoff times that do not exist or occur twice', () => {
  test('02:30 on the spring-forward day moves forward to 03:30, and back to 02:30 the day after', () => {
    const s = oneLayer('America/New_York', '2024-03-01T02:30', { unit: 'days', count: 1 });
    expect(handoffs(s, '2024-03-09T02:30', '2024-03-11T12:00')).toEqual([
      { at: '2024-03-10T03:30 -04:00', user: 'a' },
      { at: '2024-03-11T02:30 -04:00', user: 'b' },
    ]);
  });

  test('02:30 in Berlin on the spring-forward day moves to 03:30', () => {
    const s = oneLayer('Europe/Berlin', '2024-03-01T02:30', { unit: 'days', count: 1 });
    expect(handoffs(s, '2024-03-30T02:30', '2024-03-31T12:00')).toEqual([{ at: '2024-03-31T03:30 +02:00', user: 'a' }]);
  });

  test('01:30 on the fall-back day is its first occurrence', () => {
    const s = oneLayer('America/New_York', '2024-11-01T01:30', { unit: 'days', count: 1 });
    expect(handoffs(s, '2024-11-02T01:30', '2024-11-04T12:00')).toEqual([
      { at: '2024-11-03T01:30 -04:00', user: 'c' },
      { at: '2024-11-04T01:30 -05:00', user: 'a' },
    ]);
  });

  test('a virtual start on the second 01:30 still starts turn 0 exactly there', () => {
    const zone = 'America/New_York';
    const secondOccurrence = Date.UTC(2024, 10, 3, 6, 30);
    const s = oneLayer(zone, '2024-01-01T00:00', { unit: 'days', count: 1 });
    s.layers[0]!.rotationVirtualStart = secondOccurrence;
    const entries = renderLayer(s, 0, { since: secondOccurrence - 2 * HOUR, until: secondOccurrence + 25 * HOUR });
    expect(entries.map((e) => [wall(e.start, zone), e.turn])).toEqual([
      ['2024-11-03T00:30 -04:00', -1],
      ['2024-11-03T01:30 -05:00', 0],
      ['2024-11-04T01:30 -05:00', 1],
    ]);
  });
});

describe('zones with unusual offsets', () => {
  test.each([
    // Chatham: +13:45 in summer, +12:45 from 2024-04-07 03:45 (back to 02:45).
    { zone: 'Pacific/Chatham', from: '2024-04-05T09:00', utc: ['2024-04-04T19:15', '2024-04-05T19:15', '2024-04-06T20:15'] },
    // ...and +13:45 again from 2024-09-29 02:45 (forward to 03:45).
    { zone: 'Pacific/Chatham', from: '2024-09-27T09:00', utc: ['2024-09-26T20:15', '2024-09-27T20:15', '2024-09-28T19:15'] },
    { zone: 'Asia/Kolkata', from: '2024-03-09T09:00', utc: ['2024-03-09T03:30', '2024-03-10T03:30', '2024-03-11T03:30'] },
  ])('$zone: 09:00 local handoffs at the right UTC instants', ({ zone, from, utc }) => {
    const s = oneLayer(zone, from, { unit: 'days', count: 1 });
    const entries = renderLayer(s, 0, { since: local(from, zone), until: local(from, zone) + 3 * 24 * HOUR - HOUR });
    expect(entries.map((e) => new Date(e.start).toISOString().slice(0, 16))).toEqual(utc);
    expect(entries.every((e) => wall(e.start, zone).includes('T09:00'))).toBe(true);
  });

  test('02:50 on Chatham\'s spring-forward day (02:45 → 03:45) becomes 03:50', () => {
    const s = oneLayer('Pacific/Chatham', '2024-09-20T02:50', { unit: 'days', count: 1 });
    const got = handoffs(s, '2024-09-28T02:50', '2024-09-30T12:00');
    expect(got.map((h) => h.at)).toEqual(['2024-09-29T03:50 +13:45', '2024-09-30T02:50 +13:45']);
  });
});
