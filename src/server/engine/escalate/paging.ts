/**
 * Reading the facts a paging decision needs, and applying what was decided: shared by the
 * escalate module (a level fires) and the round-robin module (a hand-over within a level).
 * The decisions themselves are pure (escalation/step.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { Tx } from '../../incident/timeline.js';
import { appendLog } from '../../incident/timeline.js';
import { getUsers, listAdmins } from '../../org/org.store.js';
import { contactPlans, lastResortMethods, queuePages, type PageOrder } from '../../notify/notify.service.js';
import { planLastResort, type Person, type TimelineEntry } from '../../escalation/step.js';
import { CHANNEL_OF, preferWorkingMethods } from '../../notify/plan.js';
import { openAlertsOfIntegration } from '../../incident/alert.store.js';
import { failingChannelOf, SELF_CHECK_INTEGRATION } from '../self-check/checks.js';
import { say, type Wording } from '../../lib/i18n/translate.js';

export const SYSTEM = { type: 'auto' as const };

/**
 * The live members among `userIds`, with how each would be reached at `urgency` on `inc`. On
 * the built-in "Vigil health" service, channels an open self-check finds failing are left out
 * of each person's plan while another method works (notify/plan.ts planAvoiding), and the
 * timeline entry returned says who was not paged through which channel. The four reads
 * (people, failing channels, methods, rules) go at once: give `db` as incident/timeline.ts
 * `readBeside` gives it, so that on PostgreSQL they do not wait on each
 * other on the transaction's connection.
 */
export async function peopleToPage(db: Kysely<Database>, inc: PagedIncident, userIds: readonly string[], urgency: 'high' | 'low'): Promise<{ people: Map<string, Person>; avoided: TimelineEntry[] }> {
  const failingRead = failingChannels(db, inc);
  // Everyone's plan is read beside the people (a deleted member's is read and left out).
  const [users, plans, failing] = await Promise.all([getUsers(db, inc.org_id, [...userIds]), contactPlans(db, inc.org_id, userIds, urgency, failingRead), failingRead]);
  const live = users.filter((u) => u.deleted_at === null);
  const skipped = live.filter((u) => plans.get(u.id)!.avoided.length).map((u) => say('timeline.failingChannelsPerson', { name: u.name, channels: plans.get(u.id)!.avoided.join(', ') }));
  return {
    people: new Map(live.map((u) => [u.id, { id: u.id, name: u.name, contact: plans.get(u.id)! }])),
    avoided: skipped.length ? [failingChannelsEntry(skipped, failing)] : [],
  };
}

function failingChannelsEntry(skipped: Wording[], failing: ReadonlySet<string>): TimelineEntry {
  return { type: 'notify_log_entry', summary: say('timeline.failingChannels', { people: skipped }), details: { reason: 'channel_failing', failing: [...failing] } };
}

export interface PagedIncident {
  org_id: string;
  id: string;
  service_id: string;
}

/** Write the timeline entries, in order, on the incident. */
export async function writeTimeline(tx: Tx, inc: PagedIncident, entries: readonly TimelineEntry[]): Promise<void> {
  for (const e of entries) await appendLog(tx, inc.org_id, inc.service_id, inc.id, e.type, e.summary, null, SYSTEM, e.details);
}

export async function sendPages(tx: Tx, inc: PagedIncident, stepKey: string, pages: readonly PageOrder[]): Promise<void> {
  await queuePages(tx.trx, tx.now, inc, stepKey, pages);
}

/**
 * The last resort (never silent): every owner and admin on every verified method, now, or a
 * timeline entry saying nobody can be paged. On the built-in "Vigil health" service, a
 * channel that an open self-check finds failing is left out for whoever has another method
 * (through the channels that still work), and the timeline says so.
 */
export async function pageOwnersAndAdmins(tx: Tx, inc: PagedIncident, stepKey: string): Promise<void> {
  const admins = await listAdmins(tx.trx, inc.org_id);
  const methods = await lastResortMethods(tx.trx, inc.org_id, admins.map((a) => a.id));
  const failing = await failingChannels(tx.trx, inc);
  const skipped: Wording[] = [];
  const plan = planLastResort(
    admins.map((a) => {
      const all = methods.get(a.id) ?? [];
      const kept = preferWorkingMethods(all, failing, (t) => CHANNEL_OF[t]);
      if (kept.length < all.length) skipped.push(say('timeline.failingChannelsPerson', { name: a.name, channels: [...new Set(all.filter((m) => !kept.includes(m)).map((m) => CHANNEL_OF[m.type]))].join(', ') }));
      return { id: a.id, methods: kept };
    }),
  );
  await sendPages(tx, inc, stepKey, plan.pages);
  if (skipped.length) await writeTimeline(tx, inc, [failingChannelsEntry(skipped, failing)]);
  await writeTimeline(tx, inc, plan.timeline);
}

/**
 * The channels open self-checks find failing, when `inc` is on the organization's built-in
 * "Vigil health" service; otherwise none. Only the self-check module opens alerts of its
 * integration, and only on that service, so on any other service the read finds nothing
 * (through the alerts' dedup index: no service read first).
 */
async function failingChannels(db: Kysely<Database>, inc: PagedIncident): Promise<Set<string>> {
  const open = await openAlertsOfIntegration(db, inc.org_id, inc.service_id, SELF_CHECK_INTEGRATION);
  return new Set(open.map((a) => failingChannelOf(a.dedup_key)).filter((c): c is NonNullable<typeof c> => c !== null));
}
