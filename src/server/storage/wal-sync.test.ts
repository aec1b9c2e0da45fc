import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from './dialect.js';
import { WalSync } from './wal-sync.js';

const dirs: string[] = [];
const handles: DbHandle[] = [];
function open(): DbHandle {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-wal-'));
  dirs.push(dir);
  const h = openDatabase({ sqliteFile: path.join(dir, 'v.db') });
  handles.push(h);
  return h;
}
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close().catch(() => {});
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('WalSync: SQLite commits flushed off the event loop', () => {
  it('runs SQLite with synchronous = NORMAL on a file and FULL in memory', async () => {
    const h = open();
    const r = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(h.db);
    expect(r.rows[0]!.synchronous).toBe(1);
    const mem = openDatabase({});
    handles.push(mem);
    expect((await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(mem.db)).rows[0]!.synchronous).toBe(2);
    expect(mem.wal).toBeUndefined();
  });

  it('counts commits and autocommit writes, not reads; sync() flushes once for everything before it', async () => {
    const h = open();
    const wal = h.wal!;
    await sql`CREATE TABLE t (a INTEGER)`.execute(h.db);
    await h.sync();
    const before = wal.fsyncs;
    expect(wal.pending).toBe(false);
    await sql`SELECT * FROM t`.execute(h.db);
    expect(wal.pending).toBe(false);
    await h.sync();
    expect(wal.fsyncs).toBe(before);

    // A transaction that only reads, or one rolled back, has nothing to flush.
    await h.db.transaction().execute(async (trx) => {
      await sql`SELECT * FROM t`.execute(trx);
    });
    await expect(
      h.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO t VALUES (0)`.execute(trx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(wal.pending).toBe(false);

    await sql`INSERT INTO t VALUES (1)`.execute(h.db);
    expect(wal.pending).toBe(true);
    await h.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO t VALUES (2)`.execute(trx);
      await sql`INSERT INTO t VALUES (3)`.execute(trx);
    });
    // Ten requests waiting at once share the flushes in flight: at most two fsyncs.
    await Promise.all(Array.from({ length: 10 }, () => h.sync()));
    expect(wal.pending).toBe(false);
    expect(wal.fsyncs - before).toBeGreaterThanOrEqual(1);
    expect(wal.fsyncs - before).toBeLessThanOrEqual(2);
  });

  it('a commit made while a flush is running gets a flush of its own', async () => {
    const h = open();
    const wal = h.wal!;
    await sql`CREATE TABLE t (a INTEGER)`.execute(h.db);
    const first = h.sync();
    await sql`INSERT INTO t VALUES (1)`.execute(h.db);
    const second = h.sync();
    await Promise.all([first, second]);
    expect(wal.pending).toBe(false);
  });

  it('reopens the WAL file when it was deleted and recreated (journal mode switched away and back)', async () => {
    const h = open();
    const wal = h.wal!;
    await sql`CREATE TABLE t (a INTEGER)`.execute(h.db);
    await h.sync();
    await sql`PRAGMA journal_mode = DELETE`.execute(h.db);
    await sql`PRAGMA journal_mode = WAL`.execute(h.db);
    await sql`INSERT INTO t VALUES (1)`.execute(h.db);
    const before = wal.fsyncs;
    await h.sync();
    expect(wal.fsyncs).toBe(before + 1);
    expect(wal.pending).toBe(false);
  });

  it('a failed flush is fatal: onFatal runs and sync() rejects (nothing is acknowledged)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-wal-'));
    dirs.push(dir);
    const errors: Error[] = [];
    // No WAL file exists at this path: opening it for the flush fails.
    const w = new WalSync(path.join(dir, 'missing.db'), (e) => errors.push(e));
    w.noteCommit();
    await expect(w.sync()).rejects.toThrow(/ENOENT/);
    expect(errors).toHaveLength(1);
    expect(w.pending).toBe(true);
  });
});
