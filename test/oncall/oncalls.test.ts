import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { bad, createPolicy, createSchedule, member, ok, req, scheduleTarget, userTarget, onCallApp, type Json } from './fixtures.js';

const H = 3_600_000;
const span = (o: Json) => (Date.parse(o.end) - Date.parse(o.start)) / H;
const rows = (list: Json[]) => list.map((o) => [o.escalation_level, o.user.summary, o.schedule?.summary ?? null, o.start, o.end]);

describe.each(DIALECTS)('oncalls on %s', (dialect) => {
  let t: TestApp;
  const clock = manualClock('2026-03-07T20:00:00Z');
  let ada: string, ben: string, cleo: string, dan: string;
  let ny: Json, berlin: Json, spare: Json, pol: Json;

  beforeAll(async () => {
    t = await onCallApp(dialect, { clock });
    ada = (await member(t, 'Ada')).id;
    ben = (await member(t, 'Ben')).id;
    cleo = (await member(t, 'Cleo')).id;
    dan = (await member(t, 'Dan')).id;
    // Daily handoff at 09:00 New York time; clocks there spring forward on 8 March 2026.
    ny = await createSchedule(t, 'New York days', 'America/New_York', [{ start: '2026-03-01T09:00:00', rotation_turn_length_seconds: 86_400, users: [ada, ben] }]);
    // Weekly handoff Monday 09:00 Berlin time from 23 March; Berlin springs forward on 29 March.
    berlin = await createSchedule(t, 'Berlin weeks', 'Europe/Berlin', [{ start: '2026-03-23T09:00:00', rotation_turn_length_seconds: 604_800, users: [cleo, dan] }]);
    spare = await createSchedule(t, 'Spare', 'UTC', [{ start: '2026-03-01T00:00:00Z', rotation_turn_length_seconds: 86_400, users: [dan] }]);
    pol = await createPolicy(t, 'Helpline', [{ targets: [scheduleTarget(ny.id)] }, { targets: [userTarget(dan)] }, { targets: [scheduleTarget(berlin.id)] }]);
  });
  afterAll(async () => t.close());

  it('answers who is on call now, per level: a schedule shift across the DST change lasts 23 hours; a user target is permanent', async () => {
    clock.set('2026-03-07T20:00:00Z');
    const r = await ok(req(t, 'GET', '/api/v1/oncalls'));
    expect(r).toMatchObject({ limit: 25, offset: 0, more: false, total: null });
    expect(rows(r.oncalls)).toEqual([
      [1, 'Ada', 'New York days', '2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z'],
      [2, 'Dan', null, null, null],
    ]);
    expect(span(r.oncalls[0])).toBe(23);
    expect(r.oncalls[0]).toMatchObject({
      user: { id: ada, type: 'user_reference', self: `http://vigil.test/api/v1/users/${ada}` },
      schedule: { id: ny.id, type: 'schedule_reference' },
      escalation_policy: { id: pol.id, type: 'escalation_policy_reference', summary: 'Helpline' },
    });

    // The handoff stays at 09:00 local, which is 13:00Z after the change.
    const before = await ok(req(t, 'GET', `/api/v1/oncalls?at=2026-03-08T12:59:59Z&schedule_ids[]=${ny.id}`));
    expect(rows(before.oncalls)).toEqual([[1, 'Ada', 'New York days', '2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']]);
    const after = await ok(req(t, 'GET', `/api/v1/oncalls?at=2026-03-08T13:00:00Z&schedule_ids[]=${ny.id}`));
    expect(rows(after.oncalls)).toEqual([[1, 'Ben', 'New York days', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z']]);
    expect(span(after.oncalls[0])).toBe(24);
  });

  it('follows the manual clock to the Berlin change: that weekly turn lasts 167 hours', async () => {
    clock.set('2026-03-29T12:00:00Z');
    const r = await ok(req(t, 'GET', `/api/v1/oncalls?escalation_policy_ids[]=${pol.id}`));
    expect(rows(r.oncalls)).toEqual([
      [1, 'Ben', 'New York days', '2026-03-28T13:00:00.000Z', '2026-03-29T13:00:00.000Z'],
      [2, 'Dan', null, null, null],
      [3, 'Cleo', 'Berlin weeks', '2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    ]);
    expect(span(r.oncalls[2])).toBe(167);
    clock.set('2026-03-07T20:00:00Z');
  });

  it('filters by user, schedule and range; earliest keeps the first shift per policy, level and user; paginates', async () => {
    const dans = await ok(req(t, 'GET', `/api/v1/oncalls?user_ids[]=${dan}`));
    expect(rows(dans.oncalls)).toEqual([[2, 'Dan', null, null, null]]);

    const range = await ok(req(t, 'GET', `/api/v1/oncalls?since=2026-03-07T00:00:00Z&until=2026-03-10T00:00:00Z&schedule_ids[]=${ny.id}`));
    expect(rows(range.oncalls).map((x) => [x[1], x[3]])).toEqual([
      ['Ben', '2026-03-06T14:00:00.000Z'],
      ['Ada', '2026-03-07T14:00:00.000Z'],
      ['Ben', '2026-03-08T13:00:00.000Z'],
      ['Ada', '2026-03-09T13:00:00.000Z'],
    ]);
    const earliest = await ok(req(t, 'GET', `/api/v1/oncalls?since=2026-03-07T00:00:00Z&until=2026-03-10T00:00:00Z&schedule_ids[]=${ny.id}&earliest=true`));
    expect(rows(earliest.oncalls).map((x) => [x[1], x[3]])).toEqual([
      ['Ben', '2026-03-06T14:00:00.000Z'],
      ['Ada', '2026-03-07T14:00:00.000Z'],
    ]);
    const paged = await ok(req(t, 'GET', `/api/v1/oncalls?since=2026-03-07T00:00:00Z&until=2026-03-10T00:00:00Z&schedule_ids[]=${ny.id}&limit=3&offset=1&total=true`));
    expect(paged).toMatchObject({ limit: 3, offset: 1, more: false, total: 4 });
    expect(paged.oncalls).toHaveLength(3);
    const first = await ok(req(t, 'GET', `/api/v1/oncalls?since=2026-03-07T00:00:00Z&until=2026-03-10T00:00:00Z&schedule_ids[]=${ny.id}&limit=1`));
    expect(first.more).toBe(true);
  });

  it('answers a schedule no policy uses when asked by schedule_ids[], with no policy and level', async () => {
    const r = await ok(req(t, 'GET', `/api/v1/oncalls?schedule_ids[]=${spare.id}`));
    expect(r.oncalls).toEqual([expect.objectContaining({ user: expect.objectContaining({ id: dan }), schedule: expect.objectContaining({ id: spare.id }), escalation_policy: null, escalation_level: null })]);
  });

  it('rejects nonsense ranges, naming the parameter', async () => {
    expect((await bad(req(t, 'GET', '/api/v1/oncalls?at=2026-03-07T00:00:00Z&since=2026-03-07T00:00:00Z')))[0]).toMatch(/^at/);
    expect((await bad(req(t, 'GET', '/api/v1/oncalls?since=2026-03-07T00:00:00Z&until=2026-07-07T00:00:00Z')))[0]).toMatch(/^until/);
    expect((await bad(req(t, 'GET', '/api/v1/oncalls?since=2026-03-07T00:00:00Z&until=2026-03-06T00:00:00Z')))[0]).toMatch(/^until/);
    expect((await bad(req(t, 'GET', '/api/v1/oncalls?at=tomorrow')))[0]).toMatch(/^at/);
  });
});
