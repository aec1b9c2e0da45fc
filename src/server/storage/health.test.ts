import { describe, expect, it } from 'vitest';
import { storageFailure } from './dialect.js';
import { StorageHealth } from './health.js';

describe('storage failures', () => {
  it('names the class of SQLite result codes, PostgreSQL SQLSTATEs and pool errors; anything else is not storage', () => {
    const cases: [Record<string, unknown>, string | null][] = [
      [{ code: 'SQLITE_FULL' }, 'disk_full'],
      [{ code: 'SQLITE_READONLY' }, 'read_only'],
      [{ code: 'SQLITE_READONLY_DBMOVED' }, 'read_only'],
      [{ code: 'SQLITE_IOERR_WRITE' }, 'io_error'],
      [{ code: 'SQLITE_BUSY' }, 'busy'],
      [{ code: 'SQLITE_CANTOPEN' }, 'cannot_open'],
      [{ code: '53100' }, 'disk_full'],
      [{ code: '25006' }, 'read_only'],
      [{ code: '57P01' }, 'connection_lost'],
      [{ code: '08006' }, 'connection_lost'],
      [{ code: '08P01' }, 'connection_lost'],
      [{ code: '53300' }, 'pool_exhausted'],
      [{ code: 'ECONNREFUSED' }, 'connection_lost'],
      [{ code: 'ENOSPC' }, 'disk_full'],
      [{ message: 'timeout exceeded when trying to connect' }, 'pool_exhausted'],
      [{ message: 'Connection terminated unexpectedly' }, 'connection_lost'],
      [{ code: 'SQLITE_ERROR', message: 'cannot rollback - no transaction is active' }, null],
      [{ code: 'SQLITE_CONSTRAINT_UNIQUE' }, null],
      [{ code: '23505' }, null],
      [{ code: '22P02' }, null],
      [{ message: 'boom' }, null],
    ];
    for (const [err, want] of cases) expect(storageFailure(Object.assign(new Error(String(err.message ?? '')), err)), JSON.stringify(err)).toBe(want);
    expect(storageFailure(null)).toBeNull();
  });

  it('StorageHealth: a refused write starts a run, busy does not, the next commit ends it and reports how long it lasted', () => {
    const h = new StorageHealth();
    const seen: (string | null)[] = [];
    h.onChange((p) => seen.push(p?.reason ?? null));
    h.failed('busy', 1_000);
    expect(h.problem).toBeNull();
    h.failed('disk_full', 2_000);
    h.failed('disk_full', 3_500);
    expect(h.problem).toEqual({ reason: 'disk_full', since: 2_000, last: 3_500, refused: 2 });
    h.succeeded(9_000);
    expect(h.problem).toBeNull();
    expect(h.lastOutageMs).toBe(7_000);
    expect(seen).toEqual(['disk_full', null]);
  });
});
