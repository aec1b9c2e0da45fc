/** Queries for scheduled test pages (tables test_page_settings, contact_method_tests), and nothing else. */
import type { Kysely } from 'kysely';
import type { ContactMethodTestTable, Database, TestPageSettingsTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const parse = (r: ContactMethodTestTable): ContactMethodTestTable => ({
  ...r,
  sent_at: Number(r.sent_at),
  token_expires_at: r.token_expires_at === null ? null : Number(r.token_expires_at),
  confirmed_at: r.confirmed_at === null ? null : Number(r.confirmed_at),
});

export async function getSettings(db: Db, orgId: string): Promise<TestPageSettingsTable | undefined> {
  const r = await db.selectFrom('test_page_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return r && { ...r, enabled: Number(r.enabled), lead_hours: Number(r.lead_hours), updated_at: Number(r.updated_at) };
}

export async function putSettings(db: Db, row: TestPageSettingsTable): Promise<void> {
  await db
    .insertInto('test_page_settings')
    .values(row)
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ enabled: row.enabled, lead_hours: row.lead_hours, updated_at: row.updated_at }))
    .execute();
}

/** The claim: insert the test unless one with the same key exists for the method; false when another node or an earlier pass took it. */
export async function claimTest(db: Db, row: ContactMethodTestTable): Promise<boolean> {
  const r = await db
    .insertInto('contact_method_tests')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'contact_method_id', 'claim_key']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The tests of these contact methods, oldest first. */
export async function testsOf(db: Db, orgId: string, contactMethodIds: readonly string[]): Promise<ContactMethodTestTable[]> {
  if (!contactMethodIds.length) return [];
  const rows = await db.selectFrom('contact_method_tests').selectAll().where('org_id', '=', orgId).where('contact_method_id', 'in', [...contactMethodIds]).orderBy('sent_at').orderBy('id').execute();
  return rows.map(parse);
}

export async function getTest(db: Db, orgId: string, id: string): Promise<ContactMethodTestTable | undefined> {
  const r = await db.selectFrom('contact_method_tests').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return r && parse(r);
}

/** By the confirm token's hash: an unscoped lookup by credential, which yields the organization. */
export async function findTestByToken(db: Db, tokenHash: string): Promise<ContactMethodTestTable | undefined> {
  const r = await db.selectFrom('contact_method_tests').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return r && parse(r);
}

export async function setToken(db: Db, orgId: string, id: string, tokenHash: string, expiresAt: number): Promise<void> {
  await db.updateTable('contact_method_tests').set({ token_hash: tokenHash, token_expires_at: expiresAt }).where('org_id', '=', orgId).where('id', '=', id).where('confirmed_at', 'is', null).execute();
}

/**
 * The latest test sent since `sentSince` and not confirmed to the verified, live SMS contact
 * method whose number is `address` (in `orgId` when given): an SMS reply from that number
 * confirms it. Unscoped without `orgId`: the sender's number is the credential, as for
 * replies to pages, and the row found names the organization.
 */
export async function latestOutstandingSmsTest(db: Db, address: string, sentSince: number, orgId?: string): Promise<ContactMethodTestTable | undefined> {
  let q = db
    .selectFrom('contact_method_tests as t')
    .innerJoin('contact_methods as c', (j) => j.onRef('c.org_id', '=', 't.org_id').onRef('c.id', '=', 't.contact_method_id'))
    .selectAll('t')
    .where('c.address', '=', address)
    .where('c.type', '=', 'sms')
    .where('c.verified_at', 'is not', null)
    .where('c.deleted_at', 'is', null)
    .where('t.confirmed_at', 'is', null)
    .where('t.sent_at', '>', sentSince);
  if (orgId !== undefined) q = q.where('t.org_id', '=', orgId);
  const r = await q.orderBy('t.sent_at', 'desc').orderBy('t.id', 'desc').executeTakeFirst();
  return r && parse(r);
}

/** Record the confirmation; false when it was confirmed already (the link is single use). */
export async function confirmTest(db: Db, orgId: string, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable('contact_method_tests').set({ confirmed_at: now }).where('org_id', '=', orgId).where('id', '=', id).where('confirmed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The people who have had a scheduled test (the monthly round looks at their methods). */
export async function testedUserIds(db: Db, orgId: string): Promise<string[]> {
  const rows = await db.selectFrom('contact_method_tests').select('user_id').distinct().where('org_id', '=', orgId).execute();
  return rows.map((r) => r.user_id);
}
