/**
 * PostgreSQL, READ COMMITTED: an ingest batch that is adding alerts to a service's open
 * incident holds it FOR SHARE, so a resolve through the REST API on another connection
 * waits for the batch to commit and then resolves the new alerts too. Without the lock
 * the resolve would commit first and leave the batch's alerts open on a resolved
 * incident, where every later trigger of their keys would be counted and page no one.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { flushBatch, newBatch, queueTrigger } from '../../src/server/incident/trigger.service.js';
import type { Tx } from '../../src/server/incident/timeline.js';
import { servicePlan } from '../../src/server/incident/alert-plan.js';
import { EscalateModule } from '../../src/server/engine/escalate/module.js';
import { DIALECTS, GROUP_UNTIL_RESOLVED, createTestApp, serviceWithKey, trigger, type TestApp } from '../harness.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe.runIf(DIALECTS.includes('postgres'))('resolve racing an ingest batch (PostgreSQL)', () => {
  it('the resolve waits for the batch and resolves the alerts it added', async () => {
    t = await createTestApp('postgres');
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Crisis chat', t.auth, GROUP_UNTIL_RESOLVED);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'first' }) })).statusCode).toBe(202);
    const incident = await t.deps.db.selectFrom('incidents').selectAll().where('service_id', '=', serviceId).executeTakeFirstOrThrow();
    const target = (await t.deps.ingest.resolveKey(key, 'any'))!;

    let resolving: Promise<number> | null = null;
    await t.deps.db.transaction().execute(async (trx) => {
      const batch = newBatch();
      const tx: Tx = { trx, now: Date.now(), changes: [], batch };
      const agent = { id: target.integration.id, type: 'integration_reference' as const, summary: 'probe' };
      const queued = await queueTrigger(tx, { orgId: target.integration.org_id, integrationId: target.integration.id, service: target.service, agent, channel: { type: 'events_api_v2' }, dedupKey: 'second', summary: 'second alert', severity: 'critical', source: null, details: {}, plan: servicePlan(target.service, 'critical', Date.now()) });
      expect(queued).toBe(true);
      // A responder resolves the incident meanwhile, on another connection.
      resolving = t!.app
        .inject({ method: 'PUT', url: `/api/v1/incidents/${incident.id}`, headers: t!.auth, payload: { incident: { type: 'incident_reference', status: 'resolved' } } })
        .then((r) => r.statusCode);
      // It must be waiting on our lock (bounded poll of PostgreSQL's own view, not a fixed sleep).
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`.execute(t!.deps.db);
        waiting = r.rows[0]!.n > 0;
        if (!waiting) await new Promise((r) => setTimeout(r, 10));
      }
      expect(waiting).toBe(true);
      await flushBatch(trx, batch);
    });
    expect(await resolving!).toBe(200);
    const alerts = await t.deps.db.selectFrom('alerts').select(['dedup_key', 'status', 'incident_id']).where('service_id', '=', serviceId).orderBy('dedup_key').execute();
    expect(alerts).toEqual([
      { dedup_key: 'first', status: 'resolved', incident_id: incident.id },
      { dedup_key: 'second', status: 'resolved', incident_id: incident.id },
    ]);
    // The next trigger of that key opens a new incident (and so pages).
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'second' }) })).statusCode).toBe(202);
    const open = await t.deps.db.selectFrom('incidents').select('status').where('service_id', '=', serviceId).where('status', '=', 'triggered').execute();
    expect(open).toHaveLength(1);
  });

  it('an alert storm does not hold back the escalation of its incident: the engine claims it while batches hold it', async () => {
    t = await createTestApp('postgres');
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Crisis chat', t.auth, GROUP_UNTIL_RESOLVED);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'first' }) })).statusCode).toBe(202);
    const incident = await t.deps.db.selectFrom('incidents').selectAll().where('service_id', '=', serviceId).executeTakeFirstOrThrow();
    expect(incident.next_step_at).not.toBeNull();
    const target = (await t.deps.ingest.resolveKey(key, 'any'))!;
    let fired = -1;
    await t.deps.db.transaction().execute(async (trx) => {
      // A batch (shared, as in a storm) holds the incident while it adds an alert...
      const batch = newBatch(true);
      const tx: Tx = { trx, now: Date.now(), changes: [], batch };
      const agent = { id: target.integration.id, type: 'integration_reference' as const, summary: 'probe' };
      expect(await queueTrigger(tx, { orgId: target.integration.org_id, integrationId: target.integration.id, service: target.service, agent, channel: { type: 'events_api_v2' }, dedupKey: 'storm', summary: 'storm', severity: 'critical', source: null, details: {}, plan: servicePlan(target.service, 'critical', Date.now()) })).toBe(true);
      // ...and meanwhile the engine, on another connection, claims and fires its due step (it neither skips nor waits).
      const tick = new EscalateModule(t!.deps.db, t!.deps.targets, () => {}).tick(Date.now());
      fired = await Promise.race([tick, new Promise<number>((r) => setTimeout(() => r(-2), 5_000))]);
      await flushBatch(trx, batch);
    });
    expect(fired).toBe(1);
    const steps = await t.deps.db.selectFrom('escalation_steps').select('level').where('incident_id', '=', incident.id).execute();
    expect(steps).toHaveLength(1);
  });
});
