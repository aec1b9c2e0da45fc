/**
 * More engine fixtures (alongside fixtures.ts): a webhook receiver whose answers are
 * scripted (hang, drop the connection, any status and headers), a local server that
 * speaks Twilio's REST shape, row builders that need only a database handle (for
 * child processes and several engines on one database), and readers of the rows the
 * engine leaves behind.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { DialectName } from '../../src/server/storage/dialect.js';
import { createTestApp, createTestDb, type TestDb } from '../harness.js';
import { newId } from '../../src/server/lib/ids.js';
import type { Clock } from '../../src/server/lib/clock.js';
import { insertUser } from '../../src/server/org/org.store.js';
import { insertContactMethod, insertNotificationRule } from '../../src/server/notify/contact.store.js';
import { insertPolicy } from '../../src/server/escalation/policy.store.js';
import type { EscalationRule } from '../../src/server/escalation/policy.js';
import type { ContactMethodType, Database, NotificationTable, Role } from '../../src/server/storage/schema.js';

// ---- databases that do not trip over each other ----------------------------------------------

/**
 * The harness's createTestDb, made safe for PostgreSQL test files that run in
 * parallel, in BOTH directions.
 *
 * The bug (reported; test/api/helpers.ts works around half of it): Kysely's Migrator,
 * created without `migrationTableSchema`, looks for `kysely_migration` and
 * `kysely_migration_lock` in EVERY schema of the database. A fresh schema that
 * migrates while any other schema holds them skips creating its own and fails with
 * 'relation "kysely_migration_lock" does not exist'. So (1) our own migration must
 * not be fooled by other schemas, and (2) our schema must never show those two
 * tables to the harness's createTestDb running in another file (scenarios.test.ts).
 *
 * Hence: the schema is created, migrated by the real migrateToLatest and its two
 * bookkeeping tables renamed away, all in ONE PostgreSQL transaction (DDL is
 * transactional there), so nobody else ever sees them. The Migrator's own
 * connection()/transaction() calls are folded into that transaction. A child
 * process that must run migrateToLatest itself (`vigil serve`) gets them back
 * with `showMigrationTables()` for as long as it starts up.
 */
export interface IsolatedDb extends TestDb {
  schema: string | null;
  /** PostgreSQL: put the migration bookkeeping back under Kysely's names (for a child process's startup). */
  showMigrationTables(): Promise<void>;
  /** PostgreSQL: hide it again once the child has migrated (no-op when already hidden). */
  hideMigrationTables(): Promise<void>;
}

/**
 * A fresh database per test: the harness's own. (The migration bookkeeping is pinned
 * to each PostgreSQL schema by migrate.ts, so other schemas' copies cannot interfere;
 * show/hideMigrationTables are kept as no-ops for the suites that call them.)
 */
export async function createIsolatedDb(dialect: DialectName, _poolSize = 12): Promise<IsolatedDb> {
  const db = await createTestDb(dialect);
  return { ...db, schema: null, showMigrationTables: async () => {}, hideMigrationTables: async () => {} };
}

/** Kept for the suites that import it: the harness's createTestApp. */
export const createIsolatedApp = createTestApp;

// ---- a receiver that misbehaves on cue ------------------------------------------------------

/** What the receiver does with one request: hang (never answer), destroy the socket, or answer. */
export type Behaviour = 'hang' | 'destroy' | number | { status: number; headers?: Record<string, string>; body?: string };

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
  /** Wall-clock arrival (Date.now()), for ordering only. */
  arrivedAt: number;
  behaviour: Behaviour;
}

export interface ScriptedReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Behaviours for the next requests, in order; the last one repeats for ever. */
  script(...behaviours: Behaviour[]): void;
  /** Resolves once at least `n` requests have arrived; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startScriptedReceiver(initial: Behaviour[] = [200]): Promise<ScriptedReceiver> {
  const requests: ReceivedRequest[] = [];
  let queue: Behaviour[] = [...initial];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const behaviour = (queue.length > 1 ? queue.shift() : queue[0]) ?? 200;
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {}
      requests.push({ headers: req.headers, body, json, arrivedAt: Date.now(), behaviour });
      for (const w of [...waiters]) if (requests.length >= w.n) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
      if (behaviour === 'hang') return;
      if (behaviour === 'destroy') return void req.socket.destroy();
      const { status, headers, body: replyBody } = typeof behaviour === 'number' ? { status: behaviour, headers: {}, body: '{}' } : { headers: {}, body: '{}', ...behaviour };
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(replyBody);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    script(...b) {
      queue = b.length ? b : [200];
    },
    waitFor(n, timeoutMs = 10_000) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver: ${requests.length} of ${n} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () =>
      new Promise<void>((r) => {
        // A hung request keeps its socket open; close() alone would wait for it.
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---- a Twilio-shaped SMS provider -----------------------------------------------------------

export interface FakeTwilio {
  url: string;
  messages: { to: string; from: string; body: string; sid: string; statusCallback: string | null }[];
  /** Calls placed through Calls.json. */
  calls: { to: string; from: string; twiml: string; sid: string }[];
  close(): Promise<void>;
}

/**
 * Answers `POST /2010-04-01/Accounts/{sid}/Messages.json` as Twilio does: 201 with a
 * JSON message resource when the Basic credentials match, 401 with Twilio's error
 * shape when they do not.
 */
export async function startFakeTwilio(accountSid: string, authToken: string): Promise<FakeTwilio> {
  const messages: FakeTwilio['messages'] = [];
  const calls: FakeTwilio['calls'] = [];
  const expectedAuth = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== expectedAuth) {
        res.writeHead(401);
        return res.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
      }
      if (req.method === 'POST' && req.url === `/2010-04-01/Accounts/${accountSid}/Calls.json`) {
        // A call: To, From and the TwiML to play (Twilio's Calls resource).
        if (!form.get('To') || !form.get('From') || !(form.get('Twiml') || form.get('Url'))) {
          res.writeHead(400);
          return res.end(JSON.stringify({ code: 21201, message: 'No called number is specified', status: 400 }));
        }
        const sid = `CA${newId().toLowerCase()}`;
        calls.push({ to: form.get('To')!, from: form.get('From')!, twiml: form.get('Twiml') ?? '', sid });
        res.writeHead(201);
        return res.end(JSON.stringify({ sid, status: 'queued', to: form.get('To'), from: form.get('From'), account_sid: accountSid }));
      }
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
        res.writeHead(404);
        return res.end(JSON.stringify({ code: 20404, message: 'The requested resource was not found', status: 404 }));
      }
      const sid = `SM${newId().toLowerCase()}`;
      const m = { to: form.get('To') ?? '', from: form.get('From') ?? '', body: form.get('Body') ?? '', sid, statusCallback: form.get('StatusCallback') };
      messages.push(m);
      res.writeHead(201);
      res.end(JSON.stringify({ sid, status: 'queued', to: m.to, from: m.from, body: m.body, account_sid: accountSid }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, messages, calls, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

// ---- rows, given only a database -------------------------------------------------------------

export interface Seed {
  db: Kysely<Database>;
  orgId: string;
  clock: Clock;
}

export async function seedUser(s: Seed, name: string, role: Role = 'responder', deleted = false): Promise<string> {
  const id = newId(s.clock.now());
  await insertUser(s.db, { org_id: s.orgId, id, name, email: `${name.toLowerCase().replace(/\W+/g, '.')}.${id.slice(-6).toLowerCase()}@harbor.example`, role, time_zone: 'UTC', created_at: s.clock.now(), deleted_at: deleted ? s.clock.now() : null });
  return id;
}

export async function seedContact(s: Seed, userId: string, type: ContactMethodType, address: string, verified = true, secret: string | null = null): Promise<string> {
  const id = newId(s.clock.now());
  await insertContactMethod(s.db, {
    org_id: s.orgId,
    id,
    user_id: userId,
    type,
    address,
    label: type,
    verified_at: verified ? s.clock.now() : null,
    verification_code_hash: null,
    verification_expires_at: null,
    verification_attempts: 0,
    secret,
    created_at: s.clock.now(),
    deleted_at: null,
  });
  return id;
}

export async function seedRule(s: Seed, userId: string, contactMethodId: string, delayMinutes: number, urgency: 'high' | 'low' = 'high'): Promise<void> {
  await insertNotificationRule(s.db, { org_id: s.orgId, id: newId(s.clock.now()), user_id: userId, contact_method_id: contactMethodId, start_delay_in_minutes: delayMinutes, urgency, created_at: s.clock.now() });
}

export async function seedPolicy(s: Seed, levels: { delay: number; targets: { id: string; type: 'user_reference' | 'schedule_reference' }[] }[], numLoops = 0, name = 'Chat on-call'): Promise<string> {
  const id = newId(s.clock.now());
  const rules: EscalationRule[] = levels.map((l) => ({ id: newId(s.clock.now()), escalation_delay_in_minutes: l.delay, targets: l.targets }));
  await insertPolicy(s.db, { org_id: s.orgId, id, name, description: null, num_loops: numLoops, rules, created_at: s.clock.now(), updated_at: s.clock.now(), deleted_at: null });
  return id;
}

// ---- reading what the engine did --------------------------------------------------------------

export async function notificationsOf(db: Kysely<Database>, incidentId: string): Promise<NotificationTable[]> {
  const rows = await db.selectFrom('notifications').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
  return rows.map((r) => ({
    ...r,
    attempts: Number(r.attempts),
    next_attempt_at: Number(r.next_attempt_at),
    claimed_until: r.claimed_until === null ? null : Number(r.claimed_until),
    created_at: Number(r.created_at),
    sent_at: r.sent_at === null ? null : Number(r.sent_at),
  }));
}

/** The incident's timeline, oldest first, straight from the rows. */
export async function timelineOf(db: Kysely<Database>, incidentId: string): Promise<{ type: string; summary: string; created_at: number; channel: any; agent: any }[]> {
  const rows = await db.selectFrom('log_entries').select(['type', 'summary', 'created_at', 'channel', 'agent']).where('incident_id', '=', incidentId).orderBy('id').execute();
  return rows.map((r) => ({ type: r.type, summary: r.summary, created_at: Number(r.created_at), channel: r.channel ? JSON.parse(r.channel) : null, agent: r.agent ? JSON.parse(r.agent) : null }));
}

export async function incidentByNumber(db: Kysely<Database>, orgId: string, n: number) {
  return db.selectFrom('incidents').selectAll().where('org_id', '=', orgId).where('number', '=', n).executeTakeFirstOrThrow();
}

export const quietLog = { error: () => {}, warn: () => {}, info: () => {} };

/** Poll `check` until it returns a truthy value, or fail after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
