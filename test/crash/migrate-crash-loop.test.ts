/**
 * Crash loops (docs/reliability.md): `vigil migrate` killed with SIGKILL while its
 * migration transaction is under way, again and again, then `vigil serve` killed during its
 * start. The pending migrations run in one transaction (Kysely's migrator, on both
 * dialects), so each kill leaves the database exactly as it was; the next run migrates it
 * to exactly the schema of a database migrated in one go, and the server then starts and
 * is ready. Both dialects, through the
 * built CLI (`npm test` builds first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { appliedMigrations } from '../../src/server/storage/migrate.js';
import type { DbHandle } from '../../src/server/storage/dialect.js';
import { DIALECTS, createTestDb, type TestDb } from '../harness.js';
import { CLI, REPO, distBuilt, freePort, sleep } from '../faults/helpers.js';

function run(args: string[], env: Record<string, string>): { proc: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const proc = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  return { proc, exited: new Promise((r) => proc.once('exit', (code) => r(code))), output: () => out };
}

/** Tables, columns and indexes of the database, as text that two databases can be compared by. */
async function schemaOf(t: TestDb): Promise<string[]> {
  const db = t.handle.db;
  if (t.dialect === 'sqlite') {
    const rows = await sql<{ type: string; name: string; sql: string | null }>`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`.execute(db);
    return rows.rows.map((r) => `${r.type} ${r.name}: ${(r.sql ?? '').replace(/\s+/g, ' ')}`);
  }
  const cols = await sql<{ t: string; c: string; d: string; n: string; def: string | null }>`
    SELECT table_name AS t, column_name AS c, data_type AS d, is_nullable AS n, column_default AS def
    FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, column_name`.execute(db);
  const idx = await sql<{ name: string; def: string }>`SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`.execute(db);
  const schema = (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0]!.s;
  return [...cols.rows.map((r) => `column ${r.t}.${r.c} ${r.d} ${r.n} ${r.def ?? ''}`), ...idx.rows.map((r) => `index ${r.name}: ${r.def.replaceAll(`${schema}.`, '')}`)];
}

const count = async (h: DbHandle) => (await appliedMigrations(h)).length;

describe.skipIf(!distBuilt()).each(DIALECTS)('crash loops on %s', (dialect) => {
  const dirs: string[] = [];
  const dbs: TestDb[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.drop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('migrations killed inside their transaction, then start-up killed three times: the same schema as one clean migration, and the server is ready', async () => {
    const reference = await createTestDb(dialect);
    dbs.push(reference);
    const all = await appliedMigrations(reference.handle);
    // A database of an old install (only the first migration), migrated by the CLI from there.
    const t = await createTestDb(dialect, '0001_core');
    dbs.push(t);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-crashloop-'));
    dirs.push(dataDir);
    // SQLite: the test database is the file in its own data directory, so the CLI migrates that file.
    const env = dialect === 'sqlite' ? { ...t.env } : { ...t.env, VIGIL_DATA_DIR: dataDir, VIGIL_BACKUP_BEFORE_MIGRATE: 'off' };
    // SQLite: a connection of our own that never waits, to see another process's write transaction.
    const probe = dialect === 'sqlite' ? new SQLite(path.join(t.env.VIGIL_DATA_DIR!, 'vigil.db'), { timeout: 0 }) : null;
    const writerBusy = (): boolean => {
      try {
        probe!.exec('BEGIN IMMEDIATE');
        probe!.exec('ROLLBACK');
        return false;
      } catch {
        return true;
      }
    };
    /** Whether a migration transaction is under way in another process (SQLite's write lock taken; Kysely's advisory lock on PostgreSQL). */
    const migrating = async (): Promise<boolean> =>
      dialect === 'sqlite'
        ? writerBusy()
        : Number((await sql<{ n: string }>`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()`.execute(t.handle.db)).rows[0]!.n) > 0;

    // All pending migrations run in one transaction: a kill at any moment inside it leaves the
    // database as it was (one migration applied), never half-migrated.
    const rolledBack: number[] = [];
    // SQLite runs all the migrations in a few milliseconds: kill at once, or a little later each time.
    const delays = dialect === 'sqlite' ? [0, 0, 0, 1, 2, 4, 8, 16] : [0, 15, 30, 45, 60, 75];
    for (let i = 0; i < delays.length && rolledBack.length < 4; i++) {
      const m = run(['migrate'], env);
      let exitCode: number | null | undefined;
      void m.exited.then((c) => (exitCode = c));
      while (exitCode === undefined && !(await migrating())) await new Promise((r) => setImmediate(r));
      if (exitCode !== undefined) {
        expect(exitCode, m.output()).toBe(0);
        break;
      }
      if (delays[i]) await sleep(delays[i]!);
      if (exitCode !== undefined) break;
      m.proc.kill('SIGKILL');
      await m.exited;
      const applied = await count(t.handle);
      expect([1, all.length]).toContain(applied);
      if (applied === all.length) break;
      rolledBack.push(i);
    }
    // Killed inside the migration transaction at least twice, each time rolled back whole.
    probe?.close();
    expect(rolledBack.length, 'kills that landed inside the migration').toBeGreaterThanOrEqual(2);
    expect(await appliedMigrations(t.handle)).toEqual(['0001_core']);

    const last = run(['migrate'], env);
    expect(await last.exited, last.output()).toBe(0);
    expect(await appliedMigrations(t.handle)).toEqual(all);
    expect(await schemaOf(t)).toEqual(await schemaOf(reference));

    // Start-up killed three times at growing moments, then a start that is left to finish.
    for (const ms of [150, 400, 900]) {
      const s = run(['serve', '--port', String(await freePort())], env);
      await sleep(ms);
      s.proc.kill('SIGKILL');
      await s.exited;
    }
    const port = await freePort();
    const s = run(['serve', '--port', String(port)], env);
    try {
      let ready = 0;
      for (const deadline = Date.now() + 20_000; Date.now() < deadline && ready !== 200; await sleep(100)) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
      }
      expect(ready, s.output()).toBe(200);
    } finally {
      s.proc.kill('SIGTERM');
      await s.exited;
    }
    expect(await schemaOf(t)).toEqual(await schemaOf(reference));
    console.info(`crash loop (${dialect}): ${rolledBack.length} kills inside the migration transaction, each rolled back; then three kills during start-up`);
  }, 120_000);
});
