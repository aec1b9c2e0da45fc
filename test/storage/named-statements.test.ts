/**
 * On PostgreSQL the hand-written hot-path statements (storage/prepared.ts) run as named
 * prepared statements, parsed and planned once per connection; everything Kysely builds
 * stays unnamed, so a connection's prepared statements stay a fixed, bounded set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, createTestDb, type TestDb } from '../harness.js';
import { run, statement } from '../../src/server/storage/prepared.js';

const COUNT_ALERTS = statement('SELECT count(*) AS n FROM alerts WHERE org_id = ?');

describe.runIf(DIALECTS.includes('postgres'))('named prepared statements on PostgreSQL', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb('postgres');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('a hand-written statement is prepared once on its connection and reused; a Kysely query is not named', async () => {
    const prepared = await db.handle.db.transaction().execute(async (trx) => {
      for (const org of ['o1', 'o2', 'o3']) expect(await run<{ n: number }>(trx, COUNT_ALERTS, [org])).toEqual([{ n: 0 }]);
      await trx.selectFrom('alerts').select('id').where('org_id', '=', 'o4').execute();
      return (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(trx)).rows;
    });
    const ours = prepared.filter((p) => p.statement === COUNT_ALERTS.postgres);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.name).toMatch(/^vigil_\d+$/);
    // Only named statements are listed: nothing Kysely built.
    expect(prepared.every((p) => p.name.startsWith('vigil_'))).toBe(true);
  });
});
