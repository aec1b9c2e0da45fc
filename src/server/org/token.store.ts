import type { Kysely } from 'kysely';
import type { ApiTokenTable, Database, Role, TokenScope } from '../storage/schema.js';

type Db = Kysely<Database>;

export interface TokenPrincipal {
  orgId: string;
  userId: string;
  tokenId: string;
  role: Role;
  name: string;
  email: string;
  /** A token's scope (undefined for a signed-in browser: the role alone decides). */
  scope?: TokenScope;
  /** A token's expiry and last use, for the auth hook. */
  expiresAt?: number | null;
  lastUsedAt?: number | null;
}

export async function insertToken(db: Db, row: ApiTokenTable): Promise<void> {
  await db.insertInto('api_tokens').values(row).execute();
}

/** The one lookup that is not scoped by organization: the token hash is what tells us the organization. */
export async function findPrincipalByTokenHash(db: Db, tokenHash: string): Promise<TokenPrincipal | undefined> {
  const r = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 't.org_id').onRef('u.id', '=', 't.user_id'))
    .select(['t.org_id', 't.user_id', 't.id as token_id', 't.scope', 't.expires_at', 't.last_used_at', 'u.role', 'u.name', 'u.email'])
    .where('t.token_hash', '=', tokenHash)
    .where('t.revoked_at', 'is', null)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  return r && { orgId: r.org_id, userId: r.user_id, tokenId: r.token_id, role: r.role, name: r.name, email: r.email, scope: r.scope, expiresAt: r.expires_at === null ? null : Number(r.expires_at), lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at) };
}

export async function listTokens(db: Db, orgId: string, userId: string | null): Promise<ApiTokenTable[]> {
  let q = db.selectFrom('api_tokens').selectAll().where('org_id', '=', orgId).where('revoked_at', 'is', null);
  if (userId) q = q.where('user_id', '=', userId);
  return q.orderBy('created_at').execute();
}

export async function getToken(db: Db, orgId: string, id: string): Promise<ApiTokenTable | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function revokeToken(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Note a token's use (the caller writes at most once a minute per token). */
export async function touchToken(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
}
