/**
 * /readyz: whether this node should be sent work. Not ready while storage refuses
 * writes (a full or read-only disk, a read-only PostgreSQL, an exhausted pool): each
 * check then tries one small write (DbHandle.probe), so the node comes back by itself
 * as soon as a write commits, with or without traffic. Ready also needs the database to
 * answer a query.
 */
import { ping, storageFailure, type DbHandle, type StorageFailure } from '../storage/dialect.js';

export type Readiness =
  | { ready: true }
  | {
      ready: false;
      reason: StorageFailure | 'database_unreachable';
      /** When storage started refusing writes (ISO 8601), if it did. */
      since?: string;
      /** Writes refused since then. */
      refused?: number;
    };

export async function checkReadiness(handle: Pick<DbHandle, 'db' | 'health' | 'probe'>): Promise<Readiness> {
  const problem = handle.health.problem;
  if (problem) {
    try {
      await handle.probe();
    } catch (err) {
      const now = handle.health.problem ?? problem;
      return { ready: false, reason: storageFailure(err) ?? now.reason, since: new Date(now.since).toISOString(), refused: now.refused };
    }
  }
  try {
    await ping(handle.db);
  } catch (err) {
    return { ready: false, reason: storageFailure(err) ?? 'database_unreachable' };
  }
  return { ready: true };
}
