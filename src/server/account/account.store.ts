/** Queries for passwords, browser sessions and one-time account links. Nothing else. */
import type { Kysely } from 'kysely';
import type { AccountLinkTable, Database, Role, WebSessionTable } from '../storage/schema.js';
import type { TokenPrincipal } from '../org/token.store.js';

type Db = Kysely<Database>;

export interface PasswordCandidate {
  orgId: string;
  orgName: string;
  userId: string;
  name: string;
  role: Role;
  passwordHash: string;
}

/** Every membership of an email that has a password (an email may belong to several organizations). Not org-scoped: the email is the key. */
export async function findPasswordCandidates(db: Db, email: string, limit = 10): Promise<PasswordCandidate[]> {
  const rows = await db
    .selectFrom('users as u')
    .innerJoin('user_passwords as p', (j) => j.onRef('p.org_id', '=', 'u.org_id').onRef('p.user_id', '=', 'u.id'))
    .innerJoin('organizations as o', 'o.id', 'u.org_id')
    .select(['u.org_id', 'o.name as org_name', 'u.id', 'u.name', 'u.role', 'p.password_hash'])
    .where('u.email', '=', email.toLowerCase())
    .where('u.deleted_at', 'is', null)
    .orderBy('u.org_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ orgId: r.org_id, orgName: r.org_name, userId: r.id, name: r.name, role: r.role, passwordHash: r.password_hash }));
}

export async function getPasswordHash(db: Db, orgId: string, userId: string): Promise<string | undefined> {
  const r = await db.selectFrom('user_passwords').select('password_hash').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return r?.password_hash;
}

export async function upsertPassword(db: Db, orgId: string, userId: string, hash: string, now: number): Promise<void> {
  await db
    .insertInto('user_passwords')
    .values({ org_id: orgId, user_id: userId, password_hash: hash, updated_at: now })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ password_hash: hash, updated_at: now }))
    .execute();
}

export async function insertSession(db: Db, row: WebSessionTable): Promise<void> {
  await db.insertInto('web_sessions').values(row).execute();
}

export interface SessionPrincipal extends TokenPrincipal {
  session: Pick<WebSessionTable, 'id' | 'csrf_token' | 'created_at' | 'expires_at' | 'last_seen_at' | 'revoked_at'>;
}

/** The one session lookup not scoped by organization: the token hash is what tells us the organization. */
export async function findSessionByTokenHash(db: Db, tokenHash: string): Promise<SessionPrincipal | undefined> {
  const r = await db
    .selectFrom('web_sessions as s')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 's.org_id').onRef('u.id', '=', 's.user_id'))
    .select(['s.org_id', 's.user_id', 's.id', 's.csrf_token', 's.created_at', 's.expires_at', 's.last_seen_at', 's.revoked_at', 'u.role', 'u.name', 'u.email'])
    .where('s.token_hash', '=', tokenHash)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    orgId: r.org_id,
    userId: r.user_id,
    tokenId: `session:${r.id}`,
    role: r.role,
    name: r.name,
    email: r.email,
    session: { id: r.id, csrf_token: r.csrf_token, created_at: Number(r.created_at), expires_at: Number(r.expires_at), last_seen_at: Number(r.last_seen_at), revoked_at: r.revoked_at === null ? null : Number(r.revoked_at) },
  };
}

export async function touchSession(db: Db, orgId: string, id: string, now: number): Promise<void> {
  await db.updateTable('web_sessions').set({ last_seen_at: now }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function revokeSession(db: Db, orgId: string, id: string, now: number): Promise<void> {
  await db.updateTable('web_sessions').set({ revoked_at: now }).where('org_id', '=', orgId).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function revokeUserSessions(db: Db, orgId: string, userId: string, now: number, exceptId?: string): Promise<void> {
  let q = db.updateTable('web_sessions').set({ revoked_at: now }).where('org_id', '=', orgId).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (exceptId) q = q.where('id', '!=', exceptId);
  await q.execute();
}

export async function insertLink(db: Db, row: AccountLinkTable): Promise<void> {
  await db.insertInto('account_links').values(row).execute();
}

export async function findLinkByTokenHash(db: Db, tokenHash: string): Promise<(AccountLinkTable & { email: string; user_name: string; org_name: string }) | undefined> {
  const r = await db
    .selectFrom('account_links as l')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 'l.org_id').onRef('u.id', '=', 'l.user_id'))
    .innerJoin('organizations as o', 'o.id', 'l.org_id')
    .selectAll('l')
    .select(['u.email', 'u.name as user_name', 'o.name as org_name'])
    .where('l.token_hash', '=', tokenHash)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  return r && { ...r, created_at: Number(r.created_at), expires_at: Number(r.expires_at), used_at: r.used_at === null ? null : Number(r.used_at), previous_email: r.previous_email ?? null };
}

/** Marks a link used; false when it was used already (two tabs racing): only one wins. */
export async function spendLink(db: Db, orgId: string, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable('account_links').set({ used_at: now }).where('org_id', '=', orgId).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A new link of a kind replaces the user's older unused ones. */
export async function expireLinks(db: Db, orgId: string, userId: string, kind: AccountLinkTable['kind'], now: number): Promise<void> {
  await db.updateTable('account_links').set({ used_at: now }).where('org_id', '=', orgId).where('user_id', '=', userId).where('kind', '=', kind).where('used_at', 'is', null).execute();
}

/** A member's sessions not revoked and not past their lifetime (idleness is judged by the caller), newest first. */
export async function liveSessionsOf(db: Db, orgId: string, userId: string, now: number): Promise<WebSessionTable[]> {
  return db
    .selectFrom('web_sessions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function getUserSession(db: Db, orgId: string, userId: string, id: string): Promise<WebSessionTable | undefined> {
  return db.selectFrom('web_sessions').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
}

/** Of `userIds`, the members who have no password and were never sent an invitation (kept in the order given). */
export async function neverInvited(db: Db, orgId: string, userIds: string[]): Promise<string[]> {
  if (!userIds.length) return [];
  const rows = await db
    .selectFrom('users as u')
    .select('u.id')
    .where('u.org_id', '=', orgId)
    .where('u.id', 'in', userIds)
    .where('u.deleted_at', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('user_passwords as p').select('p.user_id').where('p.org_id', '=', orgId).whereRef('p.user_id', '=', 'u.id'))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('account_links as l').select('l.id').where('l.org_id', '=', orgId).whereRef('l.user_id', '=', 'u.id').where('l.kind', '=', 'invite'))))
    .execute();
  const found = new Set(rows.map((r) => r.id));
  return userIds.filter((id) => found.has(id));
}
