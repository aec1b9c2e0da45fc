import type { Kysely } from 'kysely';
import type { ContactMethodTable, Database, NotificationRuleTable } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function listContactMethods(db: Db, orgId: string, userIds: string[]): Promise<ContactMethodTable[]> {
  if (!userIds.length) return [];
  return db.selectFrom('contact_methods').selectAll().where('org_id', '=', orgId).where('user_id', 'in', userIds).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute();
}

export async function getContactMethod(db: Db, orgId: string, id: string): Promise<ContactMethodTable | undefined> {
  return db.selectFrom('contact_methods').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function insertContactMethod(db: Db, row: ContactMethodTable): Promise<void> {
  await db.insertInto('contact_methods').values(row).execute();
}

export async function updateContactMethod(db: Db, orgId: string, id: string, patch: Partial<ContactMethodTable>): Promise<void> {
  await db.updateTable('contact_methods').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function softDeleteContactMethod(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await db.updateTable('contact_methods').set({ deleted_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
  await db.deleteFrom('notification_rules').where('org_id', '=', orgId).where('contact_method_id', '=', id).execute();
}

export async function listNotificationRules(db: Db, orgId: string, userIds: string[]): Promise<NotificationRuleTable[]> {
  if (!userIds.length) return [];
  return db.selectFrom('notification_rules').selectAll().where('org_id', '=', orgId).where('user_id', 'in', userIds).orderBy('start_delay_in_minutes').orderBy('created_at').execute();
}

export async function insertNotificationRule(db: Db, row: NotificationRuleTable): Promise<void> {
  await db.insertInto('notification_rules').values(row).execute();
}

export async function getNotificationRule(db: Db, orgId: string, id: string): Promise<NotificationRuleTable | undefined> {
  return db.selectFrom('notification_rules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function updateNotificationRule(db: Db, orgId: string, id: string, patch: Partial<NotificationRuleTable>): Promise<void> {
  await db.updateTable('notification_rules').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function deleteNotificationRule(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('notification_rules').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Verified email methods of live members (notices are text: email only). */
export async function listVerifiedEmailMethods(db: Db, orgId: string, userIds: readonly string[]): Promise<Pick<ContactMethodTable, 'id' | 'user_id'>[]> {
  if (!userIds.length) return [];
  return db
    .selectFrom('contact_methods as c')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 'c.org_id').onRef('u.id', '=', 'c.user_id'))
    .select(['c.id', 'c.user_id'])
    .where('c.org_id', '=', orgId)
    .where('c.user_id', 'in', [...userIds])
    .where('c.type', '=', 'email')
    .where('c.verified_at', 'is not', null)
    .where('c.deleted_at', 'is', null)
    .where('u.deleted_at', 'is', null)
    .execute();
}
