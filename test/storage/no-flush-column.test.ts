/**
 * storage/dialect.ts `commitWithoutFlush`: on PostgreSQL the transaction that calls it commits
 * without waiting for the log flush, and only that transaction (SET LOCAL: the pooled
 * connection is back to flushing for its next one); on SQLite it issues nothing. The escalate
 * module's transaction uses it: the page it queues is still sent, after the deliver module's
 * claim, which waits (test/engine covers the paging itself).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDb, type TestDb } from '../harness.js';
import { commitWithoutFlush } from '../../src/server/storage/dialect.js';

describe.each(DIALECTS)('commitWithoutFlush on %s', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(() => t.drop());

  it.runIf(dialect === 'postgres')('turns the flush off for its own transaction only', async () => {
    const setting = async (db: Parameters<typeof commitWithoutFlush>[0]) => (await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(db)).rows[0]!.synchronous_commit;
    await t.handle.db.connection().execute(async (conn) => {
      expect(await setting(conn)).toBe('on');
      const inside = await conn.transaction().execute(async (trx) => {
        const before = await setting(trx);
        await commitWithoutFlush(trx);
        await trx.insertInto('organizations').values({ id: 'org_async', org_id: 'org_async', name: 'Async', time_zone: 'UTC', created_at: 0 }).execute();
        return [before, await setting(trx)];
      });
      expect(inside).toEqual(['on', 'off']);
      // Same connection, next transaction: flushing again.
      expect(await setting(conn)).toBe('on');
      await conn.transaction().execute(async (trx) => expect(await setting(trx)).toBe('on'));
    });
    // Committed and visible like any other commit.
    expect(await t.handle.db.selectFrom('organizations').select('name').where('id', '=', 'org_async').executeTakeFirst()).toEqual({ name: 'Async' });
  });

  it.runIf(dialect === 'sqlite')('does nothing on SQLite (its commits never wait for the disk; storage/wal-sync.ts)', async () => {
    await t.handle.db.transaction().execute(async (trx) => {
      await commitWithoutFlush(trx);
      await trx.insertInto('organizations').values({ id: 'org_async', org_id: 'org_async', name: 'Async', time_zone: 'UTC', created_at: 0 }).execute();
    });
    expect(await t.handle.db.selectFrom('organizations').select('name').where('id', '=', 'org_async').executeTakeFirst()).toEqual({ name: 'Async' });
  });
});
