/**
 * Stored incident facts (migration 0031, analytics/facts.service.ts) answer exactly what the
 * incident tables answer: the hand-computed month of month.ts is asked the same questions
 * with no facts stored (every incident read live), with some stored (the two merged), and
 * with every resolved incident stored, on every dialect; the answers must be identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillIncidentFacts } from '../../src/server/analytics/facts.service.js';
import { AnalyticsFactsModule } from '../../src/server/engine/analytics-facts/module.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { DIALECTS, manualClock, serviceWithKey, type TestApp } from '../harness.js';
import { createApp, req, type Json } from '../api/helpers.js';
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
});
