/**
 * Self-checks (issue 18, docs/operating.md "Self-checks"), with the manual clock, on both
 * dialects. Each check, made to hold for real, opens one incident on the organization's
 * built-in "Vigil health" service, which pages the admin (Ada: a verified email and a
 * webhook) through the normal outbox to a real SMTP server and a real webhook receiver;
 * when the condition clears, the next check resolves it.
 *
 * - engine lag: a module that takes 5 s delays the rest of the pass (threshold 4 s; wide,
 *   so that a loaded machine's slow pass does not count);
 * - outbox: Ryan's webhook answers 503, so his page waits for retries past 15 minutes;
 * - a failing channel: the SMTP server refuses Vigil's password (535, an expired password)
 *   for Ryan's pages; the health page to Ada then skips email and goes by webhook only;
 * - disk low: the data directory is a 12 MiB tmpfs the test mounts and fills (root only);
 * - a failed scheduled backup: the backup directory cannot be created, then can.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEngine } from '../../src/server/engine/build.js';
import type { Engine, EngineModule } from '../../src/server/engine/engine.js';
import { ChannelRegistry } from '../../src/server/notify/channels/registry.js';
import { EmailChannel } from '../../src/server/notify/channels/email/email.js';
import { WebhookChannel } from '../../src/server/notify/channels/webhook/webhook.js';
import type { ChannelAdapter } from '../../src/server/notify/channel.js';
import type { Config } from '../../src/server/config/config.js';
import { selfCheckSetup } from '../../src/server/main.js';
import { BackupScheduler } from '../../src/server/storage/backup.js';
import { DEFAULT_SELF_CHECKS } from '../../src/server/engine/self-check/checks.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { localPolicy } from '../outbound-allow.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, startReceiver, startSmtp, type Mailbox, type Receiver } from './fixtures.js';

const quiet = { error: (o: object, m: string) => console.error(m, o), warn: () => {}, info: () => {} };
const NODE = 'node-a';

interface World {
  t: TestApp;
  clock: ManualClock;
  engine: Engine;
  mail: Mailbox;
  adaHook: Receiver;
  ada: string;
  /** Runs the engine at the clock's time until idle, then lets sends that outlived their pass finish. */
  run(): Promise<void>;
  /** The open (triggered or acknowledged) incidents on "Vigil health", with their alerts' keys. */
  health(): Promise<{ id: string; title: string; status: string; keys: string[] }[]>;
  close(): Promise<void>;
}

async function world(dialect: 'sqlite' | 'postgres', o: { config?: Partial<Config>; email?: ChannelAdapter; extraModules?: EngineModule[]; backupError?: () => string | null } = {}): Promise<World> {
  const clock = manualClock('2026-03-02T09:00:00Z');
  const t = await createTestApp(dialect, { clock, ...(o.config ? { config: o.config } : {}) });
  const mail = await startSmtp();
  const adaHook = await startReceiver();
  const email = o.email ?? new EmailChannel({ host: '127.0.0.1', port: mail.port, secure: false, ignoreTLS: true, from: 'Vigil <vigil@harbor.example>', connectionTimeoutMs: 2_000, greetingTimeoutMs: 2_000, socketTimeoutMs: 5_000 });
  const channels = new ChannelRegistry([email, new WebhookChannel({ policy: localPolicy, timeoutMs: 2_000 })]);
  const ada = await addUser(t, 'Ada Admin', 'admin');
  await addContact(t, ada, 'email', 'ada@harbor.example');
  await addContact(t, ada, 'webhook', adaHook.url);
  const setup = selfCheckSetup(t.deps.config, t.db.handle, channels, clock, quiet, o.backupError ?? (() => null), NODE);
  if (!setup) throw new Error('self-checks are off');
  const engine = buildEngine(t.deps, channels, quiet, { deliver: { random: () => 0.5 }, selfCheck: setup, ...(o.extraModules ? { extraModules: o.extraModules } : {}) });
  return {
    t,
    clock,
    engine,
    mail,
    adaHook,
    ada,
    async run() {
      await engine.runUntilIdle(clock.now());
    },
    async health() {
      const db = t.db.handle.db;
      const service = await db.selectFrom('services').select(['id', 'name', 'built_in', 'escalation_policy_id']).where('org_id', '=', t.org.org.id).where('built_in', '=', 'vigil_health').executeTakeFirst();
      if (!service) return [];
      expect(service).toMatchObject({ name: 'Vigil health', escalation_policy_id: null });
      const shown = await t.app.inject({ method: 'GET', url: `/api/v1/services/${service.id}`, headers: t.auth });
      expect(shown.json().service).toMatchObject({ name: 'Vigil health', built_in: 'vigil_health', escalation_policy: null, description: expect.stringMatching(/^Built in: /) });
      const incidents = await db.selectFrom('incidents').select(['id', 'title', 'status']).where('org_id', '=', t.org.org.id).where('service_id', '=', service.id).where('status', '<>', 'resolved').orderBy('created_at').execute();
      const alerts = await db.selectFrom('alerts').select(['incident_id', 'dedup_key']).where('org_id', '=', t.org.org.id).where('service_id', '=', service.id).where('open', '=', 1).execute();
      return incidents.map((i) => ({ ...i, keys: alerts.filter((a) => a.incident_id === i.id).map((a) => a.dedup_key) }));
    },
    async close() {
      await engine.stop();
      await mail.close();
      await adaHook.close();
      await t.close();
    },
  };
}

/** Pages queued for a person on an incident, by channel. */
async function pagesTo(w: World, userId: string, incidentId: string): Promise<{ channel: string; status: string }[]> {
  return w.t.db.handle.db.selectFrom('notifications').select(['channel', 'status']).where('org_id', '=', w.t.org.org.id).where('user_id', '=', userId).where('incident_id', '=', incidentId).where('kind', '=', 'page').orderBy('channel').execute();
}

async function timelineOf(w: World, incidentId: string): Promise<string[]> {
  return (await w.t.db.handle.db.selectFrom('log_entries').select('summary').where('org_id', '=', w.t.org.org.id).where('incident_id', '=', incidentId).orderBy('created_at').orderBy('id').execute()).map((r) => r.summary);
}

/** A responder Ryan on a service of his own, paged by `type` at `address`; returns the routing key. */
async function ryanOnCall(w: World, type: 'webhook' | 'email', address: string): Promise<string> {
  const ryan = await addUser(w.t, 'Ryan Responder');
  const cm = await addContact(w.t, ryan, type, address);
  await addRule(w.t, ryan, cm, 0);
  const svc = await serviceWithKey(w.t, 'events_v2', 'Crisis chat');
  await attachPolicy(w.t, svc.serviceId, await addPolicy(w.t, [{ delay: 30, targets: [{ id: ryan, type: 'user_reference' }] }]));
  return svc.key;
}

describe.each(DIALECTS)('self-checks on %s', (dialect) => {
  let w: World | null = null;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    await w?.close();
    w = null;
    for (const c of cleanups.splice(0)) c();
  });

  it('nothing wrong: no "Vigil health" service is created; a page held back by a rule’s delay is not "stuck"', async () => {
    w = await world(dialect);
    const hook = await startReceiver();
    cleanups.push(() => void hook.close());
    const dana = await addUser(w.t, 'Dana Delayed');
    await addRule(w.t, dana, await addContact(w.t, dana, 'webhook', hook.url), 20);
    const svc = await serviceWithKey(w.t, 'events_v2', 'Night line');
    await attachPolicy(w.t, svc.serviceId, await addPolicy(w.t, [{ delay: 60, targets: [{ id: dana, type: 'user_reference' }] }]));
    expect((await w.t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key) })).statusCode).toBe(202);
    await w.run();
    for (let m = 0; m < 17; m++) {
      w.clock.advanceMinutes(1);
      await w.run();
    }
    expect(hook.requests).toHaveLength(0);
    expect(await w.health()).toEqual([]);
    for (let m = 0; m < 4; m++) {
      w.clock.advanceMinutes(1);
      await w.run();
    }
    expect(hook.requests).toHaveLength(1);
    expect(await w.health()).toEqual([]);
    expect(await w.t.db.handle.db.selectFrom('services').select('id').where('built_in', '=', 'vigil_health').execute()).toEqual([]);
  });

  it('engine lag over the threshold opens an incident that pages the admin; resolved once the engine keeps up', async () => {
    // One slow pass: the module takes 5 s, and every module after it runs that late.
    let slowPasses = 1;
    const sleeper: EngineModule = { name: 'slow_module', tick: async () => (slowPasses-- > 0 ? (await new Promise((r) => setTimeout(r, 5_000)), 0) : 0) };
    w = await world(dialect, { config: { selfChecks: { ...DEFAULT_SELF_CHECKS, lagMs: 4_000 } }, extraModules: [sleeper] });
    await w.run();
    const open = await w.health();
    expect(open).toHaveLength(1);
    expect(open[0]!.keys).toEqual([`engine_lag@${NODE}`]);
    expect(open[0]!.title).toMatch(/^Vigil's engine on node-a is \d+\.\d s behind \(threshold 4\.0 s\)/);
    expect(await pagesTo(w, w.ada, open[0]!.id)).toEqual([
      { channel: 'email', status: 'sent' },
      { channel: 'webhook', status: 'sent' },
    ]);
    await w.mail.waitFor('ada@harbor.example', /behind/);
    expect(w.adaHook.requests.some((r) => JSON.stringify(r.json).includes('behind'))).toBe(true);

    // Within the period nothing is checked again; after it, the engine keeps up and the incident resolves.
    w.clock.advanceMinutes(1);
    await w.run();
    expect(await w.health()).toEqual([]);
    const incident = await w.t.db.handle.db.selectFrom('incidents').select(['status', 'resolved_at']).where('id', '=', open[0]!.id).executeTakeFirstOrThrow();
    expect(incident.status).toBe('resolved');
  }, 60_000);

  it('outbox messages unsent past the threshold open an incident; resolved once they go out', async () => {
    w = await world(dialect);
    const ryanHook = await startReceiver();
    cleanups.push(() => void ryanHook.close());
    ryanHook.respond(503);
    const key = await ryanOnCall(w, 'webhook', ryanHook.url);
    expect((await w.t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key) })).statusCode).toBe(202);
    await w.run();
    expect(await w.health()).toEqual([]);
    // Retried with backoff for 16 minutes: still pending, older than the 15-minute threshold.
    for (let m = 0; m < 16; m++) {
      w.clock.advanceMinutes(1);
      await w.run();
    }
    const open = await w.health();
    expect(open.map((i) => i.keys)).toEqual([['outbox_stuck']]);
    expect(open[0]!.title).toMatch(/^1 message still unsent after more than 15 min \(the oldest queued 1[56] min ago\)/);
    await w.mail.waitFor('ada@harbor.example', /still unsent/);
    // Ryan's receiver is back: the retry goes out, and the next check resolves the incident.
    ryanHook.respond(200);
    for (let m = 0; m < 10 && (await w.health()).length; m++) {
      w.clock.advanceMinutes(1);
      await w.run();
    }
    expect(await w.health()).toEqual([]);
    const unsent = await w.t.db.handle.db.selectFrom('notifications').select('id').where('status', 'in', ['pending', 'sending']).execute();
    expect(unsent).toEqual([]);
  });

  it('a channel failing (SMTP refuses the password) opens an incident; the admin is paged through the channels that still work', async () => {
    // A real SMTP server that checks credentials; Vigil's password has expired.
    let password = 'renewed-later';
    const smtp = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _s, cb) {
        if (auth.username === 'vigil' && auth.password === password) return cb(null, { user: 'vigil' });
        return cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData(stream, _s, cb) {
        stream.resume();
        stream.on('end', () => cb());
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    cleanups.push(() => void smtp.close());
    const port = (smtp.server.address() as AddressInfo).port;
    const email = new EmailChannel({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, auth: { user: 'vigil', pass: 'expired' }, from: 'Vigil <vigil@harbor.example>', connectionTimeoutMs: 2_000, greetingTimeoutMs: 2_000, socketTimeoutMs: 5_000 });
    w = await world(dialect, { email });
    const key = await ryanOnCall(w, 'email', 'ryan@harbor.example');
    for (let i = 0; i < 3; i++) expect((await w.t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: `chat-${i}` }) })).statusCode).toBe(202);
    await w.run();
    const failed = await w.t.db.handle.db.selectFrom('notifications').select(['status', 'last_error']).where('channel', '=', 'email').execute();
    expect(failed).toEqual(Array(3).fill({ status: 'failed', last_error: 'smtp_535' }));

    // The check runs once a minute: the next one finds 3 of 3 email messages failed.
    w.clock.advanceMinutes(1);
    await w.run();
    const open = await w.health();
    expect(open.map((i) => i.keys)).toEqual([['channel_failing:email']]);
    expect(open[0]!.title).toBe('The email channel is failing: 3 of 3 messages in the last 15 min could not be delivered');
    // Ada has email and a webhook: the page skips email, the failing channel.
    expect(await pagesTo(w, w.ada, open[0]!.id)).toEqual([{ channel: 'webhook', status: 'sent' }]);
    expect(w.adaHook.requests.some((r) => JSON.stringify(r.json).includes('The email channel is failing'))).toBe(true);
    expect(await timelineOf(w, open[0]!.id)).toContain('Not paged through failing channels: Ada Admin (email); their other methods are used');

    // The password is renewed: new email goes out, and once the failures leave the window the incident resolves.
    password = 'expired';
    expect((await w.t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'chat-after' }) })).statusCode).toBe(202);
    await w.run();
    const last = await w.t.db.handle.db.selectFrom('notifications').select('status').where('channel', '=', 'email').orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(last.status).toBe('sent');
    w.clock.advanceMinutes(16);
    await w.run();
    expect(await w.health()).toEqual([]);
  });

  it('a failed scheduled backup opens an incident; the next good backup resolves it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-selfcheck-backup-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    // The backup directory's parent is a file: the directory cannot be created.
    fs.writeFileSync(path.join(dir, 'blocked'), 'not a directory');
    let scheduler: BackupScheduler | null = null;
    w = await world(dialect, { backupError: () => scheduler?.lastError ?? null });
    scheduler = new BackupScheduler(w.t.db.handle, { dir: path.join(dir, 'blocked', 'backups'), everyMs: 24 * 3_600_000, keep: 2 }, w.clock);
    await scheduler.check();
    expect(scheduler.lastError).toMatch(/ENOTDIR|not a directory/);
    await w.run();
    const open = await w.health();
    expect(open.map((i) => i.keys)).toEqual([[`backup_failed@${NODE}`]]);
    expect(open[0]!.title).toMatch(/^The scheduled backup failed on node-a: /);
    await w.mail.waitFor('ada@harbor.example', /scheduled backup failed/);

    fs.rmSync(path.join(dir, 'blocked'));
    await scheduler.check();
    expect(scheduler.lastError).toBeNull();
    expect(fs.readdirSync(path.join(dir, 'blocked', 'backups')).filter((n) => n.endsWith('.backup'))).toHaveLength(1);
    w.clock.advanceMinutes(1);
    await w.run();
    expect(await w.health()).toEqual([]);
  }, 60_000);

  it('disk space low on the data directory (a 12 MiB tmpfs, filled) opens an incident; resolved when space returns', async (ctx) => {
    if (dialect !== 'sqlite') return ctx.skip(); // the data directory's disk is SQLite's; PostgreSQL's disk is its server's
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-selfcheck-disk-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      fs.rmSync(mnt, { recursive: true, force: true });
      console.warn('self-check disk test SKIPPED: mounting a tmpfs needs root');
      return ctx.skip();
    }
    cleanups.push(() => {
      execFileSync('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    });
    w = await world(dialect, { config: { dataDir: mnt, selfChecks: { ...DEFAULT_SELF_CHECKS, diskFreeBytes: 4 * 1024 * 1024, diskFreePercent: 0 } } });
    await w.run();
    expect(await w.health()).toEqual([]);
    fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(10 * 1024 * 1024));
    w.clock.advanceMinutes(1);
    await w.run();
    const open = await w.health();
    expect(open.map((i) => i.keys)).toEqual([[`disk_low@${NODE}`]]);
    expect(open[0]!.title).toMatch(new RegExp(`^Disk space low on node-a: \\d MiB free \\(\\d+\\.\\d %\\) for the data directory ${mnt}`));
    await w.mail.waitFor('ada@harbor.example', /Disk space low/);
    fs.rmSync(path.join(mnt, 'filler'));
    w.clock.advanceMinutes(1);
    await w.run();
    expect(await w.health()).toEqual([]);
  });
});
