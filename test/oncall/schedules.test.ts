import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFinal } from '../../src/server/schedule/on-call.js';
import type { Schedule } from '../../src/server/schedule/schedule.js';
import { turnLengthFromSeconds } from '../../src/server/schedule/schedule.service.js';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { bad, createPolicy, createSchedule, entries, member, ok, onCallApp, req, scheduleBody, scheduleTarget, secondOrg, type Json, type LayerSpec } from './fixtures.js';

describe('rotation_turn_length_seconds → turn length', () => {
  it.each([
    [604_800, { unit: 'weeks', count: 1 }],
    [1_209_600, { unit: 'weeks', count: 2 }],
    [86_400, { unit: 'days', count: 1 }],
    [259_200, { unit: 'days', count: 3 }],
    [43_200, { unit: 'hours', count: 12 }],
    [3_600, { unit: 'hours', count: 1 }],
    [90_000, { unit: 'hours', count: 25 }],
    [0, null],
    [-86_400, null],
    [5_400, null],
    [1.5, null],
  ])('%s s → %j', (seconds, expected) => {
    expect(turnLengthFromSeconds(seconds)).toEqual(expected);
  });
});

describe.each(DIALECTS)('schedules REST on %s', (dialect) => {
  let t: TestApp;
  let ada: string, ben: string, cleo: string;
  const clock = manualClock('2026-03-04T12:00:00Z');

  beforeAll(async () => {
    t = await onCallApp(dialect, { clock });
    ada = (await member(t, 'Ada')).id;
    ben = (await member(t, 'Ben')).id;
    cleo = (await member(t, 'Cleo')).id;
  });
  afterAll(async () => t.close());

  /** Days Ada/Ben handing off at 09:00 New York time until 20 March; nights (22:00 for 8 h) Cleo, on top. */
  const helpline = (): LayerSpec[] => [
    { name: 'Days', start: '2026-03-01T09:00:00', end: '2026-03-20T09:00:00-04:00', rotation_turn_length_seconds: 86_400, users: [ada, ben] },
    { name: 'Nights', start: '2026-03-01T00:00:00-05:00', rotation_turn_length: { unit: 'weeks', count: 1 }, users: [cleo], restrictions: [{ type: 'daily_restriction', start_time_of_day: '22:00:00', duration_seconds: 8 * 3600 }] },
  ];

  const pureHelpline = (overrides: Schedule['overrides']): Schedule => ({
    timeZone: 'America/New_York',
    layers: [
      { id: 'days', start: Date.parse('2026-03-01T14:00:00Z'), end: Date.parse('2026-03-20T13:00:00Z'), rotationVirtualStart: Date.parse('2026-03-01T14:00:00Z'), turnLength: { unit: 'days', count: 1 }, users: [ada, ben], restrictions: [] },
      {
        id: 'nights',
        start: Date.parse('2026-03-01T05:00:00Z'),
        end: null,
        rotationVirtualStart: Date.parse('2026-03-01T05:00:00Z'),
        turnLength: { unit: 'weeks', count: 1 },
        users: [cleo],
        restrictions: [{ type: 'daily_restriction', startTimeOfDay: '22:00:00', durationSeconds: 8 * 3600 }],
      },
    ],
    overrides,
  });

  it('round-trips a schedule in PagerDuty shape, keeping layer order and ids', async () => {
    const s = await createSchedule(t, 'Helpline', 'America/New_York', helpline());
    expect(s).toMatchObject({ type: 'schedule', name: 'Helpline', summary: 'Helpline', time_zone: 'America/New_York', description: 'Helpline rotation', teams: [], escalation_policies: [] });
    expect(s.self).toBe(`http://vigil.test/api/v1/schedules/${s.id}`);
    expect(s.schedule_layers.map((l: Json) => l.name)).toEqual(['Days', 'Nights']);
    const [days, nights] = s.schedule_layers as Json[];
    expect(days).toMatchObject({
      // A time without an offset is New York wall time.
      start: '2026-03-01T14:00:00.000Z',
      end: '2026-03-20T13:00:00.000Z',
      rotation_virtual_start: '2026-03-01T14:00:00.000Z',
      rotation_turn_length_seconds: 86_400,
      rotation_turn_length: { unit: 'days', count: 1 },
      restrictions: [],
    });
    expect(days!.users.map((u: Json) => [u.user.id, u.user.type, u.user.summary])).toEqual([
      [ada, 'user_reference', 'Ada'],
      [ben, 'user_reference', 'Ben'],
    ]);
    expect(nights).toMatchObject({ end: null, rotation_turn_length_seconds: 604_800, rotation_turn_length: { unit: 'weeks', count: 1 }, restrictions: [{ type: 'daily_restriction', start_time_of_day: '22:00:00', duration_seconds: 28_800 }] });
    expect(s.users.map((u: Json) => u.id)).toEqual([ada, ben, cleo]);
    expect(s.final_schedule).toEqual({ name: 'Final Schedule', rendered_schedule_entries: [], rendered_coverage_percentage: null });

    const got = (await ok(req(t, 'GET', `/api/v1/schedules/${s.id}`))).schedule;
    expect(got).toEqual(s);

    // PUT what GET answered, renamed: the same layers keep their ids (a GET → PUT round trip changes nothing else).
    const put = { schedule: { ...got, name: 'Helpline (24/7)', schedule_layers: got.schedule_layers.map((l: Json) => ({ ...l, name: `${l.name}!` })) } };
    const updated = (await ok(req(t, 'PUT', `/api/v1/schedules/${s.id}`, put))).schedule;
    expect(updated.name).toBe('Helpline (24/7)');
    expect(updated.schedule_layers.map((l: Json) => [l.id, l.name])).toEqual([
      [days!.id, 'Days!'],
      [nights!.id, 'Nights!'],
    ]);
    expect(updated.schedule_layers.map((l: Json) => ({ ...l, name: undefined }))).toEqual(s.schedule_layers.map((l: Json) => ({ ...l, name: undefined })));

    const list = await ok(req(t, 'GET', '/api/v1/schedules?query=24%2F7&total=true'));
    expect(list).toMatchObject({ limit: 25, offset: 0, more: false, total: 1 });
    expect(list.schedules[0].id).toBe(s.id);

    await ok(req(t, 'DELETE', `/api/v1/schedules/${s.id}`), 204);
    await bad(req(t, 'GET', `/api/v1/schedules/${s.id}`), 404);
  });

  it('renders the final schedule through the API exactly as renderFinal does: later layers win, overrides win over all, gaps stay gaps', async () => {
    const s = await createSchedule(t, 'Helpline render', 'America/New_York', helpline());
    const o = await ok(
      req(t, 'POST', `/api/v1/schedules/${s.id}/overrides`, {
        overrides: [
          { start: '2026-03-10T12:00:00Z', end: '2026-03-10T18:00:00Z', user: { id: cleo, type: 'user_reference' } },
          // A later override wins where two overlap; this one has no offset: schedule time.
          { start: '2026-03-10T10:00:00', end: '2026-03-10T11:00:00', user: { id: ada, type: 'user_reference' } },
        ],
      }),
      201,
    );
    expect(Array.isArray(o)).toBe(true);
    expect(o.map((x: Json) => [x.status, x.override.user.id, x.override.start])).toEqual([
      [201, cleo, '2026-03-10T12:00:00.000Z'],
      [201, ada, '2026-03-10T14:00:00.000Z'],
    ]);

    const since = '2026-03-05T00:00:00Z';
    const until = '2026-03-25T00:00:00Z';
    const final = await ok(req(t, 'GET', `/api/v1/schedules/${s.id}/final?since=${since}&until=${until}`));
    expect(final).toMatchObject({ schedule: { id: s.id, type: 'schedule_reference', summary: 'Helpline render' }, time_zone: 'America/New_York', since: '2026-03-05T00:00:00.000Z', until: '2026-03-25T00:00:00.000Z' });
    const pure = pureHelpline(o.map((x: Json) => ({ id: x.override.id, userId: x.override.user.id, start: Date.parse(x.override.start), end: Date.parse(x.override.end) })));
    const expected = renderFinal(pure, { since: Date.parse(since), until: Date.parse(until) });
    expect(entries(final.final_schedule.rendered_schedule_entries)).toEqual(expected);

    // Gaps are reported as gaps: after the day layer ends only nights are covered.
    const gaps = expected.filter((e) => e.userId === null);
    expect(gaps.length).toBeGreaterThan(0);
    expect(final.final_schedule.rendered_schedule_entries.find((e: Json) => e.user === null)).toMatchObject({ start: '2026-03-20T13:00:00.000Z', end: '2026-03-21T02:00:00.000Z' });
    // A 09:00 handoff stays at 09:00 New York time across the 8 March change: 14:00Z before, 13:00Z after.
    const starts = expected.filter((e) => e.userId === ada || e.userId === ben).map((e) => new Date(e.start).toISOString());
    expect(starts).toContain('2026-03-06T14:00:00.000Z');
    expect(starts).toContain('2026-03-09T13:00:00.000Z');
    expect(final.final_schedule.rendered_coverage_percentage).toBeGreaterThan(0);
    expect(final.final_schedule.rendered_coverage_percentage).toBeLessThan(100);

    // PagerDuty's GET /schedules/:id?since&until renders the same final schedule, plus layers and overrides.
    const pd = (await ok(req(t, 'GET', `/api/v1/schedules/${s.id}?since=${since}&until=${until}`))).schedule;
    expect(pd.final_schedule.rendered_schedule_entries).toEqual(final.final_schedule.rendered_schedule_entries);
    // The later override (Ada, 14:00-15:00Z) splits the earlier one (Cleo, 12:00-18:00Z).
    expect(pd.overrides_subschedule.rendered_schedule_entries.map((e: Json) => e.user.id)).toEqual([cleo, ada, cleo]);
    expect(pd.schedule_layers[1].rendered_schedule_entries.every((e: Json) => e.user.id === cleo)).toBe(true);

    // The users of the schedule in a range are those on call in it, overrides included.
    const users = await ok(req(t, 'GET', `/api/v1/schedules/${s.id}/users?since=2026-03-10T12:00:00Z&until=2026-03-10T13:00:00Z`));
    expect(users.users.map((u: Json) => u.id)).toEqual([cleo]);
  });

  it('manages overrides: single and list forms, listing, deleting; all or nothing', async () => {
    const s = await createSchedule(t, 'Overrides', 'Europe/Berlin', [{ start: '2026-03-01T00:00:00Z', rotation_turn_length_seconds: 604_800, users: [ada] }]);
    const one = await ok(req(t, 'POST', `/api/v1/schedules/${s.id}/overrides`, { override: { start: '2026-03-05T08:00:00+01:00', end: '2026-03-05T20:00:00+01:00', user: { id: ben } } }), 201);
    expect(one.override).toMatchObject({ start: '2026-03-05T07:00:00.000Z', end: '2026-03-05T19:00:00.000Z', user: { id: ben, type: 'user_reference', summary: 'Ben' } });

    const errors = await bad(
      req(t, 'POST', `/api/v1/schedules/${s.id}/overrides`, {
        overrides: [
          { start: '2026-03-06T08:00:00Z', end: '2026-03-06T09:00:00Z', user: { id: ben } },
          { start: '2026-03-06T08:00:00Z', end: '2026-03-06T07:00:00Z', user: { id: 'PNOBODY' } },
        ],
      }),
    );
    expect(errors.some((e) => e.startsWith('overrides[1].end must be after start'))).toBe(true);
    expect(errors.some((e) => e.startsWith('overrides[1].user.id'))).toBe(true);

    const list = await ok(req(t, 'GET', `/api/v1/schedules/${s.id}/overrides?since=2026-03-01T00:00:00Z&until=2026-04-01T00:00:00Z`));
    expect(list.overrides.map((x: Json) => x.id)).toEqual([one.override.id]);
    await ok(req(t, 'DELETE', `/api/v1/schedules/${s.id}/overrides/${one.override.id}`), 204);
    await bad(req(t, 'DELETE', `/api/v1/schedules/${s.id}/overrides/${one.override.id}`), 404);
    expect((await ok(req(t, 'GET', `/api/v1/schedules/${s.id}/overrides?since=2026-03-01T00:00:00Z`))).overrides).toEqual([]);
  });

  it('refuses to delete a schedule an escalation policy targets', async () => {
    const s = await createSchedule(t, 'Targeted', 'UTC', [{ start: '2026-03-01T00:00:00Z', rotation_turn_length_seconds: 86_400, users: [ada] }]);
    const pol = await createPolicy(t, 'Uses Targeted', [{ targets: [scheduleTarget(s.id)] }]);
    const errors = await bad(req(t, 'DELETE', `/api/v1/schedules/${s.id}`));
    expect(errors[0]).toContain('Uses Targeted');
    expect((await ok(req(t, 'GET', `/api/v1/schedules/${s.id}`))).schedule.escalation_policies.map((x: Json) => x.id)).toEqual([pol.id]);
  });

  describe('invalid input is a 400 naming the field, and writes nothing', () => {
    const base = (): LayerSpec => ({ start: '2026-03-01T09:00:00Z', rotation_turn_length_seconds: 86_400, users: [ada] });
    const cases: [string, () => Promise<Json>, string][] = [
      ['unknown time zone', async () => scheduleBody('x', 'Mars/Olympus_Mons', [base()]), 'schedule.time_zone'],
      ['zero turn length', async () => scheduleBody('x', 'UTC', [{ ...base(), rotation_turn_length_seconds: 0 }]), 'schedule.schedule_layers[0].rotation_turn_length_seconds'],
      ['negative turn length', async () => scheduleBody('x', 'UTC', [{ ...base(), rotation_turn_length_seconds: -86_400 }]), 'schedule.schedule_layers[0].rotation_turn_length_seconds'],
      ['turn length not whole hours', async () => scheduleBody('x', 'UTC', [{ ...base(), rotation_turn_length_seconds: 5_400 }]), 'schedule.schedule_layers[0].rotation_turn_length_seconds'],
      ['no turn length', async () => scheduleBody('x', 'UTC', [{ ...base(), rotation_turn_length_seconds: undefined }]), 'schedule.schedule_layers[0].rotation_turn_length_seconds'],
      ['unknown turn unit', async () => scheduleBody('x', 'UTC', [{ ...base(), rotation_turn_length_seconds: undefined, rotation_turn_length: { unit: 'fortnights', count: 1 } }]), 'schedule.schedule_layers[0].rotation_turn_length.unit'],
      ['zero turn count', async () => scheduleBody('x', 'UTC', [{ ...base(), rotation_turn_length_seconds: undefined, rotation_turn_length: { unit: 'days', count: 0 } }]), 'schedule.schedule_layers[0].rotation_turn_length.count'],
      ['end before start', async () => scheduleBody('x', 'UTC', [{ ...base(), end: '2026-02-01T00:00:00Z' }]), 'schedule.schedule_layers[0].end'],
      ['unparseable start', async () => scheduleBody('x', 'UTC', [{ ...base(), start: 'yesterday' }]), 'schedule.schedule_layers[0].start'],
      ['user of another organization', async () => scheduleBody('x', 'UTC', [base(), { ...base(), users: [ada, (await secondOrg(t)).userId] }]), 'schedule.schedule_layers[1].users[1].user.id'],
      ['unknown user', async () => scheduleBody('x', 'UTC', [{ ...base(), users: ['PNOBODY'] }]), 'schedule.schedule_layers[0].users[0].user.id'],
      [
        'deleted user',
        async () => {
          const gone = await member(t, 'Gone');
          await ok(req(t, 'DELETE', `/api/v1/users/${gone.id}`), 204);
          return scheduleBody('x', 'UTC', [{ ...base(), users: [ada, gone.id] }]);
        },
        'schedule.schedule_layers[0].users[1].user.id',
      ],
      ['restriction at 25 o’clock', async () => scheduleBody('x', 'UTC', [{ ...base(), restrictions: [{ type: 'daily_restriction', start_time_of_day: '25:00:00', duration_seconds: 3600 }] }]), 'schedule.schedule_layers[0].restrictions[0].start_time_of_day'],
      ['restriction of zero seconds', async () => scheduleBody('x', 'UTC', [{ ...base(), restrictions: [{ type: 'daily_restriction', start_time_of_day: '09:00:00', duration_seconds: 0 }] }]), 'schedule.schedule_layers[0].restrictions[0].duration_seconds'],
      ['daily restriction longer than a day', async () => scheduleBody('x', 'UTC', [{ ...base(), restrictions: [{ type: 'daily_restriction', start_time_of_day: '09:00:00', duration_seconds: 90_000 }] }]), 'schedule.schedule_layers[0].restrictions[0].duration_seconds'],
      ['weekly restriction without a day', async () => scheduleBody('x', 'UTC', [{ ...base(), restrictions: [{ type: 'weekly_restriction', start_time_of_day: '09:00:00', duration_seconds: 3600 }] }]), 'schedule.schedule_layers[0].restrictions[0].start_day_of_week'],
      ['weekly restriction on day 8', async () => scheduleBody('x', 'UTC', [{ ...base(), restrictions: [{ type: 'weekly_restriction', start_time_of_day: '09:00:00', duration_seconds: 3600, start_day_of_week: 8 }] }]), 'schedule.schedule_layers[0].restrictions[0].start_day_of_week'],
      ['unknown restriction type', async () => scheduleBody('x', 'UTC', [{ ...base(), restrictions: [{ type: 'monthly_restriction', start_time_of_day: '09:00:00', duration_seconds: 3600 }] }]), 'schedule.schedule_layers[0].restrictions[0].type'],
      ['layer without a start', async () => ({ schedule: { name: 'x', time_zone: 'UTC', schedule_layers: [{ rotation_turn_length_seconds: 86_400, users: [] }] } }), 'schedule.schedule_layers[0].start'],
    ];

    it.each(cases)('%s', async (_name, body, field) => {
      const before = (await ok(req(t, 'GET', '/api/v1/schedules?total=true'))).total;
      const errors = await bad(req(t, 'POST', '/api/v1/schedules', await body()));
      expect(errors.some((e) => e.startsWith(field)), `${JSON.stringify(errors)} should name ${field}`).toBe(true);
      expect((await ok(req(t, 'GET', '/api/v1/schedules?total=true'))).total).toBe(before);
    });

    it('on update too, leaving the schedule as it was', async () => {
      const s = await createSchedule(t, 'Stable', 'UTC', [base()]);
      const errors = await bad(req(t, 'PUT', `/api/v1/schedules/${s.id}`, { schedule: { time_zone: 'Europe/Atlantis' } }));
      expect(errors[0]).toMatch(/^schedule\.time_zone/);
      const e2 = await bad(req(t, 'PUT', `/api/v1/schedules/${s.id}`, scheduleBody('Stable', 'UTC', [{ ...base(), rotation_turn_length_seconds: 7_200, rotation_turn_length: { unit: 'hours', count: 3 } }])));
      expect(e2[0]).toMatch(/^schedule\.schedule_layers\[0\]\.rotation_turn_length_seconds/);
      expect((await ok(req(t, 'GET', `/api/v1/schedules/${s.id}`))).schedule).toEqual(s);
    });

    it('a range longer than 366 days or upside down', async () => {
      const s = await createSchedule(t, 'Ranges', 'UTC', [base()]);
      expect((await bad(req(t, 'GET', `/api/v1/schedules/${s.id}/final?since=2026-01-01T00:00:00Z&until=2028-01-01T00:00:00Z`)))[0]).toMatch(/^until/);
      expect((await bad(req(t, 'GET', `/api/v1/schedules/${s.id}/final?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z`)))[0]).toMatch(/^until/);
      expect((await bad(req(t, 'GET', `/api/v1/schedules/${s.id}/final?since=soon`)))[0]).toMatch(/^since/);
    });
  });
});
