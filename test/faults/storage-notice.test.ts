/**
 * Storage refuses writes, and the admins are told directly (issue 21 item 1, docs/
 * reliability.md row "disk full"; docs/operating.md "Self-checks"). On SQLite the fault is
 * a full database (`PRAGMA max_page_count` at the pages in use: the next write fails with
 * SQLITE_FULL, as a full disk does); on PostgreSQL a read-only database (a stale primary
 * after a failover: `default_transaction_read_only` on a database the test creates and
 * drops, never the shared one).
 *
 * Shown, on both dialects, with the manual clock and a real SMTP server: ingest answers 503
 * with Retry-After (never 500 or 202); /readyz answers 503 with the reason; the owners and
 * admins get an email at once, sent directly through SMTP (the outbox is a table and
 * cannot be written), and no second one within 15 minutes however often writes fail or the
 * engine runs, then one again; when writes are possible again /readyz is ready and events
 * are taken without a restart (the time is printed), and the engine pages as usual.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config/config.js';
import { buildEngine } from '../../src/server/engine/build.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { makeDeps, selfCheckSetup } from '../../src/server/main.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { openDatabase } from '../../src/server/storage/dialect.js';
import { migrateToLatest } from '../../src/server/storage/migrate.js';
import { ChannelRegistry } from '../../src/server/notify/channels/registry.js';
import type { StorageNotice } from '../../src/server/engine/self-check/storage-notice.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { DIALECTS, PG_URL, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { LOCAL_OUTBOUND_ALLOW } from '../outbound-allow.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, realChannels, startSmtp, type Mailbox } from '../engine/fixtures.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {} };
/** ~20 KB of details: every event needs new database pages (a full SQLite file has a few free bytes left in its last pages). */
const big = (k: string) => ({ custom_details: { note: `event ${k} `.repeat(2_000) } });

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

interface Fault {
  t: TestApp;
  reason: 'disk_full' | 'read_only';
  retryAfter: string;
  inject(): Promise<void>;
  clear(): Promise<void>;
}

/** SQLite: the harness's database file, full by max_page_count. */
async function sqliteFault(clock: ManualClock): Promise<Fault> {
  const t = await createTestApp('sqlite', { clock });
  const db = t.db.handle.db;
  return {
    t,
    reason: 'disk_full',
    retryAfter: '30',
    async inject() {
      const pages = (await sql<{ page_count: number }>`PRAGMA page_count`.execute(db)).rows[0]!.page_count;
      await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(db);
    },
    async clear() {
      await sql.raw('PRAGMA max_page_count = 1073741823').execute(db);
    },
  };
}

/** PostgreSQL: a database of the test's own, switched to read-only and back as a failover does (sessions ended). */
async function postgresFault(clock: ManualClock): Promise<Fault> {
  const database = `vigil_sn_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${database}`));
  const url = new URL(PG_URL);
  url.pathname = `/${database}`;
  const handle = openDatabase({ postgresUrl: url.toString(), poolSize: 6 });
  await migrateToLatest(handle);
  const config = loadConfig({ PORT: '0', VIGIL_PUBLIC_URL: 'http://vigil.test', VIGIL_OUTBOUND_ALLOW: LOCAL_OUTBOUND_ALLOW });
  const deps = makeDeps(handle, config, clock);
  const app = await buildApp(deps, { logger: false });
  const org = await initOrganization(handle.db, clock, { orgName: 'Harbor Crisis Line', email: 'owner@harbor.example', userName: 'Olive Owner' });
  const failover = (readOnly: boolean) =>
    admin(async (c) => {
      await c.query(readOnly ? `ALTER DATABASE ${database} SET default_transaction_read_only = on` : `ALTER DATABASE ${database} RESET default_transaction_read_only`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      // Let the pool see its idle connections end (they leave the pool), so the next request
      // meets the read-only server rather than a dead connection (that would be connection_lost).
      await new Promise((r) => setTimeout(r, 500));
    });
  const t: TestApp = {
    app,
    deps,
    db: {
      handle,
      dialect: 'postgres',
      env: {},
      async drop() {
        await handle.close().catch(() => {});
        await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
      },
    },
    org,
    token: org.token,
    clock,
    auth: { authorization: `Bearer ${org.token}` },
    async close() {
      await app.close();
      await t.db.drop();
    },
  };
  return { t, reason: 'read_only', retryAfter: '10', inject: () => failover(true), clear: () => failover(false) };
}

describe.each(DIALECTS)('storage refuses writes: the admins are told directly (%s)', (dialect) => {
  let t: TestApp | null = null;
  let mail: Mailbox | null = null;
  let engine: Engine | null = null;
  afterEach(async () => {
    await engine?.stop();
    engine = null;
    await mail?.close();
    mail = null;
    await t?.close();
    t = null;
  });

  it('503 + Retry-After to senders, /readyz not ready, one email to the owners and admins per 15 minutes, recovery without a restart', async () => {
    const clock = manualClock('2026-03-02T09:00:00Z');
    const fault = dialect === 'sqlite' ? await sqliteFault(clock) : await postgresFault(clock);
    t = fault.t;
    mail = await startSmtp();
    const channels = new ChannelRegistry(Object.values(realChannels(mail.port)).filter((c) => !!c));
    const ada = await addUser(t, 'Ada Admin', 'admin');
    const adaEmail = await addContact(t, ada, 'email', 'ada@harbor.example');
    await addRule(t, ada, adaEmail, 0);
    const { key, serviceId } = await serviceWithKey(t);
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    const setup = selfCheckSetup(t.deps.config, t.db.handle, channels, clock, quiet, () => null, 'node-a')!;
    const notice = setup.notice as StorageNotice;
    engine = buildEngine(t.deps, channels, quiet, { selfCheck: setup });
    await engine.runUntilIdle(clock.now());
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'before' }) })).statusCode).toBe(202);
    await engine.runUntilIdle(clock.now());
    await mail.waitFor('ada@harbor.example', /Chat queue not answering/);
    mail.messages.length = 0;

    await fault.inject();
    const refused = await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'during-0' }, big('during-0')) });
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.headers['retry-after']).toBe(fault.retryAfter);
    expect(refused.json()).toMatchObject({ status: 'error', message: 'Storage Unavailable', errors: [expect.stringContaining(`(${fault.reason})`)] });
    const notReady = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: 'unavailable', reason: fault.reason });

    // The first refused write told everyone at once, by SMTP, not through the outbox.
    expect(notice.lastSend).not.toBeNull();
    expect(await notice.lastSend).toBe(3);
    const subject = fault.reason === 'disk_full' ? '[Vigil] Storage is full: Vigil cannot store events or page anyone new' : '[Vigil] Storage is read-only: Vigil cannot store events or page anyone new';
    for (const to of ['owner@harbor.example', 'ada@harbor.example', 'ada.admin@harbor.example']) {
      const m = await mail.waitFor(to, new RegExp(`\\(${fault.reason}\\)`));
      expect(m.subject).toBe(subject);
      expect(m.text).toMatch(/503 with Retry-After/);
    }
    expect(mail.messages).toHaveLength(3);

    // More refused writes and engine passes within 15 minutes: no second notice.
    for (let i = 1; i < 4; i++) expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: `during-${i}` }, big(`during-${i}`)) })).statusCode).toBe(503);
    clock.advanceMinutes(10);
    await engine.runOnce(clock.now());
    await notice.lastSend;
    expect(mail.messages).toHaveLength(3);
    // The engine's pass wrote nothing (its claims matched no row): storage still counts as failing.
    expect(t.db.handle.health.problem).toMatchObject({ reason: fault.reason });
    // Still failing 16 minutes on: the engine's self-check sends it again.
    clock.advanceMinutes(6);
    await engine.runOnce(clock.now());
    expect(await notice.lastSend).toBe(3);
    // Accepted by the server; parsed into the mailbox a moment later.
    for (const started = Date.now(); mail.messages.length < 6 && Date.now() - started < 10_000; ) await new Promise((r) => setTimeout(r, 20));
    expect(mail.messages).toHaveLength(6);

    // Writes are possible again: ready without a restart, events taken, pages flow.
    await fault.clear();
    const backAt = Date.now();
    let readyAfter = -1;
    while (Date.now() - backAt < 10_000) {
      if ((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200) {
        readyAfter = Date.now() - backAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(readyAfter).toBeGreaterThanOrEqual(0);
    const accepted = await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'during-0' }) });
    expect(accepted.statusCode).toBe(202);
    const firstAccepted = Date.now() - backAt;
    console.info(`storage notice (${dialect}): /readyz 200 ${readyAfter} ms after writes were possible again, first 202 after ${firstAccepted} ms`);
    clock.advanceMinutes(1);
    await engine.runUntilIdle(clock.now());
    for (const started = Date.now(); !mail.messages.some((m) => m.subject?.startsWith('[Vigil] #2 TRIGGERED')) && Date.now() - started < 10_000; ) await new Promise((r) => setTimeout(r, 20));
    expect(mail.messages.filter((m) => m.subject?.startsWith('[Vigil] #2 TRIGGERED')).map((m) => m.subject)).toEqual(['[Vigil] #2 TRIGGERED: Chat queue not answering (Crisis chat)']);
    const keys = (await t.db.handle.db.selectFrom('alerts').select('dedup_key').execute()).map((r) => r.dedup_key).sort();
    expect(keys).toEqual(['before', 'during-0']);
  }, 90_000);
});
