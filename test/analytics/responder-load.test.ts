/**
 * Responder load on every dialect: pages, nights and weekends in each person's own zone (one in
 * Berlin, one in New York across its DST change), time on call from a real weekly rotation,
 * incidents handled, time since the last night page, and the spread across the rotation.
 * Owners and admins see everyone; a responder sees only themselves (403 for anyone else).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertLogEntry } from '../../src/server/incident/log-entry.store.js';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { createApp, member, req, type Json } from '../api/helpers.js';

const RANGE = { date_range_start: '2026-03-02T00:00:00Z', date_range_end: '2026-03-16T00:00:00Z' };

describe.each(DIALECTS)('responder load on %s', (dialect) => {
  let t: TestApp;
  let rosa: Awaited<ReturnType<typeof member>>;
  let sam: Awaited<ReturnType<typeof member>>;
  let observer: Awaited<ReturnType<typeof member>>;
  let scheduleId: string;
  let seq = 0;

  const page = async (userId: string, iso: string, status: 'sent' | 'failed' = 'sent') => {
    const at = Date.parse(iso);
    await t.db.handle.db
      .insertInto('notifications')
      .values({
        org_id: t.org.org.id, id: `NTF${String(++seq).padStart(6, '0')}`, incident_id: null, user_id: userId, contact_method_id: null, subscription_id: null, channel: 'sms', kind: 'page',
        event_type: 'incident.triggered', status, attempts: 1, next_attempt_at: at, claimed_until: null, idempotency_key: `k${seq}`, step_key: null, payload: null, last_error: null, provider_id: null,
        created_at: at, sent_at: status === 'sent' ? at : null,
      })
      .execute();
  };
  const handled = async (userId: string, incidentId: string, type: string, iso: string) =>
    insertLogEntry(t.db.handle.db, { org_id: t.org.org.id, id: `LOG${String(++seq).padStart(6, '0')}`, incident_id: incidentId, service_id: 'SVC', type, created_at: Date.parse(iso), agent: JSON.stringify({ id: userId, type: 'user_reference', summary: 'x' }), channel: '{"type":"api"}', summary: type, details: null });
  const load = (body: Json, auth = t.auth) => req(t, 'POST', '/api/v1/analytics/metrics/responders/all', body, auth);

  beforeAll(async () => {
    t = await createApp(dialect, { clock: manualClock('2026-04-01T00:00:00Z') });
    rosa = await member(t, 'responder');
    sam = await member(t, 'responder');
    observer = await member(t, 'observer');
    for (const [u, tz] of [[rosa, 'Europe/Berlin'], [sam, 'America/New_York']] as const) {
      const r = await req(t, 'PUT', `/api/v1/users/${u.user.id}`, { user: { time_zone: tz } });
      expect(r.statusCode, r.body).toBe(200);
    }
    const start = '2026-03-02T00:00:00Z';
    const s = await req(t, 'POST', '/api/v1/schedules', {
      schedule: { name: 'Weekly rota', time_zone: 'UTC', schedule_layers: [{ name: 'Week', start, rotation_virtual_start: start, rotation_turn_length_seconds: 7 * 86400, users: [rosa, sam].map((m) => ({ user: { id: m.user.id, type: 'user_reference' } })) }] },
    });
    expect(s.statusCode, s.body).toBe(201);
    scheduleId = s.json().schedule.id;
    // Rosa (Berlin, CET = UTC+1): 22:30 Tuesday (night), 11:00 Saturday (weekend), 13:00 Wednesday.
    await page(rosa.user.id, '2026-03-03T21:30:00Z');
    await page(rosa.user.id, '2026-03-07T10:00:00Z');
    await page(rosa.user.id, '2026-03-04T12:00:00Z');
    // Sam (New York, EDT = UTC−4 from 8 March): 23:00 Monday (night), 07:30 Sunday (weekend, not night), 06:59 Thursday (night).
    await page(sam.user.id, '2026-03-10T03:00:00Z');
    await page(sam.user.id, '2026-03-15T11:30:00Z');
    await page(sam.user.id, '2026-03-12T10:59:00Z');
    await page(sam.user.id, '2026-03-13T10:00:00Z', 'failed'); // never delivered: not a page received
    await page(sam.user.id, '2026-03-20T03:00:00Z'); // after the range
    await handled(rosa.user.id, 'INCX', 'acknowledge_log_entry', '2026-03-03T21:35:00Z');
    await handled(rosa.user.id, 'INCX', 'resolve_log_entry', '2026-03-03T22:00:00Z');
    await handled(sam.user.id, 'INCY', 'acknowledge_log_entry', '2026-03-10T03:05:00Z');
  });
  afterAll(async () => t.close());

  it('a coordinator sees everyone, each judged in their own zone, and the spread of the rotation', async () => {
    const r = await load({ filters: RANGE });
    expect(r.statusCode, r.body).toBe(200);
    const rows = Object.fromEntries((r.json().data as Json[]).map((d) => [d.responder_id, d]));
    expect(rows[rosa.user.id]).toEqual({
      responder_id: rosa.user.id, responder_name: rosa.user.name, time_zone: 'Europe/Berlin',
      total_notifications: 3, total_night_pages: 1, total_weekend_pages: 1, total_seconds_on_call: 7 * 86400, total_incidents_handled: 1,
      last_night_page_at: '2026-03-03T21:30:00Z', seconds_since_last_night_page: 12 * 86400 + 2 * 3600 + 1800,
    });
    expect(rows[sam.user.id]).toMatchObject({ time_zone: 'America/New_York', total_notifications: 3, total_night_pages: 2, total_weekend_pages: 1, total_seconds_on_call: 7 * 86400, total_incidents_handled: 1, seconds_since_last_night_page: 3 * 86400 + 13 * 3600 + 60 });
    expect(rows[t.org.user.id]).toMatchObject({ total_notifications: 0, total_seconds_on_call: 0, total_incidents_handled: 0 });
    expect(rows[t.org.user.id].last_night_page_at).toBeUndefined();
    expect(r.json().rotations).toEqual([
      { schedule_id: scheduleId, schedule_name: 'Weekly rota', responder_ids: [rosa.user.id, sam.user.id].sort(), notifications: { max: 3, min: 3, spread: 0 }, night_pages: { max: 2, min: 1, spread: 1 }, seconds_on_call: { max: 604_800, min: 604_800, spread: 0 } },
    ]);
  });

  it('half a turn in the range counts half', async () => {
    const r = await load({ filters: { date_range_start: '2026-03-05T12:00:00Z', date_range_end: '2026-03-09T12:00:00Z' }, time_zone: 'Europe/Berlin' });
    const rows = Object.fromEntries((r.json().data as Json[]).map((d) => [d.responder_id, d]));
    expect(rows[rosa.user.id].total_seconds_on_call).toBe(3.5 * 86400);
    expect(rows[sam.user.id].total_seconds_on_call).toBe(0.5 * 86400);
    expect(r.json().time_zone).toBe('Europe/Berlin');
  });

  it('a responder sees only their own row, and no rotation spreads', async () => {
    const r = await load({ filters: RANGE }, rosa.auth);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().data.map((d: Json) => d.responder_id)).toEqual([rosa.user.id]);
    expect(r.json().rotations).toBeUndefined();
    const own = await load({ filters: { ...RANGE, responder_ids: [observer.user.id] } }, observer.auth);
    expect(own.statusCode).toBe(200);
    expect(own.json().data).toHaveLength(1);
  });

  it('403 when a responder asks for someone else; an admin may filter to anyone', async () => {
    const r = await load({ filters: { ...RANGE, responder_ids: [sam.user.id] } }, rosa.auth);
    expect(r.statusCode).toBe(403);
    expect(r.json().error.errors[0]).toContain('filters.responder_ids');
    const admin = await member(t, 'admin');
    const a = await load({ filters: { ...RANGE, responder_ids: [sam.user.id] } }, admin.auth);
    expect(a.statusCode).toBe(200);
    expect(a.json().data.map((d: Json) => d.responder_id)).toEqual([sam.user.id]);
  });

  it('CSV, and 400 naming the field', async () => {
    const csv = await t.app.inject({ method: 'POST', url: '/api/v1/analytics/metrics/responders/all', headers: { ...t.auth, accept: 'text/csv' }, payload: { filters: { ...RANGE, responder_ids: [rosa.user.id] } } });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[1]).toContain(',Europe/Berlin,3,1,1,604800,1,');
    for (const [body, msg] of [
      [{ filters: { ...RANGE, date_range_end: '2026-03-01T00:00:00Z' } }, 'filters.date_range_end must be after'],
      [{ filters: { ...RANGE, responder_ids: ['PNOBODY'] } }, 'filters.responder_ids: unknown user PNOBODY'],
      [{ filters: RANGE, time_zone: 'Nowhere/City' }, 'time_zone'],
      [{ filters: { ...RANGE, team_ids: ['T'] } }, 'filters.team_ids'],
    ] as const) {
      const r = await load(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.errors.join(' ')).toContain(msg);
    }
  });
});
