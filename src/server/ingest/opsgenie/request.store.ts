import type { Kysely } from 'kysely';
import type { Database, OpsgenieRequestTable } from '../../storage/schema.js';

type Db = Kysely<Database>;

export async function recordRequest(db: Db, row: OpsgenieRequestTable): Promise<void> {
  await db.insertInto('opsgenie_requests').values(row).execute();
}

export async function getRequest(db: Db, orgId: string, id: string): Promise<OpsgenieRequestTable | undefined> {
  return db.selectFrom('opsgenie_requests').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** Requests are asked about within minutes; older rows go (engine cleanup may call this). */
export async function deleteRequestsBefore(db: Db, before: number): Promise<void> {
  await db.deleteFrom('opsgenie_requests').where('created_at', '<', before).execute();
}
