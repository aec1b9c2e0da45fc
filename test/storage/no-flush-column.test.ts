/**
 * storage/dialect.ts `noFlushColumn`, through the escalate module's claim (incident.store
 * `claimDueSteps` with `commitWithoutFlush`): on PostgreSQL a claim that takes a row lets its
 * transaction commit without waiting for the log flush, and only that transaction (it is
 * `SET LOCAL`: the pooled connection is back to flushing for its next one); a claim that takes
 * nothing leaves the flush on; the row comes back without the extra column. On SQLite it adds
 * nothing (its commits never wait for the disk; storage/wal-sync.ts). The page the escalate
 * module queues is still sent, after the deliver module's claim, which waits (test/engine).
 */
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDb, type TestDb } from '../harness.js';
import { claimDueSteps, insertIncident } from '../../src/server/incident/incident.store.js';
import type { Database } from '../../src/server/storage/schema.js';

describe.each(DIALECTS)('a claim that commits without the flush, on %s', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
    const db = t.handle.db;
    await db.insertInto('organizations').values({ id: 'org_a', org_id: 'org_a', name: 'A', time_zone: 'UTC', created_at: 0 }).execute();
    await insertIncident(db, {
      org_id: 'org_a', id: 'inc_1', number: 1, service_id: 'svc_1', title: 'Down', status: 'triggered', urgency: 'high', incident_key: null, open_group: null, body: null,
      created_at: 0, updated_at: 0, last_status_change_at: 0, last_status_change_by: null, acknowledged_at: null, acknowledged_by: null, resolved_at: null, resolved_by: null,
      assigned_via: 'escalation_policy', escalation_policy_id: null, escalation_snapshot: null, escalation_level: 0, escalation_loop: 0, next_step_at: 1000, escalation_epoch: 0,
    });
  });
  afterEach(() => t.drop());

  const setting = async (db: Kysely<Database>) => (await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(db)).rows[0]!.synchronous_commit;

  it.runIf(dialect === 'postgres')('turns the flush off for its own transaction only, and only when it claims a row', async () => {
    await t.handle.db.connection().execute(async (conn) => {
      expect(await setting(conn)).toBe('on');
      const nothing = await conn.transaction().execute(async (trx) => [(await claimDueSteps(trx, 999, 10, { commitWithoutFlush: true })).length, await setting(trx)]);
      expect(nothing).toEqual([0, 'on']);
      const claimed = await conn.transaction().execute(async (trx) => {
        const rows = await claimDueSteps(trx, 1000, 10, { commitWithoutFlush: true });
        await trx.updateTable('incidents').set({ title: 'Still down' }).where('id', '=', 'inc_1').execute();
        return { rows, setting: await setting(trx) };
      });
      expect(claimed.setting).toBe('off');
      expect(claimed.rows.map((r) => r.id)).toEqual(['inc_1']);
      expect(claimed.rows[0]).not.toHaveProperty('no_flush');
      expect(claimed.rows[0]!.next_step_at).toBe(1000);
      // Same connection, next transaction: flushing again.
      expect(await setting(conn)).toBe('on');
      await conn.transaction().execute(async (trx) => expect(await setting(trx)).toBe('on'));
    });
    // Committed and visible like any other commit.
    expect(await t.handle.db.selectFrom('incidents').select('title').where('id', '=', 'inc_1').executeTakeFirst()).toEqual({ title: 'Still down' });
  });

  it.runIf(dialect === 'sqlite')('adds nothing on SQLite: the claim is the plain claim', async () => {
    const rows = await t.handle.db.transaction().execute((trx) => claimDueSteps(trx, 1000, 10, { commitWithoutFlush: true }));
    expect(rows.map((r) => r.id)).toEqual(['inc_1']);
    expect(rows[0]).not.toHaveProperty('no_flush');
  });
});
