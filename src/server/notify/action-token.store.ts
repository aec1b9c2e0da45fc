import type { Kysely } from 'kysely';
import type { ActionTokenTable, Database } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function insertActionToken(db: Db, row: ActionTokenTable): Promise<void> {
  await db.insertInto('action_tokens').values(row).execute();
}

/** By the token's hash: the only unscoped lookup, and it yields the organization. */
export async function findActionToken(db: Db, tokenHash: string): Promise<ActionTokenTable | undefined> {
  return db.selectFrom('action_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Mark the token used; false when another request used it first. */
export async function spendActionToken(db: Db, orgId: string, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable('action_tokens').set({ used_at: now }).where('org_id', '=', orgId).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteExpiredBefore(db: Db, before: number): Promise<void> {
  await db.deleteFrom('action_tokens').where('expires_at', '<', before).execute();
}
