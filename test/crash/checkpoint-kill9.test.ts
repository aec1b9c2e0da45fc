/**
 * SQLite's checkpoints on their own thread (storage/wal-checkpointer.ts), killed mid-flight.
 * A child process opens the database as `vigil serve` does (checkpoint thread on, with small
 * thresholds so the thread copies and the main thread finishes and rewinds the log many times
 * a second) and commits transactions of ~3 KB rows as fast as it can, reporting on stdout each
 * count it knows to be on disk (after WalSync's flush, what a 202 waits for). It is killed
 * with SIGKILL at a random moment. Reopened, the database must pass `integrity_check` and hold
 * at least every row reported on disk, in order, with no gap. Process crashes only: a power
 * cut is not simulated on this machine.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIALECT = pathToFileURL(path.join(repoRoot, 'dist/server/storage/dialect.js')).href;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ckpt-kill-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const WRITER = `
const { openDatabase } = await import(${JSON.stringify(DIALECT)});
const h = openDatabase({ sqliteFile: process.argv[2], checkpointThread: { every: 4, restartFrames: 64, startWithinMs: 60_000 } });
await h.db.schema.createTable('t').ifNotExists().addColumn('n', 'integer', (c) => c.primaryKey()).addColumn('body', 'text', (c) => c.notNull()).execute();
let n = Number((await h.db.selectFrom('t').select((eb) => eb.fn.max('n').as('n')).executeTakeFirst())?.n ?? 0);
const body = 'x'.repeat(3000);
for (;;) {
  await h.db.transaction().execute(async (trx) => {
    for (let i = 0; i < 3; i++) await trx.insertInto('t').values({ n: ++n, body }).execute();
  });
  await h.sync();
  const s = h.checkpointer.stats;
  process.stdout.write(n + ' ' + s.threadCheckpoints + ' ' + s.ownCheckpoints + '\\n');
  if (n % 30 === 0) await new Promise((r) => setImmediate(r));
}
`;

/** The last count the writer reported on disk, and how many checkpoints each thread had run by then. */
function runUntilKilled(file: string, killAfterMs: number): Promise<{ synced: number; threadCheckpoints: number; ownCheckpoints: number }> {
  const script = path.join(dir, 'writer.mjs');
  fs.writeFileSync(script, WRITER);
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [script, file], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    proc.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`the writer exited by itself: ${err}`));
      const last = out.split('\n').filter((l) => /^\d+ \d+ \d+$/.test(l)).pop()?.split(' ').map(Number) ?? [0, 0, 0];
      resolve({ synced: last[0]!, threadCheckpoints: last[1]!, ownCheckpoints: last[2]! });
    });
  });
}

describe('SIGKILL while SQLite checkpoints on its own thread', () => {
  it('every row reported on disk is there after each of 6 kills, the file whole, the log rewound many times', async () => {
    const file = path.join(dir, 'v.db');
    let before = 0;
    for (let round = 0; round < 6; round++) {
      const { synced, threadCheckpoints, ownCheckpoints } = await runUntilKilled(file, 700 + Math.floor(Math.random() * 600));
      // The thread copied the log and the main thread finished it, many times, before the kill.
      expect(threadCheckpoints, `round ${round}: checkpoints on the thread`).toBeGreaterThan(5);
      expect(ownCheckpoints, `round ${round}: finishing checkpoints`).toBeGreaterThan(0);
      const walBytes = fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0;
      const db = new SQLite(file);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const { n, max } = db.prepare('SELECT count(*) AS n, coalesce(max(n), 0) AS max FROM t').get() as { n: number; max: number };
        expect(synced, `round ${round}: the writer reported rows on disk`).toBeGreaterThan(before);
        expect(max, `round ${round}: rows reported on disk before the kill`).toBeGreaterThanOrEqual(synced);
        expect(n, `round ${round}: no gap`).toBe(max);
        before = max;
        // 64-frame rewinds under a 128-frame backstop: the log stays small however long the run.
        expect(walBytes, `round ${round}: WAL size at the kill`).toBeLessThan(8 * 1024 * 1024);
      } finally {
        db.close();
      }
    }
  }, 60_000);
});
