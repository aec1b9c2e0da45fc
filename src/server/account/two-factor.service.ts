/**
 * Two-factor authentication (issue 14 item 9): TOTP enrolment, the second step of
 * signing in, recovery codes, disabling, an organization's requirement, and a manager's
 * reset of another member's. The rules of codes are in totp.ts; this is the use cases.
 */
import type { Kysely } from 'kysely';
import { VigilError, forbidden, invalid } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashSecret } from '../lib/secrets.js';
import { canActOn } from '../org/roles.js';
import { getOrganization, getUser } from '../org/org.store.js';
import type { Database, Role, UserTable } from '../storage/schema.js';
import * as accountStore from './account.store.js';
import { verifyPassword } from './password.js';
import { newSessionToken } from './session.js';
import * as store from './two-factor.store.js';
import { matchingStep, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, otpauthUri } from './totp.js';
import { format, localeFor } from '../lib/i18n/translate.js';

type Db = Kysely<Database>;

/** A password-checked sign-in waits this long for its second step. */
export const TICKET_TTL_MS = 5 * 60_000;
/** Wrong codes one ticket takes before it is spent (the sign-in throttle counts them too). */
export const TICKET_MAX_FAILURES = 5;
/** The roles an organization may require two-factor authentication for. */
export const REQUIRABLE_ROLES: readonly Role[] = ['owner', 'admin'];

export interface SecondFactor {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

export interface TwoFactorStatus {
  active: boolean;
  pending: boolean;
  recoveryCodesLeft: number;
  /** The organization requires it of this member's role. */
  required: boolean;
}

export async function status(db: Db, orgId: string, userId: string, role: Role): Promise<TwoFactorStatus> {
  const [tf, roles] = await Promise.all([store.getTwoFactor(db, orgId, userId), store.getPolicyRoles(db, orgId)]);
  const active = Boolean(tf?.confirmed_at);
  return { active, pending: Boolean(tf) && !active, recoveryCodesLeft: active ? await store.countRecoveryCodesLeft(db, orgId, userId) : 0, required: roles.includes(role) };
}

export async function isActive(db: Db, orgId: string, userId: string): Promise<boolean> {
  return Boolean((await store.getTwoFactor(db, orgId, userId))?.confirmed_at);
}

/** True when the organization requires 2FA of this role and the member has none active: their session reaches enrolment only. */
export async function enrolmentRequired(db: Db, orgId: string, userId: string, role: Role): Promise<boolean> {
  const roles = await store.getPolicyRoles(db, orgId);
  if (!roles.includes(role)) return false;
  return !(await isActive(db, orgId, userId));
}

/** Start enrolment: a new 160-bit secret, shown this once. Starting again replaces a pending one; an active one must be disabled first. */
export async function startEnrolment(db: Db, clock: Clock, orgId: string, user: { id: string; email: string }): Promise<{ secret: string; uri: string }> {
  if (await isActive(db, orgId, user.id)) throw new VigilError('conflict', ['two-factor authentication is already active; disable it first to enrol a new authenticator']);
  const secret = newTotpSecret();
  await store.putPendingTwoFactor(db, orgId, user.id, secret, clock.now());
  return { secret, uri: otpauthUri(user.email, secret) };
}

/** Check a TOTP code (±1 step, each step once) for a member's secret. */
async function checkCode(db: Db, clock: Clock, orgId: string, userId: string, secret: string, code: string): Promise<void> {
  const step = matchingStep(secret, code, clock.now());
  if (step === null) throw new VigilError('unauthenticated', ['code: is not right (use the current 6-digit code of your authenticator app)']);
  if (!(await store.acceptStep(db, orgId, userId, step))) throw new VigilError('unauthenticated', ['code: was already used; wait for the next one']);
}

/** Confirm enrolment with a current code: only now is 2FA active. Returns the ten recovery codes, shown this once. */
export async function confirmEnrolment(db: Db, clock: Clock, orgId: string, userId: string, code: string): Promise<string[]> {
  const tf = await store.getTwoFactor(db, orgId, userId);
  if (!tf) throw new VigilError('conflict', ['no enrolment is pending; start one first']);
  if (tf.confirmed_at) throw new VigilError('conflict', ['two-factor authentication is already active']);
  await checkCode(db, clock, orgId, userId, tf.secret, code);
  const codes = newRecoveryCodes();
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    await store.confirmTwoFactor(trx, orgId, userId, now);
    await store.replaceRecoveryCodes(trx, orgId, userId, codes.map((c) => hashSecret(normalizeRecoveryCode(c))), now);
  });
  return codes;
}

/** The second factor of an active member: a TOTP code, or a recovery code (spent). Says which. */
export async function verifySecondFactor(db: Db, clock: Clock, orgId: string, userId: string, f: SecondFactor): Promise<'totp' | 'recovery'> {
  const tf = await store.getTwoFactor(db, orgId, userId);
  if (!tf?.confirmed_at) throw new VigilError('conflict', ['two-factor authentication is not active']);
  if ((f.code === undefined) === (f.recoveryCode === undefined)) throw invalid('give either code or recovery_code');
  if (f.code !== undefined) {
    await checkCode(db, clock, orgId, userId, tf.secret, f.code);
    return 'totp';
  }
  if (!(await store.spendRecoveryCode(db, orgId, userId, hashSecret(normalizeRecoveryCode(f.recoveryCode!)), clock.now()))) {
    throw new VigilError('unauthenticated', ['recovery_code: is not right, or was already used']);
  }
  return 'recovery';
}

/** Disable one's own 2FA: the current password and a current (or recovery) code. */
export async function disable(db: Db, clock: Clock, orgId: string, userId: string, password: string, f: SecondFactor): Promise<'totp' | 'recovery'> {
  const stored = await accountStore.getPasswordHash(db, orgId, userId);
  if (!stored || !(await verifyPassword(password, stored))) throw new VigilError('unauthenticated', ['password: is not right']);
  const used = await verifySecondFactor(db, clock, orgId, userId, f);
  await store.deleteTwoFactor(db, orgId, userId);
  return used;
}

/** A manager removes another member's 2FA (never of a role above their own). Returns the member, to tell them. */
export async function adminReset(db: Db, actor: { orgId: string; userId: string; role: Role }, targetId: string): Promise<{ target: UserTable; orgName: string; locale: string }> {
  const target = await getUser(db, actor.orgId, targetId);
  if (!target || target.deleted_at !== null) throw new VigilError('not_found', [`user ${targetId} not found`]);
  if (target.id === actor.userId) throw forbidden('disable your own two-factor authentication with your password and a code (POST /api/v1/session/two_factor/disable)');
  if (!canActOn(actor.role, target.role)) throw forbidden(`a ${actor.role} cannot reset the two-factor authentication of a ${target.role}; nobody acts on an account above their own role`);
  if (!(await store.deleteTwoFactor(db, actor.orgId, target.id))) throw new VigilError('not_found', [`${target.email} has no two-factor authentication`]);
  const org = await getOrganization(db, actor.orgId);
  const locale = localeFor(target.locale, org?.default_locale);
  return { target, orgName: org?.name ?? format(locale, 'accountMail.your_organization'), locale };
}

/** A sign-in whose password was right, waiting for its second step. */
export async function createTicket(db: Db, now: number, orgId: string, userId: string): Promise<{ ticket: string; expiresAt: number }> {
  const ticket = newSessionToken();
  const expiresAt = now + TICKET_TTL_MS;
  await store.deleteDeadTickets(db, orgId, userId, now);
  await store.insertTicket(db, { org_id: orgId, id: newId(now), user_id: userId, token_hash: hashSecret(ticket), failures: 0, expires_at: expiresAt, used_at: null, created_at: now });
  return { ticket, expiresAt };
}

const badTicket = () => new VigilError('unauthenticated', ['ticket: this sign-in has expired or was used; sign in again with your password']);

/** The member a live ticket stands for (its email keys the sign-in throttle). */
export async function openTicket(db: Db, clock: Clock, ticket: string) {
  const t = ticket && ticket.length <= 200 ? await store.findTicket(db, hashSecret(ticket)) : undefined;
  if (!t || t.used_at !== null || t.expires_at <= clock.now() || t.failures >= TICKET_MAX_FAILURES) throw badTicket();
  return t;
}

/** The second step: a right code spends the ticket; a wrong one counts against it. */
export async function completeTicket(db: Db, clock: Clock, t: { org_id: string; id: string; user_id: string }, f: SecondFactor): Promise<'totp' | 'recovery'> {
  let used: 'totp' | 'recovery';
  try {
    used = await verifySecondFactor(db, clock, t.org_id, t.user_id, f);
  } catch (err) {
    if (err instanceof VigilError && err.kind === 'unauthenticated') await store.countTicketFailure(db, t.org_id, t.id);
    throw err;
  }
  if (!(await store.spendTicket(db, t.org_id, t.id, clock.now()))) throw badTicket();
  return used;
}

export async function policy(db: Db, orgId: string): Promise<string[]> {
  return store.getPolicyRoles(db, orgId);
}

export async function setPolicy(db: Db, clock: Clock, orgId: string, roles: string[]): Promise<string[]> {
  const bad = roles.filter((r) => !(REQUIRABLE_ROLES as readonly string[]).includes(r));
  if (bad.length) throw invalid(`require_two_factor_for: may hold owner and admin only (not ${bad.join(', ')})`);
  const clean = REQUIRABLE_ROLES.filter((r) => roles.includes(r));
  await store.putPolicyRoles(db, orgId, clean, clock.now());
  return clean;
}
