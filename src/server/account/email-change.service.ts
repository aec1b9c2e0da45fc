/**
 * Changing a member's details through PUT /api/v1/users/{id}, with the rules that keep
 * an email change from being an account takeover (issue 14, item 2). The email signs a
 * member in and receives their password resets, so:
 *
 * - the member changes their own only with their current password (`current_password`)
 *   or within FRESH_SIGN_IN_MS of signing in on the web; a member who never chose a
 *   password (API tokens only) has nothing to prove beyond the token;
 * - someone else changes it only with a strictly higher role (an owner a member's, an
 *   admin a responder's; never an admin another admin's or an owner's);
 * - the address it replaces is told, through the outbox, with a link valid 7 days that
 *   puts it back and sets a new password (redeemLink, kind `email_undo`);
 * - the member's web sessions end (all of them, or all but the one making the change
 *   when it is their own), and their unused reset and invitation links die with it.
 *
 * Everything, the other fields included, is written in one transaction.
 */
import type { AuditActor } from '../org/audit.service.js';
import type { Kysely } from 'kysely';
import { VigilError, forbidden, invalid } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashSecret } from '../lib/secrets.js';
import { queueAccountNotice } from '../notify/notify.service.js';
import { findOrganization, updateMember } from '../org/org.service.js';
import { outranks } from '../org/roles.js';
import { audit } from '../volunteer/access.service.js';
import type { Database, Role, UserTable } from '../storage/schema.js';
import * as store from './account.store.js';
import { verifyPassword } from './password.js';
import { emailChangedNotice } from './mailer.js';
import { format, localeFor } from '../lib/i18n/translate.js';
import { EMAIL_UNDO_TTL_MS, FRESH_SIGN_IN_MS, linkUrl, newLinkToken } from './session.js';

type Db = Kysely<Database>;

function auditActor(a: Actor): AuditActor {
  return { userId: a.userId, name: a.name, method: a.session ? 'browser' : 'api_token' };
}

export interface Actor {
  orgId: string;
  userId: string;
  role: Role;
  name: string;
  /** The web session making the request, if any (a token has none). */
  session: { id: string; createdAt: number } | null;
}

export interface MemberChange {
  name?: string;
  email?: string;
  role?: Role;
  time_zone?: string | null;
  locale?: string | null;
  /** Proof for changing one's own email; checked whenever it is given. */
  current_password?: string;
}

export async function changeMemberAccount(db: Db, clock: Clock, publicUrl: string, actor: Actor, user: UserTable, input: MemberChange): Promise<UserTable> {
  const { current_password, email: rawEmail, ...rest } = input;
  const email = rawEmail?.trim().toLowerCase();
  const self = actor.userId === user.id;
  if (current_password !== undefined) {
    if (!self) throw invalid('user.current_password: only for changing your own email');
    const stored = await store.getPasswordHash(db, actor.orgId, user.id);
    if (!stored || !(await verifyPassword(current_password, stored))) throw invalid('user.current_password: is not right');
  }
  const changesEmail = email !== undefined && email !== user.email;
  if (changesEmail) {
    if (self) {
      const proved = current_password !== undefined || (actor.session !== null && clock.now() - actor.session.createdAt <= FRESH_SIGN_IN_MS) || !(await store.getPasswordHash(db, actor.orgId, user.id));
      if (!proved) throw forbidden(`changing your email needs user.current_password, or a sign-in less than ${FRESH_SIGN_IN_MS / 60_000} minutes old`);
    } else if (!outranks(actor.role, user.role)) {
      throw forbidden(`a ${actor.role} cannot change the email of a ${user.role}: only the member themselves or a higher role can`);
    }
  }
  const org = changesEmail ? await findOrganization(db, actor.orgId) : undefined;
  return db.transaction().execute(async (trx) => {
    const now = clock.now();
    const row = await updateMember(trx, actor.orgId, user, rest, { now, actor: auditActor(actor) });
    // The audit log names what changed (never the addresses), in the same transaction as the change.
    const resource = `users/${user.id}`;
    if (rest.role !== undefined && rest.role !== user.role) await audit(trx, actor.orgId, actor.userId, `user.role_change ${user.role}→${rest.role}`, resource, now);
    const other = (['name', 'time_zone', 'locale'] as const).filter((f) => rest[f] !== undefined && rest[f] !== user[f]);
    if (other.length) await audit(trx, actor.orgId, actor.userId, `user.update ${other.join(',')}`, resource, now);
    if (!changesEmail) return row;
    await audit(trx, actor.orgId, actor.userId, 'user.email_change', resource, now);
    return moveEmail(trx, now, publicUrl, actor, row, email, org);
  });
}

async function moveEmail(trx: Db, now: number, publicUrl: string, actor: Actor, user: UserTable, email: string, org: { name: string; time_zone: string; default_locale?: string } | undefined): Promise<UserTable> {
  const row = await updateMember(trx, actor.orgId, user, { email }, { now, actor: auditActor(actor) });
  const self = actor.userId === user.id;
  await store.expireLinks(trx, actor.orgId, user.id, 'reset', now);
  await store.expireLinks(trx, actor.orgId, user.id, 'invite', now);
  await store.revokeUserSessions(trx, actor.orgId, user.id, now, self ? actor.session?.id : undefined);
  const token = newLinkToken();
  const linkId = newId(now);
  await store.insertLink(trx, { org_id: actor.orgId, id: linkId, user_id: user.id, kind: 'email_undo', token_hash: hashSecret(token), created_by: actor.userId, created_at: now, expires_at: now + EMAIL_UNDO_TTL_MS, used_at: null, previous_email: user.email });
  const mail = emailChangedNotice({
    locale: localeFor(user.locale, org?.default_locale),
    timeZone: user.time_zone ?? org?.time_zone ?? 'UTC',
    name: user.name,
    orgName: org?.name ?? format(localeFor(user.locale, org?.default_locale), 'accountMail.your_organization'),
    oldEmail: user.email,
    newEmail: email,
    by: self ? { self: true } : { self: false, name: actor.name, role: actor.role },
    at: now,
    undoUrl: linkUrl(publicUrl, 'reset', token),
    undoDays: EMAIL_UNDO_TTL_MS / 86_400_000,
  });
  await queueAccountNotice(trx, now, actor.orgId, { key: `email-change:${linkId}`, userId: user.id, address: user.email, subject: mail.subject, text: mail.text });
  return row;
}

/** For redeemLink: put back the address an `email_undo` link restores. 409 when another member took it meanwhile. */
export async function restoreEmail(trx: Db, now: number, orgId: string, user: UserTable, previousEmail: string): Promise<void> {
  if (user.email === previousEmail) return;
  try {
    // The member themselves, through the link their old address received.
    await updateMember(trx, orgId, user, { email: previousEmail }, { now, actor: { userId: user.id, name: user.name, method: 'other' } });
  } catch (err) {
    if (err instanceof VigilError && err.kind === 'conflict') throw new VigilError('conflict', [`${previousEmail} now belongs to another member; ask an owner to sort it out`]);
    throw err;
  }
}
