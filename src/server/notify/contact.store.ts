import type { Kysely } from 'kysely';
import { needsReseal, openSecret, sealSecret } from '../lib/secret-box.js';
import type { ContactMethodTable, ContactMethodType, Database, NotificationRuleTable } from '../storage/schema.js';

type Db = Kysely<Database>;

// Sealed at rest (lib/secret-box.ts): a webhook method's signing secret, an access token, and the
// URLs that are credentials themselves (Slack, Discord and Teams webhooks).
const SEALED_ADDRESS: readonly ContactMethodType[] = ['slack', 'discord', 'teams'];
const sealsAddress = (type: ContactMethodType) => SEALED_ADDRESS.includes(type);

function opened(row: ContactMethodTable): ContactMethodTable {
  return { ...row, secret: row.secret === null ? null : openSecret(row.secret), address: sealsAddress(row.type) ? openSecret(row.address) : row.address };
}

export async function listContactMethods(db: Db, orgId: string, userIds: string[]): Promise<ContactMethodTable[]> {
  if (!userIds.length) return [];
  const rows = await db.selectFrom('contact_methods').selectAll().where('org_id', '=', orgId).where('user_id', 'in', userIds).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute();
  return rows.map(opened);
}

export async function getContactMethod(db: Db, orgId: string, id: string): Promise<ContactMethodTable | undefined> {
  const row = await db.selectFrom('contact_methods').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return row && opened(row);
}

export async function insertContactMethod(db: Db, row: ContactMethodTable): Promise<void> {
  await db
    .insertInto('contact_methods')
    .values({ ...row, secret: row.secret === null ? null : sealSecret(row.secret), address: sealsAddress(row.type) ? sealSecret(row.address) : row.address })
    .execute();
}

export async function updateContactMethod(db: Db, orgId: string, id: string, patch: Partial<ContactMethodTable>): Promise<void> {
  const sealed = { ...patch };
  if (patch.secret) sealed.secret = sealSecret(patch.secret);
  if (patch.address !== undefined) {
    const cur = await db.selectFrom('contact_methods').select('type').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (cur && sealsAddress(cur.type)) sealed.address = sealSecret(patch.address);
  }
  await db.updateTable('contact_methods').set(sealed).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/**
 * Seal what is still plaintext (rows from before secrets were sealed) or sealed with a
 * key other than the current one (after a rotation). Run at start-up; answers how many
 * rows it rewrote.
 */
export async function resealContactMethods(db: Db): Promise<number> {
  const rows = await db.selectFrom('contact_methods').select(['org_id', 'id', 'type', 'address', 'secret']).where((eb) => eb.or([eb('secret', 'is not', null), eb('type', 'in', [...SEALED_ADDRESS])])).execute();
  let n = 0;
  for (const r of rows) {
    const patch: Partial<ContactMethodTable> = {};
    if (r.secret !== null && needsReseal(r.secret)) patch.secret = sealSecret(openSecret(r.secret));
    if (sealsAddress(r.type) && needsReseal(r.address)) patch.address = sealSecret(openSecret(r.address));
    if (Object.keys(patch).length === 0) continue;
    await db.updateTable('contact_methods').set(patch).where('org_id', '=', r.org_id).where('id', '=', r.id).execute();
    n++;
  }
  return n;
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
