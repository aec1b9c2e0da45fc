/**
 * Notify owns the outbox: every notification row is queued here, in the caller's
 * transaction, so a committed change is never missing its message and a rolled-back
 * one never sends. Each function says which messages it queues and under which
 * idempotency key (outbox.ts): replaying the same step or event queues nothing twice.
 *
 * It also answers the one question the rest of the pipeline asks of it before paging:
 * how would these people be reached (`contactPlans`, `lastResortMethods`).
 */
import type { Kysely } from 'kysely';
import type { ChannelName, ContactMethodTable, Database, NotificationTable } from '../storage/schema.js';
import { outboxRow, type OutboxMessage } from './outbox.js';
import * as outbox from './outbox.store.js';
import { listContactMethods, listNotificationRules, listVerifiedEmailMethods } from './contact.store.js';
import { activeSubscriptions } from './subscription.store.js';
import { CHANNEL_OF, planAvoiding, planUserNotifications, verifiedMethods, type ContactPlan } from './plan.js';
import type { IncidentEventType } from './channel.js';
import { wakeClass, wakeVerdict, type Verdict, type WakeClass } from './channels/loudness.js';
import { listStatusRules } from './status-rule.store.js';

type Db = Kysely<Database>;

export { cancelPendingPages, cancelStepPages } from './outbox.store.js';

async function queue(db: Db, now: number, m: OutboxMessage): Promise<boolean> {
  return outbox.insertNotification(db, outboxRow(m, now));
}

/**
 * How each person would be paged at `urgency` (their rules over their verified methods), or
 * why they cannot be; `failing` (channels to leave out while another method works) may still
 * be being read: it is awaited beside the reads here.
 */
export async function contactPlans(db: Db, orgId: string, userIds: readonly string[], urgency: 'high' | 'low', failing: ReadonlySet<string> | Promise<ReadonlySet<string>> = NO_CHANNELS): Promise<Map<string, ContactPlan & { avoided: ChannelName[] }>> {
  const ids = [...userIds];
  const [methods, rules, avoid] = await Promise.all([listContactMethods(db, orgId, ids), listNotificationRules(db, orgId, ids), failing]);
  return new Map(
    ids.map((u) => [
      u,
      planAvoiding(
        methods.filter((m) => m.user_id === u),
        rules.filter((r) => r.user_id === u),
        urgency,
        avoid,
      ),
    ]),
  );
}

const NO_CHANNELS: ReadonlySet<string> = new Set();

/** One contact method in a wake check: when it would be used and how loud it is (or that it is skipped). */
export interface WakeEntry {
  contactMethod: ContactMethodTable;
  delayMinutes: number;
  class: WakeClass;
  why: string;
  whyCode: string;
}

/**
 * "Would this wake me at 3 a.m.?" for one person and urgency: the methods their rules (or,
 * without rules, the safe default of every verified method) would use, in order of delay and
 * classed loud or quiet; methods a rule names that are not verified are listed as skipped.
 * Rules do not depend on the time of day, so 3 a.m. is every hour: the answer is the plan.
 */
export async function wakePlan(db: Db, orgId: string, userId: string, urgency: 'high' | 'low'): Promise<{ entries: WakeEntry[]; would_wake: boolean; reason: string; verdict: Verdict }> {
  const [methods, rules] = await Promise.all([listContactMethods(db, orgId, [userId]), listNotificationRules(db, orgId, [userId])]);
  const { plan, reason } = planUserNotifications(methods, rules, urgency);
  const entries: WakeEntry[] = plan.map((p) => ({ contactMethod: p.contactMethod, delayMinutes: Number(p.delayMinutes), ...wakeClass(CHANNEL_OF[p.contactMethod.type], urgency, true) }));
  const byId = new Map(methods.map((m) => [m.id, m]));
  const unverified = rules.length
    ? rules.filter((r) => r.urgency === urgency && byId.get(r.contact_method_id)?.verified_at === null).map((r) => ({ m: byId.get(r.contact_method_id)!, delay: r.start_delay_in_minutes }))
    : methods.filter((m) => m.verified_at === null).map((m) => ({ m, delay: 0 }));
  for (const { m, delay } of unverified) entries.push({ contactMethod: m, delayMinutes: Number(delay), ...wakeClass(CHANNEL_OF[m.type], urgency, false) });
  entries.sort((a, b) => a.delayMinutes - b.delayMinutes);
  const verdict = wakeVerdict(
    entries.map((e) => ({ channel: CHANNEL_OF[e.contactMethod.type], label: e.contactMethod.label, delayMinutes: e.delayMinutes, class: e.class })),
    urgency,
    reason,
  );
  return { entries, ...verdict };
}

/** Every verified method of each person: what a last-resort page uses, whatever their rules say. */
export async function lastResortMethods(db: Db, orgId: string, userIds: readonly string[]): Promise<Map<string, ContactMethodTable[]>> {
  const methods = await listContactMethods(db, orgId, [...userIds]);
  return new Map(userIds.map((u) => [u, verifiedMethods(methods.filter((m) => m.user_id === u))]));
}

/** One page of an escalation step: a person's contact method, after a delay. */
export interface PageOrder {
  userId: string;
  contactMethod: Pick<ContactMethodTable, 'id' | 'type'>;
  delayMinutes: number;
  /** A last-resort page of the organization's owners and admins (never silent), not a policy target. */
  lastResort?: boolean;
}

/**
 * The pages of one escalation step (or a round-robin hand-over within it) for one incident.
 * Keyed by step, person and method: a step fired twice (two nodes, a replay) pages once.
 */
export async function queuePages(db: Db, now: number, incident: { org_id: string; id: string }, stepKey: string, pages: readonly PageOrder[]): Promise<void> {
  for (const p of pages) {
    await queue(db, now, {
      orgId: incident.org_id,
      key: `${p.lastResort ? 'admin' : 'page'}:${stepKey}:${p.userId}:${p.contactMethod.id}`,
      kind: 'page',
      channel: CHANNEL_OF[p.contactMethod.type],
      eventType: 'incident.triggered',
      dueAt: now + p.delayMinutes * 60_000,
      incidentId: incident.id,
      userId: p.userId,
      contactMethodId: p.contactMethod.id,
      stepKey,
    });
  }
}

/**
 * After a page failed for good: the person's next verified method not yet tried in the same
 * step, due now, under the failed row's key extended by the method. Returns the method, or
 * null when every method was tried.
 */
export async function queueFallback(db: Db, now: number, failed: NotificationTable): Promise<ContactMethodTable | null> {
  if (!failed.user_id || !failed.step_key) return null;
  const tried = new Set((await outbox.notificationsForStep(db, failed.org_id, failed.step_key, failed.user_id)).map((n) => n.contact_method_id));
  const next = verifiedMethods(await listContactMethods(db, failed.org_id, [failed.user_id])).find((m) => !tried.has(m.id));
  if (!next) return null;
  await queue(db, now, {
    orgId: failed.org_id,
    key: `${failed.idempotency_key}>${next.id}`,
    kind: failed.kind,
    channel: CHANNEL_OF[next.type],
    eventType: failed.event_type,
    incidentId: failed.incident_id,
    userId: failed.user_id,
    contactMethodId: next.id,
    stepKey: failed.step_key,
    ...(failed.payload === null ? {} : { payload: JSON.parse(failed.payload) as unknown }),
  });
  return next;
}

/**
 * A new alert joined an incident: tell its assignees through their low-urgency rules. The
 * first join of a quiet window goes at once; a later one lands in a notice due when the next
 * window starts (one per window: each later alert is told, none is told twice in a storm).
 * Returns whether a row was queued.
 */
export async function queueJoinNotices(
  db: Db,
  now: number,
  incident: { org_id: string; id: string },
  userIds: readonly string[],
  n: { window: number; windowMs: number; alert: { summary: string; severity: string } },
): Promise<boolean> {
  const plans = await contactPlans(db, incident.org_id, userIds, 'low');
  let queued = false;
  for (const [userId, { plan }] of plans) {
    for (const p of plan) {
      const message = (window: number, dueAt: number): OutboxMessage => ({
        orgId: incident.org_id,
        key: `joined:${incident.id}:${window}:${userId}:${p.contactMethod.id}`,
        kind: 'page',
        channel: CHANNEL_OF[p.contactMethod.type],
        eventType: 'incident.triggered',
        dueAt: dueAt + p.delayMinutes * 60_000,
        incidentId: incident.id,
        userId,
        contactMethodId: p.contactMethod.id,
        payload: { joined: n.alert },
      });
      if (await queue(db, now, message(n.window, now))) queued = true;
      else if (await queue(db, now, message(n.window + 1, (n.window + 1) * n.windowMs))) queued = true;
    }
  }
  return queued;
}

/**
 * A webhook event for each active subscription that listens to `eventType` on this service:
 * one row per subscription and timeline entry.
 */
export async function queueSubscriptionEvents(db: Db, now: number, e: { orgId: string; serviceId: string; incidentId: string; logEntryId: string; eventType: IncidentEventType }, read: Db = db): Promise<void> {
  for (const s of await activeSubscriptions(read, e.orgId)) {
    if (s.filter_type === 'service_reference' && s.filter_id !== e.serviceId) continue;
    if (!(JSON.parse(s.events) as string[]).includes(e.eventType)) continue;
    await queue(db, now, {
      orgId: e.orgId,
      key: `sub:${s.id}:${e.logEntryId}`,
      kind: 'status',
      channel: 'webhook',
      eventType: e.eventType,
      incidentId: e.incidentId,
      subscriptionId: s.id,
      payload: { log_entry_id: e.logEntryId },
    });
  }
}

/** A `pagey.ping` test event to one webhook subscription. */
export async function queuePing(db: Db, now: number, orgId: string, subscriptionId: string, nonce: string): Promise<void> {
  await queue(db, now, { orgId, key: `ping:${subscriptionId}:${nonce}`, kind: 'test', channel: 'webhook', eventType: 'pagey.ping', subscriptionId });
}

/** A test page to each of these methods of one person. */
export async function queueTestPages(db: Db, now: number, orgId: string, userId: string, methods: readonly Pick<ContactMethodTable, 'id' | 'type'>[], nonce: () => string): Promise<void> {
  for (const m of methods) {
    await queue(db, now, { orgId, key: `test:${nonce()}`, kind: 'test', channel: CHANNEL_OF[m.type], eventType: 'pagey.ping', userId, contactMethodId: m.id });
  }
}

/** A test to one method of its owner; answers the outbox row's id, to read the result back. */
export async function queueMethodTest(db: Db, now: number, method: Pick<ContactMethodTable, 'org_id' | 'id' | 'user_id' | 'type'>, nonce: string): Promise<string> {
  const row = outboxRow({ orgId: method.org_id, key: `test:${nonce}`, kind: 'test', channel: CHANNEL_OF[method.type], eventType: 'pagey.ping', userId: method.user_id, contactMethodId: method.id }, now);
  await outbox.insertNotification(db, row);
  return row.id;
}

/** A test send read back: undefined unless it is a test to this contact method. */
export async function methodTestResult(db: Db, orgId: string, contactMethodId: string, id: string): Promise<NotificationTable | undefined> {
  const n = await outbox.getNotification(db, orgId, id);
  return n && n.kind === 'test' && n.contact_method_id === contactMethodId ? n : undefined;
}

/** A contact method's verification code, on the method's own channel; the deliver module reads the code from the payload. */
export async function queueVerification(db: Db, now: number, method: Pick<ContactMethodTable, 'org_id' | 'id' | 'user_id' | 'type'>, code: string, nonce: string): Promise<void> {
  await queue(db, now, {
    orgId: method.org_id,
    key: `verification:${nonce}`,
    kind: 'verification',
    channel: CHANNEL_OF[method.type],
    eventType: 'pagey.ping',
    userId: method.user_id,
    contactMethodId: method.id,
    payload: { code },
  });
}

/**
 * A notice that is not about an incident (the weekly coverage digest, a shift offered or
 * swapped) to each verified email method of these people: text, so email only; SMS and
 * chat stay for pages. Returns how many rows were queued.
 */
export async function queueNotice(db: Db, orgId: string, userIds: readonly string[], n: { key: string; eventType: string; subject: string; text: string; now: number }): Promise<number> {
  if (!userIds.length) return 0;
  const methods = await listVerifiedEmailMethods(db, orgId, userIds);
  for (const m of methods) {
    await queue(db, n.now, {
      orgId,
      key: `${n.key}:${m.id}`,
      kind: 'status',
      channel: 'email',
      eventType: n.eventType,
      userId: m.user_id,
      contactMethodId: m.id,
      payload: { notice: { subject: n.subject, text: n.text } },
    });
  }
  return methods.length;
}

/**
 * A notice about a member's own account to one email address that need not be a
 * contact method (the address an email change replaced). The address rides in the
 * payload; the deliver module sends such a row on the email channel and nowhere else.
 * Idempotent on `key`.
 */
export async function queueAccountNotice(db: Db, now: number, orgId: string, n: { key: string; userId: string; address: string; subject: string; text: string }): Promise<void> {
  await queue(db, now, {
    orgId,
    key: n.key,
    kind: 'status',
    channel: 'email',
    eventType: 'account.notice',
    userId: n.userId,
    payload: { to: n.address, notice: { subject: n.subject, text: n.text } },
  });
}

/**
 * A status page message to one of its subscribers (status-page/subscription.service.ts): by
 * email to the address it names, or to its webhook. The deliver module reads the subscriber
 * again when it sends, so a message to someone who unsubscribed meanwhile is never sent.
 */
export async function queueStatusPageMessage(db: Db, now: number, orgId: string, m: { key: string; channel: 'email' | 'webhook'; eventType: string; subscriberId: string; payload: Record<string, unknown> }): Promise<boolean> {
  return queue(db, now, { orgId, key: m.key, kind: 'status', channel: m.channel, eventType: m.eventType, payload: { ...m.payload, status_subscriber_id: m.subscriberId } });
}

/**
 * An incident's status update to its subscribers, by email: each member's status update
 * notification rules name the methods (verified, not removed); a member with no rule hears it
 * on every verified email method. Keyed by the update and the method. Returns how many rows
 * were queued.
 */
export async function queueStatusUpdate(db: Db, now: number, orgId: string, userIds: readonly string[], u: { id: string; subject: string; text: string; html: string | null }): Promise<number> {
  if (!userIds.length) return 0;
  const [rules, emails] = await Promise.all([listStatusRules(db, orgId, userIds), listVerifiedEmailMethods(db, orgId, userIds)]);
  const verified = new Set(emails.map((m) => m.id));
  const ruled = new Set(rules.map((r) => r.user_id));
  const methods = [...rules.filter((r) => verified.has(r.contact_method_id)).map((r) => ({ id: r.contact_method_id, user_id: r.user_id })), ...emails.filter((m) => !ruled.has(m.user_id))];
  for (const m of methods) {
    await queue(db, now, {
      orgId,
      key: `status_update:${u.id}:${m.id}`,
      kind: 'status',
      channel: 'email',
      eventType: 'incident.status_update_published',
      userId: m.user_id,
      contactMethodId: m.id,
      payload: { notice: { subject: u.subject, text: u.text, ...(u.html ? { html: u.html } : {}) } },
    });
  }
  return methods.length;
}

/**
 * An on-call handoff notice (engine/handoff-notices) to the one contact method a member's
 * handoff rule names, on that method's channel. Nothing when the method is gone or not
 * verified. Idempotent on `key`. Returns how many rows were queued.
 */
export async function queueHandoffNotice(db: Db, orgId: string, method: ContactMethodTable | undefined, n: { key: string; subject: string; text: string; now: number }): Promise<number> {
  if (!method || method.deleted_at !== null || method.verified_at === null) return 0;
  const queued = await queue(db, n.now, {
    orgId,
    key: `${n.key}:${method.id}`,
    kind: 'status',
    channel: CHANNEL_OF[method.type],
    eventType: 'oncall.handoff',
    userId: method.user_id,
    contactMethodId: method.id,
    payload: { notice: { subject: n.subject, text: n.text } },
  });
  return queued ? 1 : 0;
}
