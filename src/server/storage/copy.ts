/**
 * `vigil copy`: every organization's rows from one Vigil database (the embedded SQLite
 * file) into an empty one (PostgreSQL), for a deployment that outgrows one machine.
 *
 * Contract:
 * - The source must be at this version's schema (`vigil migrate` first); the target is
 *   migrated to it before anything is copied. Both must then declare the same tables and
 *   columns (read from their catalogues, `tableLayouts`).
 * - A target holding any row of a Vigil table is refused, naming the table, unless those
 *   rows are a copy that this module began (its progress table says so): then the copy
 *   resumes. An older Vigil database in the target is refused before it is migrated.
 * - Tables go in dependency order (a table after those its foreign keys point at), in
 *   batches read by primary key (`WHERE (pk) > (last) ORDER BY pk`). Each batch is
 *   written in one target transaction together with its table's progress row (the last
 *   key copied), so a copy killed at any instant resumes after the last batch that
 *   committed, never duplicating or skipping a row.
 * - The source must not change meanwhile (stop Vigil first). Its row counts when the copy
 *   began are kept in the progress table; a resume over a source that changed is refused.
 * - Then the target's sequences are moved past the copied keys, and every table is
 *   verified: row count and a checksum over its rows computed the same way on both sides
 *   (`tableDigest`: values normalised, so 0/1 integers, BIGINT instants and doubles
 *   compare equal whichever driver read them). A mismatch fails the copy and keeps the
 *   progress table: nothing reports "copied" that is not.
 * - Once verified, the progress table is dropped: the target is a plain Vigil database.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { advanceSequences, tableLayouts, type DbHandle, type TableLayout } from './dialect.js';
import { appliedMigrations, migrateToLatest, pendingOnExisting } from './migrate.js';

/** The copy's own bookkeeping in the target, one row per table; dropped once the copy is verified. */
export const PROGRESS_TABLE = 'vigil_copy_progress';

export type CopyEvent =
  | { phase: 'migrated'; applied: string[] }
  | { phase: 'start'; tables: number; rows: number; resumed: boolean }
  | { phase: 'copy'; table: string; copied: number; total: number }
  | { phase: 'verify'; table: string; rows: number; checksum: string; ok: boolean };

export interface TableReport {
  table: string;
  rows: number;
  checksum: string;
  target_rows: number;
  target_checksum: string;
  ok: boolean;
}

export interface CopyReport {
  ok: boolean;
  resumed: boolean;
  migrated: string[];
  organizations: number;
  rows: number;
  tables: TableReport[];
  sequences: string[];
  took_ms: number;
}

export interface CopyOptions {
  clock: Clock;
  /** Rows read and written per batch (one target transaction each). */
  batchSize?: number;
  onProgress?: (e: CopyEvent) => void;
}

export const DEFAULT_BATCH = 1_000;

/** The copy cannot start or go on; the message says why and what to do. */
export class CopyRefused extends Error {}

/**
 * Tables in an order that loads every table after the tables its foreign keys point at;
 * among tables free to go, organizations and users first, then by name. A cycle of
 * foreign keys cannot be loaded table by table and is refused.
 */
export function dependencyOrder(tables: TableLayout[]): TableLayout[] {
  const rank = (n: string) => ({ organizations: 0, users: 1 })[n] ?? 2;
  const byPreference = (a: TableLayout, b: TableLayout) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const names = new Set(tables.map((t) => t.name));
  const waiting = new Map(tables.map((t) => [t.name, new Set(t.references.filter((r) => r !== t.name && names.has(r)))]));
  const out: TableLayout[] = [];
  while (out.length < tables.length) {
    const ready = tables.filter((t) => waiting.get(t.name)?.size === 0).sort(byPreference);
    if (!ready.length) throw new CopyRefused(`foreign keys form a cycle among ${[...waiting.keys()].join(', ')}; they cannot be copied table by table`);
    const next = ready[0]!;
    out.push(next);
    waiting.delete(next.name);
    for (const deps of waiting.values()) deps.delete(next.name);
  }
  return out;
}

/** One value as both sides must agree on it: type-tagged, numbers as the same decimal text whichever driver read them. */
function canonical(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return ['n', v ? '1' : '0'];
  if (typeof v === 'bigint') return ['n', v.toString()];
  if (typeof v === 'number') return ['n', Number.isInteger(v) ? BigInt(v).toString() : String(v)];
  if (v instanceof Date) return ['n', String(v.getTime())];
  if (v instanceof Uint8Array) return ['b', Buffer.from(v).toString('hex')];
  if (typeof v === 'string') return v;
  return ['j', JSON.stringify(v)];
}

const MASK = (1n << 128n) - 1n;

function rowHash(columns: string[], row: Record<string, unknown>): bigint {
  const text = JSON.stringify(columns.map((c) => canonical(row[c])));
  return BigInt('0x' + createHash('sha256').update(text).digest('hex').slice(0, 32));
}

/** Up to `limit` rows after the key `after` (or from the start), in primary-key order. */
async function readBatch(db: Kysely<any>, t: TableLayout, after: unknown[] | null, limit: number): Promise<Record<string, unknown>[]> {
  const cols = sql.join(t.columns.map((c) => sql.ref(c)));
  const key = sql.join(t.primaryKey.map((c) => sql.ref(c)));
  const where = after ? sql`WHERE (${key}) > (${sql.join(after)})` : sql``;
  return (await sql<Record<string, unknown>>`SELECT ${cols} FROM ${sql.table(t.name)} ${where} ORDER BY ${key} LIMIT ${limit}`.execute(db)).rows;
}

const lastKey = (t: TableLayout, rows: Record<string, unknown>[]) => t.primaryKey.map((c) => rows[rows.length - 1]![c]);

/**
 * A table's row count and checksum: the sum (mod 2^128) of a SHA-256 of each row's
 * normalised values, columns by name. The sum does not depend on the order rows are read
 * in, so two databases that sort text differently still agree.
 */
export async function tableDigest(db: Kysely<any>, t: TableLayout, pageSize = 2_000): Promise<{ rows: number; checksum: string }> {
  const columns = [...t.columns].sort();
  let sum = 0n;
  let rows = 0;
  let after: unknown[] | null = null;
  for (;;) {
    const page = await readBatch(db, t, after, pageSize);
    for (const r of page) sum = (sum + rowHash(columns, r)) & MASK;
    rows += page.length;
    if (page.length < pageSize) break;
    after = lastKey(t, page);
  }
  return { rows, checksum: sum.toString(16).padStart(32, '0') };
}

async function rowCount(db: Kysely<any>, table: string): Promise<number> {
  return Number((await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}`.execute(db)).rows[0]!.n);
}

/** The first of `tables` that holds a row, with its count; null when all are empty. */
async function firstOccupied(db: Kysely<any>, tables: string[]): Promise<{ table: string; rows: number } | null> {
  for (const table of tables) {
    const rows = await rowCount(db, table);
    if (rows > 0) return { table, rows };
  }
  return null;
}

const occupiedMessage = (o: { table: string; rows: number }) =>
  `the target database already holds Vigil rows (${o.table}: ${o.rows}); copy into an empty database or schema`;

/** The source's tables, checked against the target's: same tables, same columns, each with a primary key. */
function matchLayouts(source: TableLayout[], target: TableLayout[]): TableLayout[] {
  const byName = new Map(target.map((t) => [t.name, t]));
  for (const s of source) {
    const t = byName.get(s.name);
    if (!t) throw new CopyRefused(`the target has no table ${s.name}; are both at the same Vigil version?`);
    const missing = s.columns.filter((c) => !t.columns.includes(c));
    const extra = t.columns.filter((c) => !s.columns.includes(c));
    if (missing.length || extra.length) throw new CopyRefused(`${s.name} differs: ${missing.length ? `the target lacks ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `the source lacks ${extra.join(', ')}` : ''}`);
    if (!s.primaryKey.length) throw new CopyRefused(`${s.name} has no primary key; it cannot be copied in resumable batches`);
  }
  return source;
}

interface Progress {
  table_name: string;
  source_rows: number;
  copied_rows: number;
  last_key: string | null;
  done: number;
}

/**
 * Starts a copy (the target must be empty: the progress table is created with the
 * source's row counts in the same transaction), or picks up the one recorded in the target.
 */
async function beginOrResume(target: Kysely<any>, tables: TableLayout[], counts: Map<string, number>, resuming: boolean): Promise<Map<string, Progress>> {
  if (!resuming) {
    const occupied = await firstOccupied(target, tables.map((t) => t.name));
    if (occupied) throw new CopyRefused(occupiedMessage(occupied));
    await target.transaction().execute(async (trx) => {
      await trx.schema
        .createTable(PROGRESS_TABLE)
        .addColumn('table_name', 'text', (c) => c.primaryKey())
        .addColumn('source_rows', 'bigint', (c) => c.notNull())
        .addColumn('copied_rows', 'bigint', (c) => c.notNull())
        .addColumn('last_key', 'text')
        .addColumn('done', 'integer', (c) => c.notNull())
        .execute();
      await trx
        .insertInto(PROGRESS_TABLE)
        .values(tables.map((t) => ({ table_name: t.name, source_rows: counts.get(t.name)!, copied_rows: 0, last_key: null, done: 0 })))
        .execute();
    });
  }
  const rows = (await target.selectFrom(PROGRESS_TABLE).selectAll().execute()) as Progress[];
  const progress = new Map(rows.map((r) => [r.table_name, { ...r, source_rows: Number(r.source_rows), copied_rows: Number(r.copied_rows) }]));
  for (const t of tables) {
    const p = progress.get(t.name);
    if (!p) throw new CopyRefused(`the interrupted copy in the target did not include ${t.name}; empty the target and copy again`);
    if (p.source_rows !== counts.get(t.name)) {
      throw new CopyRefused(`the source changed since the copy began (${t.name}: ${p.source_rows} rows then, ${counts.get(t.name)} now); stop Vigil, empty the target and copy again`);
    }
  }
  return progress;
}

/** Copies one table from where its progress row says, one transaction per batch. */
async function copyTable(source: Kysely<any>, target: Kysely<any>, t: TableLayout, p: Progress, batchSize: number, onProgress?: (e: CopyEvent) => void): Promise<void> {
  let after = p.last_key ? (JSON.parse(p.last_key) as unknown[]) : null;
  let copied = p.copied_rows;
  // Both dialects cap a statement's parameters (SQLite 32,766; PostgreSQL 65,535).
  const perInsert = Math.max(1, Math.floor(30_000 / t.columns.length));
  for (;;) {
    const rows = await readBatch(source, t, after, batchSize);
    const done = rows.length < batchSize;
    const key = rows.length ? lastKey(t, rows) : after;
    try {
      await target.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += perInsert) await trx.insertInto(t.name).values(rows.slice(i, i + perInsert)).execute();
        await trx
          .updateTable(PROGRESS_TABLE)
          .set({ copied_rows: copied + rows.length, last_key: key ? JSON.stringify(key) : null, done: done ? 1 : 0 })
          .where('table_name', '=', t.name)
          .execute();
      });
    } catch (err) {
      // Name the rows the target refused (a value one dialect stores and the other does not).
      const from = rows[0] ? JSON.stringify(t.primaryKey.map((c) => rows[0]![c])) : '';
      throw new Error(`the target refused ${t.name} rows from key ${from} (batch of ${rows.length}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    copied += rows.length;
    after = key;
    onProgress?.({ phase: 'copy', table: t.name, copied, total: p.source_rows });
    if (done) return;
  }
}

async function verify(source: Kysely<any>, target: Kysely<any>, tables: TableLayout[], onProgress?: (e: CopyEvent) => void): Promise<TableReport[]> {
  const out: TableReport[] = [];
  for (const t of tables) {
    const [s, d] = await Promise.all([tableDigest(source, t), tableDigest(target, t)]);
    const ok = s.rows === d.rows && s.checksum === d.checksum;
    out.push({ table: t.name, rows: s.rows, checksum: s.checksum, target_rows: d.rows, target_checksum: d.checksum, ok });
    onProgress?.({ phase: 'verify', table: t.name, rows: d.rows, checksum: d.checksum, ok });
  }
  return out;
}

/** The source must be a Vigil database at this version's schema. */
async function checkSource(source: DbHandle): Promise<void> {
  if (!(await appliedMigrations(source)).length) throw new CopyRefused('the source holds no Vigil database (no migration applied)');
  const pending = await pendingOnExisting(source);
  if (pending.length) throw new CopyRefused(`the source database is older than this version (pending: ${pending.join(', ')}); run \`vigil migrate\` on it first`);
}

/** Copies everything from `source` into `target` (see the contract above); resolves to a report whose `ok` is true, or throws. */
export async function copyDatabase(source: DbHandle, target: DbHandle, opts: CopyOptions): Promise<CopyReport> {
  const started = opts.clock.now();
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new CopyRefused('the batch size must be a positive integer');
  await checkSource(source);
  const sourceTables = (await tableLayouts(source.db)).filter((t) => t.name !== PROGRESS_TABLE);
  const before = await tableLayouts(target.db);
  const resuming = before.some((t) => t.name === PROGRESS_TABLE);
  if (!resuming) {
    // An older Vigil database holding data is refused before migrations would touch it.
    const occupied = await firstOccupied(target.db, dependencyOrder(before.filter((t) => sourceTables.some((s) => s.name === t.name))).map((t) => t.name));
    if (occupied) throw new CopyRefused(occupiedMessage(occupied));
  }
  const migrated = await migrateToLatest(target);
  opts.onProgress?.({ phase: 'migrated', applied: migrated });
  const tables = dependencyOrder(matchLayouts(sourceTables, await tableLayouts(target.db)));
  const counts = new Map<string, number>();
  for (const t of tables) counts.set(t.name, await rowCount(source.db, t.name));
  const progress = await beginOrResume(target.db, tables, counts, resuming);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  opts.onProgress?.({ phase: 'start', tables: tables.length, rows: total, resumed: resuming });
  for (const t of tables) {
    const p = progress.get(t.name)!;
    if (!p.done) await copyTable(source.db, target.db, t, p, batchSize, opts.onProgress);
  }
  const sequences = await advanceSequences(target.db, tables.map((t) => t.name));
  const report = await verify(source.db, target.db, tables, opts.onProgress);
  const bad = report.filter((r) => !r.ok);
  if (bad.length) {
    throw new CopyRefused(`verification failed for ${bad.map((b) => `${b.table} (source ${b.rows} rows ${b.checksum}, target ${b.target_rows} rows ${b.target_checksum})`).join(', ')}; the target is not a complete copy`);
  }
  await target.db.schema.dropTable(PROGRESS_TABLE).execute();
  return { ok: true, resumed: resuming, migrated, organizations: counts.get('organizations') ?? 0, rows: total, tables: report, sequences, took_ms: opts.clock.now() - started };
}

/** The report for a person: one line per table, then the verdict. */
export function formatCopyReport(r: CopyReport): string {
  const filled = r.tables.filter((t) => t.rows > 0);
  const width = Math.max(0, ...filled.map((t) => t.table.length));
  const lines = filled.map((t) => `  ${t.table.padEnd(width)}  ${String(t.rows).padStart(9)} rows  checksum ${t.checksum}  ${t.ok ? 'ok' : 'MISMATCH'}`);
  return [
    `copied ${r.rows} rows of ${r.organizations} organization${r.organizations === 1 ? '' : 's'} in ${r.tables.length} tables${r.resumed ? ' (resumed)' : ''}, ${r.took_ms} ms`,
    ...lines,
    `  (${r.tables.length - filled.length} empty tables, empty in the target too)`,
    `sequences advanced: ${r.sequences.length ? r.sequences.join(', ') : 'none (no table uses one)'}`,
    `verified: every table's row count and checksum match the source`,
  ].join('\n');
}
