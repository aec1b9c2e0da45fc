import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, test } from 'vitest';
import { ON_CALL_HORIZON_MS, renderFinal, whoIsOnCall } from './on-call.js';
import type { FinalEntry, Layer, Override, Restriction, Schedule, TurnLength } from './schedule.js';

/**
 * Random schedules checked against a brute-force evaluation of one instant at
 * a time, written with Temporal rather than the code under test (which uses
 * luxon and its own interval algebra).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Pacific/Chatham',
  'Asia/Kolkata',
  'Australia/Lord_Howe', // 30-minute DST
  'America/Santiago',
  'Africa/Casablanca', // DST suspended for Ramadan
] as const;

// --- brute force ----------------------------------------------------------

function toInstant(pdt: Temporal.PlainDateTime, zone: string): number {
  return pdt.toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
}

function oracleTurn(layer: Layer, zone: string, t: number): number {
  const { unit, count } = layer.turnLength;
  const vs = layer.rotationVirtualStart;
  if (unit === 'hours') return Math.floor((t - vs) / (count * HOUR));
  const days = count * (unit === 'weeks' ? 7 : 1);
  const origin = Temporal.Instant.fromEpochMilliseconds(vs).toZonedDateTimeISO(zone).toPlainDateTime();
  const handoff = (k: number) => (k === 0 ? vs : toInstant(origin.add({ days: k * days }), zone));
  let k = Math.floor((t - vs) / (days * DAY));
  while (handoff(k) > t) k--;
  while (handoff(k + 1) <= t) k++;
  return k;
}

function inRestriction(r: Restriction, zone: string, t: number): boolean {
  const today = Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(zone).toPlainDate();
  const time = Temporal.PlainTime.from(r.startTimeOfDay);
  for (let back = r.type === 'weekly_restriction' ? 8 : 2; back >= -1; back--) {
    const day = today.subtract({ days: back });
    if (r.type === 'weekly_restriction' && day.dayOfWeek !== r.startDayOfWeek) continue;
    const start = day.toPlainDateTime(time);
    if (toInstant(start, zone) <= t && t < toInstant(start.add({ seconds: r.durationSeconds }), zone)) return true;
  }
  return false;
}

function oracle(s: Schedule, t: number): string | null {
  for (const o of [...s.overrides].reverse()) if (o.start <= t && t < o.end) return o.userId;
  for (const layer of [...s.layers].reverse()) {
    if (t < layer.start || (layer.end != null && t >= layer.end) || layer.users.length === 0) continue;
    if (layer.restrictions.length > 0 && !layer.restrictions.some((r) => inRestriction(r, s.timeZone, t))) continue;
    const n = layer.users.length;
    return layer.users[(((oracleTurn(layer, s.timeZone, t) % n) + n) % n)]!;
  }
  return null;
}

// --- generators -------------------------------------------------------------

/** Offset changes of each zone in 2019–2026, from Temporal (none for UTC and Kolkata). */
const TRANSITIONS = new Map<string, number[]>(
  ZONES.map((zone) => {
    const found: number[] = [];
    let z = Temporal.Instant.fromEpochMilliseconds(Date.UTC(2019, 0, 1)).toZonedDateTimeISO(zone);
    for (;;) {
      const next = z.getTimeZoneTransition('next');
      if (!next || next.epochMilliseconds > Date.UTC(2027, 0, 1)) break;
      found.push(next.epochMilliseconds);
      z = next;
    }
    return [zone, found];
  }),
);

/** Most scenarios sit within days of an offset change, where the mistakes are. */
function centreFor(zone: string): fc.Arbitrary<number> {
  const changes = TRANSITIONS.get(zone) ?? [];
  const anywhere = fc.integer({ min: Date.UTC(2019, 0, 1), max: Date.UTC(2027, 0, 1) });
  if (changes.length === 0) return anywhere;
  const nearChange = fc.tuple(fc.constantFrom(...changes), fc.integer({ min: -3 * DAY, max: 3 * DAY })).map(([t, d]) => t + d);
  return fc.oneof({ arbitrary: nearChange, weight: 4 }, { arbitrary: anywhere, weight: 1 });
}

/** Local times of day, biased to the hours that DST skips or repeats (and to 09:00 and midnight). */
const timeOfDay = fc
  .record({
    h: fc.oneof(fc.constantFrom(0, 1, 2, 3, 9, 23), fc.integer({ min: 0, max: 23 })),
    m: fc.oneof(fc.constantFrom(0, 30, 45), fc.integer({ min: 0, max: 59 })),
    s: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 59 })),
  })
  .map(({ h, m, s }) => [h, m, s].map((n) => String(n).padStart(2, '0')).join(':'));

interface ChangeEdge {
  /** The wall clock as the change happens, read with the offset before it (02:00 for New York in March and November). */
  wall: Temporal.PlainDateTime;
  /** Minutes of wall time the change skips (> 0, after `wall`) or repeats (< 0, before it). */
  minutes: number;
}

/** The offset change nearest `around`, where wall times are skipped or repeated. */
function changeEdge(zone: string, around: number): ChangeEdge | null {
  const changes = TRANSITIONS.get(zone) ?? [];
  if (changes.length === 0) return null;
  const nearest = changes.reduce((best, t) => (Math.abs(t - around) < Math.abs(best - around) ? t : best));
  const before = Temporal.Instant.fromEpochMilliseconds(nearest - 1).toZonedDateTimeISO(zone);
  const after = Temporal.Instant.fromEpochMilliseconds(nearest).toZonedDateTimeISO(zone);
  return {
    wall: before.toPlainDateTime().add({ milliseconds: 1 }),
    minutes: (after.offsetNanoseconds - before.offsetNanoseconds) / 60e9,
  };
}

/** Minutes from the edge: mostly inside the skipped or repeated stretch, sometimes around it. */
function nearEdge(edge: ChangeEdge): fc.Arbitrary<number> {
  const inside =
    edge.minutes > 0 ? fc.integer({ min: 0, max: edge.minutes - 1 }) : fc.integer({ min: edge.minutes, max: -1 });
  return fc.oneof({ arbitrary: inside, weight: 3 }, { arbitrary: fc.integer({ min: -90, max: 90 }), weight: 1 });
}

function timeOfDayFor(edge: ChangeEdge | null): fc.Arbitrary<string> {
  if (!edge) return timeOfDay;
  const skippedOrRepeated = nearEdge(edge).map((m) => edge.wall.add({ minutes: m }).toPlainTime().toString({ smallestUnit: 'second' }));
  return fc.oneof(skippedOrRepeated, timeOfDay);
}

function restriction(times: fc.Arbitrary<string>): fc.Arbitrary<Restriction> {
  return fc.oneof(
    fc.record({
      type: fc.constant('daily_restriction' as const),
      startTimeOfDay: times,
      durationSeconds: fc.oneof(fc.constantFrom(3600, 8 * 3600, 36_000, 86_400), fc.integer({ min: 1, max: 86_400 })),
    }),
    fc.record({
      type: fc.constant('weekly_restriction' as const),
      startDayOfWeek: fc.integer({ min: 1, max: 7 }),
      startTimeOfDay: times,
      durationSeconds: fc.oneof(fc.constantFrom(86_400, 104 * 3600, 604_800), fc.integer({ min: 1, max: 604_800 })),
    }),
  );
}

const turnLength: fc.Arbitrary<TurnLength> = fc.oneof(
  { arbitrary: fc.record({ unit: fc.constant('hours' as const), count: fc.integer({ min: 1, max: 72 }) }), weight: 1 },
  { arbitrary: fc.record({ unit: fc.constant('days' as const), count: fc.integer({ min: 1, max: 10 }) }), weight: 2 },
  { arbitrary: fc.record({ unit: fc.constant('weeks' as const), count: fc.integer({ min: 1, max: 3 }) }), weight: 1 },
);

/** A rotation start whose later handoffs fall on, or just around, the change's skipped or repeated hour. */
function startNearEdge(zone: string, edge: ChangeEdge, turn: TurnLength): fc.Arbitrary<number> {
  const turnDays = turn.unit === 'hours' ? 1 : turn.count * (turn.unit === 'weeks' ? 7 : 1);
  return fc
    // Not 0 turns back: turn 0 starts exactly at the start instant, with nothing to resolve.
    .tuple(nearEdge(edge), fc.oneof(fc.integer({ min: -3, max: -1 }), fc.integer({ min: 1, max: 3 })))
    .map(([minutes, turnsBack]) => toInstant(edge.wall.add({ minutes }).subtract({ days: turnsBack * turnDays }), zone));
}

function startAnywhere(zone: string, around: number): fc.Arbitrary<number> {
  const wallClock = fc.tuple(fc.integer({ min: -60, max: 60 }), timeOfDay).map(([days, time]) => {
    const date = Temporal.Instant.fromEpochMilliseconds(around).toZonedDateTimeISO(zone).toPlainDate().add({ days });
    return toInstant(date.toPlainDateTime(Temporal.PlainTime.from(time)), zone);
  });
  return fc.oneof(wallClock, fc.integer({ min: around - 60 * DAY, max: around + 60 * DAY }));
}

function layer(zone: string, around: number, id: string): fc.Arbitrary<Layer> {
  const edge = changeEdge(zone, around);
  return turnLength.chain((turn) =>
    fc
      .record({
        id: fc.constant(id),
        start: fc.integer({ min: around - 30 * DAY, max: around + 10 * DAY }),
        end: fc.option(fc.integer({ min: HOUR, max: 40 * DAY }), { nil: null }),
        rotationVirtualStart: edge
          ? fc.oneof({ arbitrary: startNearEdge(zone, edge, turn), weight: 2 }, { arbitrary: startAnywhere(zone, around), weight: 1 })
          : startAnywhere(zone, around),
        turnLength: fc.constant(turn),
        users: fc.oneof(
          { arbitrary: fc.shuffledSubarray(['u1', 'u2', 'u3', 'u4', 'u5'], { maxLength: 4 }), weight: 3 },
          { arbitrary: fc.array(fc.constantFrom('u1', 'u2'), { maxLength: 4 }), weight: 1 },
        ),
        restrictions: fc.oneof(fc.constant<Restriction[]>([]), fc.array(restriction(timeOfDayFor(edge)), { minLength: 1, maxLength: 2 })),
      })
      .map((l) => ({ ...l, end: l.end === null ? null : l.start + l.end })),
  );
}

function override(around: number, i: number): fc.Arbitrary<Override> {
  return fc
    .record({
      start: fc.integer({ min: around - 20 * DAY, max: around + 20 * DAY }),
      length: fc.integer({ min: MINUTE, max: 3 * DAY }),
      userId: fc.constantFrom('o1', 'o2', 'o3'),
    })
    .map(({ start, length, userId }) => ({ id: `ov${i}`, userId, start, end: start + length }));
}

const scenario = fc
  .constantFrom(...ZONES)
  .chain((zone) =>
    fc.record({
      zone: fc.constant(zone),
      around: centreFor(zone),
      layerCount: fc.integer({ min: 1, max: 3 }),
      overrideCount: fc.integer({ min: 0, max: 4 }),
    }),
  )
  .chain(({ zone, around, layerCount, overrideCount }) =>
    fc.record({
      schedule: fc.record({
        timeZone: fc.constant(zone),
        layers: fc.tuple(...Array.from({ length: layerCount }, (_, i) => layer(zone, around, `L${i}`))),
        overrides: fc.tuple(...Array.from({ length: overrideCount }, (_, i) => override(around, i))),
      }) as fc.Arbitrary<Schedule>,
      since: fc.integer({ min: around - 5 * DAY, max: around }),
      span: fc.integer({ min: 1, max: 20 * DAY }),
      probes: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 5, maxLength: 15 }),
    }),
  );

// --- properties ---------------------------------------------------------------

function expectWellFormed(entries: FinalEntry[], since: number, until: number): void {
  expect(entries[0]!.start).toBe(since);
  expect(entries.at(-1)!.end).toBe(until);
  entries.forEach((e, i) => {
    expect(e.start).toBeLessThan(e.end);
    const next = entries[i + 1];
    if (next) {
      expect(next.start).toBe(e.end);
      expect(next.userId).not.toBe(e.userId);
    }
  });
}

/** At most `n` entries spread evenly over the list, to bound the brute force's work. */
function sample<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}

function entryAt(entries: FinalEntry[], t: number): FinalEntry {
  const entry = entries.find((e) => e.start <= t && t < e.end);
  if (!entry) throw new Error(`no entry covers ${t}`);
  return entry;
}

const RUNS = { numRuns: 200 };

describe('renderFinal against a brute-force evaluation', () => {
  // Unbiased runs reach DST-affected handoffs about twice as often; biased ones
  // favour extremes such as 1 ms ranges and 1 s restrictions.
  test.each([
    { generation: 'biased', unbiased: false },
    { generation: 'unbiased', unbiased: true },
  ])('entries are sorted, contiguous, merged, and each point has the user the brute force finds ($generation)', ({ unbiased }) => {
    fc.assert(
      fc.property(scenario, ({ schedule, since, span, probes }) => {
        const until = since + span;
        const entries = renderFinal(schedule, { since, until });
        expectWellFormed(entries, since, until);
        // Boundaries are where mistakes live: check both sides of each.
        const changes = TRANSITIONS.get(schedule.timeZone) ?? [];
        const nearChange = entries.filter((e) => changes.some((t) => Math.abs(e.start - t) < 2 * DAY));
        const boundaries = [...sample(entries, 30), ...sample(nearChange, 30)].flatMap((e) => [e.start, e.end - 1]);
        const points = [...probes.map((p) => since + Math.floor(p * span)), ...boundaries];
        for (const t of points) {
          expect(entryAt(entries, t).userId, `at ${new Date(t).toISOString()}`).toBe(oracle(schedule, t));
        }
      }),
      { ...RUNS, unbiased },
    );
  });

  test('rendering two adjacent ranges gives the same timeline as rendering their union', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 1, noNaN: true }), ({ schedule, since, span }, cut) => {
        const until = since + span;
        const middle = since + Math.floor(cut * span);
        const joined = [...renderFinal(schedule, { since, until: middle }), ...renderFinal(schedule, { since: middle, until })];
        const merged = joined.reduce<FinalEntry[]>((out, e) => {
          const last = out.at(-1);
          if (last && last.userId === e.userId && last.end === e.start) last.end = e.end;
          else out.push({ ...e });
          return out;
        }, []);
        expect(merged).toEqual(renderFinal(schedule, { since, until }));
      }),
      RUNS,
    );
  });
});

describe('whoIsOnCall', () => {
  test('agrees with renderFinal over any range inside its horizon that contains the instant', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.integer({ min: 0, max: ON_CALL_HORIZON_MS }),
        fc.integer({ min: 1, max: ON_CALL_HORIZON_MS }),
        ({ schedule, since, span }, before, after) => {
          const at = since + Math.floor(span / 2);
          const range = { since: at - before, until: at + after };
          const entry = entryAt(renderFinal(schedule, range), at);
          const shift = whoIsOnCall(schedule, at);
          if (entry.userId === null) {
            expect(shift).toBeNull();
            return;
          }
          expect(shift).not.toBeNull();
          expect(shift!.userId).toBe(entry.userId);
          expect(Math.max(shift!.start, range.since)).toBe(entry.start);
          expect(Math.min(shift!.end, range.until)).toBe(entry.end);
        },
      ),
      RUNS,
    );
  });
});
