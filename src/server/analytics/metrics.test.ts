import { describe, expect, it } from 'vitest';
import { acknowledgedAtFirstLevel, bucketStart, durations, isNight, percentile, repeatIncidentIds, wallClock, type IncidentFact } from './metrics.js';

const Z = 'America/New_York';
const at = (iso: string) => Date.parse(iso);
const fact = (id: string, createdAt: number, over: Partial<IncidentFact> = {}): IncidentFact => ({
  id, number: 1, serviceId: 'S', title: 'Down', urgency: 'high', priorityId: null, status: 'resolved', createdAt,
  firstAckAt: null, resolvedAt: null, escalations: 0, manualEscalations: 0, firstEscalationAt: null, alerts: 1, ...over,
});

describe('percentile (nearest rank) and durations', () => {
  it.each([
    [[5], 0.5, 5],
    [[1, 2], 0.5, 1],
    [[1, 2, 3], 0.5, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9, 10],
    [[], 0.5, null],
  ])('%j p%d → %s', (v, p, want) => expect(percentile(v, p)).toBe(want));
  it('mean rounds to the nearest second', () => expect(durations([1, 2])).toEqual({ count: 2, mean: 2, p50: 1, p90: 2 }));
});

describe('sleep hours: [22:00, 07:00) local', () => {
  it.each([
    ['2026-03-08T06:59:59Z', true], // 01:59:59 EST, just before the DST jump
    ['2026-03-08T11:00:00Z', false], // 07:00 EDT
    ['2026-03-08T07:00:00Z', true], // 03:00 EDT, the DST jump
    ['2026-03-09T10:59:00Z', true], // 06:59 EDT
    ['2026-03-09T11:00:00Z', false], // 07:00 EDT
    ['2026-03-10T01:59:00Z', false], // 21:59 EDT
    ['2026-03-10T02:00:00Z', true], // 22:00 EDT
  ].map(([iso, night]) => [iso, night] as const))('%s → %s', (iso, night) => expect(isNight(at(iso), Z)).toBe(night));
});

describe('buckets in a zone', () => {
  it.each([
    ['2026-03-08T07:30:00Z', 'week', '2026-03-02T05:00:00.000Z'],
    ['2026-03-09T04:00:00Z', 'week', '2026-03-09T04:00:00.000Z'],
    ['2026-03-08T07:30:00Z', 'day', '2026-03-08T05:00:00.000Z'],
    ['2026-04-01T03:59:30Z', 'month', '2026-03-01T05:00:00.000Z'],
  ] as const)('%s %s → %s', (iso, unit, start) => expect(new Date(bucketStart(at(iso), unit, Z)).toISOString()).toBe(start));
});

describe('repeats and the first level', () => {
  const d0 = at('2026-03-01T00:00:00Z');
  const week = 7 * 86_400_000;
  it('exactly 7 days later is a repeat, a millisecond more is not; another service never', () => {
    const r = repeatIncidentIds([fact('a', d0), fact('b', d0 + week), fact('c', d0 + 2 * week + 1), fact('d', d0 + week + 5, { serviceId: 'T' })]);
    expect([...r]).toEqual(['b']);
  });
  it('an incident outside the query (earlier, or filtered out) still makes a repeat', () => {
    expect([...repeatIncidentIds([fact('b', d0 + 1000)], [{ id: 'a', serviceId: 'S', title: ' down ', createdAt: d0 }])]).toEqual(['b']);
  });
  it.each([
    [{ firstAckAt: 10 }, true],
    [{ firstAckAt: 10, firstEscalationAt: 20 }, true],
    [{ firstAckAt: 20, firstEscalationAt: 10 }, false],
    [{}, false],
  ] as const)('%j → %s', (over, want) => expect(acknowledgedAtFirstLevel(fact('x', 0, over))).toBe(want));
});

describe('wall clock from cached offsets agrees with luxon around DST changes', () => {
  it.each(['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'])('%s, every 7 minutes over March, April, October and November 2026', async (zone) => {
    const { DateTime } = await import('luxon');
    for (const [from, to] of [['2026-03-01', '2026-04-10'], ['2026-09-25', '2026-11-10']] as const) {
      for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += 7 * 60_000) {
        const l = DateTime.fromMillis(t, { zone });
        const w = wallClock(t, zone);
        if (w.getUTCHours() !== l.hour || w.getUTCMinutes() !== l.minute || w.getUTCDate() !== l.day) throw new Error(`${zone} ${new Date(t).toISOString()}: ${w.toISOString()} vs ${l.toISO()}`);
        expect(bucketStart(t, 'day', zone)).toBe(l.startOf('day').toMillis());
      }
    }
  });
});
