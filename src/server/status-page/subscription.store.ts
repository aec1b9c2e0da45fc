/** Queries for status page subscribers, the component watch and the maintenance notices sent. Nothing else. */
import type { Kysely } from 'kysely';
import { needsReseal, openSecret, sealSecret } from '../lib/secret-box.js';
import type { Database, StatusComponentWatchTable, StatusSubscriberTable } from '../storage/schema.js';

type Db = Kysely<Database>;

// Sealed at rest (lib/secret-box.ts): a webhook's signing secret and the unsubscribe token.
const open = (r: StatusSubscriberTable): StatusSubscriberTable => ({ ...r, secret: r.secret === null ? null : openSecret(r.secret), unsubscribe_token: openSecret(r.unsubscribe_token) });

export async function insertSubscriber(db: Db, row: StatusSubscriberTable): Promise<void> {
  await db
    .insertInto('status_subscribers')
    .values({ ...row, secret: row.secret === null ? null : sealSecret(row.secret), unsubscribe_token: sealSecret(row.unsubscribe_token) })
    .execute();
}

export async function findSubscriberByAddress(db: Db, orgId: string, type: StatusSubscriberTable['type'], address: string): Promise<StatusSubscriberTable | undefined> {
  const r = await db.selectFrom('status_subscribers').selectAll().where('org_id', '=', orgId).where('type', '=', type).where('address', '=', address).executeTakeFirst();
  return r && open(r);
}

export async function getSubscriber(db: Db, orgId: string, id: string): Promise<StatusSubscriberTable | undefined> {
  const r = await db.selectFrom('status_subscribers').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return r && open(r);
}

/** A new confirmation for an unconfirmed subscriber (it asked again): new token, new expiry, the components and language it asked in now. */
export async function renewConfirmation(db: Db, orgId: string, id: string, set: { confirm_hash: string; expires_at: number; components: string; language: string }): Promise<void> {
  await db.updateTable('status_subscribers').set(set).where('org_id', '=', orgId).where('id', '=', id).where('confirmed_at', 'is', null).execute();
}

/** Confirms the unexpired subscriber whose confirmation token hashes to `hash`; returns whether one was. */
export async function confirmSubscriber(db: Db, orgId: string, hash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('status_subscribers')
    .set({ confirm_hash: null, confirmed_at: now, expires_at: null })
    .where('org_id', '=', orgId)
    .where('confirm_hash', '=', hash)
    .where('confirmed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Deletes the subscriber whose unsubscribe token hashes to `hash`: the address is gone. */
export async function deleteByUnsubscribeHash(db: Db, orgId: string, hash: string): Promise<boolean> {
  const r = await db.deleteFrom('status_subscribers').where('org_id', '=', orgId).where('unsubscribe_hash', '=', hash).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function deleteSubscriber(db: Db, orgId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('status_subscribers').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Unconfirmed subscribers past their expiry, every organization: deleted. */
export async function deleteExpired(db: Db, now: number): Promise<number> {
  const r = await db.deleteFrom('status_subscribers').where('confirmed_at', 'is', null).where('expires_at', '<=', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function listSubscribers(db: Db, orgId: string, limit: number, offset: number): Promise<{ rows: StatusSubscriberTable[]; total: number }> {
  const [rows, total] = await Promise.all([
    db.selectFrom('status_subscribers').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'asc').orderBy('id', 'asc').limit(limit).offset(offset).execute(),
    db.selectFrom('status_subscribers').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(open), total: Number(total.n) };
}

export async function confirmedSubscribers(db: Db, orgId: string): Promise<StatusSubscriberTable[]> {
  const rows = await db.selectFrom('status_subscribers').selectAll().where('org_id', '=', orgId).where('confirmed_at', 'is not', null).orderBy('id', 'asc').execute();
  return rows.map(open);
}

/** The organizations whose published status page has confirmed subscribers (reads status_pages, its own domain's). */
export async function organizationsWithSubscribers(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('status_subscribers as s')
    .innerJoin('status_pages as p', 'p.org_id', 's.org_id')
    .select('s.org_id')
    .distinct()
    .where('s.confirmed_at', 'is not', null)
    .where('p.enabled', '=', 1)
    .execute();
  return rows.map((r) => r.org_id);
}

export async function watchesOf(db: Db, orgId: string): Promise<StatusComponentWatchTable[]> {
  return db.selectFrom('status_component_watch').selectAll().where('org_id', '=', orgId).execute();
}

export async function saveWatch(db: Db, row: StatusComponentWatchTable): Promise<void> {
  const { org_id: _o, service_id: _s, ...rest } = row;
  await db
    .insertInto('status_component_watch')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'service_id']).doUpdateSet(rest))
    .execute();
}

export async function noticesSent(db: Db, orgId: string, keys: string[]): Promise<Set<string>> {
  if (!keys.length) return new Set();
  const rows = await db.selectFrom('status_notices_sent').select('key').where('org_id', '=', orgId).where('key', 'in', keys).execute();
  return new Set(rows.map((r) => r.key));
}

/** Records a notice as sent; false when it already was (another node got there first). */
export async function markNoticeSent(db: Db, orgId: string, key: string, now: number): Promise<boolean> {
  const r = await db.insertInto('status_notices_sent').values({ org_id: orgId, key, created_at: now }).onConflict((oc) => oc.columns(['org_id', 'key']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Re-seal secrets and unsubscribe tokens sealed under a key rotated out (see notify/contact.store.ts resealContactMethods). */
export async function resealStatusSubscribers(db: Db): Promise<number> {
  const rows = await db.selectFrom('status_subscribers').select(['org_id', 'id', 'secret', 'unsubscribe_token']).execute();
  let n = 0;
  for (const r of rows) {
    if (!needsReseal(r.unsubscribe_token) && !(r.secret !== null && needsReseal(r.secret))) continue;
    await db
      .updateTable('status_subscribers')
      .set({ unsubscribe_token: sealSecret(openSecret(r.unsubscribe_token)), secret: r.secret === null ? null : sealSecret(openSecret(r.secret)) })
      .where('org_id', '=', r.org_id)
      .where('id', '=', r.id)
      .execute();
    n++;
  }
  return n;
}
