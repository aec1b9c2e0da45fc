/**
 * PostgreSQL restarted under load (DESIGN.md §4 invariant 1). The shared
 * PostgreSQL on :5432 is left alone: this test runs a PRIVATE PostgreSQL (initdb in
 * a temp dir, `postgres` as a child process on a free port, as the `postgres` OS
 * user when run as root), points a `vigil serve` child at it, and while events
 * stream in, shuts it down hard (SIGQUIT: immediate shutdown, crash recovery on
 * the next start), keeps sending, then starts it again on the same port.
 *
 * Shown: while it is down Vigil answers 503 with a JSON body and Retry-After and
 * never 202; it recovers by itself (readyz 200, 202s again) without a restart of
 * its own; and every dedup key that was answered 202 is stored exactly once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distBuilt, freePort, initOrg, postJson, request, serviceWithKey, sleep, startVigil, tempDir, trigger, type VigilProcess } from './helpers.js';

function findPgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'postgres'))) return bin;
  }
  return null;
}

const PG_BIN = findPgBin();
const AS_ROOT = process.getuid?.() === 0;
const pgUser = AS_ROOT ? spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }) : null;
const PG_UID = pgUser && pgUser.status === 0 ? Number(pgUser.stdout.trim()) : null;
const PG_GID = AS_ROOT ? Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim() || NaN) : null;
const usable = !!PG_BIN && (!AS_ROOT || PG_UID !== null) && distBuilt();
if (!usable) {
  console.warn(`\n\n!!! PostgreSQL restart fault test SKIPPED: ${!PG_BIN ? 'no initdb/postgres under /usr/lib/postgresql/*/bin' : AS_ROOT && PG_UID === null ? 'running as root and there is no postgres OS user' : 'dist is not built'} !!!\n\n`);
}

/** argv for `cmd`, run as the postgres OS user when we are root (PostgreSQL refuses to run as root). */
const asPg = (cmd: string, args: string[]): [string, string[]] => (AS_ROOT ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);

class PrivatePostgres {
  private proc: ChildProcess | null = null;
  private log = '';
  constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  init(): void {
    if (AS_ROOT) fs.chownSync(this.dir, PG_UID!, PG_GID!);
    const [cmd, args] = asPg(path.join(PG_BIN!, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr || r.stdout}`);
  }

  async start(): Promise<void> {
    const [cmd, args] = asPg(path.join(PG_BIN!, 'postgres'), ['-D', this.dataDir, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=40', '-c', 'shared_buffers=16MB']);
    this.proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (c: Buffer) => (this.log = (this.log + c.toString()).slice(-10_000));
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1_000 });
      try {
        await c.connect();
        await c.query('SELECT 1');
        return;
      } catch {
        await sleep(100);
      } finally {
        await c.end().catch(() => {});
      }
    }
    throw new Error(`private PostgreSQL did not start on ${this.port}:\n${this.log}`);
  }

  private postmasterPid(): number | null {
    try {
      return Number(fs.readFileSync(path.join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return null;
    }
  }

  /** Stop it with `signal` (SIGQUIT = immediate shutdown, as after a crash; SIGINT = fast) and wait until it is gone. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((r) => proc.once('exit', () => r()));
    const pid = this.postmasterPid();
    if (pid) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    } else proc.kill(signal);
    const t = setTimeout(() => {
      const p = this.postmasterPid();
      if (p) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
      proc.kill('SIGKILL');
    }, 10_000);
    await gone;
    clearTimeout(t);
    this.proc = null;
  }
}

interface Outcome {
  key: string;
  status: number;
  sentAt: number;
  answeredAt: number;
  retryAfter: string | null;
  json: unknown;
}

describe.skipIf(!usable)('fault: PostgreSQL restarted under load', () => {
  let dir: string;
  let db: PrivatePostgres;
  let vigil: VigilProcess | null = null;

  beforeAll(async () => {
    dir = tempDir('vigil-pg-fault-');
    db = new PrivatePostgres(dir, await freePort());
    db.init();
    await db.start();
  }, 60_000);

  afterAll(async () => {
    await vigil?.stop();
    await db?.stop('SIGINT');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('answers 503 (JSON, Retry-After) and never 202 while PostgreSQL is down, recovers by itself, and stores every acknowledged key exactly once', async () => {
    const env = { DATABASE_URL: db.url, VIGIL_INGEST_RATE: '0' };
    const token = await initOrg(env);
    vigil = await startVigil(env);
    const { key } = await serviceWithKey(vigil.url, token);
    const base = vigil.url;

    const outcomes: Outcome[] = [];
    let stopLoad = false;
    let seq = 0;
    const hardDeadline = Date.now() + 35_000;
    const worker = async () => {
      while (!stopLoad && Date.now() < hardDeadline && seq < 20_000) {
        const k = `pg-restart-${seq++}`;
        const sentAt = Date.now();
        try {
          const r = await postJson(base, '/v2/enqueue', trigger(key, k), {}, 10_000);
          outcomes.push({ key: k, status: r.status, sentAt, answeredAt: Date.now(), retryAfter: r.headers.get('retry-after'), json: r.json });
        } catch {
          outcomes.push({ key: k, status: 0, sentAt, answeredAt: Date.now(), retryAfter: null, json: undefined });
        }
        if (outcomes.at(-1)!.status !== 202) await sleep(20);
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));

    await sleep(1_500);
    expect(outcomes.filter((o) => o.status === 202).length).toBeGreaterThan(10);

    await db.stop('SIGQUIT');
    const downAt = Date.now();
    // Keep sending while it is down; /readyz must say so too.
    await sleep(2_500);
    if (!vigil.alive()) throw new Error(`vigil died when PostgreSQL went down:\n${vigil.output().slice(-3_000)}`);
    const ready = await request(base, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    const upAt = Date.now();
    await db.start();

    // Vigil recovers by itself: readyz 200, then 202s again.
    const recoverDeadline = Date.now() + 20_000;
    let readyAgain = false;
    while (Date.now() < recoverDeadline) {
      if ((await request(base, 'GET', '/readyz').catch(() => null))?.status === 200) {
        readyAgain = true;
        break;
      }
      await sleep(200);
    }
    expect(readyAgain).toBe(true);
    const recoveredAt = Date.now();
    while (Date.now() < recoverDeadline && !outcomes.some((o) => o.status === 202 && o.sentAt > recoveredAt)) await sleep(100);
    await sleep(500);
    stopLoad = true;
    await load;

    const whileDown = outcomes.filter((o) => o.sentAt > downAt && o.answeredAt < upAt);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.filter((o) => o.status === 202)).toEqual([]);
    for (const o of whileDown) {
      expect(o.status).toBe(503);
      expect(o.retryAfter).toMatch(/^\d+$/);
      expect(o.json).toMatchObject({ status: expect.any(String), errors: expect.any(Array) });
    }
    // Never a 500, never a non-JSON answer, at any point.
    const internal = outcomes.filter((o) => o.status >= 500 && o.status !== 503);
    if (internal.length) {
      const logged = vigil.errors().slice(0, 5).map((l) => l.slice(0, 1_500)).join('\n');
      expect.fail(`${internal.length} answers were ${[...new Set(internal.map((o) => o.status))].join(', ')} (keys ${internal.slice(0, 5).map((o) => o.key).join(', ')}); the server logged:\n${logged}`);
    }
    expect(outcomes.filter((o) => o.status !== 0 && o.json === undefined)).toEqual([]);
    expect(outcomes.some((o) => o.status === 202 && o.sentAt > recoveredAt)).toBe(true);

    // Every 202 is stored exactly once; nothing is stored twice.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const rows = (await c.query<{ dedup_key: string; n: string }>("SELECT dedup_key, count(*) AS n FROM alerts WHERE dedup_key LIKE 'pg-restart-%' GROUP BY dedup_key")).rows;
      const stored = new Map(rows.map((r) => [r.dedup_key, Number(r.n)]));
      const acked = outcomes.filter((o) => o.status === 202).map((o) => o.key);
      expect(acked.filter((k) => stored.get(k) !== 1)).toEqual([]);
      expect([...stored].filter(([, n]) => n !== 1)).toEqual([]);
    } finally {
      await c.end();
    }
    expect(vigil.alive()).toBe(true);
  }, 45_000);
});
