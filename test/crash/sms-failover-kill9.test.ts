/**
 * SMS failover across a real crash, on both dialects: a `vigil serve` process tries the
 * first provider (500), moves to the second (an android-sms-gateway phone that holds the
 * request open), and is killed with SIGKILL mid-try. A fresh process takes the row over
 * and resends that same try to the same provider with the same idempotency key (the
 * gateway's message id); the third provider is never asked, and the timeline says what
 * happened. Needs `npm run build` (it spawns the built CLI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, trigger } from '../harness.js';
import { systemClock } from '../../src/server/lib/clock.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { createIntegration, createService } from '../../src/server/service/service.service.js';
import { createProvider } from '../../src/server/notify/sms-provider.service.js';
import { createIsolatedDb, eventually, seedContact, seedPolicy, seedRule, seedUser, timelineOf, type IsolatedDb } from '../engine/fixtures2.js';
import { startFakeVonage, type FakeVonage } from '../channels/fake-vonage.js';
import { startFakePlivo, type FakePlivo } from '../channels/fake-plivo.js';
import { startFakeSmsGateway, type FakeSmsGateway } from '../channels/fake-sms-gateway.js';
import { localPolicy } from '../outbound-allow.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const ADA_PHONE = '+14155550100';

interface Proc {
  child: ChildProcess;
  url: string;
}

async function serve(env: Record<string, string>): Promise<Proc> {
  let out = '';
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', VIGIL_PUBLIC_URL: 'http://vigil.test', VIGIL_ROLES: 'api,engine', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil serve did not start within 15 s:\n${out}`)), 15_000);
    child.stdout!.on('data', (b: Buffer) => {
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
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
  return { child, url };
}

function kill(p: Proc, signal: NodeJS.Signals): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill(signal);
  });
}

describe.each(DIALECTS)('SMS failover across SIGKILL on %s', (dialect) => {
  const procs: Proc[] = [];
  let db: IsolatedDb;
  let vonage: FakeVonage;
  let gateway: FakeSmsGateway;
  let plivo: FakePlivo;

  beforeEach(async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before this suite (it spawns the built CLI)`);
    const built = new Set(fs.readdirSync(path.join(ROOT, 'dist/server/storage/migrations')).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)));
    const missing = fs.readdirSync(path.join(ROOT, 'src/server/storage/migrations')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((m) => !built.has(m));
    if (missing.length) throw new Error(`dist is older than src (migrations ${missing.join(', ')} not built): run \`npm run build\` before this suite`);
    [vonage, gateway, plivo] = await Promise.all([startFakeVonage(), startFakeSmsGateway(), startFakePlivo()]);
    db = await createIsolatedDb(dialect);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await kill(p, 'SIGKILL');
    await Promise.all([vonage.close(), gateway.close(), plivo.close()]);
    await db.drop();
  });

  it('the restarted process resends the interrupted try to the same provider with the same id; no third provider; the timeline says so', async () => {
    const org = await initOrganization(db.handle.db, systemClock, { orgName: 'Harbor Crisis Line', email: 'owner@harbor.example', userName: 'Olive Owner' });
    const s = { db: db.handle.db, orgId: org.org.id, clock: systemClock };
    const ada = await seedUser(s, 'Ada');
    await seedRule(s, ada, await seedContact(s, ada, 'sms', ADA_PHONE), 0, 'high');
    const policy = await seedPolicy(s, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]);
    const service = await createService(db.handle.db, systemClock, org.org.id, { name: 'Crisis chat', escalation_policy: { id: policy } });
    const { key } = await createIntegration(db.handle.db, systemClock, org.org.id, service, { type: 'events_v2' });
    const add = (input: Record<string, unknown>) => createProvider(db.handle.db, systemClock, localPolicy, org.org.id, input);
    const primary = await add({ type: 'vonage', name: 'Primary', from: '+15005550006', base_url: vonage.url, credentials: { api_key: vonage.apiKey, api_secret: vonage.apiSecret }, cost_per_message: 0.05, timeout_seconds: 2 });
    const phone = await add({ type: 'android_gateway', name: 'Office phone', base_url: gateway.url, credentials: { username: gateway.username, password: gateway.password }, cost_per_message: 0, timeout_seconds: 30 });
    await add({ type: 'plivo', name: 'Backup', from: '+15005550007', base_url: plivo.url, credentials: { auth_id: plivo.authId, auth_token: plivo.authToken }, cost_per_message: 0.04 });
    vonage.force({ status: 500 });
    gateway.force('hang');

    const first = await serve(db.env);
    procs.push(first);
    const res = await fetch(`${first.url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(trigger(key, { dedup_key: 'chat-down' })) });
    expect(res.status).toBe(202);

    // Vonage answered 500; the phone holds the second try open. Kill the process mid-try.
    const open = await eventually('the try through the phone', async () => gateway.received.length === 1 && (await db.handle.db.selectFrom('sms_attempts').selectAll().where('status', '=', 'sending').executeTakeFirst()), 15_000);
    await kill(first, 'SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    const [row] = await db.handle.db.selectFrom('notifications').selectAll().execute();
    expect(row).toMatchObject({ status: 'sending', channel: 'sms' });
    const tries = () => db.handle.db.selectFrom('sms_attempts').select(['seq', 'provider_id', 'status', 'idempotency_key']).where('notification_id', '=', row!.id).orderBy('seq').execute();
    expect((await tries()).map((a) => [Number(a.seq), a.provider_id, a.status])).toEqual([
      [1, primary.id, 'failed'],
      [2, phone.id, 'sending'],
    ]);
    expect(open.idempotency_key).toBe(row!.idempotency_key);
    // The lease is 60 s of real time: move its end to now rather than wait it out.
    await db.handle.db.updateTable('notifications').set({ claimed_until: Date.now() }).where('id', '=', row!.id).execute();

    const second = await serve(db.env);
    procs.push(second);
    await eventually('the restarted process to send the SMS', async () => (await db.handle.db.selectFrom('notifications').select('status').where('id', '=', row!.id).executeTakeFirstOrThrow()).status === 'sent', 20_000);
    expect(gateway.received).toHaveLength(2);
    const [a, b] = gateway.received.map((r) => JSON.parse(r.body.toString()) as { id: string });
    expect(b!.id).toBe(a!.id);
    expect(gateway.texts).toHaveLength(1);
    expect(vonage.received).toHaveLength(1);
    expect(plivo.received).toHaveLength(0);
    expect((await tries()).map((x) => [Number(x.seq), x.provider_id, x.status, x.idempotency_key])).toEqual([
      [1, primary.id, 'failed', row!.idempotency_key],
      [2, phone.id, 'sent', row!.idempotency_key],
    ]);
    const tl = (await timelineOf(db.handle.db, row!.incident_id!)).map((e) => e.summary);
    // Node 1's failover was put on the timeline as it happened, before it died.
    expect(tl).toContain('SMS through Primary (Vonage) failed (http_500: Internal Error; Something went wrong.); trying Office phone (Android SMS gateway)');
    expect(tl).toContain('Resending the SMS through Office phone (Android SMS gateway): an earlier try through it was interrupted (same idempotency key, no other provider used for it)');
    expect(tl.filter((x) => x.startsWith('Notified Ada by SMS') && x.includes('through Office phone (Android SMS gateway) — possible duplicate'))).toHaveLength(1);
    await kill(second, 'SIGTERM');
  }, 60_000);
});
