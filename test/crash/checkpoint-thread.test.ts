/**
 * Crash test of the SQLite checkpoint thread (storage/checkpointer.ts): a child process
 * commits batches as ingest does (a transaction, then the WAL flush that a 202 waits for)
 * while its checkpoint thread copies and rewinds the log as often as it can, and is killed
 * with SIGKILL at a random moment. Reopened, the database passes SQLite's integrity check and
 * holds every batch the child reported as flushed, whole. Needs the build (dist/).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIALECT = path.join(repoRoot, 'dist/server/storage/dialect.js');

const CHILD = `
import { sql } from 'kysely';
import { openDatabase } from ${JSON.stringify(DIALECT)};
const h = openDatabase({ sqliteFile: process.argv[1], checkpointThread: { intervalMs: 2, restartFrames: 100 } });
await sql\`CREATE TABLE IF NOT EXISTS t (batch INTEGER NOT NULL, i INTEGER NOT NULL, k TEXT NOT NULL UNIQUE, v TEXT NOT NULL, PRIMARY KEY (batch, i))\`.execute(h.db);
const pad = 'x'.repeat(800);
for (let batch = 1; ; batch++) {
  await h.db.transaction().execute(async (trx) => {
    for (let i = 0; i < 20; i++) await sql\`INSERT INTO t (batch, i, k, v) VALUES (\${batch}, \${i}, \${String(Math.random())}, \${pad})\`.execute(trx);
  });
  await h.sync();
  process.stdout.write('flushed ' + batch + ' ' + h.checkpointer.checkpoints + ' ' + (h.checkpointer.active ? 1 : 0) + '\\n');
}
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Run the child until it has flushed past `minBatches` with the thread checkpointing, then SIGKILL it; the last batch it reported flushed. */
async function runAndKill(file: string, minBatches: number, extraMs: number): Promise<{ flushed: number; checkpoints: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, file], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let flushed = 0;
  let checkpoints = 0;
  let active = false;
  let buf = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) {
      const [, n, c, a] = l.split(' ');
      flushed = Number(n);
      checkpoints = Number(c);
      active = a === '1';
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const end = Date.now() + 20_000;
  while (!(flushed >= minBatches && checkpoints >= 20 && active)) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`child did not get going (flushed ${flushed}, checkpoints ${checkpoints}): ${err}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, extraMs));
  child.kill('SIGKILL');
  await exited;
  // Lines read after the kill were written before it: the last one counts.
  return { flushed, checkpoints };
}

describe('SQLite checkpoint thread under kill -9', () => {
  it('every flushed batch survives, whole, and the file is intact', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ckpt-kill-'));
    dirs.push(dir);
    const file = path.join(dir, 'vigil.db');
    for (const extraMs of [0, 37, 173]) {
      const { flushed, checkpoints } = await runAndKill(file, 50, extraMs);
      expect(checkpoints).toBeGreaterThan(0);
      const conn = new SQLite(file);
      try {
        expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
        const rows = conn.prepare('SELECT batch, count(*) AS n FROM t GROUP BY batch').all() as { batch: number; n: number }[];
        const byBatch = new Map(rows.map((r) => [r.batch, r.n]));
        for (let b = 1; b <= flushed; b++) expect(byBatch.get(b), `batch ${b} of ${flushed}`).toBe(20);
        // Whole batches only (one committed after the last report may be there too).
        for (const n of byBatch.values()) expect(n).toBe(20);
        // The next run numbers its batches from 1 again.
        conn.exec('DELETE FROM t');
      } finally {
        conn.close();
      }
    }
  }, 90_000);
});
