/**
 * Two engine nodes on one PostgreSQL database (DESIGN.md §4.3, §5): 1,000 triggered
 * incidents, each on its own service with a two-level policy, every page to one
 * webhook receiver. Two engines, each with its own connection pool, deps and
 * modules, share one manual clock and run at once, at t0 and again when level 2 is
 * due. Every escalation step fires exactly once (escalation_steps, notifications)
 * and every (incident, level) page reaches the receiver exactly once.
 *
 * PostgreSQL only: SQLite has a single writer, so a single engine node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { loadConfig } from '../../src/server/config/config.js';
import { makeDeps } from '../../src/server/main.js';
import { buildEngine } from '../../src/server/engine/build.js';
import { ChannelRegistry } from '../../src/server/notify/channels/registry.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { openDatabase, type DbHandle } from '../../src/server/storage/dialect.js';
import { WebhookChannel } from '../../src/server/notify/channels/webhook/webhook.js';
import { createManualIncident } from '../../src/server/incident/incident.service.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { newId } from '../../src/server/lib/ids.js';
import type { ServiceTable } from '../../src/server/storage/schema.js';
import { createIsolatedDb, quietLog, seedContact, seedPolicy, seedUser, startScriptedReceiver, type IsolatedDb, type ScriptedReceiver } from './fixtures2.js';
import { localPolicy } from '../outbound-allow.js';

const N = 1_000;
const LEVEL_DELAY_MIN = 5;

const hasPostgres = DIALECTS.includes('postgres');
if (!hasPostgres) console.warn('\n\n!!! two-nodes.test.ts: PostgreSQL is not in DIALECTS: the two-engine suite is SKIPPED. Start PostgreSQL to run it. !!!\n\n');

describe.skipIf(!hasPostgres)('two engine nodes on one PostgreSQL database', () => {
  let db: IsolatedDb;
  let second: DbHandle;
  let clock: ManualClock;
  let rx: ScriptedReceiver;
  let nodes: Engine[];
  let incidentIds: string[];

  beforeAll(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    db = await createIsolatedDb('postgres', 20);
    // The second node's own pool on the same schema.
    second = openDatabase({ postgresUrl: db.env.DATABASE_URL!, poolSize: 20 });
    rx = await startScriptedReceiver([200]);

    const org = await initOrganization(db.handle.db, clock, { orgName: 'Harbor Crisis Line', email: 'owner@harbor.example', userName: 'Olive Owner' });
    const s = { db: db.handle.db, orgId: org.org.id, clock };
    const ada = await seedUser(s, 'Ada');
    const bo = await seedUser(s, 'Bo');
    await seedContact(s, ada, 'webhook', rx.url, true, 'ada-secret');
    await seedContact(s, bo, 'webhook', rx.url, true, 'bo-secret');
    const policy = await seedPolicy(s, [
      { delay: LEVEL_DELAY_MIN, targets: [{ id: ada, type: 'user_reference' }] },
      { delay: LEVEL_DELAY_MIN, targets: [{ id: bo, type: 'user_reference' }] },
    ]);

    // 1,000 services in one statement, then one incident on each (the real
    // createManualIncident: numbered under the organization lock, policy frozen, level 1 due now).
    const now = clock.now();
    const services: ServiceTable[] = Array.from({ length: N }, (_, i) => ({
      org_id: org.org.id,
      id: newId(now),
      name: `Line ${String(i + 1).padStart(4, '0')}`,
      description: null,
      status: 'active',
      escalation_policy_id: policy,
      urgency_rule: 'high',
      acknowledgement_timeout: null,
      auto_resolve_timeout: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    }));
    for (let i = 0; i < N; i += 250) await db.handle.db.insertInto('services').values(services.slice(i, i + 250)).execute();
    incidentIds = [];
    for (let i = 0; i < N; i += 100) {
      await db.handle.db.transaction().execute(async (trx) => {
        const tx = { trx, dialect: 'postgres' as const, now, changes: [] };
        for (const svc of services.slice(i, i + 100)) {
          const inc = await createManualIncident(tx, org.org.id, svc, { title: `${svc.name} not answering` }, { id: svc.id, type: 'service_reference', summary: svc.name }, { type: 'api' });
          incidentIds.push(inc.id);
        }
      });
    }

    const config = loadConfig({ PORT: '0', VIGIL_PUBLIC_URL: 'http://vigil.test' });
    nodes = [db.handle, second].map((h) =>
      buildEngine(makeDeps(h, config, clock), new ChannelRegistry([new WebhookChannel({ policy: localPolicy,  timeoutMs: 10_000 })]), quietLog, { deliver: { random: () => 0.5 } }),
    );
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await rx?.close();
    await db?.drop();
  });

  /** Both nodes at once, over and over, until a round in which neither did anything. */
  async function runBoth(now: number): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const work = await Promise.all(nodes.map((e) => e.runUntilIdle(now, 1_000)));
      if (work.every((w) => w === 0)) return;
    }
    throw new Error('the two nodes were still busy after 20 rounds');
  }

  it(`fires each of ${N} incidents' two levels exactly once and delivers each page exactly once`, async () => {
    const started = Date.now();
    expect(incidentIds).toHaveLength(N);
    await runBoth(clock.now());
    const level1Ms = Date.now() - started;
    expect(rx.requests).toHaveLength(N);

    // Level 2 is not due a millisecond early…
    clock.advance(LEVEL_DELAY_MIN * 60_000 - 1);
    await runBoth(clock.now());
    expect(rx.requests).toHaveLength(N);
    // …and fires at once when it is.
    clock.advance(1);
    const level2Started = Date.now();
    await runBoth(clock.now());
    const level2Ms = Date.now() - level2Started;
    expect(rx.requests).toHaveLength(2 * N);
    // Nothing left: a third round, much later, sends nothing.
    clock.advanceMinutes(60);
    await runBoth(clock.now());
    expect(rx.requests).toHaveLength(2 * N);

    // Both nodes did a share of the work (else this would prove nothing about two nodes).
    for (const [i, e] of nodes.entries()) {
      expect(e.stats.get('escalate')!.work, `node ${i + 1} escalations`).toBeGreaterThan(0);
      expect(e.stats.get('deliver')!.work, `node ${i + 1} deliveries`).toBeGreaterThan(0);
      expect(e.stats.get('escalate')!.failures + e.stats.get('deliver')!.failures, `node ${i + 1} module failures`).toBe(0);
    }

    // In the database: two steps per incident, one sent page per (incident, level).
    const steps = await db.handle.db.selectFrom('escalation_steps').select(['incident_id', 'epoch', 'loop', 'level']).execute();
    expect(steps).toHaveLength(2 * N);
    const stepsPer = new Map<string, number[]>();
    for (const st of steps) stepsPer.set(st.incident_id, [...(stepsPer.get(st.incident_id) ?? []), Number(st.level)]);
    expect(stepsPer.size).toBe(N);
    for (const id of incidentIds) expect(stepsPer.get(id)?.sort()).toEqual([0, 1]);

    const rows = await db.handle.db.selectFrom('notifications').select(['incident_id', 'step_key', 'status', 'attempts', 'idempotency_key']).execute();
    expect(rows).toHaveLength(2 * N);
    const perStep = new Map<string, number>();
    for (const r of rows) perStep.set(r.step_key!, (perStep.get(r.step_key!) ?? 0) + 1);
    expect(perStep.size).toBe(2 * N);
    for (const id of incidentIds) for (const level of [0, 1]) expect(perStep.get(`${id}:0:0:${level}`), `${id} level ${level + 1}`).toBe(1);
    expect(rows.filter((r) => r.status !== 'sent' || Number(r.attempts) !== 1)).toEqual([]);

    // At the receiver: each (incident, level) page arrived exactly once, under its row's key.
    const ids = rx.requests.map((r) => String(r.headers['x-webhook-id']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.idempotency_key)));
    const seen = new Map<string, number>();
    for (const r of rx.requests) {
      const [, incidentId, , , level] = String(r.headers['x-webhook-id']).split(':');
      expect(r.json.event.data.id).toBe(incidentId);
      seen.set(`${incidentId}:${level}`, (seen.get(`${incidentId}:${level}`) ?? 0) + 1);
    }
    for (const id of incidentIds) for (const level of ['0', '1']) expect(seen.get(`${id}:${level}`), `${id} level ${level}`).toBe(1);

    // Every timeline says so once: one "Notified" per level.
    const notified = await db.handle.db.selectFrom('log_entries').select(['incident_id']).where('type', '=', 'notify_log_entry').where('summary', 'like', 'Notified %').execute();
    expect(notified).toHaveLength(2 * N);
    console.info(`two-nodes: ${2 * N} steps and pages on two nodes (level 1: ${level1Ms} ms, level 2: ${level2Ms} ms, whole test ${Date.now() - started} ms; node 1: ${nodes[0]!.stats.get('escalate')!.work} steps, ${nodes[0]!.stats.get('deliver')!.work} pages; node 2: ${nodes[1]!.stats.get('escalate')!.work} steps, ${nodes[1]!.stats.get('deliver')!.work} pages)`);
  }, 180_000);
});
