/**
 * Deliver: drain the outbox. Theory: due rows are claimed under a lease in a short
 * transaction; rows for the same person and contact method claimed together are
 * bundled into one message; SMS and voice respect per-number throttles (a
 * throttled row is postponed, and so bundles with whatever arrives meanwhile).
 * Sending happens outside any transaction, then the outcome is recorded:
 * sent → timeline "notified"; retryable → backoff with jitter (Retry-After
 * honoured) until the attempt limit; permanent (or out of attempts) → failed, on
 * the timeline, and the person's next verified method is paged instead. A row
 * whose lease expired (its node died mid-send) is sent again with the same
 * idempotency key and marked on the timeline as a possible duplicate.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, NotificationTable } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import type { DeliveryResult, Destination } from '../../notify/channel.js';
import type { ChannelRegistry } from '../../notify/channels/registry.js';
import * as outbox from '../../notify/outbox.store.js';
import { queueFallback } from '../../notify/notify.service.js';
import { DEFAULT_BACKOFF, retryDelay, type BackoffPolicy } from '../../notify/backoff.js';
import { earliestAllowed, THROTTLES } from '../../notify/throttle.js';
import { getContactMethod, softDeleteContactMethod } from '../../notify/contact.store.js';
import { pushKeysFor } from '../../notify/push.service.js';
import { telegramBotFor } from '../../notify/telegram.service.js';
import { sendSmsThroughProviders, SPEND_CAP_REASON } from '../../notify/sms-route.service.js';
import { callThroughProviders } from '../../notify/voice-route.service.js';
import { countSubscriptionFailure, getSubscription, updateSubscription } from '../../notify/subscription.store.js';
import { appendLog, type Tx } from '../../incident/timeline.js';
import { getIncidentsByIds } from '../../incident/incident.store.js';
import { getUsers } from '../../org/org.store.js';
import type { EngineModule } from '../engine.js';
import { composeFromFacts, readMessageFacts } from './message.js';
import { OUTBOUND_BLOCKED } from '../../notify/channels/http.js';
import { forwardIntegrationOf, forwardWaitsUntil, sendForward } from '../../notify/forward.js';
import { integrationForward } from '../../service/service.store.js';
import { statusSubscriberDestination } from '../../status-page/subscription.service.js';
import { say, type Wording } from '../../lib/i18n/translate.js';

export interface DeliveryMetrics {
  record(channel: string, outcome: DeliveryResult['kind'], reason: string | null, latencyMs: number | null): void;
}

export interface DeliverOptions {
  baseUrl: string;
  leaseMs: number;
  batch: number;
  backoff: BackoffPolicy;
  random: () => number;
  /**
   * How long a tick waits for its sends (ms). A send still running then (a receiver that
   * accepted the connection and never answers, until the channel's own timeout) carries
   * on in the background and records its outcome when it ends; the tick returns, so pages
   * for other people that come due meanwhile are not held behind it. Its row stays
   * claimed under the lease, so no other pass sends it twice.
   */
  holdMs: number;
  /**
   * Resolves once every commit so far is on disk (DbHandle.sync). Awaited between the
   * claim and the send: after a power cut, a sent message is always known to have been
   * claimed, so a re-send carries its "interrupted" marker instead of going out as new.
   */
  sync: () => Promise<void>;
}

/** Failures whose detail is written for people and belongs on the timeline line itself. */
const SAYS_WHY = new Set([SPEND_CAP_REASON, 'all_sms_providers_failed']);

const CHANNEL_LABEL: Record<string, string> = { email: 'email', sms: 'SMS', voice: 'phone call', webhook: 'webhook', slack: 'Slack', ntfy: 'ntfy', push: 'push notification', discord: 'Discord', teams: 'Teams', matrix: 'Matrix', telegram: 'Telegram' };

export class DeliverModule implements EngineModule {
  readonly name = 'deliver';
  readonly eager = true;
  private readonly opts: DeliverOptions;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly channels: ChannelRegistry,
    private readonly publish: (c: IncidentChange[]) => void,
    private readonly metrics: DeliveryMetrics | null,
    opts: Partial<DeliverOptions> & { baseUrl: string },
    private readonly log: Pick<Logger, 'error'> = { error: () => {} },
  ) {
    this.opts = { leaseMs: 60_000, batch: 100, backoff: DEFAULT_BACKOFF, random: Math.random, sync: async () => {}, holdMs: 200, ...opts };
  }

  /** Sends that outlived their tick (see holdMs), still running. */
  private readonly detached = new Set<Promise<unknown>>();

  /** Resolves when every send that outlived its tick has ended (engine stop, tests). */
  async settle(): Promise<void> {
    while (this.detached.size) await Promise.allSettled([...this.detached]);
  }

  async tick(now: number): Promise<number> {
    // One statement, atomic on its own: no transaction round trips around it.
    const claimed = await outbox.claimDue(this.db, now, this.opts.batch, this.opts.leaseMs);
    if (!claimed.length) return 0;
    await this.opts.sync();
    // Bundle: one message per (person's contact method); subscriptions and status rows go one by one.
    // Webhooks are never bundled: v3 sends one POST per incident anyway, and each must carry its own
    // row's idempotency key as X-Webhook-Id (a bundle's key depends on which rows were claimed together,
    // so a page re-sent after a crash alongside a newer one would reach the receiver under a new id).
    // Rows taken over from a dead node are bundled only with each other, so they are re-sent as the
    // same bundle (same key, same email Message-ID) whatever else became due meanwhile.
    const groups = new Map<string, typeof claimed>();
    for (const r of claimed) {
      // An integration's forwards are one group, sent one at a time in event order (forwardInOrder).
      const key = r.channel === 'forward' ? `${r.org_id}:forward:${r.forward_integration_id ?? forwardIntegrationOf(r)}` : r.kind === 'page' && r.contact_method_id && r.channel !== 'webhook' ? `${r.org_id}:${r.contact_method_id}:${r.was_sending ? 'resend' : 'new'}` : `${r.org_id}:${r.id}`;
      const g = groups.get(key) ?? [];
      g.push(r);
      groups.set(key, g);
    }
    // Every group settles before the tick reports: one failing send never abandons its neighbours mid-flight.
    const sends = [...groups.values()].map((g) =>
      this.deliverGroup(g, now).catch(async (err: unknown) => {
        if (err instanceof ClaimsSettled) throw err.cause;
        // Never leave a claim hanging on our own bug: retry later, and say why. If the message had
        // already gone out (recording the outcome failed), the retry is a possible duplicate: say so.
        const why = `internal_error: ${err instanceof Error ? err.message : String(err)}`;
        await outbox.markRetry(this.db, g[0]!.org_id, g.map((r) => r.id), now + 30_000, err instanceof OutcomeNotRecorded || g.some((r) => r.was_sending) ? outbox.interruptedError(why) : why);
        throw err;
      }),
    );
    const all = Promise.allSettled(sends);
    let hold: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([all.then(() => true), new Promise<false>((r) => (hold = setTimeout(() => r(false), this.opts.holdMs)))]);
    clearTimeout(hold);
    if (!inTime) {
      // The slow sends finish on their own (each is bounded by its channel's timeout and half the lease).
      const rest = all.then((settled) => {
        for (const r of settled) if (r.status === 'rejected') this.log.error({ err: r.reason, module: this.name }, 'a delivery that outlived its tick failed');
      });
      this.detached.add(rest);
      void rest.finally(() => this.detached.delete(rest));
      return claimed.length;
    }
    const failed = (await all).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return claimed.length;
  }

  private async deliverGroup(rows: (NotificationTable & { was_sending: boolean })[], now: number): Promise<void> {
    const first = rows[0]!;
    const orgId = first.org_id;
    const ids = rows.map((r) => r.id);
    if (first.channel === 'forward') return this.forwardInOrder(rows, now);
    const throttle = first.contact_method_id ? THROTTLES[first.channel] : undefined;
    // What the message says is read while the destination is (reads only: a throttled or gone
    // destination wastes them, nothing more); the tokens it carries are written after both.
    const [dest, facts] = await Promise.all([this.destination(first), throttle ? null : readMessageFacts(this.db, rows, { baseUrl: this.opts.baseUrl })]);
    if (!dest) return this.finish(rows, now, { kind: 'permanent', reason: 'destination_gone', detail: 'the contact method or subscription no longer exists' }, null);
    if (throttle) {
      const windowMs = Math.max(...throttle.map((r) => r.perMs));
      const sends = await outbox.recentSends(this.db, orgId, first.contact_method_id!, now - windowMs);
      const at = earliestAllowed(now, sends, throttle);
      if (at > now) return void (await outbox.postpone(this.db, orgId, ids, at));
    }
    const msg = await composeFromFacts(this.db, rows, facts ?? (await readMessageFacts(this.db, rows, { baseUrl: this.opts.baseUrl })), { baseUrl: this.opts.baseUrl, now });
    if (msg.incidents.length === 0 && first.incident_id) return this.finish(rows, now, { kind: 'permanent', reason: 'incident_gone', detail: 'the incident no longer exists' }, dest.label);
    const started = Date.now();
    // A send never outlives half its claim: past the lease another node may take the row over and send it again.
    const signal = AbortSignal.timeout(Math.max(1, Math.floor(this.opts.leaseMs / 2)));
    // SMS (and calls, through its Twilio-compatible ones) go through the organization's own providers when it has any (with failover); otherwise through the instance's carrier.
    const note = (text: Wording) => this.note(rows, now, text);
    const routed =
      first.channel === 'sms' && first.contact_method_id
        ? await sendSmsThroughProviders(this.db, now, { ...this.channels.http, publicUrl: this.opts.baseUrl }, rows, dest.destination.address, msg, note, signal)
        : first.channel === 'voice' && first.contact_method_id
          ? await callThroughProviders(this.db, { ...this.channels.http, publicUrl: this.opts.baseUrl }, orgId, dest.destination, msg, note, signal)
          : null;
    const result = routed ? routed.result : await this.channels.deliver(first.channel, dest.destination, msg, signal);
    this.metrics?.record(first.channel, result.kind, result.kind === 'sent' ? null : result.reason, result.kind === 'sent' ? now - first.next_attempt_at + (Date.now() - started) : null);
    try {
      await this.finish(rows, now, result, routed?.via ? `${dest.label} through ${routed.via}` : dest.label);
    } catch (err) {
      throw new OutcomeNotRecorded(err);
    }
  }

  /**
   * An integration's copies of accepted events to another tool (notify/forward.ts), sent one at
   * a time in event order (a trigger before its resolve). They wait behind an earlier copy
   * still unsent; after a retryable failure, the later ones wait for its retry.
   */
  private async forwardInOrder(rows: (NotificationTable & { was_sending: boolean })[], now: number): Promise<void> {
    const ordered = [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
    const behind = await forwardWaitsUntil(this.db, ordered);
    if (behind !== null) return outbox.postpone(this.db, ordered[0]!.org_id, ordered.map((r) => r.id), Math.max(now + 1, behind));
    for (const [i, row] of ordered.entries()) {
      let result: DeliveryResult;
      try {
        result = await this.forward(row, now);
      } catch (err) {
        // Copies before this one are recorded: only this one is retried (a possible duplicate if it went out), the rest wait behind it.
        const why = `internal_error: ${err instanceof Error ? err.message : String(err)}`;
        await outbox.markRetry(this.db, row.org_id, [row.id], now + 30_000, err instanceof OutcomeNotRecorded || row.was_sending ? outbox.interruptedError(why) : why);
        await outbox.postpone(this.db, row.org_id, ordered.slice(i + 1).map((r) => r.id), now + 30_001);
        throw new ClaimsSettled(err);
      }
      if (result.kind !== 'retryable') continue;
      const rest = ordered.slice(i + 1).map((r) => r.id);
      return outbox.postpone(this.db, row.org_id, rest, now + retryDelay(row.attempts, this.opts.backoff, this.opts.random, result.retryAfterMs) + 1);
    }
  }

  /** One copy: no person, no incident; its outcome is recorded like any outbox row's. */
  private async forward(row: NotificationTable & { was_sending: boolean }, now: number): Promise<DeliveryResult> {
    const started = Date.now();
    const integrationId = forwardIntegrationOf(row);
    const setting = integrationId ? await integrationForward(this.db, row.org_id, integrationId) : null;
    const { result, label } = await sendForward(setting, this.channels.http, row, AbortSignal.timeout(Math.max(1, Math.floor(this.opts.leaseMs / 2))));
    this.metrics?.record('forward', result.kind, result.kind === 'sent' ? null : result.reason, result.kind === 'sent' ? now - row.next_attempt_at + (Date.now() - started) : null);
    try {
      await this.finish([row], now, result.kind === 'sent' || !result.detail ? result : { ...result, reason: `${result.reason}: ${result.detail}` }, label);
    } catch (err) {
      throw new OutcomeNotRecorded(err);
    }
    return result;
  }

  private async destination(n: NotificationTable): Promise<{ destination: Destination; label: string } | null> {
    // A status page subscriber, read again now: one who unsubscribed meanwhile gets nothing.
    if (n.event_type.startsWith('status_page.')) return statusSubscriberDestination(this.db, n);
    if (n.subscription_id) {
      const s = await getSubscription(this.db, n.org_id, n.subscription_id);
      if (!s || !s.active) return null;
      return { destination: { address: s.url, secrets: [s.secret], headers: JSON.parse(s.custom_headers) as { name: string; value: string }[], subscriptionId: s.id }, label: `webhook subscription ${s.description ?? s.id}` };
    }
    if (!n.contact_method_id) {
      // An account notice (notify.service queueAccountNotice) names its address itself, and only ever goes by email.
      const to = n.channel === 'email' && n.payload ? (JSON.parse(n.payload) as { to?: unknown }).to : undefined;
      return typeof to === 'string' ? { destination: { address: to }, label: 'email (account notice)' } : null;
    }
    const cm = await getContactMethod(this.db, n.org_id, n.contact_method_id);
    if (!cm) return null;
    const label = `${CHANNEL_LABEL[n.channel] ?? n.channel} (${cm.label || cm.address})`;
    if (cm.type === 'push_notification') {
      const push = await pushKeysFor(this.db, cm);
      return { destination: { address: cm.address, ...(push ? { push } : {}) }, label };
    }
    if (cm.type === 'telegram') {
      const telegram = await telegramBotFor(this.db, cm.org_id);
      return { destination: { address: cm.address, ...(telegram ? { telegram } : {}) }, label };
    }
    return { destination: { address: cm.address, ...(cm.secret ? { secrets: [cm.secret] } : {}), ...(cm.type === 'matrix' && cm.matrix_user_id ? { mentions: [cm.matrix_user_id] } : {}) }, label };
  }

  /** Record the outcome of one send for every row of its group. */
  /** A line on the timelines of the incidents a group is about, written at once (an SMS failover: it stays on record if this node dies next). */
  private async note(rows: readonly NotificationTable[], now: number, text: Wording): Promise<void> {
    const first = rows[0]!;
    const changes: IncidentChange[] = [];
    await this.db.transaction().execute(async (trx) => {
      const incidents = await getIncidentsByIds(trx, first.org_id, [...new Set(rows.map((r) => r.incident_id).filter((x): x is string => !!x))]);
      for (const inc of incidents) await appendLog({ trx, now, changes }, first.org_id, inc.service_id, inc.id, 'notify_log_entry', text, null, { type: 'auto', channel: first.channel }, { notification_id: first.id });
    });
    this.publish(changes);
  }

  private async finish(rows: (NotificationTable & { was_sending: boolean })[], now: number, result: DeliveryResult, label: string | null): Promise<void> {
    const first = rows[0]!;
    const orgId = first.org_id;
    const ids = rows.map((r) => r.id);
    const changes: IncidentChange[] = [];
    await this.db.transaction().execute(async (trx) => {
      const incidents = await getIncidentsByIds(trx, orgId, [...new Set(rows.map((r) => r.incident_id).filter((x): x is string => !!x))]);
      const tx: Tx = { trx, now, changes };
      const [who] = first.user_id ? await getUsers(trx, orgId, [first.user_id]) : [];
      const target = who ? say('timeline.notify.target', { name: who.name, label: label ?? '' }) : (label ?? say('timeline.notify.destination'));
      if (result.kind === 'sent') {
        await outbox.markSent(trx, orgId, ids, now, result.providerId ?? null);
        if (first.subscription_id) await updateSubscription(trx, orgId, first.subscription_id, { consecutive_failures: 0 });
        if (first.kind === 'page') {
          for (const inc of incidents) {
            const dup = rows.some((r) => r.was_sending);
            await appendLog(tx, orgId, inc.service_id, inc.id, 'notify_log_entry', say('timeline.notify.sent', { target, incidents: rows.length, duplicate: dup ? 'yes' : 'no' }), null, { type: 'auto', channel: first.channel }, { notification_id: first.id, idempotency_key: first.idempotency_key, ...(dup ? { possible_duplicate: true } : {}) });
          }
        }
        return;
      }
      const attempts = Math.max(...rows.map((r) => r.attempts));
      if (result.kind === 'retryable' && attempts < this.opts.backoff.maxAttempts) {
        const delay = retryDelay(attempts, this.opts.backoff, this.opts.random, result.retryAfterMs);
        // Keep the interruption on record: the send that finally succeeds is still a possible duplicate.
        await outbox.markRetry(trx, orgId, ids, now + delay, rows.some((r) => r.was_sending) ? outbox.interruptedError(result.reason) : result.reason);
        // Once per row, at its first recorded failure (a lost claim is not one: nobody saw its outcome).
        if (first.kind === 'page' && (first.last_error === null || first.last_error === outbox.INTERRUPTED)) {
          for (const inc of incidents) await appendLog(tx, orgId, inc.service_id, inc.id, 'notify_log_entry', say('timeline.notify.retrying', { target, reason: result.reason }), null, { type: 'auto', channel: first.channel }, { notification_id: first.id, reason: result.reason });
        }
        return;
      }
      const reason = result.kind === 'retryable' ? `gave up after ${attempts} attempts: ${result.reason}` : result.reason;
      const failure = result.kind === 'retryable' ? say('timeline.notify.gaveUp', { attempts, reason: result.reason }) : result.reason;
      await outbox.markFailed(trx, orgId, ids, reason);
      // The destination itself is gone (a push subscription the push service no longer knows): remove the method.
      const removed = result.kind === 'permanent' && result.destinationGone === true && first.contact_method_id !== null;
      if (removed) await softDeleteContactMethod(trx, orgId, first.contact_method_id!, now);
      if (first.subscription_id) {
        await countSubscriptionFailure(trx, orgId, first.subscription_id);
      }
      for (const inc of incidents) {
        await appendLog(tx, orgId, inc.service_id, inc.id, 'notify_log_entry', say('timeline.notify.failed', { target, reason: result.reason === OUTBOUND_BLOCKED ? say('timeline.notify.blocked') : failure, hasDetail: SAYS_WHY.has(result.reason) && result.detail ? 'yes' : 'no', detail: result.detail ?? '', removed: removed ? 'yes' : 'no' }), null, { type: 'auto', channel: first.channel }, { notification_id: first.id, reason, ...(result.detail ? { detail: result.detail.slice(0, 500) } : {}), failed: true, ...(removed ? { contact_method_removed: true } : {}) });
      }
      if (first.kind === 'page' && first.user_id) {
        for (const r of rows) await fallBack(tx, r, incidents.find((i) => i.id === r.incident_id));
      }
    });
    this.publish(changes);
  }
}

/** A group failed on our own bug after its claims were already put back (forwardInOrder): nothing left to release. */
class ClaimsSettled extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** The channel was called (the message may have arrived) but recording the outcome failed. */
class OutcomeNotRecorded extends Error {
  constructor(cause: unknown) {
    super(`the send's outcome could not be recorded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A permanent failure moves on to the person's next verified method not yet tried for this step, while the incident is still triggered. */
async function fallBack(tx: Tx, row: NotificationTable, incident: { id: string; service_id: string; status: string } | undefined): Promise<void> {
  if (!incident || incident.status !== 'triggered' || !row.user_id || !row.step_key) return;
  const { was_sending: _ignored, ...failed } = row as NotificationTable & { was_sending?: boolean };
  const next = await queueFallback(tx.trx, tx.now, failed);
  if (!next) await appendLog(tx, row.org_id, incident.service_id, incident.id, 'notify_log_entry', say('timeline.notify.noOtherMethod'), null, { type: 'auto' }, { user_id: row.user_id });
}
