/**
 * Contact methods, their verification, and notification rules.
 *
 * Verification: a 6-digit code, stored only as a hash, valid 15 minutes and for
 * 5 wrong attempts; a new code may be requested once a minute. Attempts are
 * counted under the organization's row lock so concurrent guesses cannot exceed
 * the limit. The code itself is delivered by the engine (AppDeps.sendVerification).
 * Webhook and Slack methods may instead be marked verified by an admin.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { BLOCKED_MESSAGE, type OutboundPolicy } from '../lib/outbound-policy.js';
import { newId } from '../lib/ids.js';
import { constantTimeEqual, hashSecret } from '../lib/secrets.js';
import { EMAIL_RE } from '../org/org.service.js';
import { getOrganization, getUsers } from '../org/org.store.js';
import { lockOrganization } from '../storage/dialect.js';
import type { ContactMethodTable, ContactMethodType, Database, NotificationRuleTable } from '../storage/schema.js';
import * as store from './contact.store.js';
import { countVerificationsSince, testsOfMethodSince } from './outbox.store.js';
import { matrixAccessToken, matrixUserId, normalizeDiscordAddress, normalizeMatrixAddress, normalizeNtfyAddress, normalizeTeamsAddress, ntfyAccessToken } from './contact-channels.js';
import { pushSubscriptionFor } from './push.service.js';
import { isMaskedHint } from './mask.js';
import { methodTestResult, queueMethodTest, queueTestPages, queueVerification as queueCode, wakePlan } from './notify.service.js';

type Db = Kysely<Database>;

export const CODE_TTL_MS = 15 * 60_000;
export const MAX_CODE_ATTEMPTS = 5;
export const RESEND_INTERVAL_MS = 60_000;
export const MAX_METHODS_PER_USER = 50;
export const MAX_RULES_PER_USER = 50;
/**
 * Verification texts and calls cost money and reach any number a member types: at most
 * this many per person per day, and per organization per hour (429 with Retry-After).
 */
export const MAX_PAID_VERIFICATIONS_PER_USER_DAY = 10;
export const MAX_PAID_VERIFICATIONS_PER_ORG_HOUR = 30;

/** Every accepted type name → the stored type. PagerDuty's names first, then Vigil's short ones. */
const TYPES: Record<string, ContactMethodType> = {
  email_contact_method: 'email',
  sms_contact_method: 'sms',
  phone_contact_method: 'phone',
  webhook_contact_method: 'webhook',
  slack_contact_method: 'slack',
  ntfy_contact_method: 'ntfy',
  push_notification_contact_method: 'push_notification',
  discord_contact_method: 'discord',
  teams_contact_method: 'teams',
  matrix_contact_method: 'matrix',
  telegram_contact_method: 'telegram',
  email: 'email',
  sms: 'sms',
  phone: 'phone',
  voice: 'phone',
  webhook: 'webhook',
  slack: 'slack',
  ntfy: 'ntfy',
  push_notification: 'push_notification',
  push: 'push_notification',
  discord: 'discord',
  teams: 'teams',
  matrix: 'matrix',
  telegram: 'telegram',
};

const DEFAULT_LABEL: Record<ContactMethodType, string> = { email: 'Email', sms: 'Mobile', phone: 'Phone', webhook: 'Webhook', slack: 'Slack', ntfy: 'ntfy', push_notification: 'This device', discord: 'Discord', teams: 'Teams', matrix: 'Matrix', telegram: 'Telegram' };

export const wireType = (t: ContactMethodType): string => `${t}_contact_method`;

export function contactType(t: string): ContactMethodType {
  const v = TYPES[t.replace(/_reference$/, '')];
  if (!v) throw invalid(`contact_method.type must be one of email_contact_method, sms_contact_method, phone_contact_method, webhook_contact_method, slack_contact_method, ntfy_contact_method, push_notification_contact_method, discord_contact_method, teams_contact_method, matrix_contact_method, telegram_contact_method (or email, sms, phone, webhook, slack, ntfy, push_notification, discord, teams, matrix, telegram), got ${JSON.stringify(t).slice(0, 40)}`);
  return v;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * The canonical address, or a 400 naming contact_method.address: an email
 * address; a phone number in E.164 (or PagerDuty's country_code plus a national
 * number); an http(s) URL for webhooks and Slack incoming webhooks.
 */
export function normalizeAddress(type: ContactMethodType, address: string, countryCode?: number): string {
  const a = address.trim();
  if (type === 'email') {
    if (!EMAIL_RE.test(a) || a.length > 254) throw invalid('contact_method.address must be an email address');
    return a;
  }
  if (type === 'sms' || type === 'phone') {
    let digits = a.replace(/[\s().-]/g, '');
    if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
    if (!digits.startsWith('+') && countryCode !== undefined) digits = `+${countryCode}${digits.replace(/^0+/, '')}`;
    if (!E164.test(digits)) throw invalid('contact_method.address must be a phone number in E.164 form, such as +14155550100 (or send country_code with the national number)');
    return digits;
  }
  let url: URL;
  try {
    url = new URL(a);
  } catch {
    throw invalid('contact_method.address must be an http(s) URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) throw invalid('contact_method.address must be an http(s) URL');
  return url.toString();
}

export interface ContactMethodInput {
  type?: string;
  address?: string;
  label?: string | null;
  country_code?: number;
  /** ntfy: a bearer token for a protected topic, null removes it; matrix: the bot's access token (required). Write-only. */
  access_token?: string | null;
  /** matrix only: the room's id (`!opaque:server`). */
  room_id?: string;
  /** matrix only: the Matrix user the owner writes from; their "ack 42" in the room acts as the owner (null clears it). */
  matrix_user_id?: string | null;
  /** push_notification only: the browser's PushSubscription.toJSON(). */
  subscription?: unknown;
}

/** Fields that belong to one type: sent with another, they are a mistake, never ignored. */
function checkTypeFields(type: ContactMethodType, input: ContactMethodInput): void {
  const errors: string[] = [];
  if (input.access_token !== undefined && type !== 'ntfy' && type !== 'matrix') errors.push(`contact_method.access_token is only for ntfy and matrix methods, not ${type}`);
  if (input.room_id !== undefined && type !== 'matrix') errors.push(`contact_method.room_id is only for matrix methods, not ${type}`);
  if (input.matrix_user_id !== undefined && type !== 'matrix') errors.push(`contact_method.matrix_user_id is only for matrix methods, not ${type}`);
  if (type === 'matrix' && input.access_token === null) errors.push('contact_method.access_token cannot be removed from a matrix method (the bot sends with it); give a new one');
  if (input.subscription !== undefined && type !== 'push_notification') errors.push(`contact_method.subscription is only for push_notification methods, not ${type}`);
  if (input.country_code !== undefined && type !== 'sms' && type !== 'phone') errors.push(`contact_method.country_code is only for sms and phone methods, not ${type}`);
  if (errors.length) throw invalid(...errors);
}

/** The address and secret to store for a new method of `type`. */
async function addressAndSecret(db: Db, policy: OutboundPolicy, now: number, orgId: string, userId: string, type: ContactMethodType, input: ContactMethodInput): Promise<{ address: string; secret: string | null; returnSecret: boolean }> {
  checkTypeFields(type, input);
  if (type === 'telegram') throw invalid('contact_method.type: a telegram method is made by linking a chat: ask for a code with POST /api/v1/users/{id}/telegram_link and send /start <code> to the bot');
  if (type === 'push_notification') {
    const sub = await pushSubscriptionFor(db, orgId, input.subscription, input.address, now);
    return { address: sub.address, secret: sub.secret, returnSecret: false };
  }
  if (input.address === undefined) throw invalid('contact_method.address is required');
  if (type === 'ntfy') {
    const [user] = await getUsers(db, orgId, [userId]);
    return { address: normalizeNtfyAddress(input.address, user?.name ?? ''), secret: input.access_token ? ntfyAccessToken(input.access_token) : null, returnSecret: false };
  }
  if (type === 'matrix') {
    if (!input.access_token) throw invalid("contact_method.access_token is required for a matrix method (the bot account's access token)");
    return { address: normalizeMatrixAddress(input.address, input.room_id), secret: matrixAccessToken(input.access_token), returnSecret: false };
  }
  const address = chatAddress(policy, type, input.address) ?? normalizeAddress(type, input.address, input.country_code);
  if (type === 'webhook') return { address, secret: `whsec_${randomBytes(24).toString('base64url')}`, returnSecret: true };
  return { address, secret: null, returnSecret: false };
}

/** The address of a chat method (a Discord webhook or Teams workflow URL of the provider's shape), or null for other types. */
function chatAddress(policy: OutboundPolicy, type: ContactMethodType, address: string): string | null {
  const namesHost = (host: string) => policy.namesHost(host);
  if (type === 'discord') return normalizeDiscordAddress(address, namesHost);
  if (type === 'teams') return normalizeTeamsAddress(address, namesHost);
  return null;
}

/** Webhook, Slack, ntfy and push endpoint URLs must point where the outbound policy lets the server send (checked again on every delivery). */
export async function checkOutbound(policy: OutboundPolicy, type: ContactMethodType, address: string): Promise<void> {
  if (type !== 'email' && type !== 'sms' && type !== 'phone' && (await policy.refusesUrl(address))) throw invalid(`contact_method.address: ${BLOCKED_MESSAGE}`);
}

async function checkDuplicate(db: Db, orgId: string, userId: string, type: ContactMethodType, address: string, exceptId: string | null): Promise<void> {
  const methods = await store.listContactMethods(db, orgId, [userId]);
  if (methods.some((m) => m.id !== exceptId && m.type === type && m.address === address)) throw invalid(`contact_method.address: ${address} is already a ${type} contact method of this user`);
  if (exceptId === null && methods.length >= MAX_METHODS_PER_USER) throw invalid(`contact_method: a user can have at most ${MAX_METHODS_PER_USER} contact methods`);
}

/** A new, unverified method. A webhook method gets a signing secret, returned here once. */
export async function createContactMethod(db: Db, clock: Clock, policy: OutboundPolicy, orgId: string, userId: string, input: ContactMethodInput & { type: string }): Promise<{ method: ContactMethodTable; secret: string | null }> {
  const type = contactType(input.type);
  const now = clock.now();
  const { address, secret, returnSecret } = await addressAndSecret(db, policy, now, orgId, userId, type, input);
  await checkOutbound(policy, type, address);
  await checkDuplicate(db, orgId, userId, type, address, null);
  const method: ContactMethodTable = {
    org_id: orgId,
    id: newId(now),
    user_id: userId,
    type,
    address,
    label: input.label?.trim() || DEFAULT_LABEL[type],
    verified_at: null,
    verification_code_hash: null,
    verification_expires_at: null,
    verification_attempts: 0,
    secret,
    created_at: now,
    deleted_at: null,
    ...(type === 'matrix' ? { matrix_user_id: matrixUserId(input.matrix_user_id ?? null) } : {}),
  };
  await store.insertContactMethod(db, method);
  return { method, secret: returnSecret ? secret : null };
}

export async function requireContactMethod(db: Db, orgId: string, userId: string, id: string): Promise<ContactMethodTable> {
  const cm = await store.getContactMethod(db, orgId, id);
  if (!cm || cm.user_id !== userId) throw notFound(`contact method ${id}`);
  return cm;
}

/** A changed address must be verified again; the type cannot change. */
export async function updateContactMethod(db: Db, policy: OutboundPolicy, orgId: string, userId: string, id: string, input: ContactMethodInput): Promise<ContactMethodTable> {
  const cm = await requireContactMethod(db, orgId, userId, id);
  if (input.type !== undefined && contactType(input.type) !== cm.type) throw invalid('contact_method.type cannot be changed; create a new contact method instead');
  checkTypeFields(cm.type, input);
  if (cm.type === 'telegram' && input.address !== undefined && input.address !== cm.address) throw invalid('contact_method.address of a telegram method cannot be changed; link the other chat with a new code instead');
  if (cm.type === 'push_notification' && (input.address !== undefined || input.subscription !== undefined)) throw invalid('contact_method.subscription cannot be changed; the device subscribes again, which adds a new method');
  const patch: Partial<ContactMethodTable> = {};
  if (input.label !== undefined) patch.label = input.label?.trim() || DEFAULT_LABEL[cm.type];
  if (input.matrix_user_id !== undefined) patch.matrix_user_id = matrixUserId(input.matrix_user_id);
  if (input.access_token !== undefined) patch.secret = input.access_token === null ? null : cm.type === 'matrix' ? matrixAccessToken(input.access_token) : ntfyAccessToken(input.access_token);
  // A new room alone keeps the homeserver.
  if (cm.type === 'matrix' && input.room_id !== undefined && input.address === undefined) input = { ...input, address: cm.address.replace(/#.*$/, '') };
  // A client that sends back the masked hint it read (or the web app's form) keeps the stored address.
  if (input.address !== undefined && !isMaskedHint(cm.type, cm.address, input.address)) {
    const [user] = cm.type === 'ntfy' ? await getUsers(db, orgId, [userId]) : [];
    const address =
      cm.type === 'ntfy' ? normalizeNtfyAddress(input.address, user?.name ?? '') : cm.type === 'matrix' ? normalizeMatrixAddress(input.address, input.room_id) : (chatAddress(policy, cm.type, input.address) ?? normalizeAddress(cm.type, input.address, input.country_code));
    if (address !== cm.address) {
      await checkOutbound(policy, cm.type, address);
      await checkDuplicate(db, orgId, userId, cm.type, address, cm.id);
      Object.assign(patch, { address, verified_at: null, verification_code_hash: null, verification_expires_at: null, verification_attempts: 0 });
    }
  }
  if (Object.keys(patch).length) await store.updateContactMethod(db, orgId, cm.id, patch);
  return { ...cm, ...patch };
}

/**
 * Hand a verification code to the engine: one outbox row of kind `verification`
 * (the deliver module reads the code from its payload), due now. The row is the
 * code's only plain copy, on the server's side, and it expires with the code. Wired
 * as AppDeps.sendVerification by the server (main.ts).
 */
export async function queueVerification(db: Db, clock: Clock, orgId: string, cmId: string, code: string): Promise<void> {
  const cm = await store.getContactMethod(db, orgId, cmId);
  if (!cm) throw notFound(`contact method ${cmId}`);
  const now = clock.now();
  await queueCode(db, now, cm, code, newId(now));
}

const codeHash = (cmId: string, code: string) => hashSecret(`${cmId}:${code}`);

/**
 * A fresh 6-digit code for an unverified method (replacing any earlier one);
 * only its hash is kept. At most one code a minute per method (429 otherwise).
 */
export async function createVerificationCode(db: Db, clock: Clock, orgId: string, cmId: string): Promise<string> {
  const cm = await store.getContactMethod(db, orgId, cmId);
  if (!cm) throw notFound(`contact method ${cmId}`);
  if (cm.verified_at !== null) throw invalid('contact_method: already verified');
  const now = clock.now();
  if (cm.verification_expires_at !== null) {
    const issuedAt = Number(cm.verification_expires_at) - CODE_TTL_MS;
    const wait = issuedAt + RESEND_INTERVAL_MS - now;
    if (wait > 0) throw new VigilError('rate_limited', [`contact_method: a code was sent less than a minute ago; retry in ${Math.ceil(wait / 1000)} s`], { retryAfterSeconds: Math.ceil(wait / 1000) });
  }
  if (cm.type === 'sms' || cm.type === 'phone') await checkPaidVerificationCaps(db, orgId, cm.user_id, now);
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await store.updateContactMethod(db, orgId, cm.id, { verification_code_hash: codeHash(cm.id, code), verification_expires_at: now + CODE_TTL_MS, verification_attempts: 0 });
  return code;
}

/** Verification codes and test sends by text or call share these caps: both reach a paid number on a member's say-so. */
async function checkPaidVerificationCaps(db: Db, orgId: string, userId: string, now: number): Promise<void> {
  const paid = ['sms', 'voice'] as const;
  const kinds = ['verification', 'test'] as const;
  const hour = 3_600_000;
  if ((await countVerificationsSince(db, orgId, now - 24 * hour, [...paid], userId, [...kinds])) >= MAX_PAID_VERIFICATIONS_PER_USER_DAY) {
    throw new VigilError('rate_limited', [`contact_method: at most ${MAX_PAID_VERIFICATIONS_PER_USER_DAY} verification and test texts and calls per person per day; retry tomorrow`], { retryAfterSeconds: 3600 });
  }
  if ((await countVerificationsSince(db, orgId, now - hour, [...paid], undefined, [...kinds])) >= MAX_PAID_VERIFICATIONS_PER_ORG_HOUR) {
    throw new VigilError('rate_limited', [`contact_method: the organization sent ${MAX_PAID_VERIFICATIONS_PER_ORG_HOUR} verification and test texts and calls in the last hour; retry later`], { retryAfterSeconds: 600 });
  }
}

/** At most one test send a minute to each contact method. */
export const TEST_INTERVAL_MS = 60_000;

/**
 * "Send me a test" through one method: a test message through the outbox like any page (so
 * the deliver module, its retries and throttles are what is tested), to a verified method
 * (an unverified one is proved by its verification code instead). At most one a minute per
 * method; texts and calls count toward the paid verification caps. Answers the outbox row's
 * id, to read the result back (methodTest).
 */
export async function sendMethodTest(db: Db, clock: Clock, orgId: string, userId: string, cmId: string): Promise<string> {
  const cm = await requireContactMethod(db, orgId, userId, cmId);
  if (cm.verified_at === null) throw invalid('contact_method: not verified yet; send a verification code (POST .../send_verification), which is itself a test of the method');
  const now = clock.now();
  const recent = await testsOfMethodSince(db, orgId, cm.id, now - TEST_INTERVAL_MS);
  if (recent.length) {
    const wait = Math.max(1, Math.ceil((Math.max(...recent) + TEST_INTERVAL_MS - now) / 1000));
    throw new VigilError('rate_limited', [`contact_method: a test was sent to this method less than a minute ago; retry in ${wait} s`], { retryAfterSeconds: wait });
  }
  if (cm.type === 'sms' || cm.type === 'phone') await checkPaidVerificationCaps(db, orgId, userId, now);
  return queueMethodTest(db, now, cm, newId(now));
}

export type TestStatus = 'queued' | 'sending' | 'retrying' | 'sent' | 'failed' | 'cancelled';

/** A test send read back: its state and, once it failed (or is being retried), the stable reason code. */
export async function methodTest(db: Db, orgId: string, userId: string, cmId: string, testId: string): Promise<{ id: string; status: TestStatus; reason: string | null; detail: string | null; attempts: number; created_at: number; sent_at: number | null; contact_method: ContactMethodTable }> {
  const cm = await requireContactMethod(db, orgId, userId, cmId);
  const n = await methodTestResult(db, orgId, cm.id, testId);
  if (!n) throw notFound(`test ${testId}`);
  const status: TestStatus = n.status === 'pending' ? (n.last_error ? 'retrying' : 'queued') : n.status;
  // last_error is a reason code, or "gave up after N attempts: <code>", possibly after an interruption note.
  const reason = status === 'sent' || status === 'queued' || n.last_error === null ? null : (/([a-z0-9_]+)$/i.exec(n.last_error)?.[1] ?? n.last_error);
  return { id: n.id, status, reason, detail: status === 'sent' ? null : n.last_error, attempts: n.attempts, created_at: n.created_at, sent_at: n.sent_at, contact_method: cm };
}

/** The next 03:00 in a time zone (the person's, else the organization's). */
export function nextThreeAm(now: number, zone: string): DateTime {
  const local = DateTime.fromMillis(now, { zone });
  const today = local.set({ hour: 3, minute: 0, second: 0, millisecond: 0 });
  return today.toMillis() > now ? today : today.plus({ days: 1 }).set({ hour: 3, minute: 0, second: 0, millisecond: 0 });
}

/** "Would this wake me at 3 a.m.?": a person's high- and low-urgency plans, classed (notify.service wakePlan). */
export async function wakeCheck(db: Db, clock: Clock, orgId: string, userId: string) {
  const [user] = (await getUsers(db, orgId, [userId])).filter((u) => u.deleted_at === null);
  if (!user) throw notFound(`user ${userId}`);
  const org = await getOrganization(db, orgId);
  const zone = user.time_zone ?? org?.time_zone ?? 'UTC';
  const [high, low] = await Promise.all([wakePlan(db, orgId, user.id, 'high'), wakePlan(db, orgId, user.id, 'low')]);
  return { user, zone, at: nextThreeAm(clock.now(), zone).toISO()!, high, low };
}

/** Check a code. A wrong code uses up one of MAX_CODE_ATTEMPTS; the count is committed even though the answer is a 400. */
export async function verifyContactMethod(db: Db, clock: Clock, orgId: string, userId: string, cmId: string, code: string): Promise<ContactMethodTable> {
  const now = clock.now();
  const outcome = await db.transaction().execute(async (trx): Promise<{ cm: ContactMethodTable } | { error: string }> => {
    await lockOrganization(trx, orgId);
    const cm = await requireContactMethod(trx, orgId, userId, cmId);
    if (cm.verified_at !== null) return { cm };
    if (!cm.verification_code_hash || cm.verification_expires_at === null || Number(cm.verification_expires_at) <= now) {
      return { error: 'code: no verification code is pending (none was sent, or it expired); request one with send_verification' };
    }
    const attempts = Number(cm.verification_attempts);
    if (attempts >= MAX_CODE_ATTEMPTS) return { error: 'code: too many wrong attempts; request a new code with send_verification' };
    if (constantTimeEqual(codeHash(cm.id, code.trim()), cm.verification_code_hash)) {
      const patch = { verified_at: now, verification_code_hash: null, verification_expires_at: null, verification_attempts: 0 };
      await store.updateContactMethod(trx, orgId, cm.id, patch);
      return { cm: { ...cm, ...patch } };
    }
    await store.updateContactMethod(trx, orgId, cm.id, { verification_attempts: attempts + 1 });
    const left = MAX_CODE_ATTEMPTS - attempts - 1;
    return { error: left > 0 ? `code: does not match (${left} ${left === 1 ? 'attempt' : 'attempts'} left)` : 'code: does not match; no attempts left, request a new code with send_verification' };
  });
  if ('error' in outcome) throw invalid(outcome.error);
  return outcome.cm;
}

/** Admins vouch for webhook and Slack destinations, which cannot read a code back. */
export async function markVerified(db: Db, clock: Clock, orgId: string, userId: string, cmId: string): Promise<ContactMethodTable> {
  const cm = await requireContactMethod(db, orgId, userId, cmId);
  if (cm.type !== 'webhook' && cm.type !== 'slack') throw invalid(`contact_method.type: only webhook and slack methods can be marked verified; a ${cm.type} method must be verified with a code`);
  if (cm.verified_at !== null) return cm;
  const patch = { verified_at: clock.now(), verification_code_hash: null, verification_expires_at: null, verification_attempts: 0 };
  await store.updateContactMethod(db, orgId, cm.id, patch);
  return { ...cm, ...patch };
}

export interface RuleInput {
  start_delay_in_minutes?: number;
  contact_method?: { id: string };
  urgency?: string;
}

function checkRule(r: { start_delay_in_minutes: number; urgency: string }): void {
  const errors: string[] = [];
  if (!Number.isInteger(r.start_delay_in_minutes) || r.start_delay_in_minutes < 0 || r.start_delay_in_minutes > 1440) errors.push('notification_rule.start_delay_in_minutes must be an integer from 0 to 1440');
  if (r.urgency !== 'high' && r.urgency !== 'low') errors.push('notification_rule.urgency must be high or low');
  if (errors.length) throw invalid(...errors);
}

async function ruleMethod(db: Db, orgId: string, userId: string, id: string): Promise<ContactMethodTable> {
  const cm = await store.getContactMethod(db, orgId, id);
  if (!cm || cm.user_id !== userId) throw invalid(`notification_rule.contact_method.id: contact method ${id} not found for this user`);
  return cm;
}

async function checkRuleDuplicate(db: Db, orgId: string, userId: string, r: Pick<NotificationRuleTable, 'contact_method_id' | 'start_delay_in_minutes' | 'urgency'>, exceptId: string | null): Promise<void> {
  const rules = await store.listNotificationRules(db, orgId, [userId]);
  if (rules.some((x) => x.id !== exceptId && x.contact_method_id === r.contact_method_id && Number(x.start_delay_in_minutes) === r.start_delay_in_minutes && x.urgency === r.urgency)) {
    throw invalid('notification_rule: the same rule (contact method, delay and urgency) already exists');
  }
  if (exceptId === null && rules.length >= MAX_RULES_PER_USER) throw invalid(`notification_rule: a user can have at most ${MAX_RULES_PER_USER} notification rules`);
}

export async function createNotificationRule(db: Db, clock: Clock, orgId: string, userId: string, input: RuleInput & { start_delay_in_minutes: number; contact_method: { id: string } }): Promise<{ rule: NotificationRuleTable; method: ContactMethodTable }> {
  const fields = { start_delay_in_minutes: input.start_delay_in_minutes, urgency: input.urgency ?? 'high' };
  checkRule(fields);
  const method = await ruleMethod(db, orgId, userId, input.contact_method.id);
  const now = clock.now();
  const rule: NotificationRuleTable = { org_id: orgId, id: newId(now), user_id: userId, contact_method_id: method.id, start_delay_in_minutes: fields.start_delay_in_minutes, urgency: fields.urgency as 'high' | 'low', created_at: now };
  await checkRuleDuplicate(db, orgId, userId, rule, null);
  await store.insertNotificationRule(db, rule);
  return { rule, method };
}

export async function requireRule(db: Db, orgId: string, userId: string, id: string): Promise<NotificationRuleTable> {
  const r = await store.getNotificationRule(db, orgId, id);
  if (!r || r.user_id !== userId) throw notFound(`notification rule ${id}`);
  return r;
}

export async function updateNotificationRule(db: Db, orgId: string, userId: string, id: string, input: RuleInput): Promise<{ rule: NotificationRuleTable; method: ContactMethodTable }> {
  const current = await requireRule(db, orgId, userId, id);
  const next = {
    ...current,
    start_delay_in_minutes: input.start_delay_in_minutes ?? Number(current.start_delay_in_minutes),
    urgency: (input.urgency ?? current.urgency) as 'high' | 'low',
    contact_method_id: input.contact_method?.id ?? current.contact_method_id,
  };
  checkRule(next);
  const method = await ruleMethod(db, orgId, userId, next.contact_method_id);
  await checkRuleDuplicate(db, orgId, userId, next, current.id);
  await store.updateNotificationRule(db, orgId, id, { start_delay_in_minutes: next.start_delay_in_minutes, urgency: next.urgency, contact_method_id: next.contact_method_id });
  return { rule: next, method };
}

/**
 * "Send me a test page": one test notification to each verified contact method of a member,
 * through the outbox like any page (so the deliver module, its retries and throttles are what
 * is tested). Unverified methods are skipped: they are never paged either. Returns the labels
 * of the methods paged.
 */
export async function sendTestPage(db: Db, clock: Clock, orgId: string, userId: string): Promise<string[]> {
  const [user] = (await getUsers(db, orgId, [userId])).filter((u) => u.deleted_at === null);
  if (!user) throw notFound(`user ${userId}`);
  const methods = (await store.listContactMethods(db, orgId, [user.id])).filter((m) => m.verified_at !== null && m.deleted_at === null);
  if (methods.length === 0) throw invalid('contact_methods: no verified contact method to page; add one and verify it first');
  const now = clock.now();
  await queueTestPages(db, now, orgId, user.id, methods, () => newId(now));
  return methods.map((m) => m.label);
}

export async function listContactMethods(db: Db, orgId: string, userId: string): Promise<ContactMethodTable[]> {
  return store.listContactMethods(db, orgId, [userId]);
}

/** Delete a contact method of the user (404 if it is not theirs), with the notification rules that use it. */
export async function deleteContactMethod(db: Db, clock: Clock, orgId: string, userId: string, id: string): Promise<void> {
  const cm = await requireContactMethod(db, orgId, userId, id);
  await store.softDeleteContactMethod(db, orgId, cm.id, clock.now());
}

/** A user's notification rules, each with its contact method (rules whose method is gone are left out). */
export async function listNotificationRules(db: Db, orgId: string, userId: string): Promise<{ rule: NotificationRuleTable; method: ContactMethodTable }[]> {
  const [rules, methods] = await Promise.all([store.listNotificationRules(db, orgId, [userId]), store.listContactMethods(db, orgId, [userId])]);
  const byId = new Map(methods.map((m) => [m.id, m]));
  return rules.flatMap((rule) => (byId.has(rule.contact_method_id) ? [{ rule, method: byId.get(rule.contact_method_id)! }] : []));
}

/** A notification rule of the user with its contact method (404 if either is not found). */
export async function requireRuleWithMethod(db: Db, orgId: string, userId: string, id: string): Promise<{ rule: NotificationRuleTable; method: ContactMethodTable }> {
  const rule = await requireRule(db, orgId, userId, id);
  const method = await store.getContactMethod(db, orgId, rule.contact_method_id);
  if (!method) throw notFound(`contact method ${rule.contact_method_id}`);
  return { rule, method };
}

export async function deleteNotificationRule(db: Db, orgId: string, userId: string, id: string): Promise<void> {
  const r = await requireRule(db, orgId, userId, id);
  await store.deleteNotificationRule(db, orgId, r.id);
}
