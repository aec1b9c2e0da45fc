/**
 * The monthly impact report on every dialect, over the hand-computed month of month.ts
 * (March 2026 in New York): the month's incident figures, postmortems published and action
 * items closed within the month (in the organization's zone), as JSON and CSV; a bad month is
 * refused naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { DIALECTS, manualClock, serviceWithKey, type TestApp } from '../harness.js';
import { createApp, req } from '../api/helpers.js';
import { ZONE, seedMonth } from './month.js';

describe.each(DIALECTS)('monthly impact report on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let auth: { authorization: string };

  beforeAll(async () => {
    clock = manualClock('2026-03-25T12:00:00Z');
    t = await createApp(dialect, { clock });
    const org = await initOrganization(t.db.handle.db, t.clock, { orgName: 'Open Table Benefits', email: 'owner@opentable.example', userName: 'Omar Owner', timeZone: ZONE });
    auth = { authorization: `Bearer ${org.token}` };
    const a = await serviceWithKey(t, 'events_v2', 'Crisis chat', auth);
    const b = await serviceWithKey(t, 'events_v2', 'SMS gateway', auth);
    await seedMonth(t.db.handle.db, org.org.id, { A: { id: a.serviceId, integrationId: a.integrationId }, B: { id: b.serviceId, integrationId: b.integrationId } });
    // Incident 103 (n = 3): reviewed and published on 25 March; one action item done then, one still open.
    const pm = (await req(t, 'POST', '/api/v1/incidents/103/postmortem', {}, auth)).json().postmortem;
    await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { status: 'in_review' } }, auth);
    expect((await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { status: 'published' } }, auth)).statusCode).toBe(200);
    const item = (await req(t, 'POST', `/api/v1/postmortems/${pm.id}/action_items`, { action_item: { summary: 'Retry SMS sends', owner_id: org.user.id, due_date: '2026-03-30' } }, auth)).json().action_item;
    await req(t, 'POST', `/api/v1/postmortems/${pm.id}/action_items`, { action_item: { summary: 'Add a second provider', owner_id: org.user.id, due_date: '2026-04-30' } }, auth);
    expect((await req(t, 'PUT', `/api/v1/action_items/${item.id}`, { action_item: { status: 'done' } }, auth)).statusCode).toBe(200);
    // Incident 106: published in April, not in March's report.
    clock.set(Date.parse('2026-04-01T04:30:00Z')); // 00:30 EDT on 1 April
    const april = (await req(t, 'POST', '/api/v1/incidents/106/postmortem', {}, auth)).json().postmortem;
    await req(t, 'PUT', `/api/v1/postmortems/${april.id}`, { postmortem: { status: 'in_review' } }, auth);
    await req(t, 'PUT', `/api/v1/postmortems/${april.id}`, { postmortem: { status: 'published' } }, auth);
  });
  afterAll(async () => t.close());

  it('March in New York: the month’s incident figures, postmortems published and action items closed in it', async () => {
    const r = await req(t, 'GET', '/api/v1/analytics/reports/monthly?month=2026-03', undefined, auth);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ month: '2026-03', time_zone: ZONE, since: '2026-03-01T00:00:00-05:00', until: '2026-04-01T00:00:00-04:00', action_items_closed: 1, services: [], volunteer_hours: [] });
    // The same figures as the analytics tests worked out by hand for this month.
    expect(body.incidents).toMatchObject({ total_incident_count: 10, mean_seconds_to_first_ack: 156, p50_seconds_to_first_ack: 60, p90_seconds_to_resolve: 14_400, total_sleep_hour_incidents: 5, total_repeat_incidents: 5 });
    expect(body.postmortems_published.map((p: { title: string }) => p.title)).toEqual(['#103 SMS delivery failing']);
    const april = (await req(t, 'GET', '/api/v1/analytics/reports/monthly?month=2026-04', undefined, auth)).json();
    expect(april.postmortems_published.map((p: { title: string }) => p.title)).toEqual(['#106 Login errors']);
    expect(april.incidents.total_incident_count).toBe(0);
  });

  it('as CSV, and a bad month is refused naming the field', async () => {
    const csv = await t.app.inject({ method: 'GET', url: '/api/v1/analytics/reports/monthly?month=2026-03&format=csv', headers: auth });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('section,item,figure,2026-03');
    expect(lines).toContain('incidents,all services,total_incident_count,10');
    expect(lines).toContain('postmortems,published,count,1');
    expect(lines).toContain('action items,closed,count,1');
    const bad = await req(t, 'GET', '/api/v1/analytics/reports/monthly?month=2026-13', undefined, auth);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors[0]).toContain('month must be a month YYYY-MM');
  });
});
