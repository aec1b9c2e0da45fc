/**
 * Stored incident facts (migration 0031, analytics/facts.service.ts) answer exactly what the
 * incident tables answer: the hand-computed month of month.ts is asked the same questions
 * with no facts stored (every incident read live), with some stored (the two merged), and
 * with every resolved incident stored, on every dialect; the answers must be identical.
 *
 * On the same month (one app per dialect), PagerDuty's analytics operations beyond
 * /incidents/{all,services,teams} (issue 16): per escalation policy and across all policies,
 * across all services, across all teams and per responder team (Vigil has no teams: no rows),
 * and one raw incident by id. Answers are checked against PagerDuty's schema; bad input is
 * refused with 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillIncidentFacts } from '../../src/server/analytics/facts.service.js';
import { AnalyticsFactsModule } from '../../src/server/engine/analytics-facts/module.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { DIALECTS, manualClock, serviceWithKey, type TestApp } from '../harness.js';
import { createApp, req, type Json } from '../api/helpers.js';
import { checkPagerDutyShape } from '../api/pd-rest-schema.js';
import { MONTH, RANGE, ZONE, seedMonth } from './month.js';

const QUESTIONS: [string, Json][] = [
  ['metrics/incidents/all', { filters: RANGE, aggregate_unit: 'week' }],
  ['metrics/incidents/all', { filters: { ...RANGE, urgency: 'high' }, aggregate_unit: 'day', time_zone: 'Asia/Kathmandu' }],
  ['metrics/incidents/services', { filters: RANGE, aggregate_unit: 'month' }],
  ['insights/incidents', { filters: RANGE }],
  ['raw/incidents', { filters: RANGE, order: 'asc', order_by: 'seconds_to_resolve', limit: 4 }],
  ['raw/incidents', { filters: RANGE, limit: 20 }],
  ['raw/incidents', { filters: { ...RANGE, urgency: 'low' } }],
];

describe.each(DIALECTS)('stored incident facts on %s', (dialect) => {
  let t: TestApp;
  let auth: { authorization: string };
  let ids: Map<number, string>;
  let orgId: string;
  let policy: { id: string; name: string };

  const post = async (path: string, body: Json, status = 200) => {
    const r = await req(t, 'POST', `/api/v1/analytics/${path}`, body, auth);
    expect(r.statusCode, r.body).toBe(status);
    if (status === 200) expect(checkPagerDutyShape(r.json(), `/analytics/${path}`, 'post').errors).toBeNull();
    return r.json() as Json;
  };

  const ask = async () => {
    const out: Json[] = [];
    for (const [path, body] of QUESTIONS) {
      const r = await req(t, 'POST', `/api/v1/analytics/${path}`, body, auth);
      expect(r.statusCode, r.body).toBe(200);
      out.push(r.json());
    }
    return out;
  };
  const stored = async () => (await t.db.handle.db.selectFrom('incident_facts').select(['incident_id', 'repeat', 'escalations', 'manual_escalations', 'first_ack_at', 'alerts']).where('org_id', '=', orgId).execute()).map((r) => ({ ...r, repeat: Number(r.repeat) }));

  beforeAll(async () => {
    t = await createApp(dialect, { clock: manualClock('2026-04-02T12:00:00Z') });
    const org = await initOrganization(t.db.handle.db, t.clock, { orgName: 'Open Table Benefits', email: 'owner@opentable.example', userName: 'Omar Owner', timeZone: ZONE });
    orgId = org.org.id;
    auth = { authorization: `Bearer ${org.token}` };
    const a = await serviceWithKey(t, 'events_v2', 'Crisis chat', auth);
    const b = await serviceWithKey(t, 'events_v2', 'SMS gateway', auth);
    ids = await seedMonth(t.db.handle.db, orgId, { A: { id: a.serviceId, integrationId: a.integrationId }, B: { id: b.serviceId, integrationId: b.integrationId } });
    const p = await req(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'Night desk', escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: org.user.id, type: 'user_reference' }] }] } }, auth);
    expect(p.statusCode, p.body).toBe(201);
    policy = { id: p.json().escalation_policy.id, name: 'Night desk' };
    // Incidents 3, 5 and 8 (service B) and 2 (service A) were last assigned to the policy.
    await t.db.handle.db.updateTable('incidents').set({ escalation_policy_id: policy.id }).where('id', 'in', [3, 5, 8, 2].map((n) => ids.get(n)!)).execute();
    const other = await serviceWithKey(t, 'events_v2', 'Other', t.auth);
    await seedMonth(t.db.handle.db, t.org.org.id, { A: { id: other.serviceId, integrationId: other.integrationId }, B: { id: other.serviceId, integrationId: other.integrationId } }, MONTH.slice(1, 4));
  });
  afterAll(async () => t.close());

  it('gives the same answers read live, partly stored and wholly stored; stores each resolved incident once, open ones never', async () => {
    const db = t.db.handle.db;
    await db.deleteFrom('incident_facts').execute();
    const live = await ask();
    // Everything read live is what analytics.test.ts checks by hand; spot-check two figures.
    expect(live[0]!.data.map((d: Json) => d.total_incident_count)).toEqual([4, 2, 3, 1]);
    expect(live[3]!.totals).toMatchObject({ total_repeat_incidents: 5, p50_seconds_to_resolve: 900 });

    // Three stored, oldest resolutions first: incident 0 of February, then 1 and the other organization's copy of 1; the rest live.
    expect(await fillIncidentFacts(db, 3)).toBe(3);
    expect((await stored()).map((r) => r.incident_id).sort()).toEqual([ids.get(0), ids.get(1)].sort());
    expect(await ask()).toEqual(live);

    // The engine module's passes store the rest of both organizations (8 + 3 resolved incidents in all), then find nothing.
    const module = new AnalyticsFactsModule(db);
    let passes = 0;
    while ((await module.tick()) > 0) passes++;
    expect(passes).toBeGreaterThan(0);
    expect(await module.tick()).toBe(0);
    const rows = await stored();
    const resolved = MONTH.filter((m) => m.resolve !== undefined);
    expect(rows.map((r) => r.incident_id).sort()).toEqual(resolved.map((m) => ids.get(m.n)).sort());
    expect(Number((await db.selectFrom('incident_facts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(resolved.length + 3);
    // Facts as worked by hand in month.ts: 2 repeats 1 (different case and spacing), 1 repeats 0 of February; 4 escalated twice, once by hand, never acknowledged; 2 has three alerts.
    const by = new Map(rows.map((r) => [r.incident_id, r]));
    expect(by.get(ids.get(0)!)).toMatchObject({ repeat: 0 });
    expect(by.get(ids.get(1)!)).toMatchObject({ repeat: 1 });
    expect(by.get(ids.get(2)!)).toMatchObject({ repeat: 1, alerts: 3 });
    expect(by.get(ids.get(4)!)).toMatchObject({ escalations: 2, manual_escalations: 1, first_ack_at: null });
    expect(by.get(ids.get(6)!)).toMatchObject({ repeat: 0 });
    expect(await ask()).toEqual(live);
  });
  it('per escalation policy and across policies; across services is /all; teams have no rows', async () => {
    // Four resolved incidents read from stored facts, the rest live.
    await t.db.handle.db.deleteFrom('incident_facts').execute();
    await fillIncidentFacts(t.db.handle.db, 4);
    const per = await post('metrics/incidents/escalation_policies', { filters: RANGE });
    // 2 (resolved 5400 s, acked 600 s, 1 escalation), 3 (14400, 60), 5 (600, 30, low), 8 (open, 2 escalations, never acked).
    expect(per.data).toEqual([
      expect.objectContaining({ escalation_policy_id: policy.id, escalation_policy_name: policy.name, total_incident_count: 4, total_incidents_acknowledged: 3, total_incidents_resolved: 3, mean_seconds_to_resolve: 6800, p50_seconds_to_resolve: 5400, total_escalation_count: 3, total_incidents_escalated: 2 }),
    ]);
    const across = await post('metrics/incidents/escalation_policies/all', { filters: { ...RANGE, urgency: 'high' }, aggregate_unit: 'month' });
    expect(across.data).toEqual([expect.objectContaining({ range_start: '2026-03-01T00:00:00-05:00', total_incident_count: 3, p50_seconds_to_first_ack: 60 })]);
    expect(across.data[0].escalation_policy_id).toBeUndefined();
    const all = await post('metrics/incidents/all', { filters: RANGE, aggregate_unit: 'week' });
    expect(await post('metrics/incidents/services/all', { filters: RANGE, aggregate_unit: 'week' })).toEqual(all);
    const filtered = await post('metrics/incidents/all', { filters: { ...RANGE, escalation_policy_ids: [policy.id] } });
    expect(filtered.data).toEqual([expect.objectContaining({ total_incident_count: 4, total_repeat_incidents: 2 })]);
    expect((await post('metrics/incidents/teams/all', { filters: RANGE })).data).toEqual([]);
    const csv = await t.app.inject({ method: 'POST', url: '/api/v1/analytics/metrics/incidents/escalation_policies?format=csv', headers: auth, payload: { filters: RANGE } });
    expect(csv.body.split('\n')[0]).toMatch(/^range_start,escalation_policy_id,escalation_policy_name,total_incident_count,/);
  });

  it('refuses unknown escalation policies, team filters and responder-team fields by name', async () => {
    const bad = await post('metrics/incidents/escalation_policies', { filters: { ...RANGE, escalation_policy_ids: ['PNOSUCH'] } }, 400);
    expect(JSON.stringify(bad.error.errors)).toContain('filters.escalation_policy_ids: unknown escalation policy PNOSUCH');
    expect(JSON.stringify((await post('metrics/incidents/teams/all', { filters: { ...RANGE, team_ids: ['T1'] } }, 400)).error.errors)).toContain('filters.team_ids');
    const teams = await post('metrics/responders/teams', { filters: { date_range_start: '2026-03-01T00:00:00Z', date_range_end: '2026-04-01T00:00:00Z' } });
    expect(teams).toMatchObject({ data: [], time_zone: ZONE });
    expect(JSON.stringify((await post('metrics/responders/teams', { filters: { date_range_start: '2026-03-01T00:00:00Z', date_range_end: '2026-04-01T00:00:00Z', team_ids: ['T1'] } }, 400)).error.errors)).toContain('filters.team_ids');
    expect(JSON.stringify((await post('metrics/responders/teams', { filters: { date_range_start: '2026-03-01T00:00:00Z' } }, 400)).error.errors)).toContain('date_range_end');
  });

  it('one raw incident by id: the row raw/incidents gives, stored or live; 404 for another organization’s', async () => {
    const page = await post('raw/incidents', { filters: RANGE, limit: 20 });
    for (const n of [2, 7, 10]) {
      const r = await req(t, 'GET', `/api/v1/analytics/raw/incidents/${ids.get(n)}`, undefined, auth);
      expect(r.statusCode, r.body).toBe(200);
      expect(checkPagerDutyShape(r.json(), '/analytics/raw/incidents/{id}', 'get').errors).toBeNull();
      expect(r.json()).toEqual(page.data.find((d: Json) => d.id === ids.get(n)));
    }
    expect((await req(t, 'GET', `/api/v1/analytics/raw/incidents/${ids.get(2)}`, undefined, t.auth)).statusCode).toBe(404);
  });
});
