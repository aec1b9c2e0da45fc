/** Queries for two-factor authentication: secrets (sealed here), recovery codes, sign-in tickets, the organization's policy. */
import type { Kysely } from 'kysely';
import { openSecret, sealSecret } from '../lib/secret-box.js';
import type { Database, TwoFactorTicketTable, UserTwoFactorTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const num = (x: unknown): number | null => (x === null || x === undefined ? null : Number(x));

export async function getTwoFactor(db: Db, orgId: string, userId: string): Promise<UserTwoFactorTable | undefined> {
  const r = await db.selectFrom('user_two_factor').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return r && { ...r, secret: openSecret(r.secret), confirmed_at: num(r.confirmed_at), last_step: num(r.last_step), created_at: Number(r.created_at) };
}

/** Starts (or starts again) an enrolment that is not active yet. */
export async function putPendingTwoFactor(db: Db, orgId: string, userId: string, secret: string, now: number): Promise<void> {
  const sealed = sealSecret(secret);
  await db
    .insertInto('user_two_factor')
    .values({ org_id: orgId, user_id: userId, secret: sealed, confirmed_at: null, last_step: null, created_at: now })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ secret: sealed, confirmed_at: null, last_step: null, created_at: now }))
    .execute();
}

export async function confirmTwoFactor(db: Db, orgId: string, userId: string, now: number): Promise<void> {
  await db.updateTable('user_two_factor').set({ confirmed_at: now }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

/** Records that a code of `step` was accepted; false when that step (or a later one) already was: a replay, or a race lost. */
export async function acceptStep(db: Db, orgId: string, userId: string, step: number): Promise<boolean> {
  const r = await db
    .updateTable('user_two_factor')
    .set({ last_step: step })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteTwoFactor(db: Db, orgId: string, userId: string): Promise<boolean> {
  await db.deleteFrom('two_factor_recovery_codes').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  await db.deleteFrom('two_factor_tickets').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  const r = await db.deleteFrom('user_two_factor').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export async function replaceRecoveryCodes(db: Db, orgId: string, userId: string, hashes: string[], now: number): Promise<void> {
  await db.deleteFrom('two_factor_recovery_codes').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  await db
    .insertInto('two_factor_recovery_codes')
    .values(hashes.map((code_hash) => ({ org_id: orgId, user_id: userId, code_hash, used_at: null, created_at: now })))
    .execute();
}

/** Spends a recovery code; false when it is unknown or spent already. */
export async function spendRecoveryCode(db: Db, orgId: string, userId: string, hash: string, now: number): Promise<boolean> {
  const r = await db.updateTable('two_factor_recovery_codes').set({ used_at: now }).where('org_id', '=', orgId).where('user_id', '=', userId).where('code_hash', '=', hash).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function countRecoveryCodesLeft(db: Db, orgId: string, userId: string): Promise<number> {
  const r = await db.selectFrom('two_factor_recovery_codes').select((eb) => eb.fn.countAll<string>().as('n')).where('org_id', '=', orgId).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** A member's used and expired tickets go when they sign in again, so the table holds live ones and a few dead. */
export async function deleteDeadTickets(db: Db, orgId: string, userId: string, now: number): Promise<void> {
  await db
    .deleteFrom('two_factor_tickets')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('used_at', 'is not', null), eb('expires_at', '<=', now)]))
    .execute();
}

export async function insertTicket(db: Db, row: TwoFactorTicketTable): Promise<void> {
  await db.insertInto('two_factor_tickets').values(row).execute();
}

/** Not org-scoped: the ticket's hash is what tells the organization. */
export async function findTicket(db: Db, tokenHash: string): Promise<(TwoFactorTicketTable & { email: string }) | undefined> {
  const r = await db
    .selectFrom('two_factor_tickets as t')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 't.org_id').onRef('u.id', '=', 't.user_id'))
    .selectAll('t')
    .select('u.email')
    .where('t.token_hash', '=', tokenHash)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  return r && { ...r, failures: Number(r.failures), expires_at: Number(r.expires_at), used_at: num(r.used_at), created_at: Number(r.created_at) };
}

export async function countTicketFailure(db: Db, orgId: string, id: string): Promise<void> {
  await db
    .updateTable('two_factor_tickets')
    .set((eb) => ({ failures: eb('failures', '+', 1) }))
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/** Marks a ticket used; false when it was used already: only one second step wins. */
export async function spendTicket(db: Db, orgId: string, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable('two_factor_tickets').set({ used_at: now }).where('org_id', '=', orgId).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function getPolicyRoles(db: Db, orgId: string): Promise<string[]> {
  const r = await db.selectFrom('two_factor_policies').select('roles').where('org_id', '=', orgId).executeTakeFirst();
  return r ? (JSON.parse(r.roles) as string[]) : [];
}

export async function putPolicyRoles(db: Db, orgId: string, roles: string[], now: number): Promise<void> {
  const json = JSON.stringify(roles);
  await db
    .insertInto('two_factor_policies')
    .values({ org_id: orgId, roles: json, updated_at: now })
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ roles: json, updated_at: now }))
    .execute();
}
