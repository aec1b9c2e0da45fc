/**
 * What an ingest batch reads about its services (rule versions and maintenance windows,
 * ingest/batch-context.store.ts) and about the incident alerts join (its assignees, read with
 * it) is read again by the next batch: nothing is kept between batches. Two ingest services
 * on one database stand for two nodes; every change is made directly in the database, as
 * another node (or an operator) would make it, between two batches of the same node. Both
 * dialects; on SQLite, node `b` runs its batches on the writer thread (its own connection,
 * ingest/writer-thread.ts), so what the main thread's connection writes is seen there too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/server/lib/bus.js';
import { newId } from '../../src/server/lib/ids.js';
import { WriterThread } from '../../src/server/ingest/writer-thread.js';
import { IngestService, type IngestJob, type ResolvedIntegration } from '../../src/server/ingest/ingest.service.js';
import { DIALECTS, GROUP_UNTIL_RESOLVED, createTestApp, serviceWithKey, type TestApp } from '../harness.js';
import { req } from './helpers.js';
import { seedContact, seedRule, seedUser, type Seed } from '../engine/fixtures2.js';

describe.each(DIALECTS)('an ingest batch reads its context afresh (%s)', (dialect) => {
  let t: TestApp;
  /** Two nodes: `a` and `b` share the database and nothing else. */
  let a: IngestService;
  let b: IngestService;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    const opts = { ratePerIntegration: 0, burstPerIntegration: 0, maxBatch: 100 };
    a = new IngestService(t.deps.db, t.clock, new Bus(), opts);
    b = new IngestService(t.deps.db, t.clock, new Bus(), opts, t.db.handle.file ? new WriterThread(t.db.handle.file, () => t.db.handle.wal?.noteCommit()) : undefined);
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  const db = () => t.deps.db;
  const orgId = () => t.org.org.id;
  let n = 0;
  const trigger = (node: IngestService, target: ResolvedIntegration, summary: string) =>
    node.submit({ kind: 'trigger', target, channel: { type: 'events_api_v2' }, dedupKey: `k-${++n}`, summary, severity: 'critical', source: 'probe', details: {} } satisfies IngestJob).then(() => `k-${n}`);
  const alert = (dedupKey: string) => db().selectFrom('alerts').select(['status', 'suppressed_by', 'incident_id']).where('org_id', '=', orgId()).where('dedup_key', '=', dedupKey).executeTakeFirstOrThrow();

  async function service(name: string) {
    const s = await serviceWithKey(t, 'events_v2', name, t.auth, GROUP_UNTIL_RESOLVED);
    return { ...s, target: (await a.resolveKey(s.key, 'any'))! };
  }

  it('a maintenance window started or ended in the database is seen by the next batch', async () => {
    const s = await service('Text line');
    const incidentId = (await alert(await trigger(a, s.target, 'first'))).incident_id;
    expect(incidentId).not.toBeNull();
    expect(await alert(await trigger(a, s.target, 'joins'))).toEqual({ status: 'triggered', suppressed_by: null, incident_id: incidentId });

    const now = t.clock.now();
    const windowId = newId(now);
    await db()
      .insertInto('maintenance_windows')
      .values({ org_id: orgId(), id: windowId, sequence_number: 9_001, description: 'made elsewhere', start_time: now - 60_000, end_time: now + 3_600_000, recurrence: null, time_zone: null, created_by: null, created_at: now, updated_at: now, deleted_at: null, next_transition_at: now + 3_600_000, active_since: now - 60_000, ended_at: null })
      .execute();
    await db().insertInto('maintenance_window_services').values({ org_id: orgId(), window_id: windowId, service_id: s.serviceId }).execute();
    for (const node of [a, b]) expect(await alert(await trigger(node, s.target, 'in the window'))).toEqual({ status: 'suppressed', suppressed_by: 'maintenance', incident_id: null });

    await db().updateTable('maintenance_windows').set({ ended_at: t.clock.now() }).where('org_id', '=', orgId()).where('id', '=', windowId).execute();
    for (const node of [a, b]) expect(await alert(await trigger(node, s.target, 'after the window'))).toEqual({ status: 'triggered', suppressed_by: null, incident_id: incidentId });
  });

  it('a service rule turned off, or on again, in the database is seen by the next batch', async () => {
    const s = await service('Chat line');
    const created = await req(t, 'POST', `/api/v1/services/${s.serviceId}/rules`, {
      rule: { conditions: { operator: 'and', subconditions: [{ operator: 'contains', parameters: { path: 'summary', value: 'flapping' } }] }, actions: { suppress: { value: true } } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const incidentId = (await alert(await trigger(a, s.target, 'first'))).incident_id;
    expect(await alert(await trigger(a, s.target, 'flapping check'))).toMatchObject({ status: 'suppressed', suppressed_by: 'rule' });

    const setActive = (active: number) =>
      db()
        .updateTable('event_orchestration_paths')
        .set((eb) => ({ active, version: eb('version', '+', 1) }))
        .where('org_id', '=', orgId())
        .where('kind', '=', 'service')
        .where('parent_id', '=', s.serviceId)
        .execute();
    await setActive(0);
    for (const node of [a, b]) expect(await alert(await trigger(node, s.target, 'flapping check'))).toEqual({ status: 'triggered', suppressed_by: null, incident_id: incidentId });
    await setActive(1);
    for (const node of [a, b]) expect(await alert(await trigger(node, s.target, 'flapping check'))).toMatchObject({ status: 'suppressed', suppressed_by: 'rule' });
    // A service whose rule path is removed has no rules from the next batch on.
    await db().deleteFrom('event_orchestration_paths').where('org_id', '=', orgId()).where('kind', '=', 'service').where('parent_id', '=', s.serviceId).execute();
    expect(await alert(await trigger(a, s.target, 'flapping check'))).toEqual({ status: 'triggered', suppressed_by: null, incident_id: incidentId });
  });

  it('an incident reassigned in the database: the next alert joining it is told to the new assignee', async () => {
    const s = await service('Crisis line');
    const seed: Seed = { db: db(), orgId: orgId(), clock: t.clock };
    const person = async (name: string) => {
      const id = await seedUser(seed, name);
      await seedRule(seed, id, await seedContact(seed, id, 'webhook', `http://127.0.0.1:9/${name}`), 0, 'low');
      return id;
    };
    const [ada, bo] = [await person('Ada'), await person('Bo')];
    const incidentId = (await alert(await trigger(a, s.target, 'first'))).incident_id!;
    const assign = async (userId: string) => {
      await db().deleteFrom('incident_assignments').where('org_id', '=', orgId()).where('incident_id', '=', incidentId).execute();
      await db().insertInto('incident_assignments').values({ org_id: orgId(), incident_id: incidentId, user_id: userId, at: t.clock.now() }).execute();
    };
    const noticed = async () =>
      (await db().selectFrom('notifications').select(['user_id', 'idempotency_key']).where('org_id', '=', orgId()).where('incident_id', '=', incidentId).execute()).filter((r) => r.idempotency_key.startsWith('joined:')).map((r) => r.user_id);

    await assign(ada);
    await trigger(a, s.target, 'joins while Ada is assigned');
    expect(new Set(await noticed())).toEqual(new Set([ada]));
    await assign(bo);
    await trigger(a, s.target, 'joins while Bo is assigned');
    expect(new Set(await noticed())).toEqual(new Set([ada, bo]));
  });
});
