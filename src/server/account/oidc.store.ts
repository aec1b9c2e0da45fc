/** Queries for OpenID Connect sign-in: an organization's configuration (its client secret sealed here) and sign-ins in flight. */
import type { Kysely } from 'kysely';
import { needsReseal, openSecret, sealSecret } from '../lib/secret-box.js';
import type { Database, OidcConfigTable, OidcLoginTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const config = (r: OidcConfigTable): OidcConfigTable => ({
  ...r,
  client_secret: openSecret(r.client_secret),
  jit_membership: Number(r.jit_membership),
  password_sign_in: Number(r.password_sign_in),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

export async function getOidcConfig(db: Db, orgId: string): Promise<OidcConfigTable | undefined> {
  const r = await db.selectFrom('oidc_configs').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return r && config(r);
}

/** Not org-scoped: the slug (or organization id) in a sign-in link is what names the organization. */
export async function findOidcConfig(db: Db, slugOrOrgId: string): Promise<OidcConfigTable | undefined> {
  const r = await db
    .selectFrom('oidc_configs')
    .selectAll()
    .where((eb) => eb.or([eb('slug', '=', slugOrOrgId), eb('org_id', '=', slugOrOrgId)]))
    .executeTakeFirst();
  return r && config(r);
}

export async function slugTaken(db: Db, slug: string, exceptOrgId: string): Promise<boolean> {
  const r = await db.selectFrom('oidc_configs').select('org_id').where('slug', '=', slug).where('org_id', '!=', exceptOrgId).executeTakeFirst();
  return Boolean(r);
}

export async function putOidcConfig(db: Db, row: OidcConfigTable): Promise<void> {
  const sealed = { ...row, client_secret: sealSecret(row.client_secret) };
  const { org_id: _org, created_at: _created, ...update } = sealed;
  await db
    .insertInto('oidc_configs')
    .values(sealed)
    .onConflict((oc) => oc.column('org_id').doUpdateSet(update))
    .execute();
}

export async function deleteOidcConfig(db: Db, orgId: string): Promise<boolean> {
  await db.deleteFrom('oidc_logins').where('org_id', '=', orgId).execute();
  const r = await db.deleteFrom('oidc_configs').where('org_id', '=', orgId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function insertOidcLogin(db: Db, row: OidcLoginTable): Promise<void> {
  await db.insertInto('oidc_logins').values(row).execute();
}

/** Spends a sign-in in flight: the row when this call is the one that used it (unused, not expired), else nothing. */
export async function spendOidcLogin(db: Db, stateHash: string, now: number): Promise<OidcLoginTable | undefined> {
  const r = await db.selectFrom('oidc_logins').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
  if (!r || r.used_at !== null || Number(r.expires_at) <= now) return undefined;
  const u = await db.updateTable('oidc_logins').set({ used_at: now }).where('org_id', '=', r.org_id).where('id', '=', r.id).where('used_at', 'is', null).executeTakeFirst();
  if (Number(u.numUpdatedRows) !== 1) return undefined;
  return { ...r, expires_at: Number(r.expires_at), created_at: Number(r.created_at), used_at: now };
}

/** Sign-ins in flight that ended or expired a day ago go. */
export async function pruneOidcLogins(db: Db, before: number): Promise<void> {
  await db.deleteFrom('oidc_logins').where('expires_at', '<', before).execute();
}

/** Seal client secrets sealed with a key rotated out (see resealContactMethods). */
export async function resealOidcConfigs(db: Db): Promise<number> {
  const rows = await db.selectFrom('oidc_configs').select(['org_id', 'client_secret']).execute();
  let n = 0;
  for (const r of rows) {
    if (!needsReseal(r.client_secret)) continue;
    await db.updateTable('oidc_configs').set({ client_secret: sealSecret(openSecret(r.client_secret)) }).where('org_id', '=', r.org_id).execute();
    n++;
  }
  return n;
}
