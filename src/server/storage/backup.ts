/**
 * Backups of the whole database: one consistent online copy (`takeBackup`), the copies
 * a running server takes on a schedule and prunes (`BackupScheduler`, clock injected),
 * and the copy taken before a migration changes an existing schema. The copy itself is
 * the dialect's (storage/dialect.ts: SQLite's backup API, or pg_dump); this module names,
 * places, checks and prunes the files. A copy is written under a `.partial` name and
 * renamed only once it has been read back, so a file with a backup's name is whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import { openDatabase, restoreSqliteFile, type DbHandle } from './dialect.js';
import { appliedMigrations, migrateToLatest, pendingOnExisting } from './migrate.js';

export interface BackupResult {
  file: string;
  bytes: number;
  tookMs: number;
}

const SCHEDULED = /^vigil-(\d{8}T\d{6}Z)\.backup$/;

/** `20261206T161500Z`: sortable, safe in a file name on every filesystem. */
export function stamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function fromStamp(s: string): number {
  return Date.parse(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
}

export const scheduledName = (at: number) => `vigil-${stamp(at)}.backup`;
export const preMigrationName = (first: string, at: number) => `vigil-before-${first}-${stamp(at)}.backup`;

export async function takeBackup(handle: DbHandle, file: string, clock: Clock): Promise<BackupResult> {
  const started = clock.now();
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  if (fs.existsSync(file)) throw new Error(`${file} already exists; a backup never overwrites a file`);
  const partial = `${file}.partial`;
  fs.rmSync(partial, { force: true });
  try {
    await handle.backup(partial);
    fs.renameSync(partial, file);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  }
  return { file, bytes: fs.statSync(file).size, tookMs: clock.now() - started };
}

/** The scheduled backups in `dir`, newest first. Other files (pre-migration copies, anything else) are left alone. */
export function scheduledBackups(dir: string): { name: string; at: number }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => ({ name, m: SCHEDULED.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ name, at: fromStamp(m[1]!) }))
    .sort((a, b) => b.at - a.at);
}

/** Which scheduled backups fall outside the newest `keep`. */
export function beyondRetention(backups: { name: string; at: number }[], keep: number): string[] {
  return backups.slice(keep).map((b) => b.name);
}

export type BackupTick = { taken: BackupResult; pruned: string[] } | { taken: null; nextAt: number };

/**
 * Takes a backup into `dir` when the newest one there is `everyMs` old (or there is none),
 * then keeps only the newest `keep`. Idempotent: `tick` may be called as often as
 * wanted; the files themselves say when the last backup was, so a restart neither
 * skips one nor takes one twice.
 */
export class BackupScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  lastError: string | null = null;

  constructor(
    private readonly handle: DbHandle,
    private readonly opts: { dir: string; everyMs: number; keep: number },
    private readonly clock: Clock,
    private readonly logger?: Logger,
  ) {}

  async tick(): Promise<BackupTick> {
    const now = this.clock.now();
    const newest = scheduledBackups(this.opts.dir)[0];
    if (newest && now - newest.at < this.opts.everyMs) return { taken: null, nextAt: newest.at + this.opts.everyMs };
    const taken = await takeBackup(this.handle, path.join(this.opts.dir, scheduledName(now)), this.clock);
    const pruned = beyondRetention(scheduledBackups(this.opts.dir), this.opts.keep);
    for (const name of pruned) fs.rmSync(path.join(this.opts.dir, name), { force: true });
    return { taken, pruned };
  }

  /**
   * One check, as the timer runs it: a failure is logged and kept in `lastError` (the
   * self-checks page on it, engine/self-check) until a check succeeds. Never throws.
   */
  async check(): Promise<void> {
    try {
      const r = await this.tick();
      this.lastError = null;
      if (r.taken) this.logger?.info({ file: r.taken.file, bytes: r.taken.bytes, tookMs: r.taken.tookMs, pruned: r.pruned }, 'backup taken');
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.logger?.error({ err: this.lastError, dir: this.opts.dir }, 'scheduled backup failed');
    }
  }

  /** Checks once a minute (or sooner, for short periods); a failed backup is logged and retried at the next check. */
  start(): void {
    const period = Math.min(60_000, this.opts.everyMs);
    const run = () => {
      if (this.running) return;
      this.running = this.check().finally(() => (this.running = null));
    };
    run();
    this.timer = setInterval(run, period);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

/**
 * Before migrations change an existing database, copy it into `dir` (named after the
 * first pending migration). Returns the backup, or null when nothing is pending or the
 * database is new.
 */
export async function backupBeforeMigrations(handle: DbHandle, dir: string, clock: Clock): Promise<BackupResult | null> {
  const pending = await pendingOnExisting(handle);
  if (!pending.length) return null;
  return takeBackup(handle, path.join(dir, preMigrationName(pending[0]!, clock.now())), clock);
}

/**
 * Puts a backup back into an empty database: a SQLite file is checked and copied into
 * place (`sqliteTarget`), a PostgreSQL archive is restored with pg_restore into a database
 * that holds no Vigil tables yet. Then the usual migrations bring an older backup up to
 * this version. Refuses a non-empty target rather than merge into it.
 */
export async function restoreBackup(file: string, target: { sqliteTarget: string } | { open: () => DbHandle }): Promise<{ migrated: string[] }> {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
  if ('sqliteTarget' in target) {
    fs.mkdirSync(path.dirname(target.sqliteTarget), { recursive: true });
    restoreSqliteFile(file, target.sqliteTarget);
    const handle = openDatabase({ sqliteFile: target.sqliteTarget });
    try {
      return { migrated: await migrateToLatest(handle) };
    } finally {
      await handle.close();
    }
  }
  const handle = target.open();
  try {
    if ((await appliedMigrations(handle)).length) throw new Error('the target database already holds Vigil data; restore into an empty database');
    if (!handle.restore) throw new Error('this database cannot restore an archive');
    await handle.restore(file);
    return { migrated: await migrateToLatest(handle) };
  } finally {
    await handle.close();
  }
}
