import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from './dialect.js';
import { WalCheckpointer, type CheckpointerOptions } from './wal-checkpointer.js';

const dirs: string[] = [];
const handles: DbHandle[] = [];
function open(opts: Partial<CheckpointerOptions> | false): { h: DbHandle; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-ckpt-'));
  dirs.push(dir);
  const file = path.join(dir, 'v.db');
  const h = openDatabase({ sqliteFile: file, checkpointThread: opts });
  handles.push(h);
  return { h, file };
}
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close().catch(() => {});
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const PAGE_OF_TEXT = 'x'.repeat(3_000);
const tick = () => new Promise((resolve) => setImmediate(resolve));
async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `n` transactions of one ~3 KB row each (one page or more of log per commit), yielding to the event loop every 25 as a server does between batches. */
async function write(h: DbHandle, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await sql`INSERT INTO t (body) VALUES (${PAGE_OF_TEXT})`.execute(h.db);
    if (i % 25 === 24) await tick();
  }
}

const walBytes = (file: string) => fs.statSync(`${file}-wal`).size;

describe('WalCheckpointer: SQLite checkpoints on their own thread', () => {
  const autocheckpoint = async (h: DbHandle) => (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(h.db)).rows[0]!.wal_autocheckpoint;

  it('under load the thread copies the log and this thread finishes it so it rewinds; the automatic checkpoint is only a far backstop meanwhile; nothing is lost', async () => {
    const { h, file } = open({ every: 16, restartFrames: 256 });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)`.execute(h.db);
    expect(await autocheckpoint(h)).toBe(1_000);
    // The thread takes a moment to start: a server commits a few hundred times a second, this loop thousands.
    await write(h, 40);
    await until(() => h.checkpointer!.stats.threadCheckpoints > 0);
    expect(await autocheckpoint(h)).toBe(512);
    await write(h, 3_000);
    await until(() => h.checkpointer!.stats.threadCheckpoints > 10);
    const stats = h.checkpointer!.stats;
    expect(stats.threadsStarted).toBe(1);
    expect(stats.failures).toBe(0);
    // Each finishing checkpoint follows many of the thread's.
    expect(stats.ownCheckpoints).toBeGreaterThan(0);
    expect(stats.ownCheckpoints).toBeLessThan(stats.threadCheckpoints);
    // Without checkpoints the log would hold every commit: 9,000 frames, 36 MB (measured). This
    // loop commits ~10,000 times a second, a server a few hundred: the thread trails it (7–8 MB seen).
    expect(walBytes(file)).toBeLessThan(20 * 1024 * 1024);
    await h.close();
    const check = new SQLite(file, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3_040 });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });

  it('a thread that cannot start is not started again for `retryStartMs`; SQLite’s own checkpoints carry on', async () => {
    let t = 0;
    const { h, file } = open(false);
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)`.execute(h.db);
    // A checkpointer whose thread fails as it starts (its database cannot be opened).
    const errors: string[] = [];
    const conn = new SQLite(file);
    const c = new WalCheckpointer(conn, path.join(path.dirname(file), 'missing', 'v.db'), { every: 2, startWithinMs: 1e9, retryStartMs: 1_000, now: () => t, onError: (m) => errors.push(m) });
    try {
      c.noteCommit();
      c.noteCommit();
      c.noteCommit();
      c.noteCommit();
      expect(c.stats.threadsStarted).toBe(1);
      expect(conn.pragma('wal_autocheckpoint', { simple: true })).toBe(2 * 16_384);
      await until(() => c.thread === null);
      expect(errors.length).toBeGreaterThan(0);
      expect(conn.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
      for (let i = 0; i < 50; i++) c.noteCommit();
      expect(c.stats.threadsStarted).toBe(1);
      t += 1_001;
      c.noteCommit();
      c.noteCommit();
      expect(c.stats.threadsStarted).toBe(2);
      await until(() => c.thread === null);
    } finally {
      await c.close();
      conn.close();
    }
  });

  it('starts no thread for commits slower than `every` per `startWithinMs` (an idle server): SQLite’s own checkpoints do', async () => {
    let t = 0;
    const { h } = open({ every: 8, startWithinMs: 1_000, now: () => t });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)`.execute(h.db);
    const c = h.checkpointer!;
    // 8 commits per 1.6 s: never 8 within a second.
    for (let i = 0; i < 120; i++) {
      t += 200;
      await write(h, 1);
    }
    expect(c.stats.threadsStarted).toBe(0);
    expect(await autocheckpoint(h)).toBe(1_000);
    // 8 commits within a second, twice in a row: load, so a thread.
    for (let i = 0; i < 16; i++) {
      t += 10;
      await write(h, 1);
    }
    expect(c.stats.threadsStarted).toBe(1);
    expect(await autocheckpoint(h)).toBe(2 * 16_384);
  });

  it('the thread ends itself when idle and a new one starts on the next commits; a lost thread is replaced', async () => {
    const { h } = open({ every: 4, idleMs: 150 });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)`.execute(h.db);
    const c = h.checkpointer!;
    await write(h, 10);
    expect(c.thread).not.toBeNull();
    await until(() => c.stats.threadCheckpoints > 0);
    await until(() => c.thread === null);
    const first = c.stats.threadCheckpoints;
    await write(h, 10);
    expect(c.stats.threadsStarted).toBe(2);
    // A thread lost after it worked is replaced at once (one lost before its first checkpoint waits `retryStartMs`).
    await until(() => c.stats.threadCheckpoints > first);
    await c.thread!.terminate();
    await until(() => c.thread === null);
    const before = c.stats.threadCheckpoints;
    await write(h, 10);
    expect(c.stats.threadsStarted).toBe(3);
    await until(() => c.stats.threadCheckpoints > before);
  });

  it('closing the database ends the thread first and leaves a whole file', async () => {
    const { h, file } = open({ every: 4, idleMs: 60_000 });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)`.execute(h.db);
    await write(h, 50);
    const thread = h.checkpointer!.thread!;
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    await h.close();
    expect(await exited).toBe(0);
    const check = new SQLite(file, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 50 });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });

  it('a short-lived command keeps SQLite’s own checkpoints', async () => {
    const { h } = open(false);
    expect(h.checkpointer).toBeUndefined();
    expect(await autocheckpoint(h)).toBe(1_000);
  });
});
