/**
 * Small helpers shared by the API suites: HTTP shorthands over inject(), row-count
 * snapshots (to prove a rejected request changed nothing), users of each role with
 * their own tokens, and a second organization on the same database.
 */
import { expect } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { initOrganization } from '../../src/server/org/org.service.js';
import { countRows, type TestApp } from '../harness.js';

/** The harness's fresh database and app per test (kept under these names for the suites that use them). */
export { createTestDb as createIsolatedDb, createTestApp as createApp } from '../harness.js';

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
