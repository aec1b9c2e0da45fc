/**
 * Subscriptions to the public status page (issue 19 item 1): who follows it, and what they are
 * sent. The rules (throttle, phases, words) are pure, in subscriptions.ts; this file reads the
 * facts, writes the subscribers, and queues every message through the outbox
 * (notify.service queueStatusPageMessage) in the caller's transaction.
 *
 * - The public subscribes by email: the address gets a confirmation mail and nothing else
 *   until its link is followed (double opt-in); unconfirmed addresses are deleted after 48 h.
 *   Asking again never duplicates and answers the same whether or not the address was there.
 * - Owners and admins add webhook subscribers (a public webhook subscription would let anyone
 *   make Vigil send requests to an address of their choosing). Their events are signed like
 *   every outbound webhook (X-Vigil-Signature / X-PagerDuty-Signature, HMAC-SHA256).
 * - Every update mail carries List-Unsubscribe (an https link with the subscriber's token) and
 *   List-Unsubscribe-Post (RFC 8058) and a visible unsubscribe link; unsubscribing deletes the row.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashSecret } from '../lib/secrets.js';
import { queueStatusPageMessage } from '../notify/notify.service.js';
import type { Destination } from '../notify/channel.js';
import { listActiveServices } from '../service/service.store.js';
import { isUniqueViolation } from '../storage/dialect.js';
import type { Database, NotificationTable, StatusPageTable, StatusSubscriberTable } from '../storage/schema.js';
import * as pages from './status-page.store.js';
import * as store from './subscription.store.js';
import { effectiveComponents, parseComponents, parseLanguages, publicId, type PublicStatus } from './status-page.js';
import { LANGUAGES, parseLocale, pickLanguage, type Language } from '../lib/i18n/translate.js';
import { getOrganization } from '../org/org.store.js';
import { CONFIRM_TTL_MS, EMAIL_RE, confirmEmail, follows, noticeEmail, updateNotice, type Notice } from './subscriptions.js';

type Db = Kysely<Database>;

export interface PageComponent {
  /** The public id (status-page.ts publicId). */
  id: string;
  serviceId: string;
  name: string;
}

async function publishedPage(db: Db, slug: string): Promise<StatusPageTable> {
  const page = await pages.findStatusPage(db, slug.toLowerCase());
  if (!page || !page.enabled) throw notFound(`status page ${slug}`);
  return page;
}

/** A page's first (default) language: that of its webhook events' page and of subscribers who have none remembered. */
export const pageLanguage = (page: StatusPageTable): Language => parseLanguages(page.languages)[0] ?? 'en';

/** The language of a subscriber's mails: the one they subscribed in while the page still offers it, else the page's first. */
export function subscriberLanguage(page: StatusPageTable, s: Pick<StatusSubscriberTable, 'language'>): Language {
  const offered = parseLanguages(page.languages);
  return s.language && (offered as string[]).includes(s.language) ? (s.language as Language) : (offered[0] ?? 'en');
}

/** The organization's time zone, in which subscriber mails give their dates. */
export async function pageZone(db: Db, orgId: string): Promise<string> {
  return (await getOrganization(db, orgId))?.time_zone ?? 'UTC';
}

/** The components the page shows, under their public ids and names. */
export async function pageComponents(db: Db, orgId: string, page?: StatusPageTable): Promise<PageComponent[]> {
  const row = page ?? (await pages.getStatusPage(db, orgId));
  const services = await listActiveServices(db, orgId);
  return effectiveComponents(parseComponents(row?.components ?? '[]'), services).map((c) => ({ id: publicId(orgId, 'component', c.service_id), serviceId: c.service_id, name: c.name }));
}

/** Public component ids to service ids; an unknown one is refused, naming its place. */
function resolveComponents(field: string, ids: readonly string[] | undefined, components: PageComponent[]): string[] {
  const out: string[] = [];
  for (const [i, id] of (ids ?? []).entries()) {
    const c = components.find((x) => x.id === id);
    if (!c) throw invalid(`${field}[${i}]: component ${id} is not on this status page`);
    if (!out.includes(c.serviceId)) out.push(c.serviceId);
  }
  return out;
}

const token = () => randomBytes(24).toString('base64url');

export function pageUrl(publicUrl: string, slug: string): string {
  return `${publicUrl}/status/${encodeURIComponent(slug)}`;
}
export function unsubscribeApiUrl(publicUrl: string, slug: string, tok: string): string {
  return `${publicUrl}/api/v1/public/status/${encodeURIComponent(slug)}/unsubscribe?token=${encodeURIComponent(tok)}`;
}

/**
 * Subscribe an email address. Always the same outcome to the caller (202), whether the address
 * is new, waiting for its confirmation (a new confirmation mail goes out) or confirmed already
 * (nothing is sent, nothing changes): the answer never tells whether an address subscribed.
 * The subscriber's language is the one the page is read in (`reading`: `?lang=` else
 * Accept-Language, among the page's languages, else its first, as GET /public/status answers);
 * the confirmation and every later mail are in it.
 */
export async function subscribeEmail(db: Db, clock: Clock, publicUrl: string, slug: string, input: { email: string; component_ids?: string[] }, reading: { lang?: string | undefined; acceptLanguage?: string | undefined } = {}): Promise<void> {
  const page = await publishedPage(db, slug);
  const orgId = page.org_id;
  const email = input.email.trim().toLowerCase();
  if (!EMAIL_RE.test(email) || email.length > 254) throw invalid('email: not an email address');
  if (reading.lang !== undefined && !parseLocale(reading.lang)) throw invalid(`lang: ${JSON.stringify(reading.lang)} is not a supported language (${LANGUAGES.join(', ')})`);
  const language = pickLanguage(parseLanguages(page.languages), reading.lang, reading.acceptLanguage);
  const components = resolveComponents('component_ids', input.component_ids, await pageComponents(db, orgId, page));
  const confirm = token();
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    const existing = await store.findSubscriberByAddress(trx, orgId, 'email', email);
    if (existing?.confirmed_at != null) return;
    let id = existing?.id;
    if (existing) {
      await store.renewConfirmation(trx, orgId, existing.id, { confirm_hash: hashSecret(confirm), expires_at: now + CONFIRM_TTL_MS, components: JSON.stringify(components), language });
    } else {
      id = newId(now);
      const unsub = token();
      try {
        await store.insertSubscriber(trx, { org_id: orgId, id, type: 'email', address: email, secret: null, components: JSON.stringify(components), confirm_hash: hashSecret(confirm), unsubscribe_hash: hashSecret(unsub), unsubscribe_token: unsub, created_at: now, confirmed_at: null, expires_at: now + CONFIRM_TTL_MS, language });
      } catch (err) {
        // The same address at the same moment: the other request's row stands; same answer.
        if (isUniqueViolation(err)) return;
        throw err;
      }
    }
    // The links open the page in the subscriber's language.
    const mail = confirmEmail(language, page.title, { confirm: `${pageUrl(publicUrl, page.slug)}?confirm=${encodeURIComponent(confirm)}&lang=${language}`, page: `${pageUrl(publicUrl, page.slug)}?lang=${language}` });
    await queueStatusPageMessage(trx, now, orgId, { key: `status_page:confirm:${hashSecret(confirm)}`, channel: 'email', eventType: 'status_page.subscription_confirmation', subscriberId: id!, payload: { to: email, notice: mail } });
  });
}

/** Follow a confirmation link: the subscriber starts receiving updates. 404 for an unknown, used or expired token. */
export async function confirmSubscription(db: Db, clock: Clock, slug: string, tok: string): Promise<void> {
  const page = await publishedPage(db, slug);
  if (!(await store.confirmSubscriber(db, page.org_id, hashSecret(tok), clock.now()))) throw notFound('subscription confirmation (it may have expired: subscribe again)');
}

/** One-click unsubscribe: the subscriber's row is deleted. 404 for an unknown token (already unsubscribed). */
export async function unsubscribe(db: Db, slug: string, tok: string): Promise<void> {
  const page = await pages.findStatusPage(db, slug.toLowerCase());
  if (!page || !(await store.deleteByUnsubscribeHash(db, page.org_id, hashSecret(tok)))) throw notFound('subscription');
}

export interface SubscriberView {
  row: StatusSubscriberTable;
  components: PageComponent[];
}

/** Owners and admins add a webhook subscriber; its signing secret is returned once, here. */
export async function addWebhookSubscriber(db: Db, clock: Clock, orgId: string, input: { url: string; component_ids?: string[] }): Promise<SubscriberView & { secret: string }> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw invalid('subscriber.url: not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('subscriber.url: must be an http or https URL');
  const all = await pageComponents(db, orgId);
  const components = resolveComponents('subscriber.component_ids', input.component_ids, all);
  const now = clock.now();
  const secret = randomBytes(24).toString('base64url');
  const unsub = token();
  const row: StatusSubscriberTable = { org_id: orgId, id: newId(now), type: 'webhook', address: url.toString(), secret, components: JSON.stringify(components), confirm_hash: null, unsubscribe_hash: hashSecret(unsub), unsubscribe_token: unsub, created_at: now, confirmed_at: now, expires_at: null };
  try {
    await store.insertSubscriber(db, row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new VigilError('conflict', [`subscriber.url: ${row.address} is subscribed already`]);
    throw err;
  }
  return { row, components: all.filter((c) => components.includes(c.serviceId)), secret };
}

export async function listSubscribers(db: Db, orgId: string, limit: number, offset: number): Promise<{ subscribers: SubscriberView[]; total: number }> {
  const [{ rows, total }, all] = await Promise.all([store.listSubscribers(db, orgId, limit, offset), pageComponents(db, orgId)]);
  return { total, subscribers: rows.map((row) => ({ row, components: componentsOf(row, all) })) };
}

export async function removeSubscriber(db: Db, orgId: string, id: string): Promise<void> {
  if (!(await store.deleteSubscriber(db, orgId, id))) throw notFound(`status page subscriber ${id}`);
}

function componentsOf(row: StatusSubscriberTable, all: PageComponent[]): PageComponent[] {
  const ids = JSON.parse(row.components) as string[];
  return all.filter((c) => ids.includes(c.serviceId));
}

/** For the deliver module: where a status page message goes now, or null when its subscriber is gone. */
export async function statusSubscriberDestination(db: Db, n: NotificationTable): Promise<{ destination: Destination; label: string } | null> {
  const id = n.payload ? (JSON.parse(n.payload) as { status_subscriber_id?: unknown }).status_subscriber_id : undefined;
  if (typeof id !== 'string') return null;
  const s = await store.getSubscriber(db, n.org_id, id);
  if (!s || s.type !== (n.channel === 'webhook' ? 'webhook' : 'email')) return null;
  if (s.type === 'webhook') return { destination: { address: s.address, secrets: s.secret ? [s.secret] : [] }, label: `status page webhook ${s.id}` };
  return { destination: { address: s.address }, label: `status page subscriber ${s.id}` };
}

/**
 * Queue one notice to every confirmed subscriber who follows `serviceIds` (any of them), worded
 * by `notice` in each subscriber's language (once per language); webhooks get the data.
 */
export async function tell(db: Db, now: number, publicUrl: string, page: StatusPageTable, subscribers: StatusSubscriberTable[], serviceIds: string[], key: string, notice: (lang: Language) => Notice): Promise<number> {
  const worded = new Map<Language, Notice>();
  const inLanguage = (lang: Language): Notice => {
    if (!worded.has(lang)) worded.set(lang, notice(lang));
    return worded.get(lang)!;
  };
  let queued = 0;
  for (const s of subscribers) {
    const comps = JSON.parse(s.components) as string[];
    if (!serviceIds.some((id) => follows(comps, id))) continue;
    if (s.type === 'webhook') {
      const n = inLanguage(pageLanguage(page));
      await queueStatusPageMessage(db, now, page.org_id, { key: `status_page:${key}:${s.id}`, eventType: n.event, subscriberId: s.id, channel: 'webhook', payload: { status_event: { ...n.data, page: { title: page.title, url: pageUrl(publicUrl, page.slug) } } } });
    } else {
      const lang = subscriberLanguage(page, s);
      const n = inLanguage(lang);
      // The header's URL takes the mail client's one-click POST (RFC 8058); the visible link opens the page (in the subscriber's language), whose button posts it.
      const unsubscribe = unsubscribeApiUrl(publicUrl, page.slug, s.unsubscribe_token);
      const body = noticeEmail(lang, n, { page: `${pageUrl(publicUrl, page.slug)}?lang=${lang}`, unsubscribe: `${pageUrl(publicUrl, page.slug)}?unsubscribe=${encodeURIComponent(s.unsubscribe_token)}&lang=${lang}` });
      await queueStatusPageMessage(db, now, page.org_id, {
        key: `status_page:${key}:${s.id}`,
        eventType: n.event,
        subscriberId: s.id,
        channel: 'email',
        payload: { to: s.address, notice: { subject: n.subject, ...body }, email_headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } },
      });
    }
    queued++;
  }
  return queued;
}

/** A public update was written (status-page.service addPublicUpdate, in its transaction): tell the subscribers of its component at once. */
export async function tellPublicUpdate(trx: Db, now: number, publicUrl: string, orgId: string, incident: { id: string; service_id: string }, update: { id: string; status: PublicStatus; message: string; created_at: number }): Promise<number> {
  const page = await pages.getStatusPage(trx, orgId);
  if (!page || !page.enabled) return 0;
  const comps = (await pageComponents(trx, orgId, page)).filter((c) => c.serviceId === incident.service_id);
  if (!comps.length) return 0;
  const [subscribers, zone] = await Promise.all([store.confirmedSubscribers(trx, orgId), pageZone(trx, orgId)]);
  const id = publicId(orgId, 'incident', incident.id);
  return tell(trx, now, publicUrl, page, subscribers, [incident.service_id], `update:${update.id}`, (lang) => updateNotice(lang, zone, page.title, id, comps.map((c) => c.name), update));
}
