/**
 * One transaction for a use case that writes several rows that must land together:
 * `fn` runs on the transaction's connection, which it passes to store functions;
 * the transaction commits when `fn` resolves and rolls back when it throws (the
 * error propagates). Services call this rather than Kysely's builder, so queries
 * stay in stores.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export function inTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}
