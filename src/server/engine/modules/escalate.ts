/**
 * Escalate: fire the due level of each triggered incident's frozen policy, then
 * schedule the next level (or the next loop). Theory: an incident row carries
 * (epoch, loop, level, next_step_at). A step is claimed with its incident row
 * (FOR NO KEY UPDATE SKIP LOCKED on PostgreSQL) and recorded in escalation_steps, whose
 * primary key makes a step fire once even if two nodes race. Targets are resolved
 * when the level fires; nobody reachable means a timeline entry and a page to the
 * organization's owners and admins — never silence.
 */
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../../storage/dialect.js';
import type { Database, IncidentTable, NotificationTable } from '../../storage/schema.js';
import { newId } from '../../lib/ids.js';
import type { IncidentChange } from '../../lib/bus.js';
import { nextStep, type PolicySnapshot } from '../../escalation/policy.js';
import { CHANNEL_OF, contactsOf, planUserNotifications, resolveTargets } from '../../escalation/targets.js';
import { appendLog, type Tx } from '../../incident/incident.service.js';
import { getUsers } from '../../org/org.store.js';
import { setAssignments } from '../../incident/incident.store.js';
import { insertNotification } from '../../notify/outbox.store.js';
import type { EngineModule } from '../engine.js';
import { handOver, recordPoolPages } from '../../volunteer/pool.service.js';
import { claimDueFollowUps } from '../../volunteer/volunteer.store.js';

const BATCH = 50;

export class EscalateModule implements EngineModule {
  readonly name = 'escalate';
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly publish: (c: IncidentChange[]) => void,
  ) {}

  async tick(now: number): Promise<number> {
    const changes: IncidentChange[] = [];
    const fired = await this.db.transaction().execute(async (trx) => {
      // NO KEY: not blocked by ingest batches holding the incident FOR KEY SHARE (alert storms).
      const lock = this.dialect === 'postgres' ? sql`FOR NO KEY UPDATE SKIP LOCKED` : sql``;
      const due = await sql<IncidentTable>`
        SELECT * FROM incidents WHERE next_step_at <= ${now} AND status = 'triggered'
        ORDER BY next_step_at LIMIT ${BATCH} ${lock}`.execute(trx);
      let n = 0;
      for (const raw of due.rows) {
        const inc = normalize(raw);
        const tx: Tx = { trx, dialect: this.dialect, now, changes };
        if (await fireStep(tx, inc)) n++;
      }
      // Volunteer pools with strategy round_robin (issue 8): whoever did not acknowledge within the pool's short timeout hands over to the next member.
      for (const page of await claimDueFollowUps(trx, this.dialect, now, BATCH)) {
        if (await handOver({ trx, dialect: this.dialect, now, changes }, page, pagePeople)) n++;
      }
      return n;
    });
    this.publish(changes);
    return fired;
  }
}

function normalize(r: IncidentTable): IncidentTable {
  return {
    ...r,
    number: Number(r.number),
    escalation_level: Number(r.escalation_level),
    escalation_loop: Number(r.escalation_loop),
    escalation_epoch: Number(r.escalation_epoch),
    next_step_at: r.next_step_at === null ? null : Number(r.next_step_at),
    created_at: Number(r.created_at),
  };
}

const SYSTEM = { type: 'auto' as const };

async function fireStep(tx: Tx, inc: IncidentTable): Promise<boolean> {
  const { trx, now } = tx;
  const pos = { level: inc.escalation_level, loop: inc.escalation_loop };
  const claimed = await trx
    .insertInto('escalation_steps')
    .values({ org_id: inc.org_id, incident_id: inc.id, epoch: inc.escalation_epoch, loop: pos.loop, level: pos.level, fired_at: now, due_at: inc.next_step_at ?? now })
    .onConflict((oc) => oc.columns(['org_id', 'incident_id', 'epoch', 'loop', 'level']).doNothing())
    .executeTakeFirst();
  const snapshot = inc.escalation_snapshot ? (JSON.parse(inc.escalation_snapshot) as PolicySnapshot) : null;
  const next = snapshot ? nextStep(snapshot, pos, now) : null;
  const advance = () =>
    trx
      .updateTable('incidents')
      .set(next ? { escalation_level: next.level, escalation_loop: next.loop, next_step_at: next.at } : { next_step_at: null })
      .where('org_id', '=', inc.org_id)
      .where('id', '=', inc.id)
      .execute();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) {
    // Another node fired this step; only make sure the incident moves on.
    await advance();
    return false;
  }
  const stepKey = `${inc.id}:${inc.escalation_epoch}:${pos.loop}:${pos.level}`;
  if (!snapshot) {
    await appendLog(tx, inc.org_id, inc.service_id, inc.id, 'notify_log_entry', 'The service has no escalation policy: paging the organization’s owners and admins', null, SYSTEM, { reason: 'no_policy' });
    await pageAdmins(tx, inc, stepKey);
    await advance();
    return true;
  }
  const rule = snapshot.rules[pos.level];
  if (!rule) {
    await advance();
    return true;
  }
  const { users, problems } = await resolveTargets(trx, inc.org_id, rule.targets, now, inc.id);
  const paged = await pagePeople(tx, inc, users.map((u) => u.userId), stepKey);
  const { reached, names: nameOf } = paged;
  const reasons: string[] = [...problems.map((p) => p.reason), ...paged.reasons];
  // Volunteer pools (issue 8): remember whom a pool paged, for pages per shift, fairness and round-robin hand-over.
  await recordPoolPages(trx, inc, rule.targets, reached, stepKey, now, next ?? pos);
  const levelName = `level ${pos.level + 1}${pos.loop > 0 ? ` (repeat ${pos.loop})` : ''}`;
  if (reached.length) {
    await setAssignments(trx, inc.org_id, inc.id, reached, now);
    const names = reached.map((id) => nameOf.get(id)!).join(', ');
    if (pos.level > 0 || pos.loop > 0) {
      await appendLog(tx, inc.org_id, inc.service_id, inc.id, 'escalate_log_entry', `Escalated to ${levelName}: ${names}`, null, SYSTEM, { level: pos.level + 1, loop: pos.loop, user_ids: reached });
      tx.changes.push({ orgId: inc.org_id, incidentId: inc.id, serviceId: inc.service_id, kind: 'updated' });
    } else {
      await appendLog(tx, inc.org_id, inc.service_id, inc.id, 'assign_log_entry', `Assigned to ${names} by ${snapshot.name} (${levelName})`, null, SYSTEM, { level: 1, user_ids: reached });
    }
  } else if (next && rule.targets.length > 0 && rule.targets.every((t) => t.type === 'volunteer_pool_reference' || problems.some((p) => p.target === t && p.handedBack))) {
    // A volunteer pool level with nobody qualifying, or a schedule whose volunteer on call is
    // past their care limits, is skipped, and the next level fires at once: never silent, never
    // waiting out the delay.
    await appendLog(tx, inc.org_id, inc.service_id, inc.id, 'notify_log_entry', `Skipped ${levelName} (${reasons.join('; ') || 'nobody qualifies'}): the next level fires now`, null, SYSTEM, { reason: 'volunteer_pool_skipped', level: pos.level + 1 });
    next.at = now;
  } else {
    const why = reasons.length ? reasons.join('; ') : 'the level has no targets';
    await appendLog(tx, inc.org_id, inc.service_id, inc.id, 'notify_log_entry', `Nobody reachable at ${levelName} (${why}): paging the organization’s owners and admins`, null, SYSTEM, { reason: 'nobody_reachable', level: pos.level + 1 });
    await pageAdmins(tx, inc, stepKey);
  }
  await advance();
  return true;
}

/**
 * Page each person on the methods their notification rules ask for (the outbox rows
 * of this step); a person who cannot be paged gets a timeline entry. Returns who was
 * reached, why the others were not, and everyone's name.
 */
async function pagePeople(tx: Tx, inc: IncidentTable, userIds: string[], stepKey: string): Promise<{ reached: string[]; reasons: string[]; names: Map<string, string> }> {
  const { trx, now } = tx;
  const people = await getUsers(trx, inc.org_id, userIds);
  const live = new Map(people.filter((p) => p.deleted_at === null).map((p) => [p.id, p]));
  const contacts = await contactsOf(trx, inc.org_id, [...live.keys()]);
  const reached: string[] = [];
  const reasons: string[] = [];
  for (const userId of userIds) {
    const person = live.get(userId);
    if (!person) {
      reasons.push(`user ${userId} is no longer a member`);
      continue;
    }
    const { plan, reason } = planUserNotifications(contacts.methods(userId), contacts.rules(userId), inc.urgency);
    if (reason) {
      reasons.push(`${person.name} ${reason}`);
      await appendLog(tx, inc.org_id, inc.service_id, inc.id, 'notify_log_entry', `${person.name} ${reason}: skipped`, null, SYSTEM, { user_id: person.id, reason: 'unreachable' });
      continue;
    }
    reached.push(person.id);
    for (const p of plan) {
      await insertNotification(trx, outboxRow(inc, now + p.delayMinutes * 60_000, now, {
        userId: person.id,
        contactMethodId: p.contactMethod.id,
        channel: CHANNEL_OF[p.contactMethod.type],
        key: `page:${stepKey}:${person.id}:${p.contactMethod.id}`,
        stepKey,
      }));
    }
  }
  return { reached, reasons, names: new Map([...live.values()].map((p) => [p.id, p.name])) };
}

function outboxRow(
  inc: IncidentTable,
  dueAt: number,
  now: number,
  o: { userId: string; contactMethodId: string; channel: NotificationTable['channel']; key: string; stepKey: string },
): NotificationTable {
  return {
    org_id: inc.org_id,
    id: newId(now),
    incident_id: inc.id,
    user_id: o.userId,
    contact_method_id: o.contactMethodId,
    subscription_id: null,
    channel: o.channel,
    kind: 'page',
    event_type: 'incident.triggered',
    status: 'pending',
    attempts: 0,
    next_attempt_at: dueAt,
    claimed_until: null,
    idempotency_key: o.key,
    step_key: o.stepKey,
    payload: null,
    last_error: null,
    provider_id: null,
    created_at: now,
    sent_at: null,
  };
}

/** The last resort: every owner and admin, on every verified method, now. */
async function pageAdmins(tx: Tx, inc: IncidentTable, stepKey: string): Promise<void> {
  const admins = await tx.trx
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', inc.org_id)
    .where('role', 'in', ['owner', 'admin'])
    .where('deleted_at', 'is', null)
    .execute();
  const contacts = await contactsOf(tx.trx, inc.org_id, admins.map((a) => a.id));
  let paged = 0;
  for (const a of admins) {
    for (const m of contacts.methods(a.id).filter((m) => m.verified_at !== null)) {
      await insertNotification(tx.trx, outboxRow(inc, tx.now, tx.now, { userId: a.id, contactMethodId: m.id, channel: CHANNEL_OF[m.type], key: `admin:${stepKey}:${a.id}:${m.id}`, stepKey }));
      paged++;
    }
  }
  if (paged === 0) {
    await appendLog(tx, inc.org_id, inc.service_id, inc.id, 'notify_log_entry', 'No owner or admin has a verified contact method either: nobody can be paged. Add and verify contact methods now.', null, SYSTEM, { reason: 'admins_unreachable' });
  }
}
