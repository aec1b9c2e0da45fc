/**
 * The monthly and quarterly impact report on every dialect, over the hand-computed month of
 * month.ts (March 2026 in New York): the month's incident figures, people affected with their
 * intervals, postmortems published and action items closed within the period (in the
 * organization's zone), as JSON, CSV and PDF; a bad month or quarter is refused naming the
 * field. Also the postmortem as PDF, the 503 without Chromium, and the published postmortem's
 * summary on the public status page (one setup for all: it is most of the file's time).
 *
 * PDFs are rendered by the real Chromium at /usr/bin/chromium and read back with
 * test/report/pdf-text.ts (no PDF library is installed): the figures are checked in the bytes
 * Chromium wrote, not in the HTML given to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { saveIncidentImpact } from '../../src/server/impact/impact.store.js';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, enqueue, req } from '../api/helpers.js';
import { chromiumInstalled } from '../e2e/server.js';
import { pdfText } from '../report/pdf-text.js';
import { ZONE, seedMonth } from './month.js';

describe.each(DIALECTS)('monthly impact report on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let auth: { authorization: string };
  let postmortemId: string;

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
    postmortemId = pm.id;
    await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { status: 'in_review' } }, auth);
    expect((await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { status: 'published' } }, auth)).statusCode).toBe(200);
    const item = (await req(t, 'POST', `/api/v1/postmortems/${pm.id}/action_items`, { action_item: { summary: 'Retry SMS sends', owner_id: org.user.id, due_date: '2026-03-30' } }, auth)).json().action_item;
    await req(t, 'POST', `/api/v1/postmortems/${pm.id}/action_items`, { action_item: { summary: 'Add a second provider', owner_id: org.user.id, due_date: '2026-04-30' } }, auth);
    expect((await req(t, 'PUT', `/api/v1/action_items/${item.id}`, { action_item: { status: 'done' } }, auth)).statusCode).toBe(200);
    // Incident 103's service counts people; the estimator said 40 affected (90 %: 25–55), 30 net of catch-up.
    const inc = (await req(t, 'GET', '/api/v1/incidents/103', undefined, auth)).json().incident;
    expect((await req(t, 'PUT', `/api/v1/services/${inc.service.id}/impact_metric`, { impact_metric: { name: 'People texting', unit_label: 'people', kind: 'people', time_zone: ZONE } }, auth)).statusCode).toBe(201);
    const at = Date.parse(inc.created_at);
    await saveIncidentImpact(t.db.handle.db, {
      ...{ org_id: org.org.id, incident_id: inc.id, service_id: inc.service.id, window_start: at, window_end: at + 3_600_000, label: 'people', factor: 1 },
      ...{ estimate: 40, low: 25, high: 55, net: 30, net_low: 15, net_high: 45, expected: 100, observed: 60, catch_up: 10, catch_up_complete: 1, complete: 1, computed_at: at + 7_200_000, frozen: 1 },
    });
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
    expect(body).toMatchObject({ month: '2026-03', time_zone: ZONE, since: '2026-03-01T00:00:00-05:00', until: '2026-04-01T00:00:00-04:00', action_items_closed: 1, volunteer_hours: [] });
    expect(body.services).toMatchObject([{ service_name: 'SMS gateway', label: 'people', incidents: expect.any(Number), people_affected: 40, people_affected_low: 25, people_affected_high: 55, people_affected_net: 30 }]);
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

  it('a quarter is its three months in the organization’s zone, as JSON and CSV; a bad quarter is refused naming the field', async () => {
    const q1 = await req(t, 'GET', '/api/v1/analytics/reports/quarterly?quarter=2026-Q1', undefined, auth);
    expect(q1.statusCode, q1.body).toBe(200);
    const body = q1.json();
    expect(body).toMatchObject({ quarter: '2026-Q1', months: ['2026-01', '2026-02', '2026-03'], time_zone: ZONE, since: '2026-01-01T00:00:00-05:00', until: '2026-04-01T00:00:00-04:00', action_items_closed: 1 });
    expect(body.month).toBeUndefined();
    // March's ten incidents and February's incident 0.
    expect(body.incidents.total_incident_count).toBe(11);
    expect(body.postmortems_published.map((p: { title: string }) => p.title)).toEqual(['#103 SMS delivery failing']);
    expect(body.services).toHaveLength(1);
    expect(body.services[0]).toMatchObject({ label: 'people', people_affected: 40, people_affected_low: 25, people_affected_high: 55, people_affected_net: 30 });
    const q2 = (await req(t, 'GET', '/api/v1/analytics/reports/quarterly?quarter=2026-Q2', undefined, auth)).json();
    expect(q2).toMatchObject({ since: '2026-04-01T00:00:00-04:00', until: '2026-07-01T00:00:00-04:00', action_items_closed: 0 });
    expect(q2.postmortems_published.map((p: { title: string }) => p.title)).toEqual(['#106 Login errors']);
    const csv = await t.app.inject({ method: 'GET', url: '/api/v1/analytics/reports/quarterly?quarter=2026-Q1', headers: { ...auth, accept: 'text/csv' } });
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('section,item,figure,2026-Q1');
    expect(lines).toContain('incidents,all services,total_incident_count,11');
    for (const bad of ['2026-Q5', '2026-03', 'Q1-2026']) {
      const r = await req(t, 'GET', `/api/v1/analytics/reports/quarterly?quarter=${bad}`, undefined, auth);
      expect(r.statusCode, bad).toBe(400);
      expect(r.json().error.errors[0]).toContain('quarter must be a quarter YYYY-Qn');
    }
  });

  it.skipIf(!chromiumInstalled())('the month, the quarter and a postmortem as PDF carry their figures', async () => {
    const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers: { ...auth, ...headers } });
    // Three at once: they share one browser launch (at most two pages render at a time). The
    // rendering is the same on every dialect: the second dialect renders the month only (suite time).
    const all = dialect === DIALECTS[0];
    const [month, quarter, postmortem] = await Promise.all([
      get('/api/v1/analytics/reports/monthly?month=2026-03&format=pdf'),
      all ? get('/api/v1/analytics/reports/quarterly?quarter=2026-Q1', { accept: 'application/pdf' }) : null,
      all ? get(`/api/v1/postmortems/${postmortemId}?format=pdf`) : null,
    ]);
    for (const r of [month, quarter, postmortem]) {
      if (!r) continue;
      expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
      expect(r.headers['content-type']).toBe('application/pdf');
      expect(r.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    }
    expect(month.headers['content-disposition']).toBe('attachment; filename="impact-report-2026-03.pdf"');
    const m = pdfText(month.rawPayload);
    expect(m).toContain('Open Table Benefits: impact report, March 2026');
    expect(m).toContain('1 March 2026 to 31 March 2026, America/New_York');
    // The figures of the JSON answer (monthly-report.test.ts): 10 incidents, MTTA 156 s, p50 60 s, p90 to resolve 4 h.
    expect(m).toMatch(/Incidents\n10\n/);
    expect(m).toMatch(/Mean time to acknowledge \(MTTA\)\n2 min 36 s\n/);
    expect(m).toMatch(/Median \/ 90th percentile to resolve\n[^\n]+ \/ 4 h 00 min\n/);
    expect(m).toMatch(/Incidents in sleep hours \(22:00–07:00\)\n5\n/);
    expect(m).toMatch(/Postmortems published\n1\n/);
    expect(m).toMatch(/Action items closed\n1\n/);
    expect(m).toContain('#103 SMS delivery failing');
    expect(m).toMatch(/\n40 \(25–55\)\n30\n/); // people affected (90 % interval), net of catch-up
    if (!quarter || !postmortem) return;
    const q = pdfText(quarter.rawPayload);
    expect(q).toContain('Open Table Benefits: impact report, Q1 2026');
    expect(q).toContain('1 January 2026 to 31 March 2026, America/New_York');
    expect(q).toMatch(/Incidents\n11\n/);
    const p = pdfText(postmortem.rawPayload);
    expect(p).toContain('Postmortem: #103 SMS delivery failing');
    expect(p).toContain('Retry SMS sends');
    expect(p).toContain('Action items');
  });

  it('without Chromium a PDF is a 503 naming the missing browser; JSON and CSV still answer', async () => {
    const config = t.deps.config as { chromiumPath: string };
    const was = config.chromiumPath;
    config.chromiumPath = '/nonexistent/chromium';
    try {
      const r = await req(t, 'GET', '/api/v1/analytics/reports/monthly?month=2026-03&format=pdf', undefined, auth);
      expect(r.statusCode).toBe(503);
      expect(r.json().error.errors[0]).toContain('Chromium is not installed at /nonexistent/chromium');
      expect(r.json().error.errors[0]).toContain('VIGIL_CHROMIUM');
      expect((await req(t, 'GET', `/api/v1/postmortems/${postmortemId}`, undefined, { ...auth, accept: 'application/pdf' })).statusCode).toBe(503);
      expect((await req(t, 'GET', '/api/v1/analytics/reports/monthly?month=2026-03&format=csv', undefined, auth)).statusCode).toBe(200);
    } finally {
      config.chromiumPath = was;
    }
  });

  it('the public status page shows the summary of a published postmortem, and nothing else of it', async () => {
    clock.set(Date.parse('2026-04-02T15:00:00Z'));
    const svc = await serviceWithKey(t, 'events_v2', 'Pantry finder', auth);
    expect((await req(t, 'PUT', '/api/v1/status_page', { status_page: { enabled: true, slug: 'open-table', components: [{ service_id: svc.serviceId, name: 'Pantry finder' }] } }, auth)).statusCode).toBe(200);
    expect((await enqueue(t, trigger(svc.key, { dedup_key: 'finder' }))).statusCode).toBe(202);
    clock.advance(40 * 60_000);
    expect((await enqueue(t, { routing_key: svc.key, event_action: 'resolve', dedup_key: 'finder' })).statusCode).toBe(202);
    const incidentId = (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${svc.serviceId}&statuses[]=resolved`, undefined, auth)).json().incidents[0].id;
    const pm = (await req(t, 'POST', `/api/v1/incidents/${incidentId}/postmortem`, {}, auth)).json().postmortem;
    const summary = 'The pantry finder map stopped loading for 40 minutes after a map tile key expired.';
    const body = pm.body.replace('_What happened, in two or three sentences._', summary).replace('## Lessons', '## Lessons\n\nINTERNAL: the key sat in Dana’s personal account.');
    expect((await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { body, status: 'in_review' } }, auth)).statusCode).toBe(200);
    const publicIncident = async () => {
      const page = await t.app.inject({ method: 'GET', url: '/api/v1/public/status/open-table' });
      expect(page.statusCode, page.body).toBe(200);
      expect(page.body).not.toContain('INTERNAL');
      expect(page.body).not.toContain('Chat queue not answering'); // the incident title stays private
      return page.json().incidents.find((i: { components: string[] }) => i.components.includes('Pantry finder'));
    };
    expect((await publicIncident()).postmortem).toBeNull(); // in review: not public
    clock.advance(60_000);
    expect((await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { status: 'published' } }, auth)).statusCode).toBe(200);
    expect((await publicIncident()).postmortem).toEqual({ summary, published_at: new Date(clock.now()).toISOString() });
    // Back to review: gone from the public page again.
    expect((await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { status: 'in_review' } }, auth)).statusCode).toBe(200);
    expect((await publicIncident()).postmortem).toBeNull();
  });
});
