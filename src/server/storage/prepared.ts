/**
 * Hand-written SQL for the few statements on the ingest hot path. Building a query
 * with Kysely costs more CPU than SQLite takes to run it (docs/benchmarks.md, "where
 * the time goes"), so these are written once, as text valid on both dialects, with
 * `?` placeholders turned into `$n` for PostgreSQL when the module loads. Everything
 * else keeps using the query builder. On PostgreSQL these run as named prepared statements
 * (named-statements.ts).
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { dialectOf, statementTexts, type DialectName } from './dialect.js';
import { nameOnPostgres } from './named-statements.js';

export type Statement = Readonly<Record<DialectName, string>>;

/**
 * `text` must use `?` only as placeholders (no `?` inside literals or identifiers).
 * `postgresSuffix` is appended on PostgreSQL only (a row lock, `rowLockText`).
 */
export function statement(text: string, postgresSuffix = ''): Statement {
  const texts = statementTexts(text.replace(/\s+/g, ' ').trim(), postgresSuffix);
  nameOnPostgres(texts.postgres);
  return texts;
}

/**
 * INSERTs of every column of `columns`, in that order, followed by `suffix` (ON CONFLICT,
 * RETURNING), for any number of rows in one statement. The text for each row count is
 * built once.
 */
export function insertRows<T>(table: string, columns: Record<keyof T, true>, suffix = ''): <R = Record<string, unknown>>(db: Kysely<any>, rows: readonly T[]) => Promise<R[]> {
  const cols = Object.keys(columns) as (keyof T)[];
  const tuple = `(${cols.map(() => '?').join(', ')})`;
  const byCount = new Map<number, Statement>();
  return async <R>(db: Kysely<any>, rows: readonly T[]) => {
    let s = byCount.get(rows.length);
    if (!s) {
      s = statement(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${Array.from({ length: rows.length }, () => tuple).join(', ')} ${suffix}`);
      byCount.set(rows.length, s);
    }
    // A plain loop: the per-row arrays of flatMap showed in the ingest profile (~1% of busy time).
    const params: unknown[] = new Array(rows.length * cols.length);
    let k = 0;
    for (const r of rows) for (const c of cols) params[k++] = r[c];
    return run<R>(db, s, params);
  };
}

export async function run<R = Record<string, unknown>>(db: Kysely<any>, s: Statement, params: readonly unknown[]): Promise<R[]> {
  const r = await db.executeQuery<R>(CompiledQuery.raw(s[dialectOf(db)], params as unknown[]));
  return r.rows;
}

export async function first<R = Record<string, unknown>>(db: Kysely<any>, s: Statement, params: readonly unknown[]): Promise<R | undefined> {
  return (await run<R>(db, s, params))[0];
}
