/**
 * Shared fixtures of the on-call suites: HTTP shorthands, members with their own
 * tokens, a second organization, and PagerDuty-shaped bodies for schedules and
 * escalation policies.
 */
import { expect } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { initOrganization } from '../../src/server/org/org.service.js';
import type { DialectName } from '../../src/server/storage/dialect.js';
import { PG_URL, createTestApp, type TestApp } from '../harness.js';

export type Json = Record<string, any>;

/**
 * createTestApp, with this directory's PostgreSQL suites run one at a time.
 *
 * Why: Kysely's Migrator checks for its kysely_migration tables in EVERY schema
 * (no migrationTableSchema is set in storage/migrate.ts), so while another test
 * schema holds them, migrating a fresh schema skips creating its own and fails
 * with 'relation "kysely_migration_lock" does not exist'. These suites keep one
 * app per suite, which widens that window; a session advisory lock, held until
 * close(), keeps them from overlapping each other. The real fix belongs in
 * migrate.ts (pass the current schema as migrationTableSchema).
 */
export async function onCallApp(dialect: DialectName, opts: Parameters<typeof createTestApp>[1] = {}): Promise<TestApp> {
  if (dialect !== 'postgres') return createTestApp(dialect, opts);
  const lock = new pg.Client({ connectionString: PG_URL });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(7342001)');
    const t = await createTestApp(dialect, opts);
    return { ...t, close: async () => t.close().finally(() => lock.end()) };
  } catch (err) {
    await lock.end();
    throw err;
  }
}

export async function req(t: TestApp, method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = t.auth): Promise<LightMyRequestResponse> {
  return t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }) });
}

/** The JSON body of a response that must have this status. */
export async function ok(r: Promise<LightMyRequestResponse> | LightMyRequestResponse, status = 200): Promise<Json> {
  const res = await r;
  expect(res.statusCode, res.body).toBe(status);
  return res.body ? (res.json() as Json) : {};
}

/** The error messages of a response that must be a 400. */
export async function bad(r: Promise<LightMyRequestResponse> | LightMyRequestResponse, status = 400): Promise<string[]> {
  const res = await r;
  expect(res.statusCode, res.body).toBe(status);
  return (res.json() as Json).error.errors as string[];
}

let seq = 0;

/** A member with the given role and an API token of their own. */
export async function member(t: TestApp, name: string, role: 'admin' | 'responder' | 'observer' = 'responder', headers = t.auth) {
  seq++;
  const u = await ok(req(t, 'POST', '/api/v1/users', { user: { name, email: `${name.toLowerCase().replace(/\W+/g, '.')}.${seq}@harbor.example`, role } }, headers), 201);
  const tk = await ok(req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: `${name} token`, user: { id: u.user.id } } }, headers), 201);
  return { id: u.user.id as string, name, auth: { authorization: `Bearer ${tk.api_token.token as string}` } };
}

/** A second organization on the same database, with its owner's token. */
export async function secondOrg(t: TestApp) {
  seq++;
  const org = await initOrganization(t.db.handle.db, t.clock, { orgName: 'Riverside Food Bank', email: `owner${seq}@riverside.example`, userName: 'Rita Owner' });
  return { org, userId: org.user.id, auth: { authorization: `Bearer ${org.token}` } };
}

export interface LayerSpec {
  name?: string;
  start: string;
  end?: string | null;
  rotation_virtual_start?: string;
  rotation_turn_length_seconds?: number;
  rotation_turn_length?: { unit: string; count: number };
  users: string[];
  restrictions?: Json[];
}

export const layer = (l: LayerSpec) => ({ ...l, users: l.users.map((id) => ({ user: { id, type: 'user_reference' } })) });

export const scheduleBody = (name: string, timeZone: string, layers: LayerSpec[], extra: Json = {}) => ({
  schedule: { type: 'schedule', name, time_zone: timeZone, description: `${name} rotation`, schedule_layers: layers.map(layer), ...extra },
});

export async function createSchedule(t: TestApp, name: string, timeZone: string, layers: LayerSpec[]): Promise<Json> {
  return (await ok(req(t, 'POST', '/api/v1/schedules', scheduleBody(name, timeZone, layers)), 201)).schedule;
}

export const policyBody = (name: string, rules: { delay?: number; targets: { id: string; type: string }[] }[], numLoops = 0) => ({
  escalation_policy: { type: 'escalation_policy', name, num_loops: numLoops, escalation_rules: rules.map((r) => ({ escalation_delay_in_minutes: r.delay ?? 30, targets: r.targets })) },
});

export async function createPolicy(t: TestApp, name: string, rules: { delay?: number; targets: { id: string; type: string }[] }[], numLoops = 0): Promise<Json> {
  return (await ok(req(t, 'POST', '/api/v1/escalation_policies', policyBody(name, rules, numLoops)), 201)).escalation_policy;
}

export const userTarget = (id: string) => ({ id, type: 'user_reference' });
export const scheduleTarget = (id: string) => ({ id, type: 'schedule_reference' });

/** API entries → comparable tuples. */
export const entries = (list: Json[]) => list.map((e) => ({ start: Date.parse(e.start), end: Date.parse(e.end), userId: (e.user?.id as string | undefined) ?? null }));
