import { describe, expect, test } from 'vitest';
import { parseTimeOfDay, validateSchedule, type Schedule } from './schedule.js';

const T0 = Date.UTC(2024, 0, 1);

function valid(): Schedule {
  return {
    timeZone: 'Europe/Berlin',
    layers: [
      {
        id: 'L0',
        start: T0,
        end: null,
        rotationVirtualStart: T0,
        turnLength: { unit: 'weeks', count: 1 },
        users: ['u1', 'u2'],
        restrictions: [
          { type: 'daily_restriction', startTimeOfDay: '22:00:00', durationSeconds: 36_000 },
          { type: 'weekly_restriction', startDayOfWeek: 1, startTimeOfDay: '09:00:00', durationSeconds: 374_400 },
        ],
      },
    ],
    overrides: [{ id: 'o1', userId: 'u3', start: T0, end: T0 + 3_600_000 }],
  };
}

/** A valid schedule with one change applied through a mutable view. */
function withChange(change: (s: any) => void): unknown {
  const s = valid();
  change(s);
  return s;
}

describe('validateSchedule', () => {
  test('a valid schedule has no issues, including an empty one', () => {
    expect(validateSchedule(valid())).toEqual([]);
    expect(validateSchedule({ timeZone: 'UTC', layers: [], overrides: [] })).toEqual([]);
    expect(validateSchedule(withChange((s) => (s.layers[0].users = [])))).toEqual([]);
    expect(validateSchedule(withChange((s) => delete s.layers[0].end))).toEqual([]);
    expect(validateSchedule(withChange((s) => (s.timeZone = 'Pacific/Chatham')))).toEqual([]);
  });

  test.each<{ name: string; change: (s: any) => void; field: string }>([
    { name: 'unknown zone', change: (s) => (s.timeZone = 'Europe/Atlantis'), field: 'timeZone' },
    { name: 'zone not a string', change: (s) => (s.timeZone = 1), field: 'timeZone' },
    { name: 'layers missing', change: (s) => delete s.layers, field: 'layers' },
    { name: 'overrides not an array', change: (s) => (s.overrides = {}), field: 'overrides' },
    { name: 'layer not an object', change: (s) => (s.layers[0] = 'x'), field: 'layers[0]' },
    { name: 'empty layer id', change: (s) => (s.layers[0].id = ''), field: 'layers[0].id' },
    { name: 'duplicate layer id', change: (s) => s.layers.push({ ...s.layers[0] }), field: 'layers[1].id' },
    { name: 'start not an integer', change: (s) => (s.layers[0].start = 1.5), field: 'layers[0].start' },
    { name: 'start an ISO string', change: (s) => (s.layers[0].start = '2024-01-01T00:00:00Z'), field: 'layers[0].start' },
    { name: 'start beyond a Date', change: (s) => (s.layers[0].start = 9e15), field: 'layers[0].start' },
    { name: 'end before start', change: (s) => (s.layers[0].end = T0 - 1), field: 'layers[0].end' },
    { name: 'end equal to start', change: (s) => (s.layers[0].end = T0), field: 'layers[0].end' },
    { name: 'virtual start missing', change: (s) => delete s.layers[0].rotationVirtualStart, field: 'layers[0].rotationVirtualStart' },
    { name: 'turn length missing', change: (s) => delete s.layers[0].turnLength, field: 'layers[0].turnLength' },
    { name: 'turn unit unknown', change: (s) => (s.layers[0].turnLength.unit = 'months'), field: 'layers[0].turnLength.unit' },
    { name: 'turn count zero', change: (s) => (s.layers[0].turnLength.count = 0), field: 'layers[0].turnLength.count' },
    { name: 'turn count negative', change: (s) => (s.layers[0].turnLength.count = -2), field: 'layers[0].turnLength.count' },
    { name: 'turn count fractional', change: (s) => (s.layers[0].turnLength.count = 1.5), field: 'layers[0].turnLength.count' },
    { name: 'turn count huge', change: (s) => (s.layers[0].turnLength.count = 1e9), field: 'layers[0].turnLength.count' },
    { name: 'user id empty', change: (s) => (s.layers[0].users = ['u1', '']), field: 'layers[0].users[1]' },
    { name: 'users not an array', change: (s) => (s.layers[0].users = 'u1'), field: 'layers[0].users' },
    { name: 'restrictions missing', change: (s) => delete s.layers[0].restrictions, field: 'layers[0].restrictions' },
    { name: 'restriction type unknown', change: (s) => (s.layers[0].restrictions[0].type = 'monthly_restriction'), field: 'layers[0].restrictions[0].type' },
    { name: 'time of day 24:00:00', change: (s) => (s.layers[0].restrictions[0].startTimeOfDay = '24:00:00'), field: 'layers[0].restrictions[0].startTimeOfDay' },
    { name: 'time of day without seconds', change: (s) => (s.layers[0].restrictions[0].startTimeOfDay = '22:00'), field: 'layers[0].restrictions[0].startTimeOfDay' },
    { name: 'time of day 9:00:00', change: (s) => (s.layers[0].restrictions[0].startTimeOfDay = '9:00:00'), field: 'layers[0].restrictions[0].startTimeOfDay' },
    { name: 'daily duration over a day', change: (s) => (s.layers[0].restrictions[0].durationSeconds = 86_401), field: 'layers[0].restrictions[0].durationSeconds' },
    { name: 'daily duration zero', change: (s) => (s.layers[0].restrictions[0].durationSeconds = 0), field: 'layers[0].restrictions[0].durationSeconds' },
    { name: 'weekly duration over a week', change: (s) => (s.layers[0].restrictions[1].durationSeconds = 604_801), field: 'layers[0].restrictions[1].durationSeconds' },
    { name: 'weekday 0', change: (s) => (s.layers[0].restrictions[1].startDayOfWeek = 0), field: 'layers[0].restrictions[1].startDayOfWeek' },
    { name: 'weekday 8', change: (s) => (s.layers[0].restrictions[1].startDayOfWeek = 8), field: 'layers[0].restrictions[1].startDayOfWeek' },
    { name: 'override user missing', change: (s) => delete s.overrides[0].userId, field: 'overrides[0].userId' },
    { name: 'override ends before it starts', change: (s) => (s.overrides[0].end = T0 - 1), field: 'overrides[0].end' },
    { name: 'duplicate override id', change: (s) => s.overrides.push({ ...s.overrides[0] }), field: 'overrides[1].id' },
  ])('$name is reported at $field', ({ change, field }) => {
    const issues = validateSchedule(withChange(change));
    expect(issues.map((i) => i.field)).toEqual([field]);
    expect(issues[0]!.message).toMatch(/\w/);
  });

  test('a weekly restriction may last a whole week', () => {
    expect(validateSchedule(withChange((s) => (s.layers[0].restrictions[1].durationSeconds = 604_800)))).toEqual([]);
  });

  test('every problem is reported, not just the first', () => {
    const issues = validateSchedule(
      withChange((s) => {
        s.timeZone = 'Nowhere/Else';
        s.layers[0].turnLength.count = 0;
        s.overrides[0].end = 0;
      }),
    );
    expect(issues.map((i) => i.field)).toEqual(['timeZone', 'layers[0].turnLength.count', 'overrides[0].end']);
  });

  test.each([null, 42, 'schedule', []])('a non-object (%j) is reported at the root', (input) => {
    expect(validateSchedule(input)).toEqual([{ field: '', message: 'must be an object' }]);
  });
});

describe('parseTimeOfDay', () => {
  test.each([
    ['00:00:00', 0],
    ['09:30:15', 9 * 3600 + 30 * 60 + 15],
    ['23:59:59', 86_399],
    ['24:00:00', null],
    ['12:60:00', null],
    ['12:00:60', null],
    [' 12:00:00', null],
    ['12:00:00.5', null],
  ])('%s → %s', (text, seconds) => {
    expect(parseTimeOfDay(text)).toBe(seconds);
  });
});
