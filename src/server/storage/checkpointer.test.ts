/**
 * The checkpoint thread (checkpointer.ts): while it runs, commits do not checkpoint (the main
 * connection's automatic checkpoint is off), the thread copies the log into the database and
 * the log is rewound (its file stays bounded under a steady stream of commits, which passive
 * checkpoints alone never rewind); when it stops or fails, the main connection checkpoints again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from './checkpointer.js';

const dirs: string[] = [];
const conns: SQLite.Database[] = [];
afterEach(() => {
  for (const c of conns.splice(0)) if (c.open) c.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function database(): { conn: SQLite.Database; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ckpt-'));
  dirs.push(dir);
  const file = path.join(dir, 'vigil.db');
  const conn = new SQLite(file);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('busy_timeout = 5000');
  conn.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)');
  conns.push(conn);
  return { conn, file };
}

const autoCheckpoint = (conn: SQLite.Database) => conn.pragma('wal_autocheckpoint', { simple: true });
const until = async (what: string, ok: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('checkpoint thread', () => {
  it('takes over checkpoints, keeps the log bounded under steady commits, and hands them back when stopped', async () => {
    const { conn, file } = database();
    const c = new Checkpointer(conn, file, { intervalMs: 5, restartFrames: 200 });
    await until('the thread', () => c.active);
    expect(autoCheckpoint(conn)).toBe(0);
    const insert = conn.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const pad = 'x'.repeat(1_000);
    let maxWal = 0;
    // Commits keep coming while the thread checkpoints: random keys touch many index pages.
    for (let batch = 0; batch < 400; batch++) {
      conn.transaction(() => {
        for (let i = 0; i < 20; i++) insert.run(`${Math.random()}`, pad);
      })();
      maxWal = Math.max(maxWal, fs.statSync(`${file}-wal`).size);
      await new Promise((r) => setTimeout(r, 1));
    }
    await until('a checkpoint of everything', () => c.checkpoints > 10 && c.framesCopied > 1_000);
    // 8,000 rows of 1 KB are ~10 MB of pages: without a rewind the log would hold them all.
    expect(maxWal).toBeLessThan(6 * 1024 * 1024);
    await c.stop();
    expect(autoCheckpoint(conn)).toBe(1_000);
    expect(c.failure).toBeNull();
    expect(conn.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 8_000 });
    expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('leaves checkpoints to the main connection when the thread cannot start', async () => {
    const { conn } = database();
    const failures: string[] = [];
    const c = new Checkpointer(conn, path.join(os.tmpdir(), 'no-such-dir-vigil', 'missing.db'), { onFailure: (why) => failures.push(why) });
    await until('the failure', () => failures.length > 0);
    expect(c.active).toBe(false);
    expect(autoCheckpoint(conn)).toBe(1_000);
    await c.stop();
  });
});
