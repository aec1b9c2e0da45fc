/**
 * Organization-wide webhook subscriptions (PagerDuty's webhooks v3). The signing secret
 * is generated here and shown once, on create. A subscription may be limited to one
 * service; services are above notify, so the caller says which service ids exist.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Bus } from '../lib/bus.js';
import type { Clock } from '../lib/clock.js';
import { BLOCKED_MESSAGE, type OutboundPolicy } from '../lib/outbound-policy.js';
import { newId } from '../lib/ids.js';
import type { Database, WebhookSubscriptionTable } from '../storage/schema.js';
import { queuePing } from './notify.service.js';
import * as store from './subscription.store.js';

type Db = Kysely<Database>;

/**
 * PagerDuty event types for actions Vigil does not have: no incident is delegated to another
 * policy, a resolved incident is never reopened, there are no responder requests. A subscription
 * may name them (PagerDuty's own example does); they are never sent, and the answer says so
 * (`vigil_never_sent`). Any other unknown type is refused.
 */
export const NEVER_OCCURRING_EVENTS = ['incident.delegated', 'incident.reopened', 'incident.responder.added', 'incident.responder.replied'] as const;

export const SUBSCRIBABLE_EVENTS = ['incident.triggered', 'incident.acknowledged', 'incident.unacknowledged', 'incident.resolved', 'incident.escalated', 'incident.reassigned', 'incident.annotated', 'incident.priority_updated'] as const;

/** Whether an id names a live service of the organization. */
export type ServiceCheck = (serviceId: string) => Promise<boolean>;

export interface SubscriptionFilter {
  type: 'account_reference' | 'service_reference';
  id?: string | undefined;
}

export interface SubscriptionInput {
  active?: boolean;
  description?: string | null;
  events: string[];
  filter: SubscriptionFilter;
  delivery_method: { url: string; custom_headers?: { name: string; value: string }[] };
  oauth_client_id?: string | null;
}

async function validate(b: { events: string[]; filter: { type: string; id?: string | undefined }; delivery_method: { url: string; custom_headers?: { name: string; value: string }[] } }, knownService: ServiceCheck): Promise<void> {
  const bad = b.events.filter((e) => !(SUBSCRIBABLE_EVENTS as readonly string[]).includes(e) && !(NEVER_OCCURRING_EVENTS as readonly string[]).includes(e));
  if (bad.length) throw invalid(...bad.map((e) => `webhook_subscription.events: ${e} is not one of ${SUBSCRIBABLE_EVENTS.join(', ')}`));
  if (!/^https?:\/\/[^\s]+$/i.test(b.delivery_method.url)) throw invalid('webhook_subscription.delivery_method.url must be an http(s) URL');
  // A CR or LF in a value would split it into a second header (or a second request) on the wire.
  const badHeaders = (b.delivery_method.custom_headers ?? []).flatMap((h, i) => (/[\r\n\0]/.test(h.value) ? [`webhook_subscription.delivery_method.custom_headers[${i}].value must not contain CR, LF or NUL characters`] : []));
  if (badHeaders.length) throw invalid(...badHeaders);
  if (b.filter.type === 'service_reference') {
    if (!b.filter.id || !(await knownService(b.filter.id))) throw invalid('webhook_subscription.filter.id must be a service of this organization');
  }
}

export async function listSubscriptions(db: Db, orgId: string, limit: number, offset: number): Promise<{ rows: WebhookSubscriptionTable[]; total: number }> {
  return store.listSubscriptions(db, orgId, limit, offset);
}

export async function requireSubscription(db: Db, orgId: string, id: string): Promise<WebhookSubscriptionTable> {
  const s = await store.getSubscription(db, orgId, id);
  if (!s) throw notFound(`webhook subscription ${id}`);
  return s;
}

/** A new subscription and its signing secret (returned this once). */
export async function createSubscription(db: Db, clock: Clock, policy: OutboundPolicy, orgId: string, b: SubscriptionInput, knownService: ServiceCheck): Promise<{ row: WebhookSubscriptionTable; secret: string }> {
  await validate(b, knownService);
  if (await policy.refusesUrl(b.delivery_method.url)) throw invalid(`webhook_subscription.delivery_method.url: ${BLOCKED_MESSAGE}`);
  const secret = randomBytes(32).toString('base64url');
  const now = clock.now();
  const row: WebhookSubscriptionTable = {
    org_id: orgId,
    id: newId(now),
    url: b.delivery_method.url,
    secret,
    description: b.description ?? null,
    events: JSON.stringify(b.events),
    filter_type: b.filter.type,
    filter_id: b.filter.type === 'service_reference' ? b.filter.id! : null,
    active: b.active === false ? 0 : 1,
    custom_headers: JSON.stringify(b.delivery_method.custom_headers ?? []),
    oauth_client_id: b.oauth_client_id ?? null,
    consecutive_failures: 0,
    disabled_until: null,
    created_at: now,
    deleted_at: null,
  };
  await store.insertSubscription(db, row);
  return { row, secret };
}

/** Fields not sent are kept; the URL and headers cannot change. Answers the subscription as updated. */
export async function updateSubscription(
  db: Db,
  orgId: string,
  id: string,
  b: { active?: boolean; description?: string | null; events?: string[]; filter?: SubscriptionFilter },
  knownService: ServiceCheck,
): Promise<WebhookSubscriptionTable> {
  const s = await requireSubscription(db, orgId, id);
  const events = b.events ?? (JSON.parse(s.events) as string[]);
  const filter = b.filter ?? { type: s.filter_type, ...(s.filter_id ? { id: s.filter_id } : {}) };
  await validate({ events, filter, delivery_method: { url: s.url } }, knownService);
  const patch: Partial<WebhookSubscriptionTable> = {
    events: JSON.stringify(events),
    filter_type: filter.type,
    filter_id: filter.type === 'service_reference' ? (filter.id ?? null) : null,
    ...(b.active !== undefined ? { active: b.active ? 1 : 0 } : {}),
    ...(b.description !== undefined ? { description: b.description } : {}),
  };
  await store.updateSubscription(db, orgId, s.id, patch);
  return { ...s, ...patch };
}

export async function deleteSubscription(db: Db, clock: Clock, orgId: string, id: string): Promise<void> {
  const s = await requireSubscription(db, orgId, id);
  await store.updateSubscription(db, orgId, s.id, { deleted_at: clock.now(), active: 0 });
}

/** Turn a subscription on again after repeated failures disabled it. */
export async function enableSubscription(db: Db, orgId: string, id: string): Promise<WebhookSubscriptionTable> {
  const s = await requireSubscription(db, orgId, id);
  await store.updateSubscription(db, orgId, s.id, { active: 1, consecutive_failures: 0, disabled_until: null });
  return { ...s, active: 1 };
}

/** Queue a test event to the subscription through the outbox and wake the engine. */
export async function pingSubscription(u: { db: Db; clock: Clock; bus: Pick<Bus, 'poke'> }, orgId: string, id: string): Promise<void> {
  const s = await requireSubscription(u.db, orgId, id);
  const now = u.clock.now();
  await queuePing(u.db, now, orgId, s.id, newId(now));
  u.bus.poke();
}
