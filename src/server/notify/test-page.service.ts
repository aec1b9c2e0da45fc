/**
 * Scheduled test pages (issue 18): each verified contact method of a person gets a test a
 * configurable lead time before their first shift of a rotation, and monthly after its
 * last test; each test carries a one-tap confirm link (a single-use token; only its SHA-256
 * is stored). A test by SMS is also confirmed by replying OK (or YES) from the number it
 * was sent to, and a test call by pressing a key. The engine's test-pages module decides
 * when; this module claims, queues through the outbox, confirms, and reports each method's
 * standing (readiness, digest).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { invalid } from '../errors.js';
import { newId } from '../lib/ids.js';
import { hashSecret } from '../lib/secrets.js';
import type { Clock } from '../lib/clock.js';
import { format, localeFor } from '../lib/i18n/translate.js';
import type { MessageId } from '../lib/i18n/translate.js';
import { getOrganization, getUser } from '../org/org.store.js';
import type { ContactMethodTable, ContactMethodTestTable, Database, NotificationTable } from '../storage/schema.js';
import { outboxRow } from './outbox.js';
import * as outbox from './outbox.store.js';
import { CHANNEL_OF } from './plan.js';
import * as store from './test-page.store.js';

type Db = Kysely<Database>;
const DAY = 86_400_000;

/** A monthly test is due this long after the last one (confirmed: after the confirmation). */
export const TEST_EVERY_MS = 30 * DAY;
/** A method not confirmed within this long (or never) is a readiness problem. */
export const UNCONFIRMED_AFTER_MS = 31 * DAY;
/** A confirm link works this long after the message is built. */
export const CONFIRM_TTL_MS = 7 * DAY;
export const DEFAULT_LEAD_HOURS = 24;
/** Off until an admin turns them on (PUT /api/v1/test_page_settings): turning them on for every organization at once would page everyone starting a shift. */
export const DEFAULT_ENABLED = false;
export const MAX_LEAD_HOURS = 24 * 14;

export interface TestPageSettings {
  enabled: boolean;
  leadHours: number;
}

export async function testPageSettings(db: Db, orgId: string): Promise<TestPageSettings> {
  const r = await store.getSettings(db, orgId);
  return r ? { enabled: r.enabled === 1, leadHours: r.lead_hours } : { enabled: DEFAULT_ENABLED, leadHours: DEFAULT_LEAD_HOURS };
}

/** Closed body: `enabled` (boolean) and `lead_time_hours` (1..336); anything else is refused by name. */
export async function updateTestPageSettings(db: Db, clock: Clock, orgId: string, body: Record<string, unknown>): Promise<TestPageSettings> {
  const errors: string[] = [];
  for (const k of Object.keys(body)) if (k !== 'enabled' && k !== 'lead_time_hours') errors.push(`test_page_settings.${k} is not a known field`);
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') errors.push('test_page_settings.enabled must be a boolean');
  const lead = body.lead_time_hours;
  if (lead !== undefined && (typeof lead !== 'number' || !Number.isInteger(lead) || lead < 1 || lead > MAX_LEAD_HOURS)) errors.push(`test_page_settings.lead_time_hours must be a whole number of hours from 1 to ${MAX_LEAD_HOURS}`);
  if (errors.length) throw invalid(...errors);
  const now = await testPageSettings(db, orgId);
  const next = { enabled: (body.enabled as boolean | undefined) ?? now.enabled, leadHours: (lead as number | undefined) ?? now.leadHours };
  await store.putSettings(db, { org_id: orgId, enabled: next.enabled ? 1 : 0, lead_hours: next.leadHours, updated_at: clock.now() });
  return next;
}

/**
 * Claim and queue one test to one method, in the caller's transaction: the claim row and
 * the outbox row commit together, and a claim key already taken (another node, an earlier
 * pass) queues nothing. True when this call queued it.
 */
export async function queueScheduledTest(db: Db, now: number, method: Pick<ContactMethodTable, 'org_id' | 'id' | 'user_id' | 'type'>, reason: ContactMethodTestTable['reason'], claimKey: string): Promise<boolean> {
  const id = newId(now);
  const claimed = await store.claimTest(db, { org_id: method.org_id, id, user_id: method.user_id, contact_method_id: method.id, reason, claim_key: claimKey, sent_at: now, token_hash: null, token_expires_at: null, confirmed_at: null });
  if (!claimed) return false;
  const row = outboxRow({ orgId: method.org_id, key: `scheduled-test:${id}`, kind: 'test', channel: CHANNEL_OF[method.type], eventType: 'pagey.ping', userId: method.user_id, contactMethodId: method.id, payload: { scheduled_test_id: id } }, now);
  await outbox.insertNotification(db, row);
  return true;
}

/**
 * The confirm link of a scheduled test's outbox row (undefined for any other row), built
 * when the message is: a fresh single-use token whose hash replaces the previous one, so
 * the link in the message last sent works.
 */
export async function confirmLinkFor(db: Db, row: NotificationTable, baseUrl: string, now: number): Promise<{ url: string; token: string } | undefined> {
  if (row.kind !== 'test' || !row.payload) return undefined;
  const { scheduled_test_id: id } = JSON.parse(row.payload) as { scheduled_test_id?: string };
  if (!id) return undefined;
  const test = await store.getTest(db, row.org_id, id);
  if (!test || test.confirmed_at !== null) return undefined;
  const token = randomBytes(32).toString('base64url');
  await store.setToken(db, row.org_id, id, hashSecret(token), now + CONFIRM_TTL_MS);
  return { url: `${baseUrl.replace(/\/$/, '')}/t/${token}`, token };
}

/** A used or expired link still says whose it was (`owner`), so the page can answer in their language. */
export type ConfirmLookup = { ok: true; test: ContactMethodTestTable } | { ok: false; reason: 'unknown' | 'expired' | 'used'; owner?: { org_id: string; user_id: string } };

export async function lookupConfirmToken(db: Db, token: string, now: number): Promise<ConfirmLookup> {
  const test = token.length > 200 ? undefined : await store.findTestByToken(db, hashSecret(token));
  if (!test) return { ok: false, reason: 'unknown' };
  const owner = { org_id: test.org_id, user_id: test.user_id };
  if (test.confirmed_at !== null) return { ok: false, reason: 'used', owner };
  if ((test.token_expires_at ?? 0) <= now) return { ok: false, reason: 'expired', owner };
  return { ok: true, test };
}

/** One tap: confirm the test behind the token (single use). */
export async function confirmByToken(db: Db, token: string, now: number): Promise<ConfirmLookup> {
  const t = await lookupConfirmToken(db, token, now);
  if (!t.ok) return t;
  if (!(await store.confirmTest(db, t.test.org_id, t.test.id, now))) return { ok: false, reason: 'used', owner: { org_id: t.test.org_id, user_id: t.test.user_id } };
  return { ok: true, test: { ...t.test, confirmed_at: now } };
}

/** What confirms a test page by SMS reply: OK or YES (and the French and Spanish yes), any case, surrounding spaces and a trailing . or ! ignored. */
const CONFIRM_WORDS = new Set(['ok', 'okay', 'yes', 'y', 'oui', 'si', 'sí']);

export function isConfirmReply(text: string): boolean {
  return CONFIRM_WORDS.has(text.trim().replace(/[.!]+$/, '').trim().toLocaleLowerCase('en'));
}

/** A test page confirmed by SMS reply or keypress: whose, and what to answer them, in their language. */
export interface TestConfirmation {
  orgId: string;
  userId: string;
  contactMethodId: string;
  testId: string;
  answer: string;
}

async function localeOf(db: Db, orgId: string, userId: string): Promise<string> {
  const [org, user] = await Promise.all([getOrganization(db, orgId), getUser(db, orgId, userId)]);
  return localeFor(user?.locale, org?.default_locale);
}

async function answerIn(db: Db, orgId: string, userId: string, id: MessageId): Promise<string> {
  return format(await localeOf(db, orgId, userId), id);
}

/**
 * An SMS reply `text` from `from`: when it is a confirm word (isConfirmReply), it confirms
 * the latest outstanding test page (sent within CONFIRM_TTL_MS, not confirmed) to the
 * verified SMS contact method with that number — within `onlyOrgId` when the reply came
 * through an organization's own provider, else in the organization that sent it. Null when
 * the text is no confirm word or no test page waits for it: the caller answers as before.
 */
export async function confirmBySmsReply(db: Db, now: number, from: string, text: string, onlyOrgId?: string): Promise<TestConfirmation | null> {
  if (!from || !isConfirmReply(text)) return null;
  const test = await store.latestOutstandingSmsTest(db, from, now - CONFIRM_TTL_MS, onlyOrgId);
  if (!test || !(await store.confirmTest(db, test.org_id, test.id, now))) return null;
  return { orgId: test.org_id, userId: test.user_id, contactMethodId: test.contact_method_id, testId: test.id, answer: await answerIn(db, test.org_id, test.user_id, 'sms.testConfirmed') };
}

/**
 * A key pressed on a test call (its <Gather> action carries the test's confirm token): any
 * key confirms, as the link would (single use); none pressed confirms nothing. Through an
 * organization's own provider (`onlyOrgId`) only that organization's tests. What the call says,
 * and in which language.
 */
export async function confirmByKeypress(db: Db, now: number, token: string, digits: string, onlyOrgId?: string): Promise<{ say: string; locale: string }> {
  const t = await lookupConfirmToken(db, token, now);
  if (!t.ok || (onlyOrgId !== undefined && t.test.org_id !== onlyOrgId)) return { say: format('en', 'voice.testNotConfirmable'), locale: 'en' };
  // Said in the person's language, and in a voice that speaks it (<Say language>).
  const locale = await localeOf(db, t.test.org_id, t.test.user_id);
  if (digits === '') return { say: format(locale, 'voice.testNoKey'), locale };
  if (!(await store.confirmTest(db, t.test.org_id, t.test.id, now))) return { say: format(locale, 'voice.testNotConfirmable'), locale };
  return { say: format(locale, 'voice.testConfirmed'), locale };
}

/** How one contact method stands: its last scheduled test sent and last confirmed. */
export interface MethodTestStanding {
  contactMethodId: string;
  userId: string;
  lastSentAt: number | null;
  lastConfirmedAt: number | null;
  status: 'confirmed' | 'unconfirmed' | 'never';
  /** Not confirmed within UNCONFIRMED_AFTER_MS, or never. */
  problem: boolean;
}

/** Pure: a method's standing from its tests. */
export function standingOf(method: Pick<ContactMethodTable, 'id' | 'user_id'>, tests: readonly ContactMethodTestTable[], now: number): MethodTestStanding {
  const mine = tests.filter((t) => t.contact_method_id === method.id);
  const lastSentAt = mine.length ? Math.max(...mine.map((t) => t.sent_at)) : null;
  const confirmed = mine.flatMap((t) => (t.confirmed_at === null ? [] : [t.confirmed_at]));
  const lastConfirmedAt = confirmed.length ? Math.max(...confirmed) : null;
  const status = lastSentAt === null ? 'never' : lastConfirmedAt !== null && lastConfirmedAt >= lastSentAt ? 'confirmed' : 'unconfirmed';
  return { contactMethodId: method.id, userId: method.user_id, lastSentAt, lastConfirmedAt, status, problem: lastConfirmedAt === null || now - lastConfirmedAt > UNCONFIRMED_AFTER_MS };
}

/** Each method's standing (verified, live methods only: the caller passes them). */
export async function methodStandings(db: Db, orgId: string, methods: readonly Pick<ContactMethodTable, 'id' | 'user_id'>[], now: number): Promise<MethodTestStanding[]> {
  const tests = await store.testsOf(db, orgId, methods.map((m) => m.id));
  return methods.map((m) => standingOf(m, tests, now));
}

/** The tests of these methods (the engine reads them to decide what is due). */
export function testsOf(db: Db, orgId: string, contactMethodIds: readonly string[]): Promise<ContactMethodTestTable[]> {
  return store.testsOf(db, orgId, contactMethodIds);
}

/**
 * Pure: the monthly test a method is due, if any: a method tested before gets its next
 * test TEST_EVERY_MS after its last test was confirmed (or, unconfirmed, after it was sent).
 * The claim key names the test it follows, so the round is claimed once.
 */
export function monthlyDue(methodId: string, tests: readonly ContactMethodTestTable[], now: number): string | null {
  const mine = tests.filter((t) => t.contact_method_id === methodId);
  const last = mine[mine.length - 1];
  if (!last) return null;
  const base = last.confirmed_at ?? last.sent_at;
  return now >= base + TEST_EVERY_MS ? `monthly:${last.id}` : null;
}

export function testedUserIds(db: Db, orgId: string): Promise<string[]> {
  return store.testedUserIds(db, orgId);
}
