/**
 * Whether storage is taking writes, as last seen. A write refused by storage (a full or
 * read-only disk, a read-only PostgreSQL after a failover, a lost connection, an
 * exhausted pool) marks it failing with the reason; the next write that commits clears
 * it. /readyz answers from here (and probes with a write while failing), so a load
 * balancer or monitor stops sending to a node that cannot commit, and sees it come back
 * without a restart. Pure state: callers pass the time (the Clock) and the reason.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';
import type { StorageFailure } from './dialect.js';

export interface StorageProblem {
  reason: StorageFailure;
  /** The first failure of this run of failures (epoch ms). */
  since: number;
  /** The latest failure (epoch ms). */
  last: number;
  /** Writes refused since `since`. */
  refused: number;
}

/** Seconds a sender is told to wait (Retry-After) for each failure class. */
export const RETRY_AFTER_SECONDS: Record<StorageFailure, number> = {
  disk_full: 30,
  read_only: 10,
  io_error: 30,
  busy: 2,
  connection_lost: 5,
  pool_exhausted: 2,
  cannot_open: 30,
};

export class StorageHealth {
  private current: StorageProblem | null = null;
  /** How long the last run of failures lasted, from its first failure to the write that ended it (ms). */
  lastOutageMs: number | null = null;
  private listeners: ((p: StorageProblem | null) => void)[] = [];

  get problem(): StorageProblem | null {
    return this.current;
  }

  /** Called with the new problem when storage starts failing, and with null when it recovers. */
  onChange(fn: (p: StorageProblem | null) => void): void {
    this.listeners.push(fn);
  }

  /** A write refused by storage. Lock waits that ran out (`busy`) are contention, not an outage: not recorded. */
  failed(reason: StorageFailure, now: number): void {
    if (reason === 'busy') return;
    const starting = this.current === null;
    if (starting) this.current = { reason, since: now, last: now, refused: 1 };
    else this.current = { ...this.current!, reason, last: now, refused: this.current!.refused + 1 };
    if (starting) this.emit();
  }

  /** A write committed: storage takes writes again. */
  succeeded(now: number): void {
    if (!this.current) return;
    this.lastOutageMs = Math.max(0, now - this.current.since);
    this.current = null;
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) {
      try {
        fn(this.current);
      } catch {
        // a listener's failure never changes what storage is
      }
    }
  }
}

/**
 * A Kysely dialect whose connections report to `health`: a statement refused by storage
 * marks it failing; a COMMIT, or a write outside a transaction, that succeeds clears it.
 * While storage is healthy the only cost is one check per statement.
 */
export function watchedDialect(inner: Dialect, health: StorageHealth, classify: (err: unknown) => StorageFailure | null, now: () => number = Date.now): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createDriver: () => watchedDriver(inner.createDriver(), health, classify, now),
  };
}

const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const COMMIT = /^\s*(commit|end)\b/i;
const ROLLBACK = /^\s*rollback\b/i;
const WRITE = /^\s*(insert|update|delete|replace)\b/i;

function watchedDriver(driver: Driver, health: StorageHealth, classify: (err: unknown) => StorageFailure | null, now: () => number): Driver {
  const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const innerOf = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const wrap = (c: DatabaseConnection): DatabaseConnection => {
    const known = wrapped.get(c);
    if (known) return known;
    // A write inside a transaction proves nothing until its COMMIT succeeds (a full disk
    // fails the COMMIT of a SQLite transaction whose INSERTs went through). A write that
    // changed no row proves nothing either: on a full SQLite disk an UPDATE that matches
    // nothing (the engine's claim when nothing is due), or the COMMIT of a transaction that
    // only read, succeeds without writing a page.
    let inTransaction = false;
    let wrote = false;
    const refused = (err: unknown): never => {
      const reason = classify(err);
      if (reason) health.failed(reason, now());
      throw err;
    };
    const executeQuery = <R>(q: CompiledQuery): Promise<QueryResult<R>> => {
      let running: Promise<QueryResult<R>>;
      try {
        // SQLite's driver throws synchronously; PostgreSQL's rejects.
        running = c.executeQuery<R>(q);
      } catch (err) {
        return Promise.reject(err).catch(refused);
      }
      const text = q.sql;
      let committing = false;
      if (BEGIN.test(text)) {
        inTransaction = true;
        wrote = false;
      } else if (COMMIT.test(text) || ROLLBACK.test(text)) {
        committing = COMMIT.test(text) && wrote;
        inTransaction = false;
        wrote = false;
      }
      const within = inTransaction;
      return running.then((r) => {
        const changed = WRITE.test(text) && (Number(r.numAffectedRows ?? 0) > 0 || r.rows.length > 0);
        if (within && changed) wrote = true;
        if (health.problem && (committing || (!within && changed))) health.succeeded(now());
        return r;
      }, refused);
    };
    // Everything but executeQuery is the driver's own connection: drivers call private
    // methods on it (PostgreSQL's marks a broken connection for discard on a failed ROLLBACK).
    const w = new Proxy(c, {
      get(target, prop) {
        if (prop === 'executeQuery') return executeQuery;
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    wrapped.set(c, w);
    innerOf.set(w, c);
    return w;
  };
  const unwrap = (w: DatabaseConnection) => innerOf.get(w) ?? w;
  return {
    init: () => driver.init(),
    acquireConnection: async () => {
      try {
        return wrap(await driver.acquireConnection());
      } catch (err) {
        const reason = classify(err);
        if (reason) health.failed(reason, now());
        throw err;
      }
    },
    beginTransaction: (c, settings) => driver.beginTransaction(c, settings),
    commitTransaction: (c) => driver.commitTransaction(c),
    rollbackTransaction: (c) => driver.rollbackTransaction(c),
    ...(driver.savepoint ? { savepoint: (c, name, compile) => driver.savepoint!(c, name, compile) } : {}),
    ...(driver.rollbackToSavepoint ? { rollbackToSavepoint: (c, name, compile) => driver.rollbackToSavepoint!(c, name, compile) } : {}),
    ...(driver.releaseSavepoint ? { releaseSavepoint: (c, name, compile) => driver.releaseSavepoint!(c, name, compile) } : {}),
    releaseConnection: (c) => driver.releaseConnection(unwrap(c)),
    destroy: () => driver.destroy(),
  };
}
