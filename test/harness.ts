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

/**
 * Migrating a new database is most of what opening one costs: ~100 ms on SQLite and ~1 s
 * of PostgreSQL's time (83 tables and their indexes), and nearly every test opens one. So
 * each worker migrates once and reuses the result:
 * - SQLite: a migrated template file, copied for each test.
 * - PostgreSQL: a dropped test schema that still has the migrated shape is emptied (DELETE
 *   from every table but Kysely's own; there are no foreign keys or sequences) and parked
 *   under a spare name; the next test renames it to a fresh name, so a connection left
 *   behind by the previous test cannot reach it. A schema whose shape changed (a test that
 *   altered a table) is dropped as before. Spares left by workers that have exited are
 *   dropped when a worker starts.
 * A test that migrates only so far (`upTo`) always gets a new database.
 */
let sqliteTemplate: string | null = null;

async function sqliteTemplateFile(): Promise<string> {
  if (sqliteTemplate && fs.existsSync(sqliteTemplate)) return sqliteTemplate;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-template-'));
  const file = path.join(dir, 'vigil.db');
  const handle = openDatabase({ sqliteFile: file });
  await migrateToLatest(handle);
  await handle.close(); // the last connection checkpoints the WAL into the file
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return (sqliteTemplate = file);
}

const SPARE_PREFIX = 'spare_';
const MAX_SPARES = 4;
const pgSpares: string[] = [];
/** The shape of a freshly migrated schema in this worker: tables, columns, types, defaults, indexes, constraints. */
let pgShape: string | null = null;

async function withPg<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

async function shapeOf(c: pg.Client, schema: string): Promise<string> {
  const r = await c.query<{ shape: string }>(
    `SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) AS shape FROM (
       SELECT c.relkind::text || ':' || c.relname::text || '.' || a.attname::text || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull::text || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS x
         FROM pg_class c
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE c.relnamespace = $1::text::regnamespace
       UNION ALL
       SELECT 'constraint:' || conname::text || ':' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = $1::text::regnamespace
       UNION ALL
       SELECT 'index:' || indexname::text || ':' || replace(indexdef, schemaname::text || '.', '') FROM pg_indexes WHERE schemaname = $1::text
     ) s`,
    [schema],
  );
  return r.rows[0]!.shape;
}

/** Spares parked by workers that are gone (this run's or an earlier one's). */
async function dropOrphanSpares(): Promise<void> {
  await withPg(async (c) => {
    const r = await c.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE '${SPARE_PREFIX}%'`);
    for (const { nspname } of r.rows) {
      const pid = Number(nspname.slice(SPARE_PREFIX.length).split('_')[0]);
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        // no such process: its spares are orphans
      }
      if (!alive) await c.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`).catch(() => {});
    }
  });
}
if (pgUp) await dropOrphanSpares().catch(() => {});

/** `upTo`: migrate only so far (a test of a later migration over rows written by the versions before it). */
export async function createTestDb(dialect: DialectName, upTo?: Parameters<typeof migrateTo>[1]): Promise<TestDb> {
  const migrate = (h: DbHandle) => (upTo ? migrateTo(h, upTo) : migrateToLatest(h));
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-'));
    const file = path.join(dir, 'vigil.db');
    if (!upTo) fs.copyFileSync(await sqliteTemplateFile(), file);
    const handle = openDatabase({ sqliteFile: file });
    if (upTo) await migrate(handle);
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
  const spare = upTo ? undefined : pgSpares.pop();
  await withPg((c) => c.query(spare ? `ALTER SCHEMA ${spare} RENAME TO ${schema}` : `CREATE SCHEMA ${schema}`));
  const handle = openDatabase({ postgresUrl: PG_URL, pgSchema: schema, poolSize: 12 });
  if (!spare) {
    try {
      await migrate(handle);
      if (!upTo && pgShape === null) pgShape = await withPg((c) => shapeOf(c, schema));
    } catch (err) {
      // Never leave a half-built schema behind.
      await handle.close().catch(() => {});
      await withPg((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      throw err;
    }
  }
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    handle,
    dialect,
    env: { DATABASE_URL: url.toString(), VIGIL_OUTBOUND_ALLOW: LOCAL_OUTBOUND_ALLOW, VIGIL_SECRET_KEY: TEST_SECRET_KEY },
    async drop() {
      await handle.close().catch(() => {});
      await withPg(async (c) => {
        if (!upTo && pgSpares.length < MAX_SPARES && pgShape !== null && (await shapeOf(c, schema)) === pgShape) {
          const tables = await c.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename NOT LIKE 'kysely\\_%'`, [schema]);
          const parked = `${SPARE_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
          await c.query(`BEGIN; ${tables.rows.map((t) => `DELETE FROM ${schema}."${t.tablename}";`).join(' ')} ALTER SCHEMA ${schema} RENAME TO ${parked}; COMMIT;`);
          pgSpares.push(parked);
        } else {
          await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        }
      });
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
  // VIGIL_INGEST_WRITER=thread runs the suite's ingest on the writer thread (ingest/writer-thread.ts; its entry is the built dist/).
  const config = loadConfig({ PORT: '0', VIGIL_PUBLIC_URL: 'http://vigil.test', VIGIL_OUTBOUND_ALLOW: LOCAL_OUTBOUND_ALLOW, VIGIL_METRICS_TOKEN: METRICS_TOKEN, VIGIL_PASSWORD_COST: TEST_PASSWORD_COST, VIGIL_INGEST_WRITER: process.env.VIGIL_INGEST_WRITER ?? '' }, opts.config ?? {});
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
