/**
 * The PostgreSQL connection pool exhausted by slow queries (issue 21, docs/reliability.md
 * row "pool exhausted"). A Vigil with a pool of 4 and VIGIL_DB_POOL_TIMEOUT_MS = 1,500
 * (config.dbPool) has every connection taken by a 4-second query (`pg_sleep`, the shape
 * of a slow report or a lock wait). Its own test schema in the shared `test` database.
 *
 * Shown: an event sent meanwhile is answered 503 pool_exhausted with Retry-After within
 * the bound (the pool timeout plus a margin), never 500 or 202, and is not stored;
 * /readyz says pool_exhausted; when the slow queries end, /readyz and ingest come back by
 * themselves (the time is printed).
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config/config.js';
import { systemClock } from '../../src/server/lib/clock.js';
import { makeDeps } from '../../src/server/main.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { openDatabase, type DbHandle } from '../../src/server/storage/dialect.js';
import type { App } from '../../src/server/http/deps.js';
import { DIALECTS, createTestDb, trigger, type TestDb } from '../harness.js';

const POOL = 4;
const POOL_TIMEOUT_MS = 1_500;
const SLOW_S = 4;

describe.skipIf(!DIALECTS.includes('postgres'))('fault: the PostgreSQL pool is exhausted by slow queries', () => {
  let testDb: TestDb | null = null;
  let handle: DbHandle | null = null;
  let app: App | null = null;
  afterAll(async () => {
    await app?.close();
    await handle?.close().catch(() => {});
    await testDb?.drop();
  }, 30_000);

  it('answers 503 pool_exhausted with Retry-After within the bound, stores nothing, and recovers by itself', async () => {
    testDb = await createTestDb('postgres');
    const config = loadConfig({ PORT: '0', VIGIL_PUBLIC_URL: 'http://vigil.test', DATABASE_URL: testDb.env.DATABASE_URL!, VIGIL_DB_POOL_SIZE: String(POOL), VIGIL_DB_POOL_TIMEOUT_MS: String(POOL_TIMEOUT_MS) });
    expect(config.dbPool).toEqual({ size: POOL, timeoutMs: POOL_TIMEOUT_MS });
    handle = openDatabase({ postgresUrl: config.databaseUrl!, poolSize: config.dbPool.size, poolTimeoutMs: config.dbPool.timeoutMs });
    app = await buildApp(makeDeps(handle, config, systemClock), { logger: false });
    const org = await initOrganization(handle.db, systemClock, { orgName: 'Pool Line', email: 'owner@pool.example' });
    const auth = { authorization: `Bearer ${org.token}` };
    const s = await app.inject({ method: 'POST', url: '/api/v1/services', headers: auth, payload: { service: { name: 'Chat' } } });
    const i = await app.inject({ method: 'POST', url: `/api/v1/services/${s.json().service.id}/integrations`, headers: auth, payload: { integration: { type: 'events_v2' } } });
    const key = i.json().integration.integration_key as string;
    const send = (k: string) => app!.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: k }) });
    expect((await send('before')).statusCode).toBe(202);

    // Every pooled connection busy with a slow query.
    const slow = Promise.all(Array.from({ length: POOL }, () => sql`SELECT pg_sleep(${SLOW_S})`.execute(handle!.db)));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const r = await send('during');
    const answeredIn = Date.now() - started;
    expect(r.statusCode, r.body).toBe(503);
    expect(r.headers['retry-after']).toBe('2');
    expect(r.json()).toMatchObject({ status: 'error', message: 'Storage Unavailable', errors: [expect.stringMatching(/\(pool_exhausted\)/)] });
    expect(answeredIn).toBeGreaterThanOrEqual(POOL_TIMEOUT_MS - 100);
    expect(answeredIn).toBeLessThan(POOL_TIMEOUT_MS + 1_500);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', reason: 'pool_exhausted' });

    await slow;
    const freedAt = Date.now();
    let readyAfter = -1;
    while (Date.now() - freedAt < 10_000) {
      if ((await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200) {
        readyAfter = Date.now() - freedAt;
        break;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(readyAfter).toBeGreaterThanOrEqual(0);
    expect((await send('after')).statusCode).toBe(202);
    console.info(`pool exhausted: 503 after ${answeredIn} ms (pool timeout ${POOL_TIMEOUT_MS} ms); /readyz 200 ${readyAfter} ms after the slow queries ended`);
    const keys = (await handle.db.selectFrom('alerts').select('dedup_key').where('org_id', '=', org.org.id).execute()).map((a) => a.dedup_key).sort();
    expect(keys).toEqual(['after', 'before']);
  }, 40_000);
});
