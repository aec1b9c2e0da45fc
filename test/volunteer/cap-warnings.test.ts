/**
 * The coordinator is warned when a schedule or an override places a volunteer past
 * their weekly hour cap or rest gap (the write is made; the answer carries
 * `warnings`), and staff can mark an incident intense, which starts the volunteer
 * cool-down as a critical incident does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { addContact, addPolicy, addUser, attachPolicy, engineFor, realChannels, startReceiver, type Receiver } from '../engine/fixtures.js';
import { createApp, req, type Json } from '../api/helpers.js';
import { pagedFor, pool, poolLevel, volunteer } from './fixtures.js';

describe.each(DIALECTS)('cap warnings and intense incidents on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hook: Receiver;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createApp(dialect, { clock });
    hook = await startReceiver();
  });
  afterEach(async () => {
    await t.close();
    await hook.close();
  });

  const schedule = (users: string[], restriction?: object) =>
    req(t, 'POST', '/api/v1/schedules', {
      schedule: {
        name: 'Evenings',
        time_zone: 'Europe/Berlin',
        schedule_layers: [{ start: '2026-03-02T00:00:00', rotation_turn_length_seconds: 86400, users: users.map((id) => ({ user: { id } })), ...(restriction ? { restrictions: [restriction] } : {}) }],
      },
    });

  it('a schedule that puts a volunteer on call 28 h a week answers with a weekly_cap warning per week; staff and volunteers within their caps get none', async () => {
    const vera = await volunteer(t, 'Vera');
    const sam = await addUser(t, 'Sam Staff');
    const r = await schedule([vera.id], { type: 'daily_restriction', start_time_of_day: '19:00:00', duration_seconds: 14400 });
    expect(r.statusCode, r.body).toBe(201);
    const warnings = r.json().warnings as Json[];
    expect(warnings.length).toBeGreaterThanOrEqual(4);
    expect(warnings[0]).toEqual({
      type: 'volunteer_cap_warning',
      volunteer: { id: vera.id, type: 'user_reference', summary: 'Vera' },
      cap: 'weekly_cap',
      at: '2026-03-01T23:00:00.000Z',
      figure_hours: 28,
      limit_hours: 12,
      message: 'Vera would be on call 28 h in the week of 2026-03-02 (cap 12 h)',
    });
    expect(new Set(warnings.map((w) => w.cap))).toEqual(new Set(['weekly_cap']));

    // The write was made all the same.
    expect((await req(t, 'GET', `/api/v1/schedules/${r.json().schedule.id}`)).statusCode).toBe(200);

    // Two hours on Mondays only: within the cap; and staff have no caps.
    const monday = await req(t, 'PUT', `/api/v1/schedules/${r.json().schedule.id}`, { schedule: { schedule_layers: [{ start: '2026-03-02T00:00:00', rotation_turn_length_seconds: 604800, users: [{ user: { id: vera.id } }], restrictions: [{ type: 'weekly_restriction', start_day_of_week: 1, start_time_of_day: '19:00:00', duration_seconds: 7200 }] }] } });
    expect(monday.statusCode, monday.body).toBe(200);
    expect(monday.json().warnings).toEqual([]);
    expect((await schedule([sam], { type: 'daily_restriction', start_time_of_day: '00:00:00', duration_seconds: 86400 })).json().warnings).toEqual([]);
  });

  it('an override that leaves a volunteer too little rest, or takes her past the cap, answers with warnings naming her, the cap and the figure', async () => {
    const vera = await volunteer(t, 'Vera');
    const sam = await addUser(t, 'Sam Staff');
    const s = (await schedule([sam])).json().schedule;
    const first = await req(t, 'POST', `/api/v1/schedules/${s.id}/overrides`, { override: { start: '2026-03-03T18:00:00Z', end: '2026-03-03T22:00:00Z', user: { id: vera.id } } });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().warnings).toEqual([]);
    // Back on call at 02:00, four hours after: rest below her 8 h minimum.
    const second = await req(t, 'POST', `/api/v1/schedules/${s.id}/overrides`, { override: { start: '2026-03-04T02:00:00Z', end: '2026-03-04T12:00:00Z', user: { id: vera.id } } });
    expect(second.statusCode).toBe(201);
    expect(second.json().warnings.map((w: Json) => [w.cap, w.figure_hours, w.limit_hours])).toEqual([
      ['weekly_cap', 14, 12],
      ['rest', 4, 8],
    ]);
    expect(second.json().warnings[1].message).toBe('Vera would rest only 4 h before the shift at 2026-03-04T02:00:00.000Z (minimum 8 h)');
    // PagerDuty's list form carries each override's warnings.
    const list = await req(t, 'POST', `/api/v1/schedules/${s.id}/overrides`, { overrides: [{ start: '2026-03-05T10:00:00Z', end: '2026-03-05T11:00:00Z', user: { id: sam } }] });
    expect(list.json()).toMatchObject([{ status: 201, warnings: [] }]);
  });

  it('marking an incident intense starts the cool-down of the volunteer who responded; unmarking ends it', async () => {
    clock.set(Date.parse('2026-03-02T18:30:00Z')); // 19:30 in Berlin, inside her evening
    const { key, serviceId } = await serviceWithKey(t);
    const sam = await addUser(t, 'Sam Staff');
    await addContact(t, sam, 'webhook', hook.url);
    const policyId = await addPolicy(t, [{ delay: 5, targets: [{ id: sam, type: 'user_reference' }] }]);
    await attachPolicy(t, serviceId, policyId);
    const vera = await volunteer(t, 'Vera', { contact: hook.url });
    const p = await pool(t, 'Evening backup', [vera]);
    await poolLevel(t, p.id, policyId, 1, 10);
    const engine = engineFor(t, realChannels(null));

    await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'x' }, { severity: 'error' }) });
    await engine.runUntilIdle(clock.now());
    clock.advanceMinutes(5);
    await engine.runUntilIdle(clock.now());
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Sam Staff', 'Vera']);
    const inc = (await req(t, 'GET', '/api/v1/incidents/1')).json().incident;
    expect((await req(t, 'POST', `/api/v1/incidents/${inc.id}/acknowledge`, undefined, vera.auth)).statusCode).toBe(200);
    clock.advanceMinutes(20);
    expect((await req(t, 'POST', `/api/v1/incidents/${inc.id}/resolve`, undefined, vera.auth)).statusCode).toBe(200);

    const reason = async () => (await req(t, 'GET', `/api/v1/volunteer_pools/${p.id}/status`)).json().members[0].reason;
    expect(await reason()).toBeNull();

    // A volunteer cannot mark it; staff can.
    expect((await req(t, 'PUT', `/api/v1/incidents/${inc.id}/intense`, { intense: { note: 'suicide risk' } }, vera.auth)).statusCode).toBe(403);
    const mark = await req(t, 'PUT', `/api/v1/incidents/${inc.id}/intense`, { intense: { note: 'a hard conversation' } });
    expect(mark.statusCode, mark.body).toBe(200);
    expect(mark.json().intense).toMatchObject({ incident: { id: inc.id }, note: 'a hard conversation' });
    expect(await reason()).toMatch(/^cooling down after a critical incident 0 h ago \(24 h\)$/);
    const log = (await req(t, 'GET', `/api/v1/incidents/${inc.id}/log_entries`)).json().log_entries.map((e: Json) => e.summary);
    expect(log).toContain('Marked intense by Olive Owner: a hard conversation; volunteers who responded get their cool-down');

    expect((await req(t, 'DELETE', `/api/v1/incidents/${inc.id}/intense`)).statusCode).toBe(204);
    expect(await reason()).toBeNull();
    expect((await req(t, 'PUT', '/api/v1/incidents/PNOPE/intense', {})).statusCode).toBe(404);
  });
});
