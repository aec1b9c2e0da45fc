/**
 * Issue 18, outgrowing one machine: `vigil copy` moves every organization's rows from the
 * SQLite file into an empty database. The source is seeded through the real server (REST,
 * ingest, the engine paging through a real webhook receiver); the copy lands in a fresh
 * PostgreSQL schema (and, on the other dialect, a fresh SQLite file), is verified table by
 * table, and a server started on the copy answers the same as the original. A non-empty
 * target is refused; a copy killed part-way (SIGKILL of the real CLI, or a failure
 * injected after a batch committed) finishes on a rerun with the same result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { DIALECTS, PG_URL, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { enqueue, req } from '../api/helpers.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, realChannels, startReceiver, type Receiver } from '../engine/fixtures.js';
import { advanceSequences, openDatabase, tableLayouts, type DbHandle, type DialectName } from '../../src/server/storage/dialect.js';
import { copyDatabase, dependencyOrder, PROGRESS_TABLE, type CopyReport } from '../../src/server/storage/copy.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { buildApp } from '../../src/server/app.js';
import { makeDeps } from '../../src/server/main.js';
import { loadConfig } from '../../src/server/config/config.js';
import { LOCAL_OUTBOUND_ALLOW } from '../outbound-allow.js';
import type { ManualClock } from '../../src/server/lib/clock.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(repoRoot, 'dist/cli/main.js');

/**
 * Per table: row count and a SHA-256 over its rows sorted as JSON (as in backup.test.ts),
 * independent of the copy's own checksum. Kysely's bookkeeping (when each migration ran)
 * differs between two databases by nature and is left out.
 */
async function digests(db: Kysely<any>): Promise<Record<string, { rows: number; sha256: string }>> {
  const out: Record<string, { rows: number; sha256: string }> = {};
  const tables = (await db.introspection.getTables()).map((t) => t.name).filter((t) => !t.startsWith('kysely_')).sort();
  for (const t of tables) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(t)}`.execute(db)).rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))));
    rows.sort();
    out[t] = { rows: rows.length, sha256: createHash('sha256').update(rows.join('\n')).digest('hex') };
  }
  return out;
}

interface Target {
  handle: DbHandle;
  /** For `vigil copy --to` (PostgreSQL only). */
  url: string | null;
  drop(): Promise<void>;
}

/** A new, empty database that nothing has migrated: a PostgreSQL schema of its own, or a SQLite file. */
async function emptyTarget(dialect: DialectName): Promise<Target> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-copy-'));
    const handle = openDatabase({ sqliteFile: path.join(dir, 'vigil.db') });
    return { handle, url: null, drop: async () => { await handle.close().catch(() => {}); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  const schema = `copy_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const handle = openDatabase({ postgresUrl: url.toString() });
  return {
    handle,
    url: url.toString(),
    drop: async () => {
      await handle.close().catch(() => {});
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

interface Seeded {
  incidentId: string;
  userId: string;
  incidents: number;
}

/**
 * A realistic spread through the real server: two organizations, people with contact
 * methods and rules, a schedule, a policy, services with integrations, incidents with
 * alerts, pages sent by the engine to a real webhook receiver (outbox rows, fired steps),
 * an acknowledgement, a note, a resolve, change events.
 */
async function seed(t: TestApp, clock: ManualClock, hook: Receiver): Promise<Seeded> {
  const ada = await addUser(t, 'Ada');
  const bo = await addUser(t, 'Bo');
  await addRule(t, ada, await addContact(t, ada, 'webhook', hook.url, true, 'ada-secret'), 0);
  await addRule(t, bo, await addContact(t, bo, 'email', 'bo@harbor.example'), 0);
  const start = '2026-03-02T00:00:00Z';
  const sch = await req(t, 'POST', '/api/v1/schedules', { schedule: { name: 'Evenings', time_zone: 'Europe/Berlin', schedule_layers: [{ name: 'Evenings', start, rotation_virtual_start: start, rotation_turn_length_seconds: 86400, users: [{ user: { id: ada, type: 'user_reference' } }, { user: { id: bo, type: 'user_reference' } }] }] } });
  expect(sch.statusCode, sch.body).toBe(201);
  const policy = await addPolicy(t, [{ delay: 5, targets: [{ id: ada, type: 'user_reference' }] }, { delay: 5, targets: [{ id: sch.json().schedule.id, type: 'schedule_reference' }] }], 1);
  const chat = await serviceWithKey(t, 'events_v2', 'Crisis chat');
  const sms = await serviceWithKey(t, 'events_v2', 'SMS line');
  await attachPolicy(t, chat.serviceId, policy);
  await attachPolicy(t, sms.serviceId, policy);
  const engine = engineFor(t, realChannels(null));
  for (let i = 0; i < 12; i++) {
    const r = await enqueue(t, trigger(i % 3 === 0 ? sms.key : chat.key, { dedup_key: `outage-${i}` }, { summary: `Queue stalled ${i}`, custom_details: { queue: i, ratio: i / 7, ok: i % 2 === 0 } }));
    expect(r.statusCode, r.body).toBe(202);
    clock.advance(1_000);
  }
  await engine.runUntilIdle(clock.now());
  clock.advanceMinutes(6);
  await engine.runUntilIdle(clock.now());
  const list = await req(t, 'GET', '/api/v1/incidents?limit=100');
  const incidents = list.json().incidents as { id: string }[];
  expect(incidents.length).toBeGreaterThan(1);
  const [first, second] = incidents;
  expect((await req(t, 'POST', `/api/v1/incidents/${first!.id}/notes`, { note: { content: 'Counsellors moved to phones' } })).statusCode).toBe(200);
  expect((await req(t, 'PUT', `/api/v1/incidents/${first!.id}`, { incident: { type: 'incident_reference', status: 'acknowledged' } })).statusCode).toBe(200);
  expect((await req(t, 'PUT', `/api/v1/incidents/${second!.id}`, { incident: { type: 'incident_reference', status: 'resolved' } })).statusCode).toBe(200);
  const change = await t.app.inject({ method: 'POST', url: '/v2/change/enqueue', payload: { routing_key: chat.key, payload: { summary: 'Deployed chat gateway 4.2', source: 'ci' } } });
  expect(change.statusCode, change.body).toBe(202);
  await engine.runUntilIdle(clock.now());
  // A second organization with its own service and incident.
  const other = await initOrganization(t.db.handle.db, clock, { orgName: 'Riverside Food Bank', email: 'owner@riverside.example', userName: 'Rita Owner' });
  const otherKey = await serviceWithKey(t, 'events_v2', 'Pantry finder', { authorization: `Bearer ${other.token}` });
  expect((await enqueue(t, trigger(otherKey.key, { dedup_key: 'pantry' }))).statusCode).toBe(202);
  await engine.runUntilIdle(clock.now());
  await t.db.handle.sync();
  return { incidentId: first!.id, userId: ada, incidents: incidents.length };
}

/** A server on `handle` (the same configuration and clock as the source's), answering through inject(). */
async function serverOn(handle: DbHandle, clock: ManualClock) {
  const config = loadConfig({ PORT: '0', VIGIL_PUBLIC_URL: 'http://vigil.test', VIGIL_OUTBOUND_ALLOW: LOCAL_OUTBOUND_ALLOW });
  return buildApp(makeDeps(handle, config, clock), { logger: false });
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, cwd: repoRoot }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('dependencyOrder', () => {
  const t = (name: string, references: string[] = []) => ({ name, columns: ['org_id'], primaryKey: ['org_id'], references });
  it('puts a table after the tables its foreign keys point at, organizations and users first', () => {
    const order = dependencyOrder([t('alerts', ['incidents']), t('incidents', ['services', 'organizations']), t('services'), t('users', ['organizations']), t('organizations'), t('api_tokens', ['users'])]);
    expect(order.map((x) => x.name)).toEqual(['organizations', 'users', 'api_tokens', 'services', 'incidents', 'alerts']);
  });
  it('refuses a cycle', () => {
    expect(() => dependencyOrder([t('a', ['b']), t('b', ['a'])])).toThrow(/cycle among a, b/);
  });
});

describe('vigil copy', () => {
  let source: TestApp;
  let clock: ManualClock;
  let hook: Receiver;
  let seeded: Seeded;
  let original: Awaited<ReturnType<typeof digests>>;
  beforeAll(async () => {
    clock = manualClock('2026-03-02T21:00:00Z');
    source = await createTestApp('sqlite', { clock });
    hook = await startReceiver();
    seeded = await seed(source, clock, hook);
    original = await digests(source.db.handle.db);
  }, 60_000);
  afterAll(async () => {
    await source?.close();
    await hook?.close();
  });

  it('the seed is a realistic spread', () => {
    for (const table of ['organizations', 'users', 'contact_methods', 'notification_rules', 'schedules', 'escalation_policies', 'services', 'integrations', 'incidents', 'alerts', 'log_entries', 'notifications', 'escalation_steps', 'change_events', 'api_tokens', 'priorities']) {
      expect(original[table]?.rows, table).toBeGreaterThan(0);
    }
    expect(original['organizations']!.rows).toBe(2);
    expect(hook.requests.length).toBeGreaterThan(0);
  });

  describe.each(DIALECTS)('into an empty %s database', (dialect) => {
    let target: Target;
    let report: CopyReport;
    afterAll(async () => {
      await target?.drop();
    });

    it('migrates the target, copies every table and verifies each by row count and checksum', async () => {
      target = await emptyTarget(dialect);
      const events: string[] = [];
      report = await copyDatabase(source.db.handle, target.handle, { clock, batchSize: 7, onProgress: (e) => events.push(e.phase) });
      expect(report.ok).toBe(true);
      expect(report.resumed).toBe(false);
      expect(report.migrated).toContain('0001_core');
      expect(report.organizations).toBe(2);
      expect(report.tables.every((r) => r.ok && r.rows === r.target_rows && r.checksum === r.target_checksum)).toBe(true);
      for (const r of report.tables) expect(r.rows, r.table).toBe(original[r.table]!.rows);
      expect(report.rows).toBe(Object.values(original).reduce((s, d) => s + d.rows, 0));
      expect(events.filter((e) => e === 'copy').length).toBeGreaterThan(report.tables.length);
      // An independent check: every row, as JSON, the same on both sides.
      expect(await digests(target.handle.db)).toEqual(original);
      // The bookkeeping is gone once verified.
      expect((await tableLayouts(target.handle.db)).map((t) => t.name)).not.toContain(PROGRESS_TABLE);
    });

    it('a server on the copy serves the same incident and user, and takes new work where the old one left off', async () => {
      const before = await serverOn(source.db.handle, clock);
      const after = await serverOn(target.handle, clock);
      try {
        for (const url of [`/api/v1/incidents/${seeded.incidentId}`, `/api/v1/users/${seeded.userId}`, `/api/v1/incidents/${seeded.incidentId}/log_entries?limit=100`, '/api/v1/incidents?limit=100']) {
          const a = await before.inject({ method: 'GET', url, headers: source.auth });
          const b = await after.inject({ method: 'GET', url, headers: source.auth });
          expect(a.statusCode, a.body).toBe(200);
          expect(b.statusCode, url).toBe(200);
          expect(b.json()).toEqual(a.json());
        }
        // The integration key (stored hashed) and the incident counter came along.
        const key = (await serviceWithKey({ ...source, app: after } as TestApp, 'events_v2', 'New line')).key;
        expect((await after.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'after-the-move' }) })).statusCode).toBe(202);
        const list = await after.inject({ method: 'GET', url: '/api/v1/incidents?limit=100', headers: source.auth });
        const numbers = (list.json().incidents as { incident_number: number }[]).map((i) => i.incident_number);
        expect(Math.max(...numbers)).toBe(seeded.incidents + 1);
      } finally {
        await before.close();
        await after.close();
      }
    });

    it('refuses a target that holds Vigil rows, naming the table, and changes nothing', async () => {
      const held = await digests(target.handle.db);
      await expect(copyDatabase(source.db.handle, target.handle, { clock })).rejects.toThrow(/already holds Vigil rows \(organizations: 2\)/);
      expect(await digests(target.handle.db)).toEqual(held);
    });

    it('a copy that fails part-way resumes on a rerun, and ends with the same rows', async () => {
      const again = await emptyTarget(dialect);
      try {
        let batches = 0;
        const failing = copyDatabase(source.db.handle, again.handle, {
          clock,
          batchSize: 5,
          onProgress: (e) => {
            if (e.phase === 'copy' && e.copied > 0 && ++batches === 6) throw new Error('injected: the machine lost power');
          },
        });
        await expect(failing).rejects.toThrow(/injected/);
        const progress = await again.handle.db.selectFrom(PROGRESS_TABLE as any).selectAll().execute();
        expect(progress.some((p: any) => Number(p.copied_rows) > 0)).toBe(true);
        expect(progress.some((p: any) => !p.done)).toBe(true);
        const resumed = await copyDatabase(source.db.handle, again.handle, { clock, batchSize: 5 });
        expect(resumed.resumed).toBe(true);
        expect(resumed.tables.map((r) => [r.table, r.rows, r.checksum])).toEqual(report.tables.map((r) => [r.table, r.rows, r.checksum]));
        expect(await digests(again.handle.db)).toEqual(original);
      } finally {
        await again.drop();
      }
    });

    it('refuses to resume once the source changed since the copy began', async () => {
      const small = await createTestApp('sqlite', { clock });
      const again = await emptyTarget(dialect);
      try {
        const first = copyDatabase(small.db.handle, again.handle, { clock, batchSize: 1, onProgress: (e) => { if (e.phase === 'copy' && e.copied > 0) throw new Error('injected'); } });
        await expect(first).rejects.toThrow(/injected/);
        await addUser(small, 'Cy');
        await expect(copyDatabase(small.db.handle, again.handle, { clock })).rejects.toThrow(/the source changed since the copy began \(users: 1 rows then, 2 now\)/);
      } finally {
        await again.drop();
        await small.close();
      }
    });

    it('round trip: the copy copied back into a new SQLite file holds the same rows as the original', async () => {
      const back = await emptyTarget('sqlite');
      try {
        await copyDatabase(target.handle, back.handle, { clock, batchSize: 50 });
        const copy = await digests(target.handle.db);
        expect(await digests(back.handle.db)).toEqual(copy);
      } finally {
        await back.drop();
      }
    });
  });

  describe.runIf(DIALECTS.includes('postgres'))('from the command line into PostgreSQL', () => {
    it('killed with SIGKILL part-way, `vigil copy` run again resumes and verifies the same result', async () => {
      if (!fs.existsSync(CLI)) throw new Error('dist/cli/main.js is missing: npm test builds it first');
      const target = await emptyTarget('postgres');
      try {
        const env = { VIGIL_DATA_DIR: source.db.env.VIGIL_DATA_DIR!, VIGIL_SECRET_KEY: source.db.env.VIGIL_SECRET_KEY! };
        // Kill after a few batches have been reported (each reported batch has committed).
        const child = spawn(process.execPath, [CLI, 'copy', '--to', target.url!, '--batch-size', '2', '--json'], { env: { ...process.env, DATABASE_URL: '', ...env }, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        let batches = 0;
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          batches = err.split('\n').filter((l) => l.includes('"phase":"copy"') && !l.includes('"copied":0')).length;
          if (batches >= 8) child.kill('SIGKILL');
        });
        expect(await exited, err.slice(-2000)).toBe('SIGKILL');
        const progress = await target.handle.db.selectFrom(PROGRESS_TABLE as any).selectAll().execute();
        expect(progress.some((p: any) => !p.done)).toBe(true);

        const rerun = await runCli(['copy', '--to', target.url!, '--batch-size', '2', '--json'], env);
        expect(rerun.code, rerun.stderr).toBe(0);
        const report = JSON.parse(rerun.stdout) as CopyReport;
        expect(report.ok).toBe(true);
        expect(report.resumed).toBe(true);
        expect(await digests(target.handle.db)).toEqual(original);

        // Run once more: the target now holds Vigil rows, and the refusal says which table.
        const third = await runCli(['copy', '--to', target.url!], env);
        expect(third.code).toBe(1);
        expect(third.stderr).toMatch(/already holds Vigil rows \(organizations: 2\)/);
      } finally {
        await target.drop();
      }
    }, 60_000);

    it('a value PostgreSQL cannot store fails the copy naming the table and key, and leaves that batch unwritten', async () => {
      const small = await createTestApp('sqlite', { clock });
      const target = await emptyTarget('postgres');
      try {
        // SQLite keeps a NUL character in text; PostgreSQL's text cannot hold one.
        await small.db.handle.db.updateTable('users').set({ name: 'Olive\u0000Owner' }).where('id', '=', small.org.user.id).execute();
        await expect(copyDatabase(small.db.handle, target.handle, { clock })).rejects.toThrow(new RegExp(`the target refused users rows from key \\["${small.org.org.id}","${small.org.user.id}"\\]`));
        expect(await target.handle.db.selectFrom('users').select('id').execute()).toEqual([]);
        const progress = (await target.handle.db.selectFrom(PROGRESS_TABLE as any).selectAll().where('table_name', '=', 'users').execute()) as any[];
        expect(progress.map((p) => [Number(p.copied_rows), p.done])).toEqual([[0, 0]]);
      } finally {
        await target.drop();
        await small.close();
      }
    });

    it('moves a sequence behind a copied column past the copied keys, and leaves other tables\' alone', async () => {
      const target = await emptyTarget('postgres');
      try {
        const db = target.handle.db;
        await sql`CREATE TABLE tickets (id bigserial PRIMARY KEY, note text)`.execute(db);
        await sql`CREATE TABLE others (id bigserial PRIMARY KEY)`.execute(db);
        await sql`INSERT INTO tickets (id, note) VALUES (1, 'a'), (41, 'b')`.execute(db);
        await sql`INSERT INTO others (id) VALUES (7)`.execute(db);
        expect(await advanceSequences(db, ['tickets'])).toEqual(['tickets.id']);
        const next = await sql<{ id: number }>`INSERT INTO tickets (note) VALUES ('c') RETURNING id`.execute(db);
        expect(Number(next.rows[0]!.id)).toBe(42);
        const other = await sql<{ id: number }>`INSERT INTO others DEFAULT VALUES RETURNING id`.execute(db);
        expect(Number(other.rows[0]!.id)).toBe(1);
      } finally {
        await target.drop();
      }
    });

    it('names what is wrong with its arguments', async () => {
      const env = { VIGIL_DATA_DIR: source.db.env.VIGIL_DATA_DIR! };
      expect((await runCli(['copy'], env)).stderr).toMatch(/needs --to postgres:/);
      expect((await runCli(['copy', '--to', 'mysql://x/y'], env)).stderr).toMatch(/--to must be a PostgreSQL URL/);
      expect((await runCli(['copy', '--to', PG_URL, '--batch-size', '0'], env)).stderr).toMatch(/--batch-size must be a whole number/);
      const nowhere = await runCli(['copy', '--to', PG_URL], { VIGIL_DATA_DIR: path.join(os.tmpdir(), `vigil-none-${randomBytes(4).toString('hex')}`) });
      expect(nowhere.code).toBe(2);
      expect(nowhere.stderr).toMatch(/there is no database at/);
    }, 30_000);
  });
});
