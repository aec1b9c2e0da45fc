/** Status update notification rules: which contact methods a member hears status updates on. Queries only. */
import type { Kysely } from 'kysely';
import type { Database, StatusUpdateRuleTable } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function listStatusRules(db: Db, orgId: string, userIds: readonly string[]): Promise<StatusUpdateRuleTable[]> {
  if (!userIds.length) return [];
  return db.selectFrom('status_update_rules').selectAll().where('org_id', '=', orgId).where('user_id', 'in', [...userIds]).orderBy('created_at').orderBy('id').execute();
}

export async function getStatusRule(db: Db, orgId: string, userId: string, id: string): Promise<StatusUpdateRuleTable | undefined> {
  return db.selectFrom('status_update_rules').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
}

export async function findStatusRuleByMethod(db: Db, orgId: string, userId: string, contactMethodId: string): Promise<StatusUpdateRuleTable | undefined> {
  return db.selectFrom('status_update_rules').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).where('contact_method_id', '=', contactMethodId).executeTakeFirst();
}

export async function insertStatusRule(db: Db, row: StatusUpdateRuleTable): Promise<void> {
  await db.insertInto('status_update_rules').values(row).execute();
}

export async function setStatusRuleMethod(db: Db, orgId: string, id: string, contactMethodId: string): Promise<void> {
  await db.updateTable('status_update_rules').set({ contact_method_id: contactMethodId }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function deleteStatusRule(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('status_update_rules').where('org_id', '=', orgId).where('id', '=', id).execute();
}
