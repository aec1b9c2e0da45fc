import { sql, type Kysely } from 'kysely';
import { needsReseal, openSecret, sealSecret } from '../lib/secret-box.js';
import { rowLock } from '../storage/dialect.js';
import type { ContactMethodTable, Database, MatrixSyncTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const open = (r: MatrixSyncTable): MatrixSyncTable => ({
  ...r,
  access_token: openSecret(r.access_token),
  next_sync_at: Number(r.next_sync_at),
  claimed_until: num(r.claimed_until),
  last_sync_at: num(r.last_sync_at),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

export async function getSync(db: Db, orgId: string): Promise<MatrixSyncTable | undefined> {
  const row = await db.selectFrom('matrix_syncs').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return row ? open(row) : undefined;
}

export async function insertSync(db: Db, row: MatrixSyncTable): Promise<void> {
  await db.insertInto('matrix_syncs').values({ ...row, access_token: sealSecret(row.access_token) }).execute();
}

export async function updateSync(db: Db, orgId: string, patch: Partial<Omit<MatrixSyncTable, 'org_id'>>): Promise<void> {
  const sealed = patch.access_token === undefined ? patch : { ...patch, access_token: sealSecret(patch.access_token) };
  await db.updateTable('matrix_syncs').set(sealed).where('org_id', '=', orgId).execute();
}

export async function deleteSync(db: Db, orgId: string): Promise<void> {
  await db.deleteFrom('matrix_syncs').where('org_id', '=', orgId).execute();
}

/** Seal what is plaintext or sealed with an old key (start-up, like the Telegram bots'). */
export async function resealMatrixSyncs(db: Db): Promise<number> {
  const rows = await db.selectFrom('matrix_syncs').select(['org_id', 'access_token']).execute();
  let n = 0;
  for (const r of rows.filter((x) => needsReseal(x.access_token))) {
    await db.updateTable('matrix_syncs').set({ access_token: sealSecret(openSecret(r.access_token)) }).where('org_id', '=', r.org_id).execute();
    n++;
  }
  return n;
}

/**
 * Syncs due now (timer passed, no live claim), claimed for `leaseMs` in one statement
 * (SKIP LOCKED on PostgreSQL): one node reads an organization's bot at a time.
 */
export async function claimDueSyncs(db: Db, now: number, limit: number, leaseMs: number): Promise<MatrixSyncTable[]> {
  const lock = rowLock(db, 'update', { skipLocked: true });
  const result = await sql<MatrixSyncTable>`
    UPDATE matrix_syncs SET claimed_until = ${now + leaseMs}
    WHERE org_id IN (
      SELECT org_id FROM matrix_syncs
      WHERE next_sync_at <= ${now} AND (claimed_until IS NULL OR claimed_until <= ${now})
      ORDER BY next_sync_at
      LIMIT ${limit} ${lock}
    )
    RETURNING *`.execute(db);
  return result.rows.map(open);
}

/** After a sync: the new position (unless the configuration changed meanwhile: `claimedUntil` must still be ours), the next run, the outcome. */
export async function finishSync(db: Db, orgId: string, claimedUntil: number, patch: Pick<MatrixSyncTable, 'next_sync_at' | 'last_sync_at' | 'last_error'> & { since?: string | null }): Promise<void> {
  await db
    .updateTable('matrix_syncs')
    .set({ ...patch, claimed_until: null })
    .where('org_id', '=', orgId)
    .where('claimed_until', '=', claimedUntil)
    .execute();
}

/** The organization's verified matrix methods in a room (the address ends in `#<room id>`; LIKE only narrows, the suffix decides). */
export async function matrixMethodsInRoom(db: Db, orgId: string, roomId: string): Promise<ContactMethodTable[]> {
  const rows = await db.selectFrom('contact_methods').selectAll().where('org_id', '=', orgId).where('type', '=', 'matrix').where('deleted_at', 'is', null).where('verified_at', 'is not', null).where('address', 'like', `%#${roomId}`).execute();
  return rows.filter((r) => r.address.endsWith(`#${roomId}`));
}
