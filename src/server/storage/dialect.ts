/**
 * Every difference between SQLite and PostgreSQL lives here, behind named functions:
 * how a connection is opened and tuned, how rows are locked, how many writers can run
 * at once, and how errors are classified. Nothing else in the server asks which
 * dialect it runs on; it calls these. The dialect of a query builder (a database or a
 * transaction) is told from its adapter (`dialectOf`), the one way it is told apart.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { lazyRequire } from '../lib/lazy-require.js';
import { CompiledQuery, Kysely, PostgresAdapter, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type DatabaseIntrospector, type DatabaseMetadataOptions, type Dialect, type RawBuilder, type TableMetadata } from 'kysely';
import type { Database } from './schema.js';
import { WalSync } from './wal-sync.js';
import { registerPool } from './reader-beside.js';
import { nameOnPostgres, namingClient } from './named-statements.js';
import { WalCheckpointer, type CheckpointerOptions } from './wal-checkpointer.js';
import { StorageHealth, watchedDialect } from './health.js';

const COMMIT = /^\s*(commit|end)\b/i;

/** Runs a PostgreSQL client tool to completion; its stderr becomes the error. */
function runTool(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`${cmd} could not run (${e.message}); install the PostgreSQL client tools (Debian: postgresql-client)`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (exit ${code}): ${err.trim().slice(0, 500)}`))));
  });
}
const ROLLBACK = /^\s*rollback\s*$/i;
/** Kysely's SQLite driver opens every transaction with a bare BEGIN (DEFERRED). */
const DEFERRED_BEGIN = /^\s*begin\s*(deferred\s*)?(transaction\s*)?;?\s*$/i;
/** What it is sent as instead (SQLite counts it as a write statement: it is not one to flush). */
const IMMEDIATE_BEGIN = 'begin immediate';

export type DialectName = 'sqlite' | 'postgres';

export interface DbHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /**
   * Resolves once everything committed so far is on disk. PostgreSQL: at once (its
   * COMMIT returns after the flush). SQLite: see storage/wal-sync.ts.
   */
  sync(): Promise<void>;
  /** SQLite on a file: the WAL flusher (exposed for metrics and tests). */
  wal?: WalSync;
  /** SQLite on a file: its path, for another connection to the same database (ingest/writer-thread.ts). */
  file?: string;
  /** SQLite on a file opened with `checkpointThread` (exposed for tests). */
  checkpointer?: WalCheckpointer;
  /** Whether storage takes writes, as last seen (storage/health.ts; /readyz). */
  health: StorageHealth;
  /**
   * A write that commits, for /readyz while storage is failing: resolves when storage takes
   * writes again (and clears `health`), throws the storage error while it does not.
   */
  probe(): Promise<void>;
  /**
   * A consistent online copy into `file` while the database keeps serving. SQLite: its
   * backup API (pages copied in steps, restarted if a write lands meanwhile, so the copy
   * is one committed state). PostgreSQL: `pg_dump --format=custom` (one snapshot), of
   * this handle's schema when it has one.
   */
  backup(file: string): Promise<void>;
  /** Put a backup taken by `backup` into this (empty) database. SQLite restores by file copy instead (see storage/backup.ts). */
  restore?(file: string): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL's driver, loaded when a PostgreSQL database is first opened (a SQLite node never loads it). */
const loadPg = lazyRequire<typeof pg>('pg');
let pgTuned: typeof pg | undefined;
export function pgDriver(): typeof pg {
  if (pgTuned) return pgTuned;
  pgTuned = loadPg();
  // BIGINT (int8) columns hold epoch milliseconds, well inside Number's safe range.
  pgTuned.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
  return pgTuned;
}

export interface OpenOptions {
  sqliteFile?: string;
  postgresUrl?: string;
  /** PostgreSQL schema to use as search_path (tests isolate themselves this way). */
  pgSchema?: string;
  poolSize?: number;
  /** How long a query waits for a pooled connection before failing (pool_exhausted, answered 503). */
  poolTimeoutMs?: number;
  /**
   * SQLite on a file: checkpoint on a worker thread rather than inside the COMMIT that
   * fills the log (storage/wal-checkpointer.ts). For `vigil serve`; a short-lived command
   * keeps SQLite's own checkpoints.
   */
  checkpointThread?: Partial<CheckpointerOptions> | boolean;
}

export function openDatabase(opts: OpenOptions): DbHandle {
  if (opts.postgresUrl) {
    const driver = pgDriver();
    const pool = new driver.Pool({
      Client: namingClient(driver.Client),
      connectionString: opts.postgresUrl,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: opts.poolTimeoutMs ?? 5_000,
      ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    });
    // An idle client losing its server (PostgreSQL restarted) must not crash the process.
    pool.on('error', () => {});
    // A checked-out client that loses its server emits 'error' with no pool listener attached
    // (node-postgres#3202): without this, a PostgreSQL restart would crash the process.
    pool.on('connect', (client) => client.on('error', () => {}));
    const health = new StorageHealth();
    const db = new Kysely<Database>({ dialect: watchedDialect(inCurrentSchema(new PostgresDialect({ pool })), health, storageFailure) });
    registerPool(db, pool);
    const url = opts.postgresUrl;
    const schemaArgs = opts.pgSchema ? [`--schema=${opts.pgSchema}`] : [];
    return {
      db,
      dialect: 'postgres',
      health,
      sync: async () => {},
      probe: () => probeWrite(db, health),
      backup: async (file) => {
        await runTool('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`, ...schemaArgs, url]);
        // The archive's table of contents must read back before the copy counts as a backup.
        await runTool('pg_restore', ['--list', file]);
      },
      restore: (file) => runTool('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${url}`, file]),
      close: () => db.destroy(),
    };
  }
  const file = opts.sqliteFile ?? ':memory:';
  const conn = new SQLite(file);
  const journal = conn.pragma('journal_mode = WAL', { simple: true });
  // NORMAL: a COMMIT writes the WAL without fsync; WalSync flushes it off the event loop
  // before anything is acknowledged (DESIGN.md invariant 1; storage/wal-sync.ts says why
  // that is as durable as FULL). In memory (journal "memory") there is nothing to flush.
  const wal = journal === 'wal' ? new WalSync(file) : null;
  conn.pragma(wal ? 'synchronous = NORMAL' : 'synchronous = FULL');
  conn.pragma('foreign_keys = ON');
  conn.pragma('busy_timeout = 5000');
  // A 4 MiB page cache, not better-sqlite3's 16 MiB build default (SQLite's own is 2 MiB):
  // with 100,000 incidents the engine's scans filled all 16 MiB, which idle memory kept
  // (110 → 97 MiB 60 s after ready, docs/benchmarks.md, stop 30). The file's pages stay in
  // the OS page cache, so a page read again costs a read(2), not the disk.
  conn.pragma('cache_size = -4000');
  const checkpointer = wal && opts.checkpointThread ? new WalCheckpointer(conn, file, opts.checkpointThread === true ? {} : opts.checkpointThread) : null;
  if (checkpointer) wal!.onCommit(() => checkpointer.noteCommit());
  const health = new StorageHealth();
  const db = new Kysely<Database>({ dialect: watchedDialect(withTransactionalDdl(new SqliteDialect({ database: withStatementCache(conn, wal) })), health, storageFailure) });
  return {
    db,
    dialect: 'sqlite',
    health,
    sync: () => (wal ? wal.sync() : Promise.resolve()),
    ...(wal ? { wal, file } : {}),
    ...(checkpointer ? { checkpointer } : {}),
    probe: async () => {
      if (file !== ':memory:') sqliteHeadroom(conn, file);
      await probeWrite(db, health);
      if (wal) await wal.sync();
    },
    backup: async (target) => {
      if (file === ':memory:') throw new Error('an in-memory database has nothing to back up');
      await conn.backup(target);
      checkSqliteFile(target);
    },
    close: async () => {
      if (wal) await wal.sync();
      await checkpointer?.close();
      await db.destroy();
      wal?.close();
    },
  };
}

/**
 * Kysely's SQLite driver prepares every statement afresh; preparing costs as much as
 * running a small one. Keep the most recently used statements by their SQL text
 * (queries are parameterised, so the set of texts is small; the bound keeps in-list
 * variants from growing it). Safe because Kysely runs one statement at a time on the
 * connection and never keeps an iterator open across statements here (no `.stream()`).
 */
function withStatementCache(conn: SQLite.Database, wal: WalSync | null, max = 1_000): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  let wrote = false;
  // SQLite rolls a transaction back by itself when a statement or its COMMIT fails with
  // SQLITE_FULL, SQLITE_IOERR or SQLITE_NOMEM. Kysely then sends ROLLBACK, which would fail
  // with "cannot rollback - no transaction is active" and replace the error that explains
  // the failure (a full disk answered 500 instead of 503). There is nothing left to roll
  // back: run a statement that does nothing, and the original error reaches the caller.
  const nothing = conn.prepare('SELECT 1 WHERE 0');
  return {
    prepare(sqlText) {
      // Every transaction takes the write lock at its BEGIN (IMMEDIATE): with a second
      // connection on the file (the ingest writer thread), a DEFERRED transaction that read
      // and then writes after the other one committed fails at once with SQLITE_BUSY_SNAPSHOT,
      // which the busy handler cannot wait out. IMMEDIATE waits (busy_timeout) at BEGIN instead.
      const text = DEFERRED_BEGIN.test(sqlText) ? IMMEDIATE_BEGIN : sqlText;
      if (!conn.inTransaction && ROLLBACK.test(text)) {
        wrote = false;
        return nothing;
      }
      let stmt = cache.get(text);
      if (stmt) {
        cache.delete(text);
      } else {
        stmt = conn.prepare(text);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, stmt);
      // Kysely runs the statement right after preparing it, in the same synchronous call,
      // so counting the commit here orders it before any fsync that a later sync() starts.
      // A transaction that wrote nothing commits nothing to flush.
      if (wal) {
        if (COMMIT.test(text)) {
          if (wrote) wal.noteCommit();
          wrote = false;
        } else if (ROLLBACK.test(text)) {
          wrote = false;
        } else if (!stmt.readonly && text !== IMMEDIATE_BEGIN) {
          if (conn.inTransaction) wrote = true;
          else wal.noteCommit();
        }
      }
      return stmt;
    },
    close: () => conn.close(),
  };
}

/**
 * Which dialect a database or transaction speaks. Kysely marks `getExecutor()` internal;
 * it is the only handle a transaction keeps on its dialect, and it is read here alone.
 */
export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** PostgreSQL's row-lock strengths (weakest last). */
export type LockStrength = 'update' | 'no key update' | 'share' | 'key share';

/**
 * The row-lock clause to end a SELECT with: `FOR <strength> [OF <table>] [SKIP LOCKED]`
 * on PostgreSQL; nothing on SQLite, whose single writer already holds the whole file
 * for the length of a write transaction. `skipLocked` lets several nodes claim disjoint
 * rows (engine work queues).
 */
export function rowLock(db: Kysely<any>, strength: LockStrength, opts: { of?: string; skipLocked?: boolean } = {}): RawBuilder<unknown> {
  if (dialectOf(db) !== 'postgres') return sql``;
  const of = opts.of ? ` OF ${opts.of}` : '';
  return sql.raw(`FOR ${strength.toUpperCase()}${of}${opts.skipLocked ? ' SKIP LOCKED' : ''}`);
}

/** The same clause as text, for hand-written statements (storage/prepared.ts appends it on PostgreSQL only). */
export function rowLockText(strength: LockStrength): string {
  return `FOR ${strength.toUpperCase()}`;
}

/**
 * One hand-written statement in each dialect's words: `?` placeholders as they are for
 * SQLite, numbered `$1, $2, …` for PostgreSQL, where `postgresSuffix` (a row lock) is
 * appended. `text` must use `?` only as placeholders.
 */
export function statementTexts(text: string, postgresSuffix = ''): Record<DialectName, string> {
  let n = 0;
  return { sqlite: text, postgres: `${text.replace(/\?/g, () => `$${++n}`)}${postgresSuffix ? ` ${postgresSuffix}` : ''}` };
}

/** Whether rows can be locked one by one (PostgreSQL). Without row locks, writers are serialized by the database as a whole. */
export function hasRowLocks(db: Kysely<any>): boolean {
  return dialectOf(db) === 'postgres';
}

/**
 * How many write transactions are worth running at once: SQLite has one writer; PostgreSQL
 * takes several, and two in flight keep it busy while one waits on the network. Four made
 * batches half as large for the same load, so twice the statements and round trips per
 * event: two took 18 % less CPU per event and answered 7 % more events per second
 * (docs/benchmarks.md, stop 30).
 */
export function writeConcurrency(db: Kysely<any>): number {
  return dialectOf(db) === 'postgres' ? 2 : 1;
}

/**
 * A select-list entry that lets the transaction's COMMIT return before PostgreSQL has flushed
 * it to disk (`set_config('synchronous_commit', 'off', true)`, which is `SET LOCAL`), evaluated
 * for the rows the statement reads, so always when it returns one (a row read and then skipped
 * as locked may turn it off for a transaction that claimed, and so wrote, nothing: harmless),
 * and not at all when nothing is due: for a claim whose transaction nothing outside acts on
 * until a later commit that does wait. The escalate module's claim carries it: its pages leave
 * only after the deliver module's claim of them commits, and PostgreSQL's log is flushed in
 * order, so that claim's flush carries this commit with it; if the database crashes before
 * either is flushed, both are lost together, nothing was sent, and the step fires again after
 * the restart (its escalation_steps row went with it). This is what SQLite already does: a
 * commit there never waits for the disk, and whatever answers or sends waits for the flush
 * (storage/wal-sync.ts, the deliver module's `sync`), so on SQLite it is nothing. Saves one
 * flush of the log on the way to every page, at no round trip of its own. The column it adds
 * is named `no_flush`; the caller drops it.
 */
export function noFlushColumn(db: Kysely<any>): RawBuilder<unknown> {
  return dialectOf(db) === 'postgres' ? sql`, set_config('synchronous_commit', 'off', true) AS no_flush` : sql``;
}

/**
 * Take a row lock on the organization, serializing per-organization counters (incident
 * numbers, verification attempts). `shared`: FOR SHARE, which only excludes exclusive
 * holders (ingest batches that only add alerts to open incidents run side by side).
 */
export async function lockOrganization(trx: Kysely<Database>, orgId: string, mode: 'exclusive' | 'shared' = 'exclusive'): Promise<void> {
  if (!hasRowLocks(trx)) return;
  await trx.executeQuery(CompiledQuery.raw(LOCK_ORGANIZATION[mode], [orgId]));
}
/** Every ingest batch takes one: named prepared statements (nameOnPostgres). */
const LOCK_ORGANIZATION = {
  shared: `SELECT id FROM organizations WHERE id = $1 ${rowLockText('share')}`,
  exclusive: `SELECT id FROM organizations WHERE id = $1 ${rowLockText('update')}`,
} as const;
for (const text of Object.values(LOCK_ORGANIZATION)) nameOnPostgres(text);

/**
 * The schema that holds Vigil's tables on PostgreSQL (several Vigil databases may share one
 * server, each in its own schema); undefined on SQLite.
 */
export async function currentSchema(db: Kysely<any>): Promise<string | undefined> {
  if (dialectOf(db) !== 'postgres') return undefined;
  return (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0]?.s;
}

/**
 * Let a column hold NULL (a migration step). PostgreSQL alters the column; SQLite cannot,
 * so the table is rebuilt from its own definition with the constraint removed, its rows
 * copied and its indexes recreated, inside the migration's transaction.
 */
export async function dropNotNull(db: Kysely<any>, table: string, column: string): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    await sql`ALTER TABLE ${sql.ref(table)} ALTER COLUMN ${sql.ref(column)} DROP NOT NULL`.execute(db);
    return;
  }
  const master = await sql<{ type: string; name: string; sql: string | null }>`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ${table}`.execute(db);
  const create = master.rows.find((r) => r.type === 'table')?.sql;
  if (!create) throw new Error(`no table ${table}`);
  const notNull = new RegExp(`("?${column}"?\\s+\\w+)\\s+not null`, 'i');
  if (!notNull.test(create)) throw new Error(`${table}.${column} is not declared NOT NULL`);
  const rebuilt = `${table}__rebuilt`;
  await sql.raw(create.replace(notNull, '$1').replace(new RegExp(`^CREATE TABLE\\s+"?${table}"?`, 'i'), `CREATE TABLE "${rebuilt}"`)).execute(db);
  await sql.raw(`INSERT INTO "${rebuilt}" SELECT * FROM "${table}"`).execute(db);
  await sql.raw(`DROP TABLE "${table}"`).execute(db);
  await sql.raw(`ALTER TABLE "${rebuilt}" RENAME TO "${table}"`).execute(db);
  for (const ix of master.rows.filter((r) => r.type === 'index' && r.sql)) await sql.raw(ix.sql!).execute(db);
}

/** A table as the database declares it: columns in declared order, the primary key's columns in key order, the tables its foreign keys point at. */
export interface TableLayout {
  name: string;
  columns: string[];
  primaryKey: string[];
  references: string[];
}

/**
 * The tables of this database (of the current schema on PostgreSQL), Kysely's migration
 * bookkeeping left out, sorted by name. Read from the catalogue, so it describes the
 * database as it is, whatever version of Vigil migrated it (storage/copy.ts compares two).
 */
export async function tableLayouts(db: Kysely<any>): Promise<TableLayout[]> {
  const byName = new Map<string, TableLayout>();
  const layout = (name: string) => byName.get(name) ?? byName.set(name, { name, columns: [], primaryKey: [], references: [] }).get(name)!;
  if (dialectOf(db) === 'postgres') {
    const cols = await sql<{ t: string; c: string }>`
      SELECT c.relname AS t, a.attname AS c FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum`.execute(db);
    for (const r of cols.rows) layout(r.t).columns.push(r.c);
    const pks = await sql<{ t: string; c: string }>`
      SELECT c.relname AS t, a.attname AS c FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = current_schema() AND i.indisprimary ORDER BY c.relname, k.ord`.execute(db);
    for (const r of pks.rows) layout(r.t).primaryKey.push(r.c);
    const fks = await sql<{ t: string; r: string }>`
      SELECT c.relname AS t, f.relname AS r FROM pg_catalog.pg_constraint k
      JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
      JOIN pg_catalog.pg_class f ON f.oid = k.confrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'f' AND n.nspname = current_schema()`.execute(db);
    for (const r of fks.rows) layout(r.t).references.push(r.r);
  } else {
    const tables = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(db);
    for (const { name } of tables.rows) {
      const info = await sql<{ name: string; pk: number }>`SELECT name, pk FROM pragma_table_info(${name}) ORDER BY cid`.execute(db);
      const l = layout(name);
      l.columns = info.rows.map((c) => c.name);
      l.primaryKey = info.rows.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      const fks = await sql<{ table: string }>`SELECT "table" FROM pragma_foreign_key_list(${name})`.execute(db);
      l.references = [...new Set(fks.rows.map((f) => f.table))];
    }
  }
  return [...byName.values()].filter((t) => !t.name.startsWith('kysely_')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * After rows were copied into `tables` with their keys, move every sequence behind one of
 * their columns (serial, identity) past the largest value the column holds, so the next row
 * drawn from it cannot collide. Other tables' sequences are left alone. Returns
 * `table.column` of each one moved. SQLite has nothing to move: its rowid and AUTOINCREMENT
 * counters follow the rows.
 */
export async function advanceSequences(db: Kysely<any>, tables: string[]): Promise<string[]> {
  if (dialectOf(db) !== 'postgres' || !tables.length) return [];
  const seqs = await sql<{ t: string; c: string; s: string }>`
    SELECT c.relname AS t, a.attname AS c, pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) AS s
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname IN (${sql.join(tables)})
      AND pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) IS NOT NULL`.execute(db);
  for (const q of seqs.rows) {
    await sql`SELECT setval(${q.s}::regclass, COALESCE((SELECT MAX(${sql.ref(q.c)}) FROM ${sql.table(q.t)}), 0) + 1, false)`.execute(db);
  }
  return seqs.rows.map((q) => `${q.t}.${q.c}`);
}

/** Whether the database answers at all (/readyz). Throws when it does not. */
export async function ping(db: Kysely<any>): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

/** Free space below which a SQLite file's disk counts as full for the readiness probe. */
const MIN_FREE_BYTES = 1024 * 1024;

/**
 * A small write can fit where a real one does not (a page rewritten in place, a WAL file
 * that still has room), so before it the probe checks that there is room to grow: free
 * space on the file's filesystem, and pages left below SQLite's max_page_count.
 */
function sqliteHeadroom(conn: SQLite.Database, file: string): void {
  const full = (why: string) => Object.assign(new Error(`no room to write: ${why}`), { code: 'SQLITE_FULL' });
  const st = fs.statfsSync(path.dirname(path.resolve(file)));
  if (st.bavail * st.bsize < MIN_FREE_BYTES) throw full(`${st.bavail * st.bsize} bytes free`);
  const pages = conn.pragma('page_count', { simple: true }) as number;
  const max = conn.pragma('max_page_count', { simple: true }) as number;
  if (max - pages < 16) throw full(`${pages} of at most ${max} pages used`);
}

/**
 * Rewrite the migration lock's row to itself, committed: the smallest write there is on a
 * table every Vigil database has (Kysely's Migrator creates it). It reports to `health` like
 * any statement (storage/health.ts).
 */
async function probeWrite(db: Kysely<any>, health: StorageHealth): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`UPDATE kysely_migration_lock SET is_locked = is_locked WHERE id = 'migration_lock'`.execute(trx);
  });
  health.succeeded(Date.now());
}

/**
 * Errors after which the whole transaction may simply be run again: PostgreSQL's deadlocks and
 * serialization failures. Not SQLite's SQLITE_BUSY: every transaction begins IMMEDIATE, so it
 * comes only after busy_timeout (5 s) was waited out, and running it again would only wait again.
 */
export function isRetryableTxError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Why storage refuses work, when it does: a short reason for the answer, /readyz and the
 * logs. The error classes are the engines' own: SQLite's result codes (extended codes
 * such as SQLITE_IOERR_WRITE start with their primary code) and PostgreSQL's SQLSTATEs.
 */
export type StorageFailure = 'disk_full' | 'read_only' | 'io_error' | 'busy' | 'connection_lost' | 'pool_exhausted' | 'cannot_open';

const PG_FAILURES: Record<string, StorageFailure> = {
  '53100': 'disk_full', // disk_full
  '53200': 'disk_full', // out_of_memory (the server's, not ours): the same for a sender
  '25006': 'read_only', // read_only_sql_transaction: a stale primary after failover, or default_transaction_read_only
  '57P01': 'connection_lost', // admin_shutdown
  '57P02': 'connection_lost', // crash_shutdown
  '57P03': 'connection_lost', // cannot_connect_now (starting up, in recovery)
  '53300': 'pool_exhausted', // too_many_connections (the server's limit)
  '55P03': 'busy', // lock_not_available
  '57014': 'busy', // query_canceled (statement_timeout)
};
const SQLITE_FAILURES: [string, StorageFailure][] = [
  ['SQLITE_FULL', 'disk_full'],
  ['SQLITE_READONLY', 'read_only'],
  ['SQLITE_IOERR', 'io_error'],
  ['SQLITE_BUSY', 'busy'],
  ['SQLITE_LOCKED', 'busy'],
  ['SQLITE_CANTOPEN', 'cannot_open'],
];
const NODE_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOSPC', 'EROFS', 'EIO']);

/** The failure class of a storage error, or null when the error is not storage refusing work (a bug, bad input). */
export function storageFailure(err: unknown): StorageFailure | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const msg = typeof e?.message === 'string' ? e.message : '';
  if (PG_FAILURES[code]) return PG_FAILURES[code];
  if (code.startsWith('08')) return 'connection_lost'; // connection_exception class
  if (code.startsWith('SQLITE_')) return SQLITE_FAILURES.find(([c]) => code.startsWith(c))?.[1] ?? null;
  if (code === 'ENOSPC') return 'disk_full';
  if (code === 'EROFS') return 'read_only';
  if (code === 'EIO') return 'io_error';
  if (NODE_FAILURES.has(code)) return 'connection_lost';
  if (/timeout exceeded when trying to connect/i.test(msg)) return 'pool_exhausted';
  if (/Connection terminated|not queryable|the database system is (starting up|shutting down|in recovery mode)|terminating connection/i.test(msg)) return 'connection_lost';
  return null;
}

/** Errors that mean the database is unreachable or refusing writes (answer 503, never 500). */
export function isUnavailableError(err: unknown): boolean {
  return storageFailure(err) !== null;
}

/** A unique (or other constraint) violation: PostgreSQL's 23505, SQLite's SQLITE_CONSTRAINT family. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code ?? '';
  return code === '23505' || code.startsWith('SQLITE_CONSTRAINT');
}

/** Throws unless `file` is a whole, consistent SQLite database (header and `PRAGMA integrity_check`). */
export function checkSqliteFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  const header = Buffer.alloc(16);
  try {
    fs.readSync(fd, header, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (header.toString('latin1') !== 'SQLite format 3\u0000') throw new Error(`${file} is not a SQLite database`);
  const copy = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const result = copy.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new Error(`${file} failed its integrity check: ${String(result)}`);
  } finally {
    copy.close();
  }
}

/**
 * Restores a SQLite backup as the database file `target`, which must not exist yet
 * (a restore never overwrites data). The copy is checked first and flushed to disk
 * before it takes the target's name, so a crash leaves either no database or a whole one.
 */
export function restoreSqliteFile(backup: string, target: string): void {
  if (fs.existsSync(target) && fs.statSync(target).size > 0) throw new Error(`${target} already exists; restore into an empty data directory`);
  checkSqliteFile(backup);
  const partial = `${target}.restoring`;
  fs.copyFileSync(backup, partial);
  const fd = fs.openSync(partial, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(partial, target);
}

/**
 * Kysely's PostgreSQL introspector (which its migrator asks whether its tables exist) reads
 * the columns of every table in every schema of the database. Another schema being dropped
 * meanwhile (one Vigil per schema, or tests side by side) fails that read with "schema does
 * not exist"; and its cost grows with every schema. Vigil only ever asks about the schema it
 * works in: table names, no columns (nothing reads them).
 */
function inCurrentSchema(inner: Dialect): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createDriver: () => inner.createDriver(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db): DatabaseIntrospector => {
      const own = inner.createIntrospector(db);
      const getTables = async (options?: DatabaseMetadataOptions): Promise<TableMetadata[]> => {
        const { rows } = await sql<{ name: string; schema: string; kind: string }>`
          SELECT c.relname AS name, n.nspname AS schema, c.relkind AS kind
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'p')
          ORDER BY c.relname`.execute(db);
        return rows.filter((r) => options?.withInternalKyselyTables || !r.name.startsWith('kysely_')).map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v', columns: [] }));
      };
      return { getSchemas: () => own.getSchemas(), getTables, getMetadata: async (options) => ({ tables: await getTables(options) }) };
    },
  };
}

/**
 * SQLite's DDL is transactional, but Kysely's SQLite adapter says otherwise, so its migrator
 * ran each statement of a migration on its own: a process killed part-way through left a
 * migration half-applied ("table already exists" at every start after). Saying so makes
 * the migrator run the pending migrations in one transaction, as on PostgreSQL: a kill
 * leaves the database as it was (test/crash/migrate-crash-loop.test.ts). No migration uses
 * what SQLite cannot do in a transaction (PRAGMA foreign_keys, VACUUM).
 */
function withTransactionalDdl(inner: Dialect): Dialect {
  class TransactionalDdlAdapter extends SqliteAdapter {
    override get supportsTransactionalDdl(): boolean {
      return true;
    }
  }
  return {
    createAdapter: () => new TransactionalDdlAdapter(),
    createDriver: () => inner.createDriver(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}
