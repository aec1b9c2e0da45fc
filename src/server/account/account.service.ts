/**
 * Sign-in, sessions, invitations and password resets: the use cases. Errors are
 * VigilErrors; the HTTP layer maps them. A wrong email and a wrong password get
 * the same answer after the same work (a scrypt verification either way).
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashSecret } from '../lib/secrets.js';
import { EMAIL_RE } from '../org/org.service.js';
import { canActOn } from '../org/roles.js';
import { findMembershipsByEmail, getOrganization, getUser, getUserByEmail, insertUser, updateUser } from '../org/org.store.js';
import type { Database, Role, UserTable } from '../storage/schema.js';
import * as store from './account.store.js';
import { restoreEmail } from './email-change.service.js';
import { accountEmail, type AccountMailer } from './mailer.js';
import { format, localeFor } from '../lib/i18n/translate.js';
import { PASSWORD_COST, burnVerification, hashPassword, needsRehash, passwordProblem, verifyPassword } from './password.js';
import { INVITE_TTL_MS, RESET_TTL_MS, SESSION_LIFETIME_MS, TOUCH_EVERY_MS, linkUrl, newCsrfToken, newLinkToken, newSessionToken, sessionAlive } from './session.js';

type Db = Kysely<Database>;

export interface NewSession {
  /** The cookie value; shown to the browser only. */
  token: string;
  id: string;
  csrfToken: string;
  orgId: string;
  userId: string;
  expiresAt: number;
}

export async function createSession(db: Db, now: number, orgId: string, userId: string, userAgent: string | undefined): Promise<NewSession> {
  const token = newSessionToken();
  const id = newId(now);
  const csrfToken = newCsrfToken();
  const expiresAt = now + SESSION_LIFETIME_MS;
  await store.insertSession(db, {
    org_id: orgId,
    id,
    user_id: userId,
    token_hash: hashSecret(token),
    csrf_token: csrfToken,
    user_agent: userAgent ? userAgent.slice(0, 255) : null,
    created_at: now,
    last_seen_at: now,
    expires_at: expiresAt,
    revoked_at: null,
  });
  return { token, id, csrfToken, orgId, userId, expiresAt };
}

/** The principal a session cookie stands for, or null (unknown, revoked, expired or idle too long). */
export async function authenticateSession(db: Db, clock: Clock, token: string): Promise<store.SessionPrincipal | null> {
  if (!token || token.length > 200) return null;
  const p = await store.findSessionByTokenHash(db, hashSecret(token));
  const now = clock.now();
  if (!p || !sessionAlive(p.session, now)) return null;
  if (now - p.session.last_seen_at > TOUCH_EVERY_MS) await store.touchSession(db, p.orgId, p.session.id, now);
  return p;
}

export type LoginResult = { kind: 'ok'; orgId: string; userId: string; role: Role } | { kind: 'choose'; organizations: { id: string; name: string }[] };

/** `cost`: VIGIL_PASSWORD_COST, for the dummy verification and for upgrading a weaker hash. */
export async function checkCredentials(db: Db, input: { email: string; password: string; organizationId?: string }, cost: number = PASSWORD_COST.default): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  const candidates = (await store.findPasswordCandidates(db, email)).filter((c) => !input.organizationId || c.orgId === input.organizationId);
  const fail = () => new VigilError('unauthenticated', ['the email or the password is not right']);
  if (candidates.length === 0) {
    await burnVerification(input.password, cost);
    throw fail();
  }
  const matches: store.PasswordCandidate[] = [];
  for (const c of candidates) if (await verifyPassword(input.password, c.passwordHash)) matches.push(c);
  if (matches.length === 0) throw fail();
  for (const m of matches) if (needsRehash(m.passwordHash, cost)) await store.upsertPassword(db, m.orgId, m.userId, await hashPassword(input.password, cost), Date.now());
  if (matches.length > 1) return { kind: 'choose', organizations: matches.map((m) => ({ id: m.orgId, name: m.orgName })) };
  return { kind: 'ok', orgId: matches[0]!.orgId, userId: matches[0]!.userId, role: matches[0]!.role };
}

export async function setPassword(db: Db, clock: Clock, orgId: string, userId: string, password: string, cost: number = PASSWORD_COST.default): Promise<void> {
  const problem = passwordProblem(password);
  if (problem) throw invalid(problem);
  await store.upsertPassword(db, orgId, userId, await hashPassword(password, cost), clock.now());
}

/** Sign out: ends one session. Ending one already ended changes nothing. */
export async function endSession(db: Db, clock: Clock, orgId: string, sessionId: string): Promise<void> {
  await store.revokeSession(db, orgId, sessionId, clock.now());
}

export async function changePassword(db: Db, clock: Clock, orgId: string, userId: string, current: string, next: string, keepSessionId?: string, cost: number = PASSWORD_COST.default): Promise<void> {
  const stored = await store.getPasswordHash(db, orgId, userId);
  if (stored && !(await verifyPassword(current, stored))) throw invalid('current_password: is not right');
  await setPassword(db, clock, orgId, userId, next, cost);
  await store.revokeUserSessions(db, orgId, userId, clock.now(), keepSessionId);
}

export async function createLink(db: Db, clock: Clock, orgId: string, userId: string, kind: 'invite' | 'reset', createdBy: string | null): Promise<{ token: string; expiresAt: number }> {
  const now = clock.now();
  const token = newLinkToken();
  const expiresAt = now + (kind === 'invite' ? INVITE_TTL_MS : RESET_TTL_MS);
  await db.transaction().execute(async (trx) => {
    await store.expireLinks(trx, orgId, userId, kind, now);
    await store.insertLink(trx, { org_id: orgId, id: newId(now), user_id: userId, kind, token_hash: hashSecret(token), created_by: createdBy, created_at: now, expires_at: expiresAt, used_at: null, previous_email: null });
  });
  return { token, expiresAt };
}

async function usableLink(db: Db, clock: Clock, token: string) {
  const link = token && token.length <= 200 ? await store.findLinkByTokenHash(db, hashSecret(token)) : undefined;
  if (!link) throw new VigilError('not_found', ['this link is not valid; ask for a new one']);
  if (link.used_at !== null) throw new VigilError('not_found', ['this link was already used; ask for a new one']);
  if (link.expires_at <= clock.now()) throw new VigilError('not_found', ['this link has expired; ask for a new one']);
  return link;
}

/** What a one-time link is for, to show before it is used. Looking does not spend it. */
export async function inspectLink(db: Db, clock: Clock, token: string) {
  const l = await usableLink(db, clock, token);
  return { kind: l.kind, email: l.kind === 'email_undo' && l.previous_email ? l.previous_email : l.email, name: l.user_name, organization: { id: l.org_id, name: l.org_name }, expiresAt: l.expires_at };
}

/**
 * Spend a link: set the password (and, for an invitation, the name). Every session of
 * the person ends. An `email_undo` link also puts back the address an email change
 * replaced (so the password chosen here, not one set through the new address, opens
 * the account) and kills the reset links sent to the new address.
 */
export async function redeemLink(db: Db, clock: Clock, token: string, password: string, name?: string, cost: number = PASSWORD_COST.default): Promise<{ orgId: string; userId: string }> {
  const problem = passwordProblem(password);
  if (problem) throw invalid(problem);
  const link = await usableLink(db, clock, token);
  const hash = await hashPassword(password, cost);
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    if (!(await store.spendLink(trx, link.org_id, link.id, now))) throw new VigilError('not_found', ['this link was already used; ask for a new one']);
    await store.upsertPassword(trx, link.org_id, link.user_id, hash, now);
    if (link.kind === 'invite' && name && name.trim()) await updateUser(trx, link.org_id, link.user_id, { name: name.trim().slice(0, 255) });
    if (link.kind === 'email_undo' && link.previous_email) {
      const user = await getUser(trx, link.org_id, link.user_id);
      if (user) await restoreEmail(trx, now, link.org_id, user, link.previous_email);
      await store.expireLinks(trx, link.org_id, link.user_id, 'reset', now);
    }
    await store.revokeUserSessions(trx, link.org_id, link.user_id, now);
  });
  return { orgId: link.org_id, userId: link.user_id };
}

/**
 * Add a member who has no password yet, ready for an invitation link. An email that is
 * already a member is refused (409), except to send a member whose invitation is still
 * pending (no password chosen yet) a fresh link, as they are: asking for another role
 * is refused, and so is any member whose role is above the inviter's (403). Redeeming
 * an invitation signs in as the member, so handing one out is acting on their account.
 */
export async function inviteMember(db: Db, clock: Clock, orgId: string, inviterRole: Role, input: { email: string; name?: string; role?: Role }): Promise<{ user: UserTable; created: boolean }> {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL_RE.test(email) || email.length > 254) throw invalid('invitation.email: must be an email address');
  const existing = await getUserByEmail(db, orgId, email);
  if (existing) {
    if (!canActOn(inviterRole, existing.role)) throw new VigilError('forbidden', [`invitation.email: ${email} is a member with the ${existing.role} role, above a ${inviterRole}'s; nobody invites, resets or acts on an account above their own role`]);
    if (await store.getPasswordHash(db, orgId, existing.id)) throw new VigilError('conflict', [`invitation.email: ${email} is already a member with a password; they can reset it from the sign-in page`]);
    if (input.role !== undefined && input.role !== existing.role) throw new VigilError('conflict', [`invitation.role: ${email} is already a member (${existing.role}) with a pending invitation; an invitation only resends it, change the role with PUT /api/v1/users/${existing.id}`]);
    return { user: existing, created: false };
  }
  const now = clock.now();
  const user: UserTable = { org_id: orgId, id: newId(now), name: input.name?.trim() || email.split('@')[0]!, email, role: input.role ?? 'responder', time_zone: null, created_at: now, deleted_at: null };
  await insertUser(db, user);
  return { user, created: true };
}

/**
 * Email a one-time reset link to every membership of this (normalized) email. An
 * unknown email gets nothing, and the caller answers the same either way. `warn`
 * hears when members exist but no mail can leave.
 */
export async function sendPasswordResets(db: Db, clock: Clock, mailer: AccountMailer, publicUrl: string, email: string, warn: (message: string) => void): Promise<void> {
  const members = await findMembershipsByEmail(db, email);
  if (members.length && !mailer.configured) warn('password reset asked for, but no SMTP server is configured (VIGIL_SMTP_HOST); an admin can invite the member again');
  for (const m of members) {
    const { token } = await createLink(db, clock, m.orgId, m.userId, 'reset', null);
    await mailer.send(accountEmail('reset', { locale: localeFor(m.locale, m.orgLocale), name: m.name, email, orgName: m.orgName, url: linkUrl(publicUrl, 'reset', token), ttl: { minutes: RESET_TTL_MS / 60_000 } }));
  }
}

export interface Invitation {
  user: UserTable;
  /** The link to pass on by hand when the email was not sent; it is a credential. */
  url: string;
  emailSent: boolean;
  expiresAt: number;
}

/** Invite a member by email: add them without a password (or find them still without one) and email a fresh one-time link. */
export async function invite(db: Db, clock: Clock, mailer: AccountMailer, publicUrl: string, inviter: { orgId: string; userId: string; name: string; role: Role }, input: { email: string; name?: string; role?: Role }): Promise<Invitation> {
  const { user } = await inviteMember(db, clock, inviter.orgId, inviter.role, input);
  const { token, expiresAt } = await createLink(db, clock, inviter.orgId, user.id, 'invite', inviter.userId);
  const org = await getOrganization(db, inviter.orgId);
  const url = linkUrl(publicUrl, 'invite', token);
  const locale = localeFor(user.locale, org?.default_locale);
  const emailSent = await mailer.send(accountEmail('invite', { locale, name: user.name, email: user.email, orgName: org?.name ?? format(locale, 'accountMail.your_organization'), url, inviter: inviter.name, ttl: { days: INVITE_TTL_MS / 86_400_000 } }));
  return { user, url, emailSent, expiresAt };
}

/**
 * After an import (`vigil import … --invite`): email an invitation to each of `userIds` who
 * has no password and was never sent one, so running the import again sends nobody a second
 * email. Answers who was emailed and who was not (no SMTP, or the relay refused): those are
 * invited from People (Invite) by hand.
 */
export async function inviteImported(db: Db, clock: Clock, mailer: AccountMailer, publicUrl: string, orgId: string, userIds: string[]): Promise<{ sent: string[]; notSent: string[] }> {
  const org = await getOrganization(db, orgId);
  const out = { sent: [] as string[], notSent: [] as string[] };
  for (const id of await store.neverInvited(db, orgId, userIds)) {
    const user = await getUser(db, orgId, id);
    if (!user) continue;
    const { token } = await createLink(db, clock, orgId, id, 'invite', null);
    const url = linkUrl(publicUrl, 'invite', token);
    const locale = localeFor(user.locale, org?.default_locale);
    const ok = await mailer.send(accountEmail('invite', { locale, name: user.name, email: user.email, orgName: org?.name ?? format(locale, 'accountMail.your_organization'), url, inviter: null, ttl: { days: INVITE_TTL_MS / 86_400_000 } }));
    (ok ? out.sent : out.notSent).push(user.email);
  }
  return out;
}

export async function sessionView(db: Db, orgId: string, userId: string) {
  const [org, user, hasPassword] = await Promise.all([getOrganization(db, orgId), getUser(db, orgId, userId), store.getPasswordHash(db, orgId, userId)]);
  if (!org || !user) throw new VigilError('unauthenticated', ['this member no longer exists']);
  return { org, user, hasPassword: Boolean(hasPassword) };
}

/**
 * For `vigil init`: give the first owner a way into the web UI, either the
 * password given on the command line or a one-time link (valid 7 days) to set one.
 */
export async function firstAccess(db: Db, clock: Clock, orgId: string, userId: string, publicUrl: string, password?: string, cost: number = PASSWORD_COST.default): Promise<{ passwordSet: boolean; link: string | null }> {
  if (password !== undefined) {
    await setPassword(db, clock, orgId, userId, password, cost);
    return { passwordSet: true, link: null };
  }
  const { token } = await createLink(db, clock, orgId, userId, 'invite', null);
  return { passwordSet: false, link: linkUrl(publicUrl, 'invite', token) };
}
