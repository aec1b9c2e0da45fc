import { DateTime } from 'luxon';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, test } from 'vitest';
import { renderLayer } from './on-call.js';
import { isoWeekday } from './restrictions.js';
import type { Restriction, Schedule } from './schedule.js';

function local(iso: string, zone: string): number {
  return Temporal.PlainDateTime.from(iso).toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
}

function wall(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("ccc yyyy-MM-dd'T'HH:mm");
}

function restricted(zone: string, restrictions: Restriction[], users = ['a', 'b'], handoff = '2024-01-01T09:00'): Schedule {
  return {
    timeZone: zone,
    overrides: [],
    layers: [
      {
        id: 'L',
        start: local('2000-01-01T00:00', zone),
        rotationVirtualStart: local(handoff, zone),
        turnLength: { unit: 'days', count: 1 },
        users,
        restrictions,
      },
    ],
  };
}

function windows(s: Schedule, since: string, until: string): string[] {
  const zone = s.timeZone;
  return renderLayer(s, 0, { since: local(since, zone), until: local(until, zone) }).map(
    (e) => `${wall(e.start, zone)} – ${wall(e.end, zone)} ${e.userId} ${(e.end - e.start) / 3_600_000}h`,
  );
}

const nightly: Restriction = { type: 'daily_restriction', startTimeOfDay: '22:00:00', durationSeconds: 10 * 3600 };

describe('daily restrictions', () => {
  test.each<{ name: string; zone: string; restrictions: Restriction[]; since: string; until: string; expected: string[] }>([
    {
      name: 'a window crossing midnight belongs to the turn it starts in',
      zone: 'Europe/Berlin',
      restrictions: [nightly],
      since: '2024-01-01T00:00',
      until: '2024-01-03T00:00',
      expected: [
        'Mon 2024-01-01T00:00 – Mon 2024-01-01T08:00 b 8h',
        'Mon 2024-01-01T22:00 – Tue 2024-01-02T08:00 a 10h',
        'Tue 2024-01-02T22:00 – Wed 2024-01-03T00:00 b 2h',
      ],
    },
    {
      name: 'a nightly window ends at 08:00 local on the fall-back night (11 h)',
      zone: 'America/New_York',
      restrictions: [nightly],
      since: '2024-11-02T12:00',
      until: '2024-11-03T12:00',
      expected: ['Sat 2024-11-02T22:00 – Sun 2024-11-03T08:00 a 11h'],
    },
    {
      name: 'a nightly window ends at 08:00 local on the spring-forward night (9 h)',
      zone: 'America/New_York',
      restrictions: [nightly],
      since: '2024-03-09T12:00',
      until: '2024-03-10T12:00',
      expected: ['Sat 2024-03-09T22:00 – Sun 2024-03-10T08:00 a 9h'],
    },
    {
      name: 'a handoff inside a window splits it between the two users',
      zone: 'UTC',
      restrictions: [{ type: 'daily_restriction', startTimeOfDay: '08:00:00', durationSeconds: 12 * 3600 }],
      since: '2024-01-01T00:00',
      until: '2024-01-02T00:00',
      expected: ['Mon 2024-01-01T08:00 – Mon 2024-01-01T09:00 b 1h', 'Mon 2024-01-01T09:00 – Mon 2024-01-01T20:00 a 11h'],
    },
    {
      name: 'overlapping restrictions cover their union',
      zone: 'UTC',
      restrictions: [
        { type: 'daily_restriction', startTimeOfDay: '10:00:00', durationSeconds: 4 * 3600 },
        { type: 'daily_restriction', startTimeOfDay: '12:00:00', durationSeconds: 4 * 3600 },
      ],
      since: '2024-01-01T00:00',
      until: '2024-01-02T00:00',
      expected: ['Mon 2024-01-01T10:00 – Mon 2024-01-01T16:00 a 6h'],
    },
    {
      name: 'a full-day restriction still tiles a 25-hour day',
      zone: 'Europe/Berlin',
      restrictions: [{ type: 'daily_restriction', startTimeOfDay: '00:00:00', durationSeconds: 86_400 }],
      since: '2024-10-27T00:00',
      until: '2024-10-28T00:00',
      expected: ['Sun 2024-10-27T00:00 – Sun 2024-10-27T09:00 b 10h', 'Sun 2024-10-27T09:00 – Mon 2024-10-28T00:00 a 15h'],
    },
    {
      // 02:30 does not exist that day: the window starts at 03:30 like a handoff would.
      name: 'a window starting in the spring-forward gap starts after it',
      zone: 'America/New_York',
      restrictions: [{ type: 'daily_restriction', startTimeOfDay: '02:30:00', durationSeconds: 2 * 3600 }],
      since: '2024-03-10T00:00',
      until: '2024-03-11T00:00',
      expected: ['Sun 2024-03-10T03:30 – Sun 2024-03-10T04:30 a 1h'],
    },
  ])('$name', ({ zone, restrictions, since, until, expected }) => {
    expect(windows(restricted(zone, restrictions), since, until)).toEqual(expected);
  });
});

describe('weekly restrictions', () => {
  test.each([
    {
      name: 'business hours Monday 09:00 to Friday 17:00, with a weekly rotation',
      restrictions: [
        { type: 'weekly_restriction', startDayOfWeek: 1, startTimeOfDay: '09:00:00', durationSeconds: (4 * 24 + 8) * 3600 },
      ] as Restriction[],
      expected: [
        'Mon 2024-01-01T09:00 – Fri 2024-01-05T17:00 a 104h',
        'Mon 2024-01-08T09:00 – Fri 2024-01-12T17:00 b 104h',
      ],
    },
    {
      name: 'a weekend window crossing the week boundary (Saturday 18:00 to Monday 06:00), split by the Monday 00:00 handoff',
      restrictions: [
        { type: 'weekly_restriction', startDayOfWeek: 6, startTimeOfDay: '18:00:00', durationSeconds: 36 * 3600 },
      ] as Restriction[],
      expected: [
        'Mon 2024-01-01T00:00 – Mon 2024-01-01T06:00 a 6h',
        'Sat 2024-01-06T18:00 – Mon 2024-01-08T00:00 a 30h',
        'Mon 2024-01-08T00:00 – Mon 2024-01-08T06:00 b 6h',
        'Sat 2024-01-13T18:00 – Mon 2024-01-15T00:00 b 30h',
      ],
    },
    {
      name: 'daily and weekly restrictions together',
      restrictions: [
        { type: 'weekly_restriction', startDayOfWeek: 3, startTimeOfDay: '00:00:00', durationSeconds: 86_400 },
        { type: 'daily_restriction', startTimeOfDay: '23:00:00', durationSeconds: 3600 },
      ] as Restriction[],
      expected: [
        'Mon 2024-01-01T23:00 – Tue 2024-01-02T00:00 a 1h',
        'Tue 2024-01-02T23:00 – Thu 2024-01-04T00:00 a 25h',
        'Thu 2024-01-04T23:00 – Fri 2024-01-05T00:00 a 1h',
        'Fri 2024-01-05T23:00 – Sat 2024-01-06T00:00 a 1h',
        'Sat 2024-01-06T23:00 – Sun 2024-01-07T00:00 a 1h',
        'Sun 2024-01-07T23:00 – Mon 2024-01-08T00:00 a 1h',
        'Mon 2024-01-08T23:00 – Tue 2024-01-09T00:00 b 1h',
        'Tue 2024-01-09T23:00 – Thu 2024-01-11T00:00 b 25h',
        'Thu 2024-01-11T23:00 – Fri 2024-01-12T00:00 b 1h',
        'Fri 2024-01-12T23:00 – Sat 2024-01-13T00:00 b 1h',
        'Sat 2024-01-13T23:00 – Sun 2024-01-14T00:00 b 1h',
        'Sun 2024-01-14T23:00 – Mon 2024-01-15T00:00 b 1h',
      ],
    },
  ])('$name', ({ restrictions, expected }) => {
    const s = restricted('Europe/Berlin', restrictions, ['a', 'b'], '2024-01-01T00:00');
    s.layers[0]!.turnLength = { unit: 'weeks', count: 1 };
    expect(windows(s, '2024-01-01T00:00', '2024-01-15T00:00')).toEqual(expected);
  });

  test('isoWeekday counts Monday as 1 on both sides of the epoch', () => {
    const days = [-8, -1, 0, 1, 3, 4, 19_723];
    expect(days.map(isoWeekday)).toEqual(days.map((d) => Temporal.PlainDate.from('1970-01-01').add({ days: d }).dayOfWeek));
  });
});
