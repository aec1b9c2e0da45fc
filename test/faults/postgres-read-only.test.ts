/**
 * PostgreSQL turned read-only, as a failover leaves a stale primary (issue 21,
 * docs/reliability.md row "PostgreSQL read-only"). The test creates a database of its
 * own (`vigil_ro_<random>`, dropped afterwards) so the shared `test` database is never
 * touched, sets `default_transaction_read_only` on it and ends its sessions (the
 * failover: every connection drops and comes back to a server that refuses writes),
 * then sets it back the same way.
 *
 * Shown: every event sent meanwhile is answered 503 read_only with Retry-After, never
 * 202 or 500; nothing is half-written (no row of any kind changes); /readyz answers 503
 * read_only; once writes are allowed again /readyz and ingest come back by themselves
 * (the time is printed); and afterwards the refused events, sent again concurrently and
 * twice each, are each stored exactly once, in one incident.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config/config.js';
import { systemClock } from '../../src/server/lib/clock.js';
import { makeDeps } from '../../src/server/main.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { openDatabase, type DbHandle } from '../../src/server/storage/dialect.js';
import { migrateToLatest } from '../../src/server/storage/migrate.js';
import type { App } from '../../src/server/http/deps.js';
import { DIALECTS, GROUP_UNTIL_RESOLVED, PG_URL, trigger } from '../harness.js';

const database = `vigil_ro_${randomBytes(5).toString('hex')}`;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Set read-only on or off for new sessions, then end the open ones (they reconnect and see it). */
async function failover(readOnly: boolean): Promise<void> {
  await admin(async (c) => {
    await c.query(readOnly ? `ALTER DATABASE ${database} SET default_transaction_read_only = on` : `ALTER DATABASE ${database} RESET default_transaction_read_only`);
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  });
}

describe.skipIf(!DIALECTS.includes('postgres'))('fault: PostgreSQL switched to read-only (a stale primary after failover)', () => {
  let handle: DbHandle | null = null;
  let app: App | null = null;

  afterAll(async () => {
    await app?.close();
    await handle?.close().catch(() => {});
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }, 60_000);

  it('answers 503 read_only with Retry-After, writes nothing, says so on /readyz, and recovers by itself', async () => {
    await admin((c) => c.query(`CREATE DATABASE ${database}`));
    const url = new URL(PG_URL);
    url.pathname = `/${database}`;
    handle = openDatabase({ postgresUrl: url.toString(), poolSize: 6 });
    await migrateToLatest(handle);
    const deps = makeDeps(handle, loadConfig({ PORT: '0', VIGIL_PUBLIC_URL: 'http://vigil.test' }), systemClock);
    app = await buildApp(deps, { logger: false });
    const org = await initOrganization(handle.db, systemClock, { orgName: 'Failover Line', email: 'owner@failover.example' });
    const auth = { authorization: `Bearer ${org.token}` };
    const s = await app.inject({ method: 'POST', url: '/api/v1/services', headers: auth, payload: { service: { name: 'Chat', ...GROUP_UNTIL_RESOLVED } } });
    const i = await app.inject({ method: 'POST', url: `/api/v1/services/${s.json().service.id}/integrations`, headers: auth, payload: { integration: { type: 'events_v2' } } });
    const key = i.json().integration.integration_key as string;
    const send = (k: string) => app!.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: k }) });
    for (let n = 0; n < 3; n++) expect((await send(`before-${n}`)).statusCode).toBe(202);

    const counts = async () => {
      const out: Record<string, number> = {};
      for (const t of ['alerts', 'incidents', 'log_entries', 'notifications', 'escalation_steps'] as const) {
        out[t] = Number((await handle!.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      }
      return out;
    };
    const before = await counts();

    await failover(true);
    const refused: string[] = [];
    const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => send(`ro-${n}`)));
    for (const [n, r] of answers.entries()) {
      expect(r.statusCode, r.body).toBe(503);
      expect(r.headers['retry-after']).toBe('10');
      expect(r.json()).toMatchObject({ status: 'error', message: 'Storage Unavailable', errors: [expect.stringMatching(/read-only \(read_only\)/)] });
      refused.push(`ro-${n}`);
    }
    // An acknowledgement and a REST write are refused the same way.
    expect((await app.inject({ method: 'POST', url: '/v2/enqueue', payload: { routing_key: key, event_action: 'acknowledge', dedup_key: 'before-0' } })).statusCode).toBe(503);
    const rest = await app.inject({ method: 'POST', url: '/api/v1/services', headers: auth, payload: { service: { name: 'Another' } } });
    expect(rest.statusCode).toBe(503);
    expect(rest.json().error).toMatchObject({ code: 2031, message: 'Storage Unavailable' });
    expect(rest.headers['retry-after']).toBe('10');
    // Reads still work.
    expect((await app.inject({ method: 'GET', url: '/api/v1/incidents', headers: auth })).statusCode).toBe(200);
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: 'unavailable', reason: 'read_only' });
    expect(await counts()).toEqual(before);

    await failover(false);
    const backAt = Date.now();
    let readyAfter = -1;
    while (Date.now() - backAt < 10_000) {
      if ((await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200) {
        readyAfter = Date.now() - backAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(readyAfter).toBeGreaterThanOrEqual(0);
    console.info(`postgres read-only: /readyz 200 ${readyAfter} ms after writes were allowed again`);

    // Exactly once afterwards: each refused event sent again, twice, all at once.
    const again = await Promise.all([...refused, ...refused].map((k) => send(k)));
    expect(again.map((r) => r.statusCode)).toEqual(Array(refused.length * 2).fill(202));
    const rows = await handle.db.selectFrom('alerts').select(['dedup_key', 'count', 'incident_id']).where('org_id', '=', org.org.id).execute();
    for (const k of refused) {
      const mine = rows.filter((r) => r.dedup_key === k);
      expect(mine, k).toHaveLength(1);
      expect(Number(mine[0]!.count), k).toBe(2);
    }
    expect(new Set(rows.map((r) => r.incident_id)).size).toBe(1);
    const incidents = await handle.db.selectFrom('incidents').select('status').where('org_id', '=', org.org.id).execute();
    expect(incidents).toHaveLength(1);
  }, 60_000);
});
