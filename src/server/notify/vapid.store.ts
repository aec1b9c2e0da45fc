import type { Kysely } from 'kysely';
import type { Database, VapidKeyTable } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function currentKey(db: Db, orgId: string): Promise<VapidKeyTable | undefined> {
  return db.selectFrom('vapid_keys').selectAll().where('org_id', '=', orgId).where('retired_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst();
}

export async function keyByPublic(db: Db, orgId: string, publicKey: string): Promise<VapidKeyTable | undefined> {
  return db.selectFrom('vapid_keys').selectAll().where('org_id', '=', orgId).where('public_key', '=', publicKey).executeTakeFirst();
}

export async function insertKey(db: Db, row: VapidKeyTable): Promise<void> {
  await db.insertInto('vapid_keys').values(row).execute();
}

export async function retireKeys(db: Db, orgId: string, at: number): Promise<void> {
  await db.updateTable('vapid_keys').set({ retired_at: at }).where('org_id', '=', orgId).where('retired_at', 'is', null).execute();
}
