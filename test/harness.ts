/**
 * Test harness: one fresh database per test (a SQLite file in a temp dir, or a
 * PostgreSQL schema of its own), migrated, with an organization, its owner and a
 * token. The same suites run on every dialect in DIALECTS. PostgreSQL comes from
 * DATABASE_URL or 127.0.0.1:5432/test; if it is unreachable outside CI, its suites
 * are skipped with a loud warning; in CI (CI=true) that is a failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../src/server/app.js';
import { loadConfig, type Config } from '../src/server/config/config.js';
import { ManualClock, systemClock, type Clock } from '../src/server/lib/clock.js';
import { makeDeps } from '../src/server/main.js';
import { initOrganization, type InitResult } from '../src/server/org/org.service.js';
import { openDatabase, type DbHandle, type DialectName } from '../src/server/storage/dialect.js';
import { migrateTo, migrateToLatest } from '../src/server/storage/migrate.js';
import type { App, AppDeps } from '../src/server/http/deps.js';
import { LOCAL_OUTBOUND_ALLOW, TEST_SECRET_KEY } from './outbound-allow.js';
import { Keyring, installKeyring, parseKeys } from '../src/server/lib/secret-box.js';

installKeyring(new Keyring(parseKeys(TEST_SECRET_KEY)));

export const PG_URL = process.env.DATABASE_URL && process.env.DATABASE_URL.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

const pgUp = await postgresReachable();
if (!pgUp) {
  if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${PG_URL}; CI must run the PostgreSQL suites`);
  console.warn(`\n\n!!! PostgreSQL unreachable at ${PG_URL}: PostgreSQL suites are SKIPPED. Start it to run them. !!!\n\n`);
}

export const DIALECTS: DialectName[] = pgUp ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDb {
  handle: DbHandle;
  dialect: DialectName;
  /** For child processes: the environment that points a `vigil` process at this database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** `upTo`: migrate only so far (a test of a later migration over rows written before it). */
export async function createTestDb(dialect: DialectName, upTo?: Parameters<typeof migrateTo>[1]): Promise<TestDb> {
  const migrate = (h: DbHandle) => (upTo ? migrateTo(h, upTo) : migrateToLatest(h));
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-'));
    const handle = openDatabase({ sqliteFile: path.join(dir, 'vigil.db') });
    await migrate(handle);
    return {
      handle,
      dialect,
      env: { VIGIL_DATA_DIR: dir, VIGIL_OUTBOUND_ALLOW: LOCAL_OUTBOUND_ALLOW, VIGIL_SECRET_KEY: TEST_SECRET_KEY },
      async drop() {
        await handle.close().catch(() => {});
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const handle = openDatabase({ postgresUrl: PG_URL, pgSchema: schema, poolSize: 12 });
  try {
    await migrate(handle);
  } catch (err) {
    // Never leave a half-built schema behind.
    await handle.close().catch(() => {});
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
    throw err;
  }
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    handle,
    dialect,
    env: { DATABASE_URL: url.toString(), VIGIL_OUTBOUND_ALLOW: LOCAL_OUTBOUND_ALLOW, VIGIL_SECRET_KEY: TEST_SECRET_KEY },
    async drop() {
      await handle.close().catch(() => {});
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

/** /metrics needs the operator's bearer token (VIGIL_METRICS_TOKEN); test apps set this one. */
export const METRICS_TOKEN = 'test-metrics-token-0123456789';
export const METRICS_AUTH = { authorization: `Bearer ${METRICS_TOKEN}` };

export interface TestApp {
  app: App;
  deps: AppDeps;
  db: TestDb;
  org: InitResult;
  token: string;
  clock: Clock;
  /** Authorization header for the owner. */
  auth: { authorization: string };
  close(): Promise<void>;
}

/**
 * scrypt at its lowest allowed cost (N = 2^12): the throttling and session tests sign in
 * hundreds of times, and what they check does not depend on the hash's work factor.
 * test/web/session.test.ts checks hashing at the production default.
 */
const TEST_PASSWORD_COST = '12';

export async function createTestApp(dialect: DialectName, opts: { clock?: Clock; config?: Partial<Config> } = {}): Promise<TestApp> {
  const db = await createTestDb(dialect);
  const clock = opts.clock ?? systemClock;
  const config = loadConfig({ PORT: '0', VIGIL_PUBLIC_URL: 'http://vigil.test', VIGIL_OUTBOUND_ALLOW: LOCAL_OUTBOUND_ALLOW, VIGIL_METRICS_TOKEN: METRICS_TOKEN, VIGIL_PASSWORD_COST: TEST_PASSWORD_COST }, opts.config ?? {});
  const deps = makeDeps(db.handle, config, clock);
  const app = await buildApp(deps, { logger: false });
  const org = await initOrganization(db.handle.db, clock, { orgName: 'Harbor Crisis Line', email: 'owner@harbor.example', userName: 'Olive Owner' });
  return {
    app,
    deps,
    db,
    org,
    token: org.token,
    clock,
    auth: { authorization: `Bearer ${org.token}` },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

export const manualClock = (iso = '2026-03-02T09:00:00Z') => new ManualClock(Date.parse(iso));

/** PagerDuty's alert grouping that puts every alert of a service into its open incident until it resolves. */
export const GROUP_UNTIL_RESOLVED = { alert_grouping_parameters: { type: 'time', config: { timeout: 0 } } } as const;

/** Create a service (with `fields`, e.g. GROUP_UNTIL_RESOLVED) and an integration through the API; returns ids and the routing key. */
export async function serviceWithKey(t: TestApp, type: 'events_v2' | 'alertmanager' | 'opsgenie' | 'heartbeat' = 'events_v2', name = 'Crisis chat', headers = t.auth, fields: Record<string, unknown> = {}) {
  const s = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers, payload: { service: { name, ...fields } } });
  if (s.statusCode !== 201) throw new Error(`service create ${s.statusCode} ${s.body}`);
  const serviceId = s.json().service.id as string;
  const i = await t.app.inject({ method: 'POST', url: `/api/v1/services/${serviceId}/integrations`, headers, payload: { integration: { type } } });
  if (i.statusCode !== 201) throw new Error(`integration create ${i.statusCode} ${i.body}`);
  return { serviceId, integrationId: i.json().integration.id as string, key: i.json().integration.integration_key as string };
}

export function trigger(key: string, extra: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) {
  return { routing_key: key, event_action: 'trigger', payload: { summary: 'Chat queue not answering', source: 'chat-gw-1', severity: 'critical', ...payload }, ...extra };
}

/** Count rows of a table for the test's organization-independent checks. */
export async function countRows(t: { db: TestDb } | TestDb, table: 'alerts' | 'incidents' | 'log_entries' | 'change_events' | 'services' | 'integrations' | 'users' | 'api_tokens'): Promise<number> {
  const handle = 'handle' in t ? t.handle : t.db.handle;
  const r = await handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
