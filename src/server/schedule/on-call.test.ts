import { describe, expect, test } from 'vitest';
import { coverageGaps, nextShifts, ON_CALL_HORIZON_MS, renderFinal, renderLayer, whoIsOnCall } from './on-call.js';
import type { FinalEntry, Layer, Override, Schedule } from './schedule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2024-01-01 00:00 UTC; fixtures count hours from here. */
const T0 = Date.UTC(2024, 0, 1);
const h = (hours: number) => T0 + hours * HOUR;

function layer(id: string, users: string[], extra: Partial<Layer> = {}): Layer {
  return {
    id,
    start: h(-1000),
    rotationVirtualStart: T0,
    turnLength: { unit: 'days', count: 1 },
    users,
    restrictions: [],
    ...extra,
  };
}

function schedule(layers: Layer[], overrides: Override[] = []): Schedule {
  return { timeZone: 'UTC', layers, overrides };
}

/** Final entries as [fromHour, toHour, user] for readable tables. */
function hours(entries: FinalEntry[]): [number, number, string | null][] {
  return entries.map((e) => [(e.start - T0) / HOUR, (e.end - T0) / HOUR, e.userId]);
}

const nineToFive = { type: 'daily_restriction', startTimeOfDay: '09:00:00', durationSeconds: 8 * 3600 } as const;

describe('renderFinal', () => {
  test.each<{ name: string; s: Schedule; from: number; to: number; expected: [number, number, string | null][] }>([
    {
      name: 'a daily rotation',
      s: schedule([layer('L', ['a', 'b'])]),
      from: 0,
      to: 72,
      expected: [
        [0, 24, 'a'],
        [24, 48, 'b'],
        [48, 72, 'a'],
      ],
    },
    {
      name: 'an override splits a shift in three',
      s: schedule([layer('L', ['a', 'b'])], [{ id: 'o1', userId: 'x', start: h(6), end: h(10) }]),
      from: 0,
      to: 48,
      expected: [
        [0, 6, 'a'],
        [6, 10, 'x'],
        [10, 24, 'a'],
        [24, 48, 'b'],
      ],
    },
    {
      name: 'an override of the user already on call merges away',
      s: schedule([layer('L', ['a', 'b'])], [{ id: 'o1', userId: 'a', start: h(20), end: h(30) }]),
      from: 0,
      to: 48,
      expected: [
        [0, 30, 'a'],
        [30, 48, 'b'],
      ],
    },
    {
      name: 'of overlapping overrides the later one wins',
      s: schedule(
        [layer('L', ['a'])],
        [
          { id: 'o1', userId: 'x', start: h(2), end: h(8) },
          { id: 'o2', userId: 'y', start: h(4), end: h(6) },
        ],
      ),
      from: 0,
      to: 10,
      expected: [
        [0, 2, 'a'],
        [2, 4, 'x'],
        [4, 6, 'y'],
        [6, 8, 'x'],
        [8, 10, 'a'],
      ],
    },
    {
      name: 'an override covers a gap',
      s: schedule([layer('L', [])], [{ id: 'o1', userId: 'x', start: h(2), end: h(4) }]),
      from: 0,
      to: 6,
      expected: [
        [0, 2, null],
        [2, 4, 'x'],
        [4, 6, null],
      ],
    },
    {
      name: 'an empty layer is a gap, reported',
      s: schedule([layer('L', [])]),
      from: 0,
      to: 24,
      expected: [[0, 24, null]],
    },
    {
      name: 'no layers at all is a gap',
      s: schedule([]),
      from: 0,
      to: 5,
      expected: [[0, 5, null]],
    },
    {
      name: 'a later layer wins where it has coverage',
      s: schedule([layer('base', ['a']), layer('day', ['d'], { restrictions: [nineToFive] })]),
      from: 0,
      to: 48,
      expected: [
        [0, 9, 'a'],
        [9, 17, 'd'],
        [17, 33, 'a'],
        [33, 41, 'd'],
        [41, 48, 'a'],
      ],
    },
    {
      name: 'an empty later layer hides nothing',
      s: schedule([layer('base', ['a']), layer('empty', [])]),
      from: 0,
      to: 24,
      expected: [[0, 24, 'a']],
    },
    {
      name: 'restricted-out hours of a single layer are gaps',
      s: schedule([layer('L', ['a', 'b'], { restrictions: [nineToFive] })]),
      from: 0,
      to: 48,
      expected: [
        [0, 9, null],
        [9, 17, 'a'],
        [17, 33, null],
        [33, 41, 'b'],
        [41, 48, null],
      ],
    },
    {
      name: 'a layer covers only [start, end)',
      s: schedule([layer('L', ['a'], { start: h(5), end: h(10) })]),
      from: 0,
      to: 24,
      expected: [
        [0, 5, null],
        [5, 10, 'a'],
        [10, 24, null],
      ],
    },
    {
      name: 'an ended later layer gives way to the earlier one',
      s: schedule([layer('old', ['a']), layer('new', ['b'], { start: h(12), end: h(36) })]),
      from: 0,
      to: 48,
      expected: [
        [0, 12, 'a'],
        [12, 36, 'b'],
        [36, 48, 'a'],
      ],
    },
    {
      name: 'a range that starts mid-shift is clipped',
      s: schedule([layer('L', ['a', 'b'])]),
      from: 30,
      to: 50,
      expected: [
        [30, 48, 'b'],
        [48, 50, 'a'],
      ],
    },
  ])('$name', ({ s, from, to, expected }) => {
    expect(hours(renderFinal(s, { since: h(from), until: h(to) }))).toEqual(expected);
  });

  test('an empty or reversed range renders nothing', () => {
    const s = schedule([layer('L', ['a'])]);
    expect(renderFinal(s, { since: T0, until: T0 })).toEqual([]);
    expect(renderFinal(s, { since: T0 + 1, until: T0 })).toEqual([]);
  });

  test('an unbounded range is a RangeError, not an endless loop', () => {
    const s = schedule([layer('L', ['a'])]);
    expect(() => renderFinal(s, { since: T0, until: Infinity })).toThrow(RangeError);
    expect(() => renderLayer(s, 0, { since: NaN, until: T0 })).toThrow(RangeError);
  });

  test('an unknown zone is a RangeError', () => {
    const s = { ...schedule([layer('L', ['a'])]), timeZone: 'Mars/Olympus_Mons' };
    expect(() => renderFinal(s, { since: T0, until: h(1) })).toThrow(RangeError);
  });

  test('ten years of a daily rotation with a restriction and overrides render in well under a second', () => {
    const overrides = Array.from({ length: 200 }, (_, i) => ({ id: `o${i}`, userId: 'x', start: h(i * 400 + 3), end: h(i * 400 + 30) }));
    const s: Schedule = {
      timeZone: 'America/New_York',
      layers: [
        layer('L', ['a', 'b', 'c', 'd', 'e'], {
          restrictions: [{ type: 'daily_restriction', startTimeOfDay: '22:00:00', durationSeconds: 10 * 3600 }],
        }),
      ],
      overrides,
    };
    const started = performance.now();
    const entries = renderFinal(s, { since: T0, until: T0 + 3653 * DAY });
    const elapsed = performance.now() - started;
    expect(entries.length).toBeGreaterThan(7000);
    expect(elapsed).toBeLessThan(1000);
  });
});

describe('renderLayer', () => {
  test('returns each turn unmerged, with its turn index', () => {
    const s = schedule([layer('L', ['a'])]);
    expect(renderLayer(s, 0, { since: h(12), until: h(60) })).toEqual([
      { start: h(12), end: h(24), userId: 'a', turn: 0 },
      { start: h(24), end: h(48), userId: 'a', turn: 1 },
      { start: h(48), end: h(60), userId: 'a', turn: 2 },
    ]);
  });

  test('an index with no layer is a RangeError', () => {
    expect(() => renderLayer(schedule([]), 0, { since: T0, until: h(1) })).toThrow(RangeError);
  });
});

describe('whoIsOnCall', () => {
  const s = schedule([layer('L', ['a', 'b'], { restrictions: [nineToFive] })], [{ id: 'o', userId: 'x', start: h(12), end: h(13) }]);

  test.each([
    { at: 10, expected: { userId: 'a', start: h(9), end: h(12) } },
    { at: 12, expected: { userId: 'x', start: h(12), end: h(13) } },
    { at: 16.99, expected: { userId: 'a', start: h(13), end: h(17) } },
    { at: 17, expected: null },
    { at: 34, expected: { userId: 'b', start: h(33), end: h(41) } },
  ])('at hour $at', ({ at, expected }) => {
    expect(whoIsOnCall(s, h(at))).toEqual(expected);
  });

  test('a shift longer than the horizon is clipped to it', () => {
    const always = schedule([layer('L', ['a'], { start: h(-100_000), turnLength: { unit: 'weeks', count: 100 } })]);
    expect(whoIsOnCall(always, h(100))).toEqual({ userId: 'a', start: h(100) - ON_CALL_HORIZON_MS, end: h(100) + ON_CALL_HORIZON_MS });
  });
});

describe('nextShifts and coverageGaps', () => {
  const s = schedule([layer('L', ['a', 'b'], { restrictions: [nineToFive] })]);

  test("nextShifts lists one user's shifts", () => {
    expect(nextShifts(s, 'b', { since: T0, until: h(96) })).toEqual([
      { userId: 'b', start: h(33), end: h(41) },
      { userId: 'b', start: h(81), end: h(89) },
    ]);
  });

  test('coverageGaps lists the holes', () => {
    expect(coverageGaps(s, { since: h(0), until: h(24) })).toEqual([
      { since: h(0), until: h(9) },
      { since: h(17), until: h(24) },
    ]);
  });
});
