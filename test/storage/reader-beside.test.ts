/**
 * storage/reader-beside.ts `readerBeside`: where a transaction's reads of rows it has not written
 * go. On PostgreSQL, beside the transaction on another pooled connection while the pool has
 * room (so the escalate module's four reads of who to page and how go at once), and in the
 * transaction when it has none: a pool of one, or every connection taken.
 * A transaction holding its connection never waits on the pool for a second one. On SQLite,
 * always in the transaction (its one connection). Reads beside see what has committed, not
 * the transaction's own writes: which is why only reads of rows it has not written go there.
 */
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, PG_URL, createTestDb, type TestDb } from '../harness.js';
import { openDatabase, type DbHandle } from '../../src/server/storage/dialect.js';
import { readerBeside } from '../../src/server/storage/reader-beside.js';
import type { Database } from '../../src/server/storage/schema.js';

const backend = async (db: Kysely<Database>) => (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db)).rows[0]!.pid;

describe.each(DIALECTS)('readerBeside on %s', (dialect) => {
  let t: TestDb | undefined;
  const extra: DbHandle[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((h) => h.close()));
    await t?.drop();
    t = undefined;
  });

  it.runIf(dialect === 'sqlite')('reads in the transaction: its one connection', async () => {
    t = await createTestDb('sqlite');
    const db = t.handle.db;
    await db.transaction().execute(async (trx) => {
      expect(readerBeside(db, trx)).toBe(trx);
    });
  });

  it.runIf(dialect === 'postgres')('reads beside the transaction while the pool has room, and sees what has committed there', async () => {
    t = await createTestDb('postgres');
    const db = t.handle.db;
    await db.insertInto('organizations').values({ id: 'org_a', org_id: 'org_a', name: 'A', time_zone: 'UTC', created_at: 0 }).execute();
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('organizations').set({ name: 'B (not committed)' }).where('id', '=', 'org_a').execute();
      const reader = readerBeside(db, trx);
      expect(reader).toBe(db);
      // Another connection, so several reads go at once, each seeing the committed row.
      expect(await backend(reader)).not.toBe(await backend(trx));
      const names = await Promise.all([1, 2, 3].map(() => reader.selectFrom('organizations').select('name').where('id', '=', 'org_a').executeTakeFirstOrThrow()));
      expect(names.map((n) => n.name)).toEqual(['A', 'A', 'A']);
    });
  });

  it.runIf(dialect === 'postgres')('reads in the transaction with a pool of one, and when every connection is taken', async () => {
    const one = openDatabase({ postgresUrl: PG_URL, poolSize: 1, poolTimeoutMs: 1_000 });
    extra.push(one);
    await one.db.transaction().execute(async (trx) => {
      const reader = readerBeside(one.db, trx);
      expect(reader).toBe(trx);
      // Answered on the transaction's connection, not after the pool's timeout.
      expect((await sql<{ n: number }>`SELECT 1 AS n`.execute(reader)).rows).toEqual([{ n: 1 }]);
    });

    const two = openDatabase({ postgresUrl: PG_URL, poolSize: 2, poolTimeoutMs: 2_000 });
    extra.push(two);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const taken = new Promise<void>((r) => (holding = r));
    // The other connection busy in a transaction of its own.
    const other = two.db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      holding();
      await held;
    });
    await taken;
    await two.db.transaction().execute(async (trx) => {
      expect(readerBeside(two.db, trx)).toBe(trx);
      release();
      await other;
    });
  });
});
