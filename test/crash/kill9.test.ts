/**
 * Crash test ("What must be shown"): a real `vigil serve` child process
 * takes a burst of triggers and is killed with SIGKILL mid-burst; it restarts and
 * serves again, and every event that was answered 202 is in the database exactly
 * once. Runs on every dialect. Needs the build: `npm test` runs `npm run build` first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/server/lib/clock.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { createIntegration, createService } from '../../src/server/service/service.service.js';
import { DIALECTS, createTestDb, trigger, type TestDb } from '../harness.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(repoRoot, 'dist/cli/main.js');

const TOTAL = 3000;
const CONCURRENCY = 32;
const KILL_AFTER = Math.floor(TOTAL * 0.4);
const REQUEST_TIMEOUT_MS = 2000;
/** Kill after KILL_AFTER answers, or after this long, whichever comes first (a slow machine still finishes in time). */
const BURST_BUDGET_MS = 10_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Child {
  proc: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startVigil(env: Record<string, string>): Promise<Child> {
  const port = await freePort();
  const proc = spawn(process.execPath, [MAIN, 'serve'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '', ...env, PORT: String(port), HOST: '127.0.0.1', VIGIL_INGEST_RATE: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-8000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const child: Child = { proc, base: `http://127.0.0.1:${port}`, output: () => out, exited };
  // Ready when /readyz says so (the database answers); bounded.
  const deadline = Date.now() + 25_000;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`vigil serve exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`vigil serve not ready within 25 s:\n${out}`);
    }
    try {
      const r = await fetch(`${child.base}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return child;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: Child | null) {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGKILL');
  await Promise.race([child.exited, new Promise((r) => setTimeout(r, 5000))]);
}

describe('the build the crash test runs', () => {
  it('dist/cli/main.js exists', () => {
    expect(fs.existsSync(MAIN), `${MAIN} is missing: run \`npm run build\` first (\`npm test\` does it for you)`).toBe(true);
  });
});

describe.each(DIALECTS)('SIGKILL mid-burst on %s', (dialect) => {
  let db: TestDb | null = null;
  let children: Child[] = [];
  afterEach(async () => {
    for (const c of children) await stop(c);
    children = [];
    await db?.drop();
    db = null;
  });

  it('every trigger answered 202 is stored exactly once; the process restarts and serves', { timeout: 60_000 }, async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (\`npm test\` does it for you)`);
    const started = Date.now();
    db = await createTestDb(dialect);
    const org = await initOrganization(db.handle.db, systemClock, { orgName: 'Crash Test Helpline', email: 'owner@crash.example' });
    const service = await createService(db.handle.db, systemClock, org.org.id, { name: 'Burst', alert_grouping_parameters: { type: 'time', config: { timeout: 0 } } });
    const { integration, key } = await createIntegration(db.handle.db, systemClock, org.org.id, service, { type: 'events_v2' });

    const first = await startVigil(db.env);
    children.push(first);

    // The burst: TOTAL triggers, distinct dedup keys, CONCURRENCY in flight, each bounded by a timeout.
    const acked = new Set<string>();
    const outcomes: Record<string, number> = {};
    let next = 0;
    let answered = 0;
    let killedAt = -1;
    const kill = () => {
      if (killedAt >= 0) return;
      killedAt = answered;
      first.proc.kill('SIGKILL');
    };
    const budget = setTimeout(kill, BURST_BUDGET_MS);
    const worker = async () => {
      while (next < TOTAL && killedAt < 0) {
        const i = next++;
        const dedup = `crash-${i}`;
        let outcome: string;
        try {
          const r = await fetch(`${first.base}/v2/enqueue`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(trigger(key, { dedup_key: dedup }, { summary: `burst ${i}` })),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const body = (await r.json().catch(() => null)) as { dedup_key?: string } | null;
          outcome = String(r.status);
          if (r.status === 202) {
            expect(body?.dedup_key).toBe(dedup);
            acked.add(dedup);
          }
        } catch (e) {
          outcome = (e as Error).name === 'TimeoutError' ? 'timeout' : 'network';
        }
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        answered++;
        if (answered >= KILL_AFTER) kill();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearTimeout(budget);
    kill();
    const exit = await Promise.race([first.exited, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(exit, 'the first child did not die').not.toBeNull();
    expect(exit!.signal).toBe('SIGKILL');
    const sent = next;
    // Killed mid-burst: many got through, not all were sent.
    expect(killedAt).toBeGreaterThan(0);
    expect(sent).toBeLessThan(TOTAL);
    expect(acked.size, JSON.stringify(outcomes)).toBeGreaterThanOrEqual(Math.min(KILL_AFTER / 2, 100));
    // Nothing but 202 before the kill, and only connection errors around it: no 4xx/5xx.
    expect(Object.keys(outcomes).filter((o) => o !== '202' && o !== 'network' && o !== 'timeout'), JSON.stringify(outcomes)).toEqual([]);

    // Restart on the same database: it comes back and serves.
    const second = await startVigil(db.env);
    children.push(second);
    const after = await fetch(`${second.base}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(trigger(key, { dedup_key: 'after-restart' })), signal: AbortSignal.timeout(5000) });
    expect(after.status).toBe(202);
    const someAcked = [...acked][0]!;
    const again = await fetch(`${second.base}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(trigger(key, { dedup_key: someAcked })), signal: AbortSignal.timeout(5000) });
    expect(again.status).toBe(202);
    const health = await fetch(`${second.base}/healthz`);
    expect(health.status).toBe(200);

    // The database: every 202'd key exactly once, no key twice, nothing beyond what was sent.
    const rows = await db.handle.db
      .selectFrom('alerts')
      .select(['dedup_key', 'count', 'open', 'incident_id'])
      .where('org_id', '=', org.org.id)
      .where('integration_id', '=', integration.id)
      .execute();
    const perKey = new Map<string, number>();
    for (const r of rows) perKey.set(r.dedup_key, (perKey.get(r.dedup_key) ?? 0) + 1);
    const missing = [...acked].filter((k) => perKey.get(k) !== 1);
    expect(missing, `acknowledged (202) but not stored exactly once: ${missing.slice(0, 10).join(', ')}`).toEqual([]);
    const twice = [...perKey].filter(([, n]) => n > 1).map(([k]) => k);
    expect(twice).toEqual([]);
    const unknown = [...perKey.keys()].filter((k) => k !== 'after-restart' && !/^crash-\d+$/.test(k));
    expect(unknown).toEqual([]);
    expect(rows.length).toBeLessThanOrEqual(sent + 1);
    expect(rows.length).toBeGreaterThanOrEqual(acked.size + 1);
    // Counts: one trigger each, except the key re-sent after the restart.
    for (const r of rows) expect(Number(r.count), r.dedup_key).toBe(r.dedup_key === someAcked ? 2 : 1);
    // One open incident holds them all; no alert points at a missing incident.
    const incidents = await db.handle.db.selectFrom('incidents').select(['id', 'status']).where('org_id', '=', org.org.id).where('service_id', '=', service.id).execute();
    expect(incidents.filter((i) => i.status !== 'resolved')).toHaveLength(1);
    const ids = new Set(incidents.map((i) => i.id));
    expect(rows.every((r) => ids.has(r.incident_id))).toBe(true);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
