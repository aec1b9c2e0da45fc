import type { Kysely } from 'kysely';
import type { Database, WebhookMappingErrorTable } from '../../storage/schema.js';

type Db = Kysely<Database>;

/** How many failed payloads an integration keeps: the newest; older ones go as new ones come. */
export const KEPT_ERRORS = 100;

/** In the event's batch: the payload and the error, then anything beyond the newest KEPT_ERRORS of the integration goes. */
export async function recordMappingError(db: Db, row: WebhookMappingErrorTable): Promise<void> {
  await db.insertInto('webhook_mapping_errors').values(row).execute();
  const cut = await db
    .selectFrom('webhook_mapping_errors')
    .select(['created_at', 'id'])
    .where('org_id', '=', row.org_id)
    .where('integration_id', '=', row.integration_id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(KEPT_ERRORS)
    .limit(1)
    .executeTakeFirst();
  if (cut) await db.deleteFrom('webhook_mapping_errors').where('org_id', '=', row.org_id).where('integration_id', '=', row.integration_id).where('created_at', '<=', cut.created_at).where('id', '<=', cut.id).execute();
}

export async function listMappingErrors(db: Db, orgId: string, integrationId: string, limit: number, offset: number): Promise<{ rows: WebhookMappingErrorTable[]; total: number }> {
  const rows = await db
    .selectFrom('webhook_mapping_errors')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('integration_id', '=', integrationId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  const n = await db.selectFrom('webhook_mapping_errors').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).where('integration_id', '=', integrationId).executeTakeFirstOrThrow();
  return { rows, total: Number(n.n) };
}
