/**
 * A node claims a notification and dies before it records the outcome
 * (DESIGN.md §4.3: at-least-once delivery, same idempotency key, and a timeline that
 * says "possible duplicate"). First in process, with a manual clock: the claim is
 * made with claimDue itself and dropped, as a dead node would. Then for real: a
 * `vigil serve` process is SIGKILLed while its webhook request hangs at the
 * receiver, and a fresh process finishes the job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { systemClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { EscalateModule } from '../../src/server/engine/escalate/module.js';
import { claimDue } from '../../src/server/notify/outbox.store.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { createIntegration, createService } from '../../src/server/service/service.service.js';
import { addContact, addPolicy, addUser, attachPolicy, engineFor, realChannels } from './fixtures.js';
import { createIsolatedApp, createIsolatedDb, eventually, incidentByNumber, notificationsOf, seedContact, seedPolicy, seedUser, startScriptedReceiver, timelineOf, type IsolatedDb, type ScriptedReceiver } from './fixtures2.js';

const LEASE_MS = 60_000;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');

describe.each(DIALECTS)('crash between claim and send, in process, on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let rx: ScriptedReceiver;
  let engine: Engine;
  let ada: string;
  let policy: string;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createIsolatedApp(dialect, { clock });
    rx = await startScriptedReceiver();
    engine = engineFor(t, realChannels(null));
    ada = await addUser(t, 'Ada');
    await addContact(t, ada, 'webhook', rx.url, true, 'ada-secret');
    policy = await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]);
  });
  afterEach(async () => {
    await t.close();
    await rx.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  /** A service on Ada's policy, and one triggered incident on it. */
  async function incidentOn(name: string, n: number) {
    const svc = await serviceWithKey(t, 'events_v2', name);
    await attachPolicy(t, svc.serviceId, policy);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: name }) })).statusCode).toBe(202);
    return n;
  }
  /** Fire due escalation steps only: the page is in the outbox, nobody has claimed it. */
  const escalateOnly = () => new EscalateModule(t.deps.db, t.deps.targets, () => {}).tick(clock.now());
  /** What a node does just before it dies: claim, and never come back. */
  const claimAndDie = (limit = 100) => t.deps.db.transaction().execute((trx) => claimDue(trx, clock.now(), limit, LEASE_MS));
  const rowOf = async (n: number) => (await notificationsOf(t.db.handle.db, (await incidentByNumber(t.db.handle.db, t.org.org.id, n)).id))[0]!;
  const summaries = async (n: number) => (await timelineOf(t.db.handle.db, (await incidentByNumber(t.db.handle.db, t.org.org.id, n)).id)).map((e) => e.summary);

  it('after the lease the page is sent with the idempotency key a normal send carries, and the timeline says "possible duplicate"', async () => {
    // A normal send first, for comparison: its X-Webhook-Id is the row's idempotency key.
    await incidentOn('Benefits portal', 1);
    await run();
    expect(rx.requests).toHaveLength(1);
    const normal = await rowOf(1);
    expect(rx.requests[0]!.headers['x-webhook-id']).toBe(normal.idempotency_key);
    expect((await summaries(1)).some((s) => /possible duplicate/.test(s))).toBe(false);

    await incidentOn('Crisis chat', 2);
    await escalateOnly();
    const claimed = await claimAndDie();
    expect(claimed).toHaveLength(1);
    const before = await rowOf(2);
    expect(before).toMatchObject({ status: 'sending', attempts: 1, claimed_until: clock.now() + LEASE_MS });

    // The lease holds: a live node would still be sending.
    await run();
    clock.advance(LEASE_MS - 1);
    await run();
    expect(rx.requests).toHaveLength(1);
    expect((await rowOf(2)).status).toBe('sending');

    clock.advance(1);
    await run();
    expect(rx.requests).toHaveLength(2);
    const resent = rx.requests[1]!;
    expect(resent.json.event.data.number).toBe(2);
    expect(resent.headers['x-webhook-id']).toBe(before.idempotency_key);
    // Same shape of key as the normal send: page:<incident>:<epoch>:<loop>:<level>:<user>:<method>.
    expect(String(resent.headers['x-webhook-id']).split(':').slice(2)).toEqual(normal.idempotency_key.split(':').slice(2));
    expect(await rowOf(2)).toMatchObject({ status: 'sent', attempts: 2, sent_at: clock.now(), claimed_until: null });
    const tl = await summaries(2);
    expect(tl.filter((s) => /^Notified Ada by webhook \(webhook\) — possible duplicate/.test(s))).toHaveLength(1);

    clock.advanceMinutes(10);
    await run();
    expect(rx.requests).toHaveLength(2);
  });

  it('a page that had already failed once and then lost its claim is also marked "possible duplicate"', async () => {
    rx.script(500, 200);
    await incidentOn('Crisis chat', 1);
    await run();
    expect(rx.requests).toHaveLength(1);
    expect(await rowOf(1)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'http_500' });

    clock.advance(1_500);
    expect(await claimAndDie()).toHaveLength(1);
    clock.advance(LEASE_MS);
    await run();
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1]!.headers['x-webhook-id']).toBe(rx.requests[0]!.headers['x-webhook-id']);
    expect(await rowOf(1)).toMatchObject({ status: 'sent', attempts: 3 });
    expect((await summaries(1)).filter((s) => /^Notified Ada by webhook \(webhook\) — possible duplicate/.test(s))).toHaveLength(1);
  });

  it('a lost claim whose resend fails once is still marked "possible duplicate" when it finally goes out', async () => {
    await incidentOn('Crisis chat', 1);
    await escalateOnly();
    expect(await claimAndDie()).toHaveLength(1);
    clock.advance(LEASE_MS);
    rx.script(503, 200);
    await run();
    expect(rx.requests).toHaveLength(1);
    const retrying = await rowOf(1);
    expect(retrying).toMatchObject({ status: 'pending', attempts: 2 });
    expect(retrying.last_error).toMatch(/^interrupted: .*; then http_503$/);
    clock.advance(3_000);
    await run();
    expect(rx.requests).toHaveLength(2);
    expect(new Set(rx.requests.map((r) => r.headers['x-webhook-id']))).toEqual(new Set([retrying.idempotency_key]));
    expect(await rowOf(1)).toMatchObject({ status: 'sent', attempts: 3 });
    const tl = await summaries(1);
    expect(tl).toContain('Could not reach Ada by webhook (webhook) yet (http_503); retrying');
    expect(tl.filter((s) => /^Notified Ada by webhook \(webhook\) — possible duplicate/.test(s))).toHaveLength(1);
  });

  it('a send that went out but whose outcome could not be recorded is re-sent as a possible duplicate, never silently', async () => {
    // The receiver takes the page, and at that moment the database refuses the write that records it
    // (the timeline table is briefly gone): the send happened, the record did not.
    let sabotage = true;
    rx.script(200);
    const flaky = realChannels(null).webhook!;
    const engineWithFault = engineFor(t, {
      webhook: {
        type: 'webhook',
        async send(dest, msg, signal) {
          const r = await flaky.send(dest, msg, signal);
          if (sabotage) await sql`ALTER TABLE log_entries RENAME TO log_entries_away`.execute(t.deps.db);
          return r;
        },
      },
    });
    await incidentOn('Crisis chat', 1);
    await engineWithFault.runOnce(clock.now()).catch(() => {});
    await sql`ALTER TABLE log_entries_away RENAME TO log_entries`.execute(t.deps.db);
    sabotage = false;
    expect(rx.requests).toHaveLength(1);
    const row = await rowOf(1);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toMatch(/internal_error: /);

    clock.advance(30_000);
    await run();
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1]!.headers['x-webhook-id']).toBe(rx.requests[0]!.headers['x-webhook-id']);
    expect(await rowOf(1)).toMatchObject({ status: 'sent', attempts: 2 });
    expect((await summaries(1)).filter((s) => /^Notified Ada by webhook \(webhook\) — possible duplicate/.test(s))).toHaveLength(1);
  });

  it('a lost claim re-sent together with a newer page for the same person keeps its own X-Webhook-Id', async () => {
    await incidentOn('Crisis chat', 1);
    await escalateOnly();
    const first = await rowOf(1);
    expect(await claimAndDie(1)).toHaveLength(1);
    clock.advance(LEASE_MS);
    // A second incident for Ada becomes due just as the first one's lease runs out.
    await incidentOn('Benefits portal', 2);
    await run();
    const second = await rowOf(2);
    expect(rx.requests).toHaveLength(2);
    const byNumber = new Map(rx.requests.map((r) => [r.json.event.data.number as number, r.headers['x-webhook-id']]));
    // What the dead node would have sent for #1 is what the receiver sees now: it can drop a duplicate.
    expect(byNumber.get(1)).toBe(first.idempotency_key);
    expect(byNumber.get(2)).toBe(second.idempotency_key);
    expect((await summaries(1)).some((s) => /possible duplicate/.test(s))).toBe(true);
    expect((await summaries(2)).some((s) => /possible duplicate/.test(s))).toBe(false);
  });
});

// ---- the real thing: SIGKILL a vigil process mid-send -----------------------------------------

interface Proc {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/**
 * `node dist/cli/main.js serve` on a free port (PORT=0; the URL is read from its log),
 * pointed at `db`'s database; resolves once it listens. Its startup runs
 * migrateToLatest, so the schema's migration bookkeeping is shown to it meanwhile
 * (see createIsolatedDb).
 */
async function serve(db: IsolatedDb): Promise<Proc> {
  await db.showMigrationTables();
  try {
    return await spawnServe(db.env);
  } finally {
    await db.hideMigrationTables();
  }
}

async function spawnServe(env: Record<string, string>): Promise<Proc> {
  let out = '';
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', VIGIL_PUBLIC_URL: 'http://vigil.test', VIGIL_ROLES: 'api,engine', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil serve did not start within 15 s:\n${out}`)), 15_000);
    const onData = (b: Buffer) => {
      out += b.toString('utf8');
      for (const line of out.split('\n')) {
        if (!line.includes('vigil listening')) continue;
        try {
          const u = (JSON.parse(line) as { url?: string }).url;
          if (u) {
            clearTimeout(timer);
            return resolve(u);
          }
        } catch {}
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
  return { child, url, output: () => out };
}

function kill(p: Proc, signal: NodeJS.Signals): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill(signal);
  });
}

describe.each(DIALECTS)('crash between claim and send, a real process killed with SIGKILL, on %s', (dialect) => {
  const procs: Proc[] = [];
  let rx: ScriptedReceiver;
  let db: IsolatedDb;

  beforeEach(async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before this suite (it spawns the built CLI)`);
    // The test database is migrated from src; a dist built before a new migration refuses to start on it.
    const built = new Set(fs.readdirSync(path.join(ROOT, 'dist/server/storage/migrations')).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)));
    const missing = fs.readdirSync(path.join(ROOT, 'src/server/storage/migrations')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((m) => !built.has(m));
    if (missing.length) throw new Error(`dist is older than src (migrations ${missing.join(', ')} not built): run \`npm run build\` before this suite`);
    rx = await startScriptedReceiver(['hang']);
    db = await createIsolatedDb(dialect);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await kill(p, 'SIGKILL');
    await rx.close();
    await db.drop();
  });

  it('the page arrives after a restart, every copy with the same X-Webhook-Id, and the timeline says "possible duplicate"', async () => {
    // Rows first, through the database the processes will share.
    const org = await initOrganization(db.handle.db, systemClock, { orgName: 'Harbor Crisis Line', email: 'owner@harbor.example', userName: 'Olive Owner' });
    const s = { db: db.handle.db, orgId: org.org.id, clock: systemClock };
    const ada = await seedUser(s, 'Ada');
    await seedContact(s, ada, 'webhook', rx.url, true, 'ada-secret');
    const policy = await seedPolicy(s, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]);
    const service = await createService(db.handle.db, systemClock, org.org.id, { name: 'Crisis chat', escalation_policy: { id: policy } });
    const { key } = await createIntegration(db.handle.db, systemClock, org.org.id, service, { type: 'events_v2' });

    const first = await serve(db);
    procs.push(first);
    const res = await fetch(`${first.url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(trigger(key, { dedup_key: 'chat-down' })) });
    expect(res.status).toBe(202);

    // The engine claims the page and POSTs it; the receiver holds the request open.
    await rx.waitFor(1, 10_000);
    const [row] = await db.handle.db.selectFrom('notifications').selectAll().execute();
    expect(row).toMatchObject({ status: 'sending', attempts: 1, kind: 'page' });
    await kill(first, 'SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');

    // Nobody recorded the outcome: the row is still claimed by the dead node.
    const orphan = await db.handle.db.selectFrom('notifications').selectAll().where('id', '=', row!.id).executeTakeFirstOrThrow();
    expect(orphan).toMatchObject({ status: 'sending', attempts: 1, sent_at: null });
    // The lease is 60 s of real time; rather than wait it out, move its end to now
    // (what the clock would have done), so the test stays short.
    expect(Number(orphan.claimed_until)).toBeGreaterThan(Date.now());
    await db.handle.db.updateTable('notifications').set({ claimed_until: Date.now() }).where('id', '=', row!.id).execute();

    rx.script(200);
    const second = await serve(db);
    procs.push(second);
    const sent = await eventually(
      'the restarted engine to send the page',
      async () => {
        const r = await db.handle.db.selectFrom('notifications').selectAll().where('id', '=', row!.id).executeTakeFirstOrThrow();
        return r.status === 'sent' ? r : null;
      },
      15_000,
    );
    expect(Number(sent.attempts)).toBe(2);
    expect(rx.requests.length).toBeGreaterThanOrEqual(2);
    const ids = new Set(rx.requests.map((r) => r.headers['x-webhook-id']));
    expect(ids).toEqual(new Set([row!.idempotency_key]));
    for (const r of rx.requests) expect(r.json.event.data.number).toBe(1);

    const tl = (await timelineOf(db.handle.db, row!.incident_id!)).map((e) => e.summary);
    expect(tl.filter((s) => /^Notified Ada by webhook \(webhook\) — possible duplicate/.test(s))).toHaveLength(1);

    await kill(second, 'SIGTERM');
  }, 40_000);
});
