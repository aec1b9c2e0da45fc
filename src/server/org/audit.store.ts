/** Queries for audit records (PagerDuty's audit trail of services, policies, schedules and users). Nothing else. */
import type { Kysely } from 'kysely';
import type { AuditRecordTable, AuditRootType, Database } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function insertAuditRecord(db: Db, row: AuditRecordTable): Promise<void> {
  await db.insertInto('audit_records').values(row).execute();
}

/** One resource's records in [since, until), newest first, after the cursor (at, id) when given. */
export async function auditRecordsOf(
  db: Db,
  orgId: string,
  root: { type: AuditRootType; id: string },
  q: { since: number; until: number; after?: { at: number; id: string }; limit: number },
): Promise<AuditRecordTable[]> {
  let query = db
    .selectFrom('audit_records')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('root_type', '=', root.type)
    .where('root_id', '=', root.id)
    .where('at', '>=', q.since)
    .where('at', '<', q.until);
  const after = q.after;
  if (after) query = query.where((eb) => eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]));
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}

/** Whether the resource has any record at all (a deleted resource's trail stays readable). */
export async function hasAuditRecords(db: Db, orgId: string, root: { type: AuditRootType; id: string }): Promise<boolean> {
  const r = await db.selectFrom('audit_records').select('id').where('org_id', '=', orgId).where('root_type', '=', root.type).where('root_id', '=', root.id).limit(1).executeTakeFirst();
  return r !== undefined;
}
