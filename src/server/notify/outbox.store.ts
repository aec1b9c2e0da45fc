/**
 * The notification outbox. Rows are inserted in the same transaction as the
 * change that causes them; the deliver module claims due rows, sends, and records
 * the outcome. A claim is a lease (`claimed_until`): a row still 'sending' after
 * its lease belongs to a node that died between claim and send, and is claimed
 * again — sent at least once, with the same idempotency key.
 */
import { sql, type Kysely } from 'kysely';
import { rowLock } from '../storage/dialect.js';
import type { Database, NotificationTable } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function insertNotification(db: Db, row: NotificationTable): Promise<boolean> {
  const r = await db
    .insertInto('notifications')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'idempotency_key']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Written into `last_error` when a claim is taken over after its lease ran out: the
 * node that held it stopped between claiming and recording, so its send may have
 * arrived. It stays at the start of `last_error` through later retries (see
 * `interruptedError`) until the row is sent, so the send that finally succeeds is
 * still marked as a possible duplicate.
 */
export const INTERRUPTED = 'interrupted: an earlier attempt was claimed and never recorded';

/** The error to keep for a retry of a row whose earlier attempt was interrupted. */
export const interruptedError = (reason: string): string => `${INTERRUPTED}; then ${reason}`;

/**
 * Claim up to `limit` due rows for `leaseMs`. On PostgreSQL, FOR UPDATE SKIP
 * LOCKED lets any number of nodes claim disjoint rows; SQLite has one writer.
 * `was_sending` is true when the row was taken over from a node that died mid-send,
 * at this claim or at an earlier one (the mark lasts until the row is sent).
 */
export async function claimDue(db: Db, now: number, limit: number, leaseMs: number): Promise<(NotificationTable & { was_sending: boolean })[]> {
  const lock = rowLock(db, 'update', { skipLocked: true });
  // SET expressions read the row as it was before this UPDATE: status = 'sending' here is the lost claim.
  const result = await sql<NotificationTable>`
    UPDATE notifications SET status = 'sending', claimed_until = ${now + leaseMs}, attempts = attempts + 1,
      last_error = CASE WHEN status = 'sending' THEN ${INTERRUPTED} ELSE last_error END
    WHERE (org_id, id) IN (
      SELECT org_id, id FROM notifications
      WHERE (status = 'pending' AND next_attempt_at <= ${now}) OR (status = 'sending' AND claimed_until <= ${now})
      ORDER BY next_attempt_at
      LIMIT ${limit} ${lock}
    )
    RETURNING *`.execute(db);
  return result.rows.map((r) => ({ ...r, attempts: Number(r.attempts), next_attempt_at: Number(r.next_attempt_at), created_at: Number(r.created_at), was_sending: r.last_error !== null && r.last_error.startsWith(INTERRUPTED) }));
}

export async function markSent(db: Db, orgId: string, ids: string[], at: number, providerId: string | null): Promise<void> {
  if (!ids.length) return;
  await db.updateTable('notifications').set({ status: 'sent', sent_at: at, claimed_until: null, provider_id: providerId }).where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

export async function markRetry(db: Db, orgId: string, ids: string[], nextAt: number, error: string): Promise<void> {
  if (!ids.length) return;
  await db.updateTable('notifications').set({ status: 'pending', next_attempt_at: nextAt, claimed_until: null, last_error: error }).where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

export async function markFailed(db: Db, orgId: string, ids: string[], error: string): Promise<void> {
  if (!ids.length) return;
  await db.updateTable('notifications').set({ status: 'failed', claimed_until: null, last_error: error }).where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

/** Postpone without counting an attempt (throttled). */
export async function postpone(db: Db, orgId: string, ids: string[], nextAt: number): Promise<void> {
  if (!ids.length) return;
  await db
    .updateTable('notifications')
    .set((eb) => ({ status: 'pending', next_attempt_at: nextAt, claimed_until: null, attempts: eb('attempts', '-', 1) }))
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
}

/** Pages not yet sent for an incident stop when it is acknowledged or resolved. Webhook status events are kept. */
export async function cancelPendingPages(db: Db, orgId: string, incidentId: string): Promise<number> {
  const r = await db
    .updateTable('notifications')
    .set({ status: 'cancelled', claimed_until: null })
    .where('org_id', '=', orgId)
    .where('incident_id', '=', incidentId)
    .where('kind', '=', 'page')
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function recentSends(db: Db, orgId: string, contactMethodId: string, since: number): Promise<number[]> {
  const rows = await db
    .selectFrom('notifications')
    .select('sent_at')
    .where('org_id', '=', orgId)
    .where('contact_method_id', '=', contactMethodId)
    .where('status', '=', 'sent')
    .where('sent_at', '>=', since)
    .execute();
  return rows.map((r) => Number(r.sent_at));
}

export async function notificationsForStep(db: Db, orgId: string, stepKey: string, userId: string): Promise<NotificationTable[]> {
  return db.selectFrom('notifications').selectAll().where('org_id', '=', orgId).where('step_key', '=', stepKey).where('user_id', '=', userId).execute();
}

export async function outboxDepth(db: Db): Promise<{ status: string; n: number }[]> {
  const rows = await db.selectFrom('notifications').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).where('status', 'in', ['pending', 'sending']).groupBy('status').execute();
  return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
}

/** The incidents a person was paged for between `since` and `until` (the outbox is the record of pages), leaving out `except`. */
export async function incidentsPagedSince(db: Db, orgId: string, userId: string, since: number, until: number, except: string | null): Promise<string[]> {
  let q = db
    .selectFrom('notifications')
    .select('incident_id')
    .distinct()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('kind', '=', 'page')
    .where('incident_id', 'is not', null)
    .where('created_at', '>=', since)
    .where('created_at', '<=', until);
  if (except) q = q.where('incident_id', '<>', except);
  return (await q.execute()).map((r) => r.incident_id!);
}

/** The earliest notification attempt waiting in any organization (indexed), as a scalar subquery (column `t`) for the engine's one read of every deadline: it wakes for it (deliver, which also takes back expired leases, always runs). */
export function attemptDueQuery(db: Db) {
  return db.selectFrom('notifications').select((eb) => eb.fn.min('next_attempt_at').as('t')).where('status', '=', 'pending');
}

/** Delivered, cancelled and failed notifications older than `before` are deleted. */
export async function deleteFinishedBefore(db: Db, before: number): Promise<void> {
  await db.deleteFrom('notifications').where('status', 'in', ['sent', 'cancelled', 'failed']).where('created_at', '<', before).execute();
}

/** Pages not yet sent to a user stop when they pause or withdraw consent. */
export async function cancelPendingPagesOfUser(db: Db, orgId: string, userId: string): Promise<number> {
  const r = await db
    .updateTable('notifications')
    .set({ status: 'cancelled', claimed_until: null })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('kind', '=', 'page')
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Pages of these steps (responder requests) to these people on one incident, not yet sent, stop. */
export async function cancelStepPages(db: Db, orgId: string, incidentId: string, stepKeys: readonly string[], userIds: readonly string[]): Promise<number> {
  if (!stepKeys.length || !userIds.length) return 0;
  const r = await db
    .updateTable('notifications')
    .set({ status: 'cancelled', claimed_until: null })
    .where('org_id', '=', orgId)
    .where('incident_id', '=', incidentId)
    .where('step_key', 'in', [...stepKeys])
    .where('user_id', 'in', [...userIds])
    .where('kind', '=', 'page')
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** A carrier's report that the message or call with this provider id failed: kept as the notification's last error. */
export async function recordProviderError(db: Db, providerId: string, error: string): Promise<void> {
  await db.updateTable('notifications').set({ last_error: error }).where('provider_id', '=', providerId).execute();
}

/**
 * The notifications a carrier's call or message id was recorded on (one send may carry a
 * bundle): by the provider id, the only unscoped lookup here, and it yields the organization.
 */
export async function findByProviderId(db: Db, providerId: string): Promise<NotificationTable[]> {
  if (!providerId) return [];
  const rows = await db.selectFrom('notifications').selectAll().where('provider_id', '=', providerId).execute();
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts), next_attempt_at: Number(r.next_attempt_at), created_at: Number(r.created_at), sent_at: r.sent_at === null ? null : Number(r.sent_at) }));
}

/** Whether a page about the incident went to the person (sent, or tried) through any method. */
export async function wasPaged(db: Db, orgId: string, incidentId: string, userId: string): Promise<boolean> {
  const r = await db.selectFrom('notifications').select('id').where('org_id', '=', orgId).where('incident_id', '=', incidentId).where('user_id', '=', userId).where('kind', '=', 'page').where('status', 'in', ['sent', 'failed']).limit(1).executeTakeFirst();
  return r !== undefined;
}

/** A sent call the carrier reports as not answered: failed after all. False when it was already marked (a repeated callback). */
export async function failSent(db: Db, orgId: string, ids: string[], error: string): Promise<boolean> {
  if (!ids.length) return false;
  const r = await db.updateTable('notifications').set({ status: 'failed', last_error: error }).where('org_id', '=', orgId).where('id', 'in', ids).where('status', '=', 'sent').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Verification messages (and, with `kinds`, test messages) queued since `since` through these
 * channels, for the organization or one of its people (the caps on paid texts and calls).
 */
export async function countVerificationsSince(db: Db, orgId: string, since: number, channels: NotificationTable['channel'][], userId?: string, kinds: NotificationTable['kind'][] = ['verification']): Promise<number> {
  let q = db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('kind', 'in', kinds)
    .where('channel', 'in', channels)
    .where('created_at', '>=', since);
  if (userId) q = q.where('user_id', '=', userId);
  const r = await q.executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** One notification of the organization (a test send read back by its owner). */
export async function getNotification(db: Db, orgId: string, id: string): Promise<NotificationTable | undefined> {
  const r = await db.selectFrom('notifications').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return r && { ...r, attempts: Number(r.attempts), next_attempt_at: Number(r.next_attempt_at), created_at: Number(r.created_at), sent_at: r.sent_at === null ? null : Number(r.sent_at) };
}

/** The newest test messages to one contact method queued since `since` (the per-method test limit). */
export async function testsOfMethodSince(db: Db, orgId: string, contactMethodId: string, since: number): Promise<number[]> {
  const rows = await db.selectFrom('notifications').select('created_at').where('org_id', '=', orgId).where('contact_method_id', '=', contactMethodId).where('kind', '=', 'test').where('created_at', '>=', since).execute();
  return rows.map((r) => Number(r.created_at));
}

/**
 * The organization's messages still waiting to go out (pending or being sent) that were
 * queued before `before` and have been tried, or were due before it: how many, and the
 * oldest's time. Forwards to another tool (notify/forward.ts) are left out: that tool being
 * down is the integration's health, not Vigil's. A page held back on purpose (a notification rule's start delay, an SMS
 * throttle) is not yet tried and not yet due, so it is not counted.
 */
export async function unsentOlderThan(db: Db, orgId: string, before: number): Promise<{ n: number; oldest: number | null }> {
  const r = await db
    .selectFrom('notifications')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('created_at').as('oldest')])
    .where('org_id', '=', orgId)
    .where('status', 'in', ['pending', 'sending'])
    .where('channel', '<>', 'forward')
    .where('created_at', '<', before)
    .where((eb) => eb.or([eb('attempts', '>', 0), eb('next_attempt_at', '<', before)]))
    .executeTakeFirstOrThrow();
  return { n: Number(r.n), oldest: r.oldest === null || r.oldest === undefined ? null : Number(r.oldest) };
}

/**
 * Per channel, the latest outcome of the organization's messages to people queued since
 * `since` that were tried at least once: `failing` (failed, or waiting to retry after a
 * failed attempt) or `sent`. Verification codes (a mistyped address is not a failing
 * channel), webhook subscriptions (a customer's receiver) and forwards are left out, and so is an
 * attempt that was only interrupted (its node died; nobody saw its outcome).
 */
export async function channelOutcomesSince(db: Db, orgId: string, since: number): Promise<{ channel: NotificationTable['channel']; sent: number; failing: number }[]> {
  const rows = await db
    .selectFrom('notifications')
    .select(['channel', 'status', 'last_error', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .where('created_at', '>=', since)
    .where('attempts', '>', 0)
    .where('kind', '<>', 'verification')
    .where('subscription_id', 'is', null)
    .where('channel', '<>', 'forward')
    .where('status', 'in', ['sent', 'failed', 'pending', 'sending'])
    .groupBy(['channel', 'status', 'last_error'])
    .execute();
  const out = new Map<NotificationTable['channel'], { channel: NotificationTable['channel']; sent: number; failing: number }>();
  for (const r of rows) {
    const o = out.get(r.channel) ?? { channel: r.channel, sent: 0, failing: 0 };
    if (r.status === 'sent') o.sent += Number(r.n);
    else if (r.status === 'failed' || (r.last_error !== null && r.last_error !== INTERRUPTED)) o.failing += Number(r.n);
    out.set(r.channel, o);
  }
  return [...out.values()];
}

export interface ForwardStats {
  /** Copies waiting to go out (pending, retrying or being sent). */
  pending: number;
  /** Copies given up (a permanent refusal, or out of attempts). */
  failed: number;
  /** The latest error of a copy still retrying or given up, and when that copy was queued. */
  last_error: string | null;
  last_error_at: number | null;
  last_sent_at: number | null;
}

/** The forward rows (notify/forward.ts) of one integration (the partial index notifications_forward). */
export async function forwardStats(db: Db, orgId: string, integrationId: string): Promise<ForwardStats> {
  const base = db.selectFrom('notifications').where('org_id', '=', orgId).where('forward_integration_id', '=', integrationId);
  const counts = await base.select(['status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('sent_at').as('sent')]).groupBy('status').execute();
  const err = await base.select(['last_error', 'created_at']).where('last_error', 'is not', null).where('status', 'in', ['pending', 'sending', 'failed']).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  const n = (s: string[]) => counts.filter((c) => s.includes(c.status)).reduce((a, c) => a + Number(c.n), 0);
  const sent = counts.find((c) => c.status === 'sent')?.sent;
  return { pending: n(['pending', 'sending']), failed: n(['failed']), last_error: err?.last_error ?? null, last_error_at: err ? Number(err.created_at) : null, last_sent_at: sent === null || sent === undefined ? null : Number(sent) };
}

/**
 * The earliest attempt time of an unsent forward of this integration queued before `beforeId`
 * (ids are time-ordered) that is not one of `except`, or null: a forward waits behind the
 * copies of earlier events of its integration, so the other tool sees them in order.
 */
export async function earlierUnsent(db: Db, orgId: string, integrationId: string, beforeId: string, except: readonly string[]): Promise<number | null> {
  let q = db
    .selectFrom('notifications')
    .select((eb) => eb.fn.min('next_attempt_at').as('t'))
    .where('org_id', '=', orgId)
    .where('forward_integration_id', '=', integrationId)
    .where('status', 'in', ['pending', 'sending'])
    .where('id', '<', beforeId);
  if (except.length) q = q.where('id', 'not in', except);
  const r = await q.executeTakeFirst();
  return r?.t === null || r?.t === undefined ? null : Number(r.t);
}
