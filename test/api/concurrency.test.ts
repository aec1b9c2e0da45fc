/**
 * Concurrent triggers over real HTTP (the app listens; requests interleave for
 * real): one dedup key gives one alert and one incident whatever the interleaving,
 * on both dialects, and on PostgreSQL also when two app instances (two pools, two
 * group committers) share the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildApp } from '../../src/server/app.js';
import { makeDeps } from '../../src/server/main.js';
import { openDatabase, type DbHandle } from '../../src/server/storage/dialect.js';
import type { App } from '../../src/server/http/deps.js';
import { DIALECTS, GROUP_UNTIL_RESOLVED, PG_URL, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, type Json } from './helpers.js';

async function post(base: string, path: string, body: unknown): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  const text = await r.text();
  return { status: r.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const statuses = (rs: { status: number }[]) => rs.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

async function alertsByKey(t: TestApp, dedupKey: string) {
  return t.db.handle.db.selectFrom('alerts').selectAll().where('dedup_key', '=', dedupKey).execute();
}

async function incidentsOfService(t: TestApp, serviceId: string) {
  return t.db.handle.db.selectFrom('incidents').selectAll().where('service_id', '=', serviceId).execute();
}

/** The invariants the database must hold whatever happened: one open alert per key, one open grouping incident per service. */
async function expectInvariants(t: TestApp) {
  const dupAlerts = await t.db.handle.db
    .selectFrom('alerts')
    .select(['integration_id', 'dedup_key', (eb) => eb.fn.countAll<number>().as('n')])
    .where('open', '=', 1)
    .groupBy(['integration_id', 'dedup_key'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  expect(dupAlerts).toEqual([]);
  const dupIncidents = await t.db.handle.db
    .selectFrom('incidents')
    .select(['service_id', 'open_group', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '<>', 'resolved')
    .where('open_group', 'is not', null)
    .groupBy(['service_id', 'open_group'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  expect(dupIncidents).toEqual([]);
  const numbers = await t.db.handle.db.selectFrom('incidents').select('number').execute();
  expect(new Set(numbers.map((r) => Number(r.number))).size).toBe(numbers.length);
  // Every open alert belongs to an incident that is not resolved.
  const orphans = await t.db.handle.db
    .selectFrom('alerts as a')
    .innerJoin('incidents as i', (j) => j.onRef('i.org_id', '=', 'a.org_id').onRef('i.id', '=', 'a.incident_id'))
    .select('a.id')
    .where('a.open', '=', 1)
    .where('i.status', '=', 'resolved')
    .execute();
  expect(orphans).toEqual([]);
}

describe.each(DIALECTS)('concurrent ingest on %s', (dialect) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createApp(dialect);
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t.close());

  it('50 parallel triggers with one dedup key: all 202, one alert with count 50, one incident', async () => {
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Fifty');
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => post(base, '/v2/enqueue', trigger(key, { dedup_key: 'storm' }, { summary: `storm ${i}` }))));
    expect(statuses(rs)).toEqual({ 202: 50 });
    expect(rs.every((r) => r.body.dedup_key === 'storm')).toBe(true);
    const alerts = await alertsByKey(t, 'storm');
    expect(alerts).toHaveLength(1);
    expect(Number(alerts[0]!.count)).toBe(50);
    const incs = await incidentsOfService(t, serviceId);
    expect(incs).toHaveLength(1);
    expect(alerts[0]!.incident_id).toBe(incs[0]!.id);
    // Each trigger was counted exactly once: the re-trigger entries carry counts 2..50, each once.
    const log = await t.db.handle.db.selectFrom('log_entries').select(['type', 'details']).where('incident_id', '=', incs[0]!.id).execute();
    const counts = log.filter((e) => e.details && JSON.parse(e.details).action === 'retrigger').map((e) => JSON.parse(e.details!).count as number);
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 49 }, (_, i) => i + 2));
    expect(log.filter((e) => e.type === 'trigger_log_entry')).toHaveLength(1);
    await expectInvariants(t);
  });

  it('20 parallel triggers with 20 dedup keys on one service that groups until resolved: 20 alerts, one incident', async () => {
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Twenty', t.auth, GROUP_UNTIL_RESOLVED);
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => post(base, '/v2/enqueue', trigger(key, { dedup_key: `twenty-${i}` }))));
    expect(statuses(rs)).toEqual({ 202: 20 });
    const incs = await incidentsOfService(t, serviceId);
    expect(incs).toHaveLength(1);
    const alerts = await t.db.handle.db.selectFrom('alerts').selectAll().where('service_id', '=', serviceId).execute();
    expect(alerts).toHaveLength(20);
    expect(new Set(alerts.map((a) => a.dedup_key)).size).toBe(20);
    expect(alerts.every((a) => Number(a.count) === 1 && a.incident_id === incs[0]!.id)).toBe(true);
  });

  it('20 parallel triggers with 20 dedup keys on a service that does not group: 20 incidents, each with its own number', async () => {
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Twenty apart');
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => post(base, '/v2/enqueue', trigger(key, { dedup_key: `apart-${i}` }))));
    expect(statuses(rs)).toEqual({ 202: 20 });
    const incs = await incidentsOfService(t, serviceId);
    expect(incs).toHaveLength(20);
    expect(new Set(incs.map((i) => Number(i.number))).size).toBe(20);
    const alerts = await t.db.handle.db.selectFrom('alerts').selectAll().where('service_id', '=', serviceId).execute();
    expect(new Set(alerts.map((a) => a.incident_id)).size).toBe(20);
    await expectInvariants(t);
  });

  it('two services at once: two incidents with distinct numbers', async () => {
    const a = await serviceWithKey(t, 'events_v2', 'Left', t.auth, GROUP_UNTIL_RESOLVED);
    const b = await serviceWithKey(t, 'events_v2', 'Right', t.auth, GROUP_UNTIL_RESOLVED);
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => post(base, '/v2/enqueue', trigger(i % 2 ? a.key : b.key, { dedup_key: `lr-${i % 4}` }))));
    expect(statuses(rs)).toEqual({ 202: 40 });
    const ia = await incidentsOfService(t, a.serviceId);
    const ib = await incidentsOfService(t, b.serviceId);
    expect(ia).toHaveLength(1);
    expect(ib).toHaveLength(1);
    expect(Number(ia[0]!.number)).not.toBe(Number(ib[0]!.number));
    await expectInvariants(t);
  });

  it('triggers and resolves interleaved on one key never leave two open alerts or incidents', async () => {
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Flapping');
    for (let round = 0; round < 3; round++) {
      const rs = await Promise.all(
        Array.from({ length: 40 }, (_, i) => post(base, '/v2/enqueue', i % 3 === 2 ? { routing_key: key, event_action: 'resolve', dedup_key: 'flap' } : trigger(key, { dedup_key: 'flap' }))),
      );
      expect(statuses(rs)).toEqual({ 202: 40 });
      await expectInvariants(t);
    }
    // Every trigger landed somewhere: the alerts' counts add up to the triggers sent.
    const alerts = await alertsByKey(t, 'flap');
    expect(alerts.reduce((s, a) => s + Number(a.count), 0)).toBe(3 * 27);
    const incs = await incidentsOfService(t, serviceId);
    expect(incs.filter((i) => i.status !== 'resolved').length).toBeLessThanOrEqual(1);
  });

  it.runIf(dialect === 'postgres')('two app instances on one PostgreSQL schema: 50 triggers split across both give one alert (count 50) and one incident', async () => {
    const schema = new URL(t.db.env.DATABASE_URL!).searchParams.get('options')!.replace(/^-c search_path=/, '');
    const instances: { handle: DbHandle; app: App; base: string }[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const handle = openDatabase({ postgresUrl: PG_URL, pgSchema: schema, poolSize: 8 });
        const app = await buildApp(makeDeps(handle, t.deps.config), { logger: false });
        instances.push({ handle, app, base: await app.listen({ port: 0, host: '127.0.0.1' }) });
      }
      const [one, two] = instances as [(typeof instances)[0], (typeof instances)[0]];
      // Same database, really: a service made through one is visible to the other.
      expect((await sql<{ s: string }>`select current_schema() as s`.execute(one.handle.db)).rows[0]!.s).toBe(schema);
      const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Two nodes');
      const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => post(i % 2 ? one.base : two.base, '/v2/enqueue', trigger(key, { dedup_key: 'two-nodes' }))));
      expect(statuses(rs)).toEqual({ 202: 50 });
      const alerts = await alertsByKey(t, 'two-nodes');
      expect(alerts).toHaveLength(1);
      expect(Number(alerts[0]!.count)).toBe(50);
      expect(await incidentsOfService(t, serviceId)).toHaveLength(1);

      // Several services and keys across both nodes (the org row lock and the alert index both in play).
      const svcs = await Promise.all([0, 1, 2].map((i) => serviceWithKey(t, 'events_v2', `Node storm ${i}`, t.auth, GROUP_UNTIL_RESOLVED)));
      const rs2 = await Promise.all(
        Array.from({ length: 60 }, (_, i) => post(i % 2 ? one.base : two.base, '/v2/enqueue', trigger(svcs[i % 3]!.key, { dedup_key: `ns-${i % 5}` }))),
      );
      expect(statuses(rs2)).toEqual({ 202: 60 });
      for (const s of svcs) {
        const incs = await incidentsOfService(t, s.serviceId);
        expect(incs).toHaveLength(1);
        const alerts2 = await t.db.handle.db.selectFrom('alerts').selectAll().where('service_id', '=', s.serviceId).execute();
        expect(alerts2).toHaveLength(5);
        expect(alerts2.reduce((sum, a) => sum + Number(a.count), 0)).toBe(20);
      }
      await expectInvariants(t);
    } finally {
      for (const i of instances) {
        await i.app.close();
        await i.handle.close();
      }
    }
  });
});
