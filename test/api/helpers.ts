/**
 * Small helpers shared by the API suites: HTTP shorthands over inject(), row-count
 * snapshots (to prove a rejected request changed nothing), users of each role with
 * their own tokens, and a second organization on the same database.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import pg from 'pg';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { loadConfig, type Config } from '../../src/server/config/config.js';
import { systemClock, type Clock } from '../../src/server/lib/clock.js';
import { makeDeps } from '../../src/server/main.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { openDatabase, type DialectName } from '../../src/server/storage/dialect.js';
import { migrateToLatest } from '../../src/server/storage/migrate.js';
import { PG_URL, countRows, createTestDb, type TestApp, type TestDb } from '../harness.js';

/**
 * WORKAROUND for a migration bug (reported): Kysely's Migrator is created without
 * `migrationTableSchema`, and on PostgreSQL it decides whether its bookkeeping
 * tables exist by introspecting EVERY schema. When any other schema of the database
 * already holds `kysely_migration_lock` (another test file's schema running in
 * parallel, or another application), a fresh schema skips creating them and the
 * migration fails with 'relation "kysely_migration_lock" does not exist'. Here the
 * bookkeeping tables are created in the new schema first (Kysely's own DDL), then the
 * real migrateToLatest runs unchanged. SQLite goes straight to the harness.
 */
export async function createIsolatedDb(dialect: DialectName): Promise<TestDb> {
  if (dialect === 'sqlite') return createTestDb(dialect);
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.kysely_migration (name varchar(255) NOT NULL PRIMARY KEY, timestamp varchar(255) NOT NULL)`);
    await admin.query(`CREATE TABLE ${schema}.kysely_migration_lock (id varchar(255) NOT NULL PRIMARY KEY, is_locked integer NOT NULL DEFAULT 0)`);
    await admin.query(`INSERT INTO ${schema}.kysely_migration_lock (id, is_locked) VALUES ('migration_lock', 0)`);
  } finally {
    await admin.end();
  }
  const dropSchema = async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  };
  const handle = openDatabase({ postgresUrl: PG_URL, pgSchema: schema, poolSize: 12 });
  try {
    await migrateToLatest(handle);
  } catch (err) {
    await handle.close().catch(() => {});
    await dropSchema().catch(() => {});
    throw err;
  }
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    handle,
    dialect,
    env: { DATABASE_URL: url.toString() },
    async drop() {
      await handle.close().catch(() => {});
      await dropSchema();
    },
  };
}

/** The harness's createTestApp, over createIsolatedDb (same TestApp shape). */
export async function createApp(dialect: DialectName, opts: { clock?: Clock; config?: Partial<Config> } = {}): Promise<TestApp> {
  const db = await createIsolatedDb(dialect);
  try {
    const clock = opts.clock ?? systemClock;
    const config = loadConfig({ PORT: '0', VIGIL_PUBLIC_URL: 'http://vigil.test' }, opts.config ?? {});
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
  } catch (err) {
    await db.drop().catch(() => {});
    throw err;
  }
}

export type Json = Record<string, any>;

export async function req(t: TestApp, method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = t.auth): Promise<LightMyRequestResponse> {
  return t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }) });
}

export const enqueue = (t: TestApp, body: unknown, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url: '/v2/enqueue', headers, payload: body as InjectOptions['payload'] });
export const changeEnqueue = (t: TestApp, body: unknown, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url: '/v2/change/enqueue', headers, payload: body as InjectOptions['payload'] });

export const TABLES = ['alerts', 'incidents', 'log_entries', 'change_events'] as const;
export type Counts = Record<(typeof TABLES)[number], number>;

export async function counts(t: TestApp): Promise<Counts> {
  const out = {} as Counts;
  for (const table of TABLES) out[table] = await countRows(t, table);
  return out;
}

/** JSON on the wire: the content type says so and the body parses. */
export function jsonOf(r: LightMyRequestResponse): Json {
  expect(String(r.headers['content-type'] ?? '')).toMatch(/^application\/json/);
  return JSON.parse(r.body) as Json;
}

/** An incident by id or number, through the API. */
export async function incident(t: TestApp, idOrNumber: string | number, headers = t.auth): Promise<Json> {
  const r = await req(t, 'GET', `/api/v1/incidents/${idOrNumber}`, undefined, headers);
  expect(r.statusCode, r.body).toBe(200);
  return r.json().incident;
}

export async function incidentsOf(t: TestApp, serviceId: string): Promise<Json[]> {
  const r = await req(t, 'GET', `/api/v1/incidents?service_ids[]=${serviceId}&limit=100`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json().incidents;
}

export async function alertsOf(t: TestApp, incidentId: string): Promise<Json[]> {
  const r = await req(t, 'GET', `/api/v1/incidents/${incidentId}/alerts?limit=100`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json().alerts;
}

export async function logOf(t: TestApp, incidentId: string): Promise<Json[]> {
  const r = await req(t, 'GET', `/api/v1/incidents/${incidentId}/log_entries?limit=100`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json().log_entries;
}

let seq = 0;
/** A member with the given role and an API token of their own, created by the owner through the API. */
export async function member(t: TestApp, role: 'owner' | 'admin' | 'responder' | 'volunteer' | 'observer', headers = t.auth) {
  seq++;
  const u = await req(t, 'POST', '/api/v1/users', { user: { name: `${role} ${seq}`, email: `${role}.${seq}.${Date.now()}@harbor.example`, role } }, headers);
  expect(u.statusCode, u.body).toBe(201);
  const user = u.json().user as Json;
  const tk = await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: `${role} token`, user: { id: user.id } } }, headers);
  expect(tk.statusCode, tk.body).toBe(201);
  const token = tk.json().api_token.token as string;
  return { user, token, auth: { authorization: `Bearer ${token}` } };
}

/** A second organization on the same database, with its owner's token. */
export async function secondOrg(t: TestApp, name = 'Riverside Food Bank') {
  seq++;
  const org = await initOrganization(t.db.handle.db, t.clock, { orgName: name, email: `owner${seq}@riverside.example`, userName: 'Rita Owner' });
  return { org, token: org.token, auth: { authorization: `Bearer ${org.token}` } };
}

/** 32 lowercase alphanumerics that no integration was ever given. */
export function neverIssuedKey(): string {
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += abc[Math.floor(Math.random() * abc.length)];
  return s;
}
