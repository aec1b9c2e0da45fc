/**
 * Reads beside a transaction (docs/architecture.md, "Reads beside a transaction"): the pool of
 * each PostgreSQL database `openDatabase` opened, and where a transaction may read rows it has
 * not written.
 */
import type { Kysely } from 'kysely';
import type pg from 'pg';

const pools = new WeakMap<Kysely<any>, pg.Pool>();

/** Called by storage/dialect.ts `openDatabase` for a PostgreSQL database: readerBeside asks this pool for room. */
export function registerPool(db: Kysely<any>, pool: pg.Pool): void {
  pools.set(db, pool);
}

/**
 * Where a transaction may read rows that it neither wrote nor locks, so that several such
 * reads go at once: beside it, on other connections of the pool, on PostgreSQL, where the
 * transaction's own connection answers one statement after another (READ COMMITTED: a
 * statement sees what had committed when it began, on any connection, so the rows are the
 * same); in the transaction on SQLite, whose one connection the transaction holds (a read on
 * `db` would wait for the transaction to end). Also in the transaction when the pool has no
 * connection free and none to open, or others already wait for one: a transaction holding
 * its connection must not wait on the pool for another (a pool of one would never give it,
 * and an exhausted pool would hold paging back behind whatever exhausted it). Only for reads
 * of rows the transaction has not written, and not for reads that must lock.
 */
export function readerBeside<D>(db: Kysely<D>, trx: Kysely<D>): Kysely<D> {
  const pool = pools.get(db);
  if (!pool) return trx;
  const room = pool.idleCount > 0 || pool.totalCount < (pool.options.max ?? 10);
  return room && pool.waitingCount === 0 ? db : trx;
}
