import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { byCompany, hours, ledger, monthRange, monthsBetween, pledgeReport, responsesFromTimeline, toCsv, type ResponseSpan, type StatusEntry, type WorkShift } from './ledger.js';

const at = (s: string) => Date.parse(s);
const H = 3_600_000;
const MIN = 60_000;

describe('responses from timelines', () => {
  it.each<[string, StatusEntry[], [string, number, number | null][]]>([
    ['ack then resolve', [{ incidentId: 'i', type: 'acknowledge_log_entry', at: 10, userId: 'v' }, { incidentId: 'i', type: 'resolve_log_entry', at: 50, userId: 's' }], [['v', 10, 50]]],
    ['ack, timeout un-ack, ack by another, resolve', [
      { incidentId: 'i', type: 'acknowledge_log_entry', at: 10, userId: 'v' },
      { incidentId: 'i', type: 'unacknowledge_log_entry', at: 20, userId: null },
      { incidentId: 'i', type: 'acknowledge_log_entry', at: 30, userId: 'w' },
      { incidentId: 'i', type: 'resolve_log_entry', at: 40, userId: 'w' },
    ], [['v', 10, 20], ['w', 30, 40]]],
    ['resolved without acknowledgement', [{ incidentId: 'i', type: 'resolve_log_entry', at: 5, userId: 'v' }], []],
    ['still acknowledged', [{ incidentId: 'i', type: 'acknowledge_log_entry', at: 10, userId: 'v' }], [['v', 10, null]]],
    ['acknowledged by the system (no user)', [{ incidentId: 'i', type: 'acknowledge_log_entry', at: 10, userId: null }, { incidentId: 'i', type: 'resolve_log_entry', at: 20, userId: null }], []],
  ])('%s', (_n, entries, expected) => {
    expect(responsesFromTimeline(entries).map((r) => [r.userId, r.start, r.end])).toEqual(expected);
  });
});

describe('months', () => {
  it('are calendar months in the organization zone', () => {
    expect(monthRange('2026-03', 'America/Los_Angeles')).toEqual({ start: at('2026-03-01T08:00:00Z'), end: at('2026-04-01T07:00:00Z') });
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });
});

describe('the ledger', () => {
  it('splits a shift across the month end, counts on-call and response overlap once in the total', () => {
    const shifts: WorkShift[] = [{ userId: 'v', start: at('2026-03-31T20:00:00Z'), end: at('2026-04-01T02:00:00Z') }];
    const responses: ResponseSpan[] = [{ userId: 'v', incidentId: 'i1', start: at('2026-03-31T21:00:00Z'), end: at('2026-03-31T23:00:00Z') }, { userId: 'v', incidentId: 'i2', start: at('2026-04-02T10:00:00Z'), end: at('2026-04-02T10:30:00Z') }];
    const lines = ledger({ months: ['2026-03', '2026-04'], timeZone: 'UTC', shifts, responses, now: at('2026-05-01T00:00:00Z') });
    expect(lines.map((l) => [l.month, hours(l.onCallMs), hours(l.responseMs), hours(l.totalMs), l.incidents])).toEqual([
      ['2026-03', 4, 2, 4, 1],
      ['2026-04', 2, 0.5, 2.5, 1],
    ]);
  });

  it('an open response counts up to now; the future does not count', () => {
    const lines = ledger({ months: ['2026-03'], timeZone: 'UTC', shifts: [{ userId: 'v', start: at('2026-03-10T00:00:00Z'), end: at('2026-03-10T10:00:00Z') }], responses: [{ userId: 'v', incidentId: 'i', start: at('2026-03-10T11:00:00Z'), end: null }], now: at('2026-03-10T12:00:00Z') });
    expect(lines.map((l) => [hours(l.onCallMs), hours(l.responseMs)])).toEqual([[10, 1]]);
  });

  it('per company, and against the 1% pledge', () => {
    const lines = ledger({
      months: ['2026-03'],
      timeZone: 'UTC',
      shifts: [
        { userId: 'a', start: at('2026-03-02T00:00:00Z'), end: at('2026-03-02T10:00:00Z') },
        { userId: 'b', start: at('2026-03-03T00:00:00Z'), end: at('2026-03-03T06:00:00Z') },
        { userId: 'c', start: at('2026-03-03T00:00:00Z'), end: at('2026-03-03T01:00:00Z') },
      ],
      responses: [],
      now: at('2026-04-01T00:00:00Z'),
    });
    const companies = byCompany(lines, (u) => (u === 'c' ? null : 'acme'));
    expect(companies.map((c) => [c.companyId, c.volunteers, hours(c.totalMs)])).toEqual([[null, 1, 1], ['acme', 2, 16]]);
    // 10 employees pledge 208 h a year; over one month that is 17.33 h. 16 h given is 92.3% of it.
    expect(pledgeReport({ employees: 10, givenMs: 16 * H, months: 1, valuePerHour: 29.95 })).toEqual({ employees: 10, months: 1, targetHours: 17.33, givenHours: 16, fractionOfTarget: 0.9233, value: 479.2 });
    expect(pledgeReport({ employees: 50, givenMs: 0, months: 12, valuePerHour: null })).toMatchObject({ targetHours: 1040, value: null });
  });

  it('a month of generated shifts and incidents matches an independent minute-by-minute count', () => {
    const zone = 'Europe/Berlin';
    const month = monthRange('2026-03', zone); // 30 days and 23 hours: Berlin springs forward on the 29th
    const genShift = fc.record({ userId: fc.constantFrom('ana', 'ben', 'cai'), startMin: fc.integer({ min: -600, max: 44_700 }), lenMin: fc.integer({ min: 1, max: 720 }) });
    const genResp = fc.record({ userId: fc.constantFrom('ana', 'ben', 'cai'), incident: fc.integer({ min: 1, max: 40 }), startMin: fc.integer({ min: -600, max: 44_700 }), lenMin: fc.integer({ min: 1, max: 300 }), open: fc.boolean() });
    fc.assert(
      fc.property(fc.array(genShift, { maxLength: 40 }), fc.array(genResp, { maxLength: 40 }), fc.integer({ min: 0, max: 45_000 }), (gs, gr, nowMin) => {
        const now = month.start + nowMin * MIN;
        const shifts = gs.map((s) => ({ userId: s.userId, start: month.start + s.startMin * MIN, end: month.start + (s.startMin + s.lenMin) * MIN }));
        const responses = gr.map((r) => ({ userId: r.userId, incidentId: `i${r.incident}`, start: month.start + r.startMin * MIN, end: r.open ? null : month.start + (r.startMin + r.lenMin) * MIN }));
        const lines = ledger({ months: ['2026-03'], timeZone: zone, shifts, responses, now });
        // Independent: walk every minute of the month and ask who is on call / responding.
        const expected = new Map<string, { onCall: number; response: number; total: number }>();
        for (let t = month.start; t < Math.min(month.end, now); t += MIN) {
          for (const u of ['ana', 'ben', 'cai']) {
            const on = shifts.some((s) => s.userId === u && s.start <= t && t < s.end);
            const re = responses.some((r) => r.userId === u && r.start <= t && t < (r.end ?? now));
            if (!on && !re) continue;
            const e = expected.get(u) ?? { onCall: 0, response: 0, total: 0 };
            e.onCall += on ? 1 : 0;
            e.response += re ? 1 : 0;
            e.total += 1;
            expected.set(u, e);
          }
        }
        const got = new Map(lines.map((l) => [l.userId, { onCall: l.onCallMs / MIN, response: l.responseMs / MIN, total: l.totalMs / MIN }]));
        expect(got).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(toCsv(['name', 'hours'], [['Ana, B.', 1.5], ['=HYPERLINK("x")', null], ['say "hi"', 2]])).toBe('name,hours\r\n"Ana, B.",1.5\r\n"\'=HYPERLINK(""x"")",\r\n"say ""hi""",2\r\n');
  });
});
