/**
 * GET /api/v1/open_shift_schedules: the schedules with an open-shift layer, for
 * everyone including volunteers (who cannot list schedules), so the web UI can show
 * a volunteer the open shifts to claim. Only names and zones; deleted schedules and
 * other organizations stay out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestApp } from '../harness.js';
import { createApp, member, req, secondOrg, type Json } from './helpers.js';

describe.each(DIALECTS)('open-shift schedules on %s', (dialect) => {
  let t: TestApp;
  let openId: string;
  beforeAll(async () => {
    t = await createApp(dialect);
    const start = '2026-03-02T00:00:00Z';
    const layer = { name: 'Evenings', start, rotation_virtual_start: start, rotation_turn_length_seconds: 86400, restrictions: [{ type: 'daily_restriction', start_time_of_day: '19:00:00', duration_seconds: 7200 }] };
    const mk = async (name: string, open: boolean) => {
      const r = await req(t, 'POST', '/api/v1/schedules', { schedule: { name, time_zone: 'Europe/Berlin', schedule_layers: [{ ...layer, users: open ? [] : [{ user: { id: t.org.user.id, type: 'user_reference' } }], ...(open ? { open_shifts: true } : {}) }] } });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().schedule.id as string;
    };
    openId = await mk('Evening desk', true);
    await mk('Staff', false);
    const gone = await mk('Old desk', true);
    expect((await req(t, 'DELETE', `/api/v1/schedules/${gone}`)).statusCode).toBe(204);
    const other = await secondOrg(t);
    const r = await req(t, 'POST', '/api/v1/schedules', { schedule: { name: 'Their desk', time_zone: 'UTC', schedule_layers: [{ ...layer, users: [], open_shifts: true }] } }, other.auth);
    expect(r.statusCode, r.body).toBe(201);
  });
  afterAll(async () => t.close());

  it('lists only live schedules with an open-shift layer, of the caller’s organization, to staff and volunteers alike', async () => {
    const want = [{ id: openId, type: 'schedule_reference', summary: 'Evening desk', time_zone: 'Europe/Berlin' }];
    const owner = await req(t, 'GET', '/api/v1/open_shift_schedules');
    expect(owner.statusCode, owner.body).toBe(200);
    expect(owner.json().schedules).toEqual(want);
    const volunteer = await member(t, 'volunteer');
    const v = await req(t, 'GET', '/api/v1/open_shift_schedules', undefined, volunteer.auth);
    expect(v.statusCode, v.body).toBe(200);
    expect(v.json().schedules as Json[]).toEqual(want);
    expect((await req(t, 'GET', '/api/v1/schedules', undefined, volunteer.auth)).statusCode).toBe(403); // the full list stays closed
    const observer = await member(t, 'observer');
    expect((await req(t, 'GET', '/api/v1/open_shift_schedules', undefined, observer.auth)).json().schedules).toEqual(want);
  });
});
