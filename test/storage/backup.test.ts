/**
 * Issue 18, backups: a copy taken while events keep arriving restores to a database
 * that holds every event acknowledged before the copy began, and a copy taken at rest
 * restores to the same rows, table by table (checksums); scheduled backups keep the
 * newest N by the manual clock; a migration is preceded by a backup; a restore never
 * overwrites data. SQLite through its backup API, PostgreSQL through pg_dump/pg_restore.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { DIALECTS, PG_URL, createTestDb, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, enqueue } from '../api/helpers.js';
import { openDatabase, checkSqliteFile, type DbHandle } from '../../src/server/storage/dialect.js';
import { BackupScheduler, backupBeforeMigrations, restoreBackup, scheduledBackups, takeBackup } from '../../src/server/storage/backup.js';
import { systemClock } from '../../src/server/lib/clock.js';

/** Per table: row count and a SHA-256 over its rows in a canonical order. */
async function digests(db: Kysely<any>): Promise<Record<string, { rows: number; sha256: string }>> {
  const out: Record<string, { rows: number; sha256: string }> = {};
  const tables = (await db.introspection.getTables()).map((t) => t.name).sort();
  for (const t of tables) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(t)}`.execute(db)).rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))));
    rows.sort();
    out[t] = { rows: rows.length, sha256: createHash('sha256').update(rows.join('\n')).digest('hex') };
  }
  return out;
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-backup-'));

/** Restores `file` into a new, empty database of the same dialect and returns a handle on it. */
async function restoreElsewhere(dialect: 'sqlite' | 'postgres', file: string, schema: string | undefined, cleanups: (() => Promise<void>)[]): Promise<DbHandle> {
  if (dialect === 'sqlite') {
    const dir = tmp();
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    await restoreBackup(file, { sqliteTarget: path.join(dir, 'vigil.db') });
    const h = openDatabase({ sqliteFile: path.join(dir, 'vigil.db') });
    cleanups.push(() => h.close());
    return h;
  }
  const name = `vigil_restore_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  await restoreBackup(file, { open: () => openDatabase({ postgresUrl: url.toString(), ...(schema ? { pgSchema: schema } : {}) }) });
  const h = openDatabase({ postgresUrl: url.toString(), ...(schema ? { pgSchema: schema } : {}) });
  cleanups.push(async () => {
    await h.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  return h;
}

describe.each(DIALECTS)('backups (%s)', (dialect) => {
  let t: TestApp;
  let key: string;
  const cleanups: (() => Promise<void>)[] = [];
  const dir = tmp();
  beforeAll(async () => {
    t = await createApp(dialect);
    key = (await serviceWithKey(t)).key;
  });
  // Dropping the restored PostgreSQL databases asks the server for a checkpoint, which waits on
  // every other suite's writes when the machine is busy: the hook gets more than the default minute.
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);
  const schemaOf = async () => (dialect === 'postgres' ? (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(t.db.handle.db)).rows[0]!.s : undefined);

  it('a copy taken under write load holds every event acknowledged before it began, and is consistent', async () => {
    const before: string[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await enqueue(t, trigger(key, { dedup_key: `before-${i}` }, { summary: `Before the backup ${i}` }));
      expect(r.statusCode).toBe(202);
      before.push(`before-${i}`);
    }
    // Writers keep going while the copy runs.
    let stop = false;
    let during = 0;
    const load = (async () => {
      for (let i = 0; !stop && i < 2000; i++) {
        const r = await enqueue(t, trigger(key, { dedup_key: `during-${i}` }, { summary: `During the backup ${i}` }));
        if (r.statusCode === 202) during++;
      }
    })();
    const file = path.join(dir, 'under-load.backup');
    const r = await takeBackup(t.db.handle, file, systemClock);
    stop = true;
    await load;
    expect(r.bytes).toBeGreaterThan(0);
    expect(during).toBeGreaterThan(0);
    if (dialect === 'sqlite') checkSqliteFile(file);
    const restored = await restoreElsewhere(dialect, file, await schemaOf(), cleanups);
    const keys = (await sql<{ dedup_key: string }>`SELECT dedup_key FROM alerts`.execute(restored.db)).rows.map((x) => x.dedup_key);
    for (const k of before) expect(keys).toContain(k);
    // Each alert it holds came with its incident: a committed state, not a torn one.
    const orphans = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM alerts a WHERE a.incident_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = a.incident_id)`.execute(restored.db);
    expect(Number(orphans.rows[0]!.n)).toBe(0);
  });

  it('a copy taken at rest restores to the same rows, table by table', async () => {
    const file = path.join(dir, 'at-rest.backup');
    await takeBackup(t.db.handle, file, systemClock);
    const restored = await restoreElsewhere(dialect, file, await schemaOf(), cleanups);
    const live = await digests(t.db.handle.db);
    const back = await digests(restored.db);
    expect(Object.keys(live).length).toBeGreaterThan(20);
    expect(back).toEqual(live);
    expect(live['alerts']!.rows).toBeGreaterThanOrEqual(60);
  });

  it('never overwrites: an existing backup file, or a restore into a database that holds data', async () => {
    const file = path.join(dir, 'at-rest.backup');
    await expect(takeBackup(t.db.handle, file, systemClock)).rejects.toThrow(/already exists/);
    if (dialect === 'sqlite') {
      const target = path.join(dir, 'occupied.db');
      fs.writeFileSync(target, 'not empty');
      await expect(restoreBackup(file, { sqliteTarget: target })).rejects.toThrow(/already exists/);
      expect(fs.readFileSync(target, 'utf8')).toBe('not empty');
    } else {
      const schema = await schemaOf();
      await expect(restoreBackup(file, { open: () => openDatabase({ postgresUrl: PG_URL, pgSchema: schema! }) })).rejects.toThrow(/already holds Vigil data/);
    }
  });
});

describe('scheduled backups and the backup before a migration (sqlite, manual clock)', () => {
  it('takes one when due, none in between, and keeps the newest N', async () => {
    const db = await createTestDb('sqlite');
    const dir = tmp();
    try {
      const clock = manualClock('2026-03-07T23:30:00Z');
      const s = new BackupScheduler(db.handle, { dir, everyMs: 24 * 3_600_000, keep: 2 }, clock);
      const first = await s.tick();
      expect(first.taken?.file).toBe(path.join(dir, 'vigil-20260307T233000Z.backup'));
      clock.advance(3_600_000);
      const notYet = await s.tick();
      expect(notYet.taken).toBeNull();
      expect(notYet.taken === null && notYet.nextAt).toBe(Date.parse('2026-03-08T23:30:00Z'));
      clock.advance(23 * 3_600_000);
      expect((await s.tick()).taken).not.toBeNull();
      clock.advance(24 * 3_600_000);
      const third = await s.tick();
      expect(third.taken && third.pruned).toEqual(['vigil-20260307T233000Z.backup']);
      expect(scheduledBackups(dir).map((b) => b.name)).toEqual(['vigil-20260309T233000Z.backup', 'vigil-20260308T233000Z.backup']);
      // Other files in the directory are never pruned.
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
      clock.advance(24 * 3_600_000);
      await s.tick();
      expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(true);
      for (const b of scheduledBackups(dir)) checkSqliteFile(path.join(dir, b.name));
    } finally {
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('backs up an existing database before migrating it, and a new or current one not at all', async () => {
    const old = await createTestDb('sqlite', '0009_event_orchestrations');
    const current = await createTestDb('sqlite');
    const dir = tmp();
    try {
      const clock = manualClock('2026-11-01T06:00:00Z');
      const r = await backupBeforeMigrations(old.handle, dir, clock);
      expect(path.basename(r!.file)).toBe('vigil-before-0010_maintenance-20261101T060000Z.backup');
      checkSqliteFile(r!.file);
      expect(await backupBeforeMigrations(current.handle, dir, clock)).toBeNull();
    } finally {
      await old.drop();
      await current.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Four `vigil` processes, each loading the CLI: 30 s was short on a busy machine.
  it('`vigil backup` and `vigil restore` from the command line', { timeout: 90_000 }, async () => {
    const cli = path.resolve('dist/cli/main.js');
    if (!fs.existsSync(cli)) throw new Error('dist/cli/main.js is missing: npm test builds it first');
    const src = tmp();
    const dst = tmp();
    try {
      const env = { ...process.env, VIGIL_DATA_DIR: src, DATABASE_URL: '' };
      execFileSync(process.execPath, [cli, 'init', '--org', 'Harbor Crisis Line', '--email', 'owner@harbor.example', '--json'], { env });
      const file = path.join(src, 'copy.backup');
      const out = execFileSync(process.execPath, [cli, 'backup', file], { env }).toString();
      expect(out).toMatch(/backup written to .*copy\.backup \(\d+ bytes/);
      execFileSync(process.execPath, [cli, 'restore', file], { env: { ...env, VIGIL_DATA_DIR: dst } });
      const h = openDatabase({ sqliteFile: path.join(dst, 'vigil.db') });
      const orgs = await sql<{ name: string }>`SELECT name FROM organizations`.execute(h.db);
      await h.close();
      expect(orgs.rows.map((o) => o.name)).toEqual(['Harbor Crisis Line']);
      // A second restore into the same directory is refused and changes nothing.
      expect(() => execFileSync(process.execPath, [cli, 'restore', file], { env: { ...env, VIGIL_DATA_DIR: dst }, stdio: 'pipe' })).toThrow(/already exists/);
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
      fs.rmSync(dst, { recursive: true, force: true });
    }
  });
});
