/**
 * Incident analytics over the REST API on every dialect, against the hand-computed month of
 * month.ts (America/New_York, March 2026: the DST week, incidents across midnight). Each
 * figure below is worked out by hand from that table, not by the code under test. Answers
 * are checked against PagerDuty's published schema; bad ranges get 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOrganization } from '../../src/server/org/org.service.js';
import { DIALECTS, manualClock, serviceWithKey, type TestApp } from '../harness.js';
import { createApp, req, type Json } from '../api/helpers.js';
import { expectPagerDutyShape } from '../api/pd-rest-schema.js';
import { MONTH, RANGE, ZONE, seedMonth } from './month.js';

describe.each(DIALECTS)('incident analytics on %s', (dialect) => {
  let t: TestApp;
  let auth: { authorization: string };
  let A: string;
  let B: string;
  let ids: Map<number, string>;

  const post = (path: string, body: unknown, headers: Record<string, string> = auth) => req(t, 'POST', `/api/v1/analytics/${path}`, body, headers);
  const metrics = async (body: Json, by = 'all') => {
    const r = await post(`metrics/incidents/${by}`, body);
    expect(r.statusCode, r.body).toBe(200);
    expectPagerDutyShape(r.json(), `/analytics/metrics/incidents/${by}`, 'post');
    return r.json() as Json;
  };

  beforeAll(async () => {
    t = await createApp(dialect, { clock: manualClock('2026-04-02T12:00:00Z') });
    const org = await initOrganization(t.db.handle.db, t.clock, { orgName: 'Open Table Benefits', email: 'owner@opentable.example', userName: 'Omar Owner', timeZone: ZONE });
    auth = { authorization: `Bearer ${org.token}` };
    const a = await serviceWithKey(t, 'events_v2', 'Crisis chat', auth);
    const b = await serviceWithKey(t, 'events_v2', 'SMS gateway', auth);
    A = a.serviceId;
    B = b.serviceId;
    ids = await seedMonth(t.db.handle.db, org.org.id, { A: { id: A, integrationId: a.integrationId }, B: { id: B, integrationId: b.integrationId } });
    // Another organization's March: never counted.
    const other = await serviceWithKey(t, 'events_v2', 'Other', t.auth);
    await seedMonth(t.db.handle.db, t.org.org.id, { A: { id: other.serviceId, integrationId: other.integrationId }, B: { id: other.serviceId, integrationId: other.integrationId } }, MONTH.slice(1, 4));
  });
  afterAll(async () => t.close());

  // The whole month, worked by hand from month.ts (incidents 1–10; 0 is February):
  // acknowledged 1,2,3,5,6,7,9,10 → 120,600,60,30,240,45,90,60 s: sorted 30,45,60,60,90,120,240,600;
  //   mean 1245/8 = 155.6 → 156; p50 (rank 4) 60; p90 (rank ⌈7.2⌉ = 8) 600.
  // resolved 1,2,3,4,5,6,9,10 → 1800,5400,14400,900,600,7200,300,120: sorted 120,300,600,900,1800,5400,7200,14400;
  //   mean 30720/8 = 3840; p50 (rank 4) 900; p90 (rank 8) 14400.
  // escalations: 2 (1 by timeout), 4 (timeout + manual), 8 (two timeouts) → 5; incidents escalated 3;
  //   by hand 1 (4); by timeout 3 (2, 4, 8).
  // acknowledged at the first level: 1,3,5,6,7,9,10 (2 was acknowledged after its escalation) → 7.
  // sleep hours (22:00–07:00 New York): 2 (23:30), 3 (22:15), 4 (03:30 EDT), 7 (06:59), 10 (23:59) → 5; 8 at 07:00 is not.
  // repeats: 1 (of February's 0, 3 d 23 h before), 2 (of 1, title differs only in case and spaces), 4 (of 2),
  //   5 (of 3), 9 (of 7) → 5; 7 is 8 d 3 h after 4, 10 is 22 d after 5.
  const MONTH_TOTALS = {
    total_incident_count: 10,
    total_alert_count: 14,
    total_incidents_acknowledged: 8,
    total_incidents_resolved: 8,
    mean_seconds_to_first_ack: 156,
    p50_seconds_to_first_ack: 60,
    p90_seconds_to_first_ack: 600,
    mean_seconds_to_resolve: 3840,
    p50_seconds_to_resolve: 900,
    p90_seconds_to_resolve: 14_400,
    total_escalation_count: 5,
    total_incidents_escalated: 3,
    total_incidents_manual_escalated: 1,
    total_incidents_timeout_escalated: 3,
    total_incidents_acknowledged_first_level: 7,
    total_sleep_hour_incidents: 5,
    total_repeat_incidents: 5,
  };

  it('the month as one row, in the organization’s zone by default', async () => {
    const body = await metrics({ filters: RANGE });
    expect(body.time_zone).toBe(ZONE);
    expect(body.data).toEqual([MONTH_TOTALS]);
  });

  it.each([
    // [unit, range_start and the incidents of each bucket]
    ['month', [['2026-03-01T00:00:00-05:00', 10]]],
    // The week of 2 March holds the DST change (167 hours) and incident 4 (Sunday 03:30 EDT).
    ['week', [['2026-03-02T00:00:00-05:00', 4], ['2026-03-09T00:00:00-04:00', 2], ['2026-03-16T00:00:00-04:00', 3], ['2026-03-30T00:00:00-04:00', 1]]],
    // 2 (23:30 on the 5th) and 10 (23:59:30 on the 31st) count on the day they started, not the day they ended.
    ['day', [['2026-03-02T00:00:00-05:00', 1], ['2026-03-05T00:00:00-05:00', 1], ['2026-03-07T00:00:00-05:00', 1], ['2026-03-08T00:00:00-05:00', 1], ['2026-03-09T00:00:00-04:00', 1], ['2026-03-14T00:00:00-04:00', 1], ['2026-03-16T00:00:00-04:00', 1], ['2026-03-20T00:00:00-04:00', 1], ['2026-03-22T00:00:00-04:00', 1], ['2026-03-31T00:00:00-04:00', 1]]],
  ] as const)('aggregate_unit %s buckets in the zone', async (unit, expected) => {
    const body = await metrics({ filters: RANGE, aggregate_unit: unit, time_zone: ZONE });
    expect(body.data.map((d: Json) => [d.range_start, d.total_incident_count])).toEqual(expected);
  });

  it('the DST week, worked by hand', async () => {
    // Incidents 1–4: acks 120, 600, 60 → sorted 60,120,600: mean 260, p50 120, p90 600;
    // resolves 1800, 5400, 14400, 900 → sorted 900,1800,5400,14400: mean 5625, p50 (rank 2) 1800, p90 (rank 4) 14400.
    const body = await metrics({ filters: RANGE, aggregate_unit: 'week' });
    expect(body.data[0]).toEqual({
      range_start: '2026-03-02T00:00:00-05:00',
      total_incident_count: 4,
      total_alert_count: 7,
      total_incidents_acknowledged: 3,
      total_incidents_resolved: 4,
      mean_seconds_to_first_ack: 260,
      p50_seconds_to_first_ack: 120,
      p90_seconds_to_first_ack: 600,
      mean_seconds_to_resolve: 5625,
      p50_seconds_to_resolve: 1800,
      p90_seconds_to_resolve: 14_400,
      total_escalation_count: 3,
      total_incidents_escalated: 2,
      total_incidents_manual_escalated: 1,
      total_incidents_timeout_escalated: 2,
      total_incidents_acknowledged_first_level: 2,
      total_sleep_hour_incidents: 3,
      total_repeat_incidents: 3,
    });
  });

  it('the same instants bucketed in UTC: incident 10 falls on 1 April there', async () => {
    const body = await metrics({ filters: RANGE, aggregate_unit: 'month', time_zone: 'UTC' });
    expect(body.data.map((d: Json) => [d.range_start, d.total_incident_count])).toEqual([['2026-03-01T00:00:00Z', 9], ['2026-04-01T00:00:00Z', 1]]);
    // Sleep hours stay in the organization's zone whatever the answer's zone.
    expect(body.data.reduce((s: number, d: Json) => s + d.total_sleep_hour_incidents, 0)).toBe(5);
  });

  it('per service, and filtered by service and urgency', async () => {
    const body = await metrics({ filters: RANGE }, 'services');
    const byName = Object.fromEntries(body.data.map((d: Json) => [d.service_name, d]));
    // A: 1,2,4,6,7,9; B: 3,5,8,10.
    expect(byName['Crisis chat']).toMatchObject({ service_id: A, total_incident_count: 6, total_repeat_incidents: 4, total_sleep_hour_incidents: 3 });
    expect(byName['SMS gateway']).toMatchObject({ service_id: B, total_incident_count: 4, total_repeat_incidents: 1, total_escalation_count: 2, total_sleep_hour_incidents: 2 });
    const onlyB = await metrics({ filters: { ...RANGE, service_ids: [B] } });
    expect(onlyB.data[0]).toMatchObject({ total_incident_count: 4, mean_seconds_to_resolve: Math.round((14_400 + 600 + 120) / 3) });
    const low = await metrics({ filters: { ...RANGE, urgency: 'low' } });
    expect(low.data[0]).toMatchObject({ total_incident_count: 1, mean_seconds_to_first_ack: 30, p90_seconds_to_resolve: 600, total_repeat_incidents: 1 });
  });

  it('per team: Vigil has no teams, so no rows', async () => {
    expect((await metrics({ filters: RANGE }, 'teams')).data).toEqual([]);
  });

  it('an empty range answers zeros and leaves out figures that do not exist', async () => {
    const body = await metrics({ filters: { created_at_start: '2025-01-01T00:00:00Z', created_at_end: '2025-02-01T00:00:00Z' } });
    expect(body.data).toEqual([{ total_incident_count: 0, total_alert_count: 0, total_incidents_acknowledged: 0, total_incidents_resolved: 0, total_escalation_count: 0, total_incidents_escalated: 0, total_incidents_manual_escalated: 0, total_incidents_timeout_escalated: 0, total_incidents_acknowledged_first_level: 0, total_sleep_hour_incidents: 0, total_repeat_incidents: 0 }]);
  });

  it('raw incidents ordered by time to resolve, paged by cursor, unresolved last', async () => {
    const page = async (extra: Json) => {
      const r = await post('raw/incidents', { filters: RANGE, order: 'asc', order_by: 'seconds_to_resolve', limit: 3, ...extra });
      expect(r.statusCode, r.body).toBe(200);
      expectPagerDutyShape(r.json(), '/analytics/raw/incidents', 'post');
      return r.json() as Json;
    };
    const p1 = await page({});
    expect(p1.data.map((d: Json) => d.seconds_to_resolve)).toEqual([120, 300, 600]);
    expect(p1).toMatchObject({ more: true, limit: 3, order: 'asc', order_by: 'seconds_to_resolve', first: ids.get(10), last: ids.get(5), time_zone: ZONE });
    const p2 = await page({ starting_after: p1.last });
    expect(p2.data.map((d: Json) => d.incident_number)).toEqual([104, 101, 102]);
    const p3 = await page({ starting_after: p2.last });
    const p4 = await page({ starting_after: p3.last });
    expect([...p3.data, ...p4.data].map((d: Json) => d.incident_number)).toEqual([106, 103, 107, 108]);
    expect(p4.more).toBe(false);
    expect((await page({ ending_before: p2.first })).data.map((d: Json) => d.incident_number)).toEqual([110, 109, 105]);
    const ten = p1.data[0];
    expect(ten).toMatchObject({ description: 'SMS delivery failing', created_at: '2026-03-31T23:59:30-04:00', resolved_at: '2026-04-01T00:01:30-04:00', seconds_to_first_ack: 60, sleep_hour: true, repeat: false, acknowledged_first_level: true, service_name: 'SMS gateway', team_id: null });
    const four = p2.data[0];
    expect(four).toMatchObject({ escalation_count: 2, manual_escalation_count: 1, timeout_escalation_count: 1, repeat: true, sleep_hour: true, acknowledged_first_level: false, alert_count: 1 });
    expect(four.seconds_to_first_ack).toBeUndefined();
  });

  it('insights: busiest hours, services breaking most, repeat groups', async () => {
    const r = await post('insights/incidents', { filters: RANGE });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json() as Json;
    expect(body.totals).toEqual(MONTH_TOTALS);
    // Local hours: 9, 23, 22, 3, 10, 12, 6, 7, 14, 23.
    const hours = new Array(24).fill(0);
    for (const h of [9, 23, 22, 3, 10, 12, 6, 7, 14, 23]) hours[h]++;
    expect(body.busiest_hours).toEqual(hours);
    // Mon 2, Thu 5, Sat 7, Sun 8, Mon 9, Sat 14, Mon 16, Fri 20, Sun 22, Tue 31.
    expect(body.busiest_weekdays).toEqual([3, 1, 0, 1, 1, 2, 2]);
    expect(body.services.map((s: Json) => [s.service_name, s.incident_count, s.repeat_count])).toEqual([['Crisis chat', 6, 4], ['SMS gateway', 4, 1]]);
    expect(body.repeats.map((g: Json) => [g.service_name, g.title, g.incident_count, g.repeat_count])).toEqual([['Crisis chat', 'Chat queue down', 5, 4], ['SMS gateway', 'SMS delivery failing', 3, 1]]);
  });

  it('CSV with ?format=csv or Accept: text/csv', async () => {
    const a = await t.app.inject({ method: 'POST', url: '/api/v1/analytics/metrics/incidents/all?format=csv', headers: auth, payload: { filters: RANGE, aggregate_unit: 'week' } });
    expect(a.statusCode, a.body).toBe(200);
    expect(a.headers['content-type']).toMatch(/^text\/csv/);
    const lines = a.body.trim().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['range_start', 'total_incident_count', 'total_alert_count']);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2))).toEqual([['2026-03-02T00:00:00-05:00', '4'], ['2026-03-09T00:00:00-04:00', '2'], ['2026-03-16T00:00:00-04:00', '3'], ['2026-03-30T00:00:00-04:00', '1']]);
    const raw = await t.app.inject({ method: 'POST', url: '/api/v1/analytics/raw/incidents', headers: { ...auth, accept: 'text/csv' }, payload: { filters: RANGE, limit: 1000 } });
    expect(raw.headers['content-type']).toMatch(/^text\/csv/);
    expect(raw.body.trim().split('\r\n')).toHaveLength(11);
    // An unacknowledged incident has an empty cell, not 0.
    const eight = raw.body.split('\r\n').find((l) => l.includes('Disk full'))!;
    expect(eight.split(',')[10]).toBe('');
  });

  it.each([
    [{ filters: { ...RANGE, created_at_end: '2026-02-01T00:00:00Z' } }, 'filters.created_at_end must be after filters.created_at_start'],
    [{ filters: { created_at_start: '2024-01-01T00:00:00Z', created_at_end: '2026-01-02T00:00:00Z' } }, 'filters.created_at_end: a range may cover at most 2 years'],
    [{ filters: RANGE, time_zone: 'Mars/Olympus' }, 'time_zone: "Mars/Olympus" is not an IANA time zone'],
    [{ filters: { ...RANGE, service_ids: ['PNOSUCH'] } }, 'filters.service_ids: unknown service PNOSUCH'],
    [{ filters: { ...RANGE, team_ids: ['PTEAM1'] } }, 'filters.team_ids: unknown team PTEAM1'],
    [{ filters: { ...RANGE, priority_ids: ['PNOPRIO'] } }, 'filters.priority_ids: unknown priority PNOPRIO'],
    [{ filters: { ...RANGE, major: true } }, 'filters.major: Vigil does not filter on it'],
    [{ filters: { ...RANGE, created_at_start: 'yesterday' } }, 'filters.created_at_start must be an ISO 8601 date-time'],
    [{ filters: { created_at_end: RANGE.created_at_end } }, 'created_at_start'],
    [{ filters: RANGE, aggregate_unit: 'hour' }, 'aggregate_unit'],
    [{ filters: RANGE, order: 'asc' }, 'order: not a field of this request'],
  ])('400 naming the field: %j', async (body, message) => {
    const r = await post('metrics/incidents/all', body);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.code).toBe(2001);
    expect(r.json().error.errors.join(' | ')).toContain(message);
  });

  it('another organization’s service id is unknown; 2 years exactly is allowed', async () => {
    const other = await req(t, 'GET', '/api/v1/services', undefined, t.auth);
    const otherId = other.json().services[0].id as string;
    const r = await post('metrics/incidents/all', { filters: { ...RANGE, service_ids: [otherId] } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.errors[0]).toContain('filters.service_ids');
    const ok = await post('metrics/incidents/all', { filters: { created_at_start: '2024-04-01T00:00:00-04:00', created_at_end: '2026-04-01T00:00:00-04:00' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().data[0].total_incident_count).toBe(11);
  });
});
