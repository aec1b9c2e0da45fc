/**
 * Event rules on the ingest path, end to end on both dialects: an organization-wide key's
 * router picks the service by the event's content; a service's rules suppress, drop, pause,
 * set urgency and priority, add notes, rewrite the title and dedup key, and resolve. An event
 * no rule matched is processed exactly as it would be without rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIALECTS, manualClock, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { createApp, req, type Json } from './helpers.js';

describe.each(DIALECTS)('event rules on the ingest path (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  const enqueue = (body: unknown) => t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: body });

  beforeAll(async () => {
    clock = manualClock('2026-03-02T10:00:00Z');
    t = await createApp(dialect, { clock });
  });
  afterAll(async () => t.close());

  async function service(name: string, fields: Record<string, unknown> = {}) {
    const s = await req(t, 'POST', '/api/v1/services', { service: { name, ...fields } });
    expect(s.statusCode, s.body).toBe(201);
    const id = s.json().service.id as string;
    const i = await req(t, 'POST', `/api/v1/services/${id}/integrations`, { integration: { type: 'events_v2' } });
    return { id, key: i.json().integration.integration_key as string };
  }
  async function rules(serviceId: string, rulesList: Json[], catchAll: Json = {}) {
    const r = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${serviceId}`, { orchestration_path: { sets: [{ id: 'start', rules: rulesList }], catch_all: { actions: catchAll } } });
    expect(r.statusCode, r.body).toBe(200);
  }
  const incidents = async (serviceId: string) => (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${serviceId}&statuses[]=triggered&statuses[]=acknowledged&statuses[]=resolved`)).json().incidents as Json[];
  const alertRows = (serviceId: string | null) => {
    const q = t.db.handle.db.selectFrom('alerts').selectAll().orderBy('first_seen_at').orderBy('id');
    return (serviceId === null ? q.where('service_id', 'is', null) : q.where('service_id', '=', serviceId)).execute();
  };

  it('a router key routes by custom_details.region; an event no rule routes is kept, suppressed, in no service', async () => {
    const eu = await service('Chat EU');
    const us = await service('Chat US');
    const orch = (await req(t, 'POST', '/api/v1/event_orchestrations', { orchestration: { name: 'All monitoring' } })).json().orchestration;
    const key = orch.integrations[0].parameters.routing_key as string;
    const put = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/router`, {
      orchestration_path: {
        sets: [{ id: 'start', rules: [{ label: 'Europe', conditions: [{ expression: "event.custom_details.region matches part 'eu-'" }], actions: { route_to: eu.id } }, { label: 'Americas', conditions: [{ expression: "event.custom_details.region starts with 'us-'" }], actions: { route_to: us.id } }] }],
        catch_all: { actions: { route_to: 'unrouted' } },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await enqueue(trigger(key, { dedup_key: 'lyon' }, { summary: 'Queue stuck in Lyon', custom_details: { region: 'eu-west' } }))).statusCode).toBe(202);
    expect((await enqueue(trigger(key, { dedup_key: 'ohio' }, { summary: 'Queue stuck in Ohio', custom_details: { region: 'us-east' } }))).statusCode).toBe(202);
    expect((await enqueue(trigger(key, { dedup_key: 'mars' }, { summary: 'Queue stuck on Mars', custom_details: { region: 'mars-1' } }))).statusCode).toBe(202);
    expect((await incidents(eu.id)).map((i) => i.title)).toEqual(['Queue stuck in Lyon']);
    expect((await incidents(us.id)).map((i) => i.title)).toEqual(['Queue stuck in Ohio']);
    const [lyon] = await alertRows(eu.id);
    expect(JSON.parse(lyon!.rule_match!)).toEqual([{ set: 'start', rule: expect.any(String), label: 'Europe' }]);
    const unrouted = await alertRows(null);
    expect(unrouted.map((a) => [a.summary, a.status, a.incident_id, a.suppressed_by])).toEqual([['Queue stuck on Mars', 'suppressed', null, 'rule']]);
    // Dedup is scoped to the org-wide key: a resolve with it closes the routed alert and its incident.
    expect((await enqueue({ routing_key: key, event_action: 'resolve', dedup_key: 'lyon' })).statusCode).toBe(202);
    expect((await incidents(eu.id))[0]!.status).toBe('resolved');
    // The same key repeated while unrouted counts on its suppressed alert.
    await enqueue(trigger(key, { dedup_key: 'mars' }, { summary: 'Queue stuck on Mars', custom_details: { region: 'mars-1' } }));
    expect(Number((await alertRows(null))[0]!.count)).toBe(2);
    // Suppressed and unrouted alerts are listed, in the alert shape, with what suppressed them.
    const listed = await req(t, 'GET', '/api/v1/alerts?unrouted=true');
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().alerts.map((a: Json) => [a.summary, a.status, a.suppressed, a.suppressed_by, a.service, a.incident, a.count])).toEqual([['Queue stuck on Mars', 'suppressed', true, 'rule', null, null, 2]]);
  });

  it("a service's rules: suppress a known flapping check, drop noise, pause, urgency, priority, notes, title and dedup key, resolve", async () => {
    const s = await service('Benefits portal', { incident_urgency_rule: { type: 'constant', urgency: 'high' } });
    const p2 = (await req(t, 'GET', '/api/v1/priorities')).json().priorities?.find((p: Json) => p.name === 'P2')?.id as string;
    await rules(s.id, [
      { label: 'Known flapping check', conditions: [{ expression: "event.summary matches part 'disk latency'" }], actions: { suppress: true } },
      { label: 'Noise', conditions: [{ expression: "event.source matches 'test-probe'" }], actions: { drop_event: true } },
      { label: 'Transient gateway', conditions: [{ expression: "event.source matches 'gw-flaky'" }], actions: { suspend: 300, annotate: 'Flaky gateway: paged only if it lasts' } },
      { label: 'Low at night', conditions: [{ expression: "event.custom_details.kind matches 'batch'" }], actions: { urgency: 'low', ...(p2 ? { priority: p2 } : {}) } },
      { label: 'Title', conditions: [{ expression: 'event.custom_details.county exists' }], actions: { extractions: [{ target: 'event.summary', template: 'Applications stuck in {{event.custom_details.county}}' }, { target: 'event.dedup_key', template: 'county-{{event.custom_details.county}}' }] } },
      { label: 'Recovery', conditions: [{ expression: "event.summary matches part 'RECOVERED'" }], actions: { event_action: 'resolve' } },
    ]);
    await enqueue(trigger(s.key, { dedup_key: 'disk' }, { summary: 'disk latency high on db-1' }));
    await enqueue(trigger(s.key, { dedup_key: 'noise' }, { summary: 'synthetic', source: 'test-probe' }));
    await enqueue(trigger(s.key, { dedup_key: 'gw' }, { summary: 'Gateway timeouts', source: 'gw-flaky' }));
    await enqueue(trigger(s.key, { dedup_key: 'batch' }, { summary: 'Nightly batch late', custom_details: { kind: 'batch' } }));
    await enqueue(trigger(s.key, { dedup_key: 'x1' }, { summary: 'raw', custom_details: { county: 'Alameda' } }));
    await enqueue(trigger(s.key, { dedup_key: 'x2' }, { summary: 'raw again', custom_details: { county: 'Alameda' } }));

    const alerts = await alertRows(s.id);
    // Dropped: nothing stored. Suppressed: stored, no incident.
    expect(alerts.map((a) => a.dedup_key).sort()).toEqual(['batch', 'county-Alameda', 'disk', 'gw'].sort());
    const disk = alerts.find((a) => a.dedup_key === 'disk')!;
    expect([disk.status, disk.incident_id, disk.suppressed_by]).toEqual(['suppressed', null, 'rule']);
    expect(Object.values(t.deps.ingest.metrics.dropped).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    const suppressed = (await req(t, 'GET', `/api/v1/alerts?statuses[]=suppressed&service_ids[]=${s.id}`)).json().alerts as Json[];
    expect(suppressed.map((a) => [a.alert_key, a.suppressed_by, a.rule_match.map((m: Json) => m.label)])).toEqual([['disk', 'rule', ['Known flapping check']]]);

    const incs = await incidents(s.id);
    expect(incs.map((i) => i.title).sort()).toEqual(['Applications stuck in Alameda', 'Gateway timeouts', 'Nightly batch late'].sort());
    const county = await t.db.handle.db.selectFrom('alerts').selectAll().where('dedup_key', '=', 'county-Alameda').execute();
    expect(county).toHaveLength(1);
    expect(Number(county[0]!.count)).toBe(2);

    const gw = incs.find((i) => i.title === 'Gateway timeouts')!;
    const gwRow = await t.db.handle.db.selectFrom('incidents').selectAll().where('id', '=', gw.id).executeTakeFirstOrThrow();
    expect(Number(gwRow.paused_until)).toBe(clock.now() + 300_000);
    expect(Number(gwRow.next_step_at)).toBe(clock.now() + 300_000);
    const gwLog = (await req(t, 'GET', `/api/v1/incidents/${gw.id}/log_entries`)).json().log_entries as Json[];
    expect(gwLog.map((e) => e.summary)).toEqual(expect.arrayContaining(['Flaky gateway: paged only if it lasts', expect.stringMatching(/^Notifications paused for 5 min by event rule Transient gateway/)]));

    const batch = incs.find((i) => i.title === 'Nightly batch late')!;
    expect(batch.urgency).toBe('low');
    if (p2) expect((await t.db.handle.db.selectFrom('incidents').select('priority_id').where('id', '=', batch.id).executeTakeFirstOrThrow()).priority_id).toBe(p2);

    // A rule turns a trigger into a resolve of its (rewritten) dedup key.
    await enqueue(trigger(s.key, { dedup_key: 'batch' }, { summary: 'Nightly batch RECOVERED', custom_details: { kind: 'other' } }));
    expect((await incidents(s.id)).find((i) => i.id === batch.id)!.status).toBe('resolved');
  });

  it('an event no rule matches is processed exactly as without rules (property, 200 rules on the service)', async () => {
    const plain = await service('Plain');
    const ruled = await service('Ruled');
    const many = Array.from({ length: 200 }, (_, i) => ({ label: `r${i}`, conditions: [{ expression: `event.custom_details.code matches 'never-${i}'` }], actions: { suppress: true } }));
    await rules(ruled.id, many);
    const event = fc.record({ key: fc.integer({ min: 0, max: 3 }), severity: fc.constantFrom('critical', 'warning', 'info'), summary: fc.string({ minLength: 1, maxLength: 30 }), resolve: fc.boolean() });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 8 }), async (evs) => {
        run++;
        for (const s of [plain, ruled]) {
          for (const e of evs) {
            const dedup = `p${run}-${e.key}`;
            await enqueue(e.resolve ? { routing_key: s.key, event_action: 'resolve', dedup_key: dedup } : trigger(s.key, { dedup_key: dedup }, { summary: e.summary, severity: e.severity, custom_details: { code: 'ok' } }));
          }
        }
        const shape = async (id: string) => (await alertRows(id)).filter((a) => a.dedup_key.startsWith(`p${run}-`)).map((a) => [a.dedup_key, a.status, a.count, a.summary, a.severity, a.incident_id === null]);
        expect(await shape(ruled.id)).toEqual(await shape(plain.id));
      }),
      { numRuns: 15, seed: 20261206 },
    );
  });
});
