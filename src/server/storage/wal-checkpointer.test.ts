import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from './dialect.js';
import type { CheckpointerOptions } from './wal-checkpointer.js';

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
  it("turns the connection's automatic checkpoints off; the thread copies the log, this thread finishes it so it rewinds; nothing is lost", async () => {
    // No fallback by count of commits: only the thread's reports of a long log call for this thread's checkpoint.
    const { h, file } = open({ every: 16, limit: 1e9, restartFrames: 256 });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)`.execute(h.db);
    expect((await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(h.db)).rows[0]!.wal_autocheckpoint).toBe(0);
    // The thread takes a moment to start: a server commits a few hundred times a second, this loop thousands.
    await write(h, 40);
    await until(() => h.checkpointer!.stats.threadCheckpoints > 0);
    await write(h, 3_000);
    await until(() => h.checkpointer!.stats.threadCheckpoints > 10);
    const stats = h.checkpointer!.stats;
    expect(stats.threadsStarted).toBe(1);
    expect(stats.failures).toBe(0);
    // Each finishing checkpoint follows many of the thread's.
    expect(stats.ownCheckpoints).toBeGreaterThan(0);
    expect(stats.ownCheckpoints).toBeLessThan(stats.threadCheckpoints);
    // Without the finishing checkpoints the log would hold every commit: 9,000 frames, 36 MB (measured).
    // This loop commits ~10,000 times a second, a server a few hundred: the thread trails it by ~1,000 frames.
    expect(walBytes(file)).toBeLessThan(8 * 1024 * 1024);
    await h.close();
    const check = new SQLite(file, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3_040 });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });

  it('checkpoints on this thread when none completed for `limit` commits (no thread, a dead one, or one behind)', async () => {
    // `every` beyond reach: the thread is never asked, as if it could not start.
    const { h, file } = open({ every: 1e9, limit: 40 });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)`.execute(h.db);
    await write(h, 400);
    await tick();
    const stats = h.checkpointer!.stats;
    expect(stats.threadsStarted).toBe(0);
    expect(stats.ownCheckpoints).toBeGreaterThanOrEqual(6);
    // ~40 commits of one or two pages between checkpoints, not 400.
    expect(walBytes(file)).toBeLessThan(1024 * 1024);
    expect((await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(h.db)).rows[0]!.n).toBe(400);
  });

  it('starts no thread for commits slower than `every` per `startWithinMs` (an idle server); the fallback checkpoints them', async () => {
    let t = 0;
    const { h } = open({ every: 8, limit: 50, startWithinMs: 1_000, now: () => t });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)`.execute(h.db);
    const c = h.checkpointer!;
    // 8 commits per 1.6 s: never 8 within a second.
    for (let i = 0; i < 120; i++) {
      t += 200;
      await write(h, 1);
      await tick();
    }
    expect(c.stats.threadsStarted).toBe(0);
    expect(c.stats.ownCheckpoints).toBe(2);
    // 8 commits within a second, twice in a row: load, so a thread.
    for (let i = 0; i < 16; i++) {
      t += 10;
      await write(h, 1);
    }
    expect(c.stats.threadsStarted).toBe(1);
  });

  it('the thread ends itself when idle and a new one starts on the next commits; a lost thread is replaced', async () => {
    const { h } = open({ every: 4, idleMs: 150 });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)`.execute(h.db);
    const c = h.checkpointer!;
    await write(h, 10);
    expect(c.thread).not.toBeNull();
    await until(() => c.stats.threadCheckpoints > 0);
    await until(() => c.thread === null);
    await write(h, 10);
    expect(c.stats.threadsStarted).toBe(2);
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
    expect((await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(h.db)).rows[0]!.wal_autocheckpoint).toBe(1000);
  });
});
