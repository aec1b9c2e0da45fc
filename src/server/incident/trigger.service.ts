/**
 * Alerts into incidents. A trigger counts on the open alert for its key, or stores a new
 * alert: suppressed (no incident, nobody paged), joining the open incident its service's
 * grouping puts it with, or opening an incident of its own.
 *
 * Never silent: a new alert that joins an incident is told to its assignees. One of high
 * urgency joining an acknowledged or low-urgency incident re-triggers it (the
 * acknowledgement withdrawn, the level now responsible paged again at high urgency);
 * any other joins tells the assignees through their low-urgency rules, at most once per
 * incident every JOIN_NOTICE_MS (later joins are told in the next notice).
 *
 * Every function runs inside the caller's transaction (`Tx`). Concurrent triggers with one
 * key end as one alert on both dialects (the alert's unique index decides between
 * inserters), and incidents are opened under the organization's row lock, so one group
 * never gets two accepting incidents.
 */
import type { Kysely } from 'kysely';
import { newId } from '../lib/ids.js';
import { lockOrganization } from '../storage/dialect.js';
import type { AlertTable, Database, IncidentTable, LogEntryTable, ServiceTable } from '../storage/schema.js';
import { nextIncidentNumber } from '../org/org.store.js';
import { getPolicy } from '../escalation/policy.store.js';
import { levelName } from '../escalation/step.js';
import { lastFiredStep } from '../escalation/step.store.js';
import { snapshotOf, type PolicySnapshot } from '../escalation/policy.js';
import { queueJoinNotices } from '../notify/notify.service.js';
import type { AgentRef, Channel } from './incident.js';
import { joinEffect } from './incident.js';
import { chooseIncident, groupingReason, groupTarget, groupUntil, openGroupOf, type AlertGrouping, type GroupTarget } from '../service/alert-grouping.js';
import type { AlertPlan, RuleMatch } from './alert-plan.js';
import * as store from './incident.store.js';
import * as alertStore from './alert.store.js';
import * as logStore from './log-entry.store.js';
import { appendLog, channelName, readBeside, type Tx } from './timeline.js';
import { say, word, type Wording } from '../lib/i18n/translate.js';

/** A joined alert is told to the assignees at most once per incident in this long; later ones in the next notice. */
export const JOIN_NOTICE_MS = 5 * 60_000;

/**
 * What the events of one ingest transaction share. Every event of an alert storm on one
 * service would otherwise look up the same accepting incident, upsert its alert and write
 * its timeline row, each a statement (and a round trip on PostgreSQL). Inside the
 * transaction, the accepting incident of a (service, group) stays what this batch saw or
 * made until a non-trigger event runs (the caller clears `openIncidents`); triggers for a
 * known incident are queued and written by `flushTriggers` as multi-row upserts; "alert
 * added/triggered again" entries, which nothing reads inside the batch and which notify no
 * one, are written together by `flushBatch` at the end.
 */
export interface IngestBatch {
  /** By groupSlot(service, group key). */
  openIncidents: Map<string, IncidentTable>;
  queued: QueuedTrigger[];
  pendingLogs: LogEntryTable[];
  /**
   * PostgreSQL: the batch holds its organizations FOR SHARE, not FOR UPDATE, so batches that
   * only add alerts to open incidents run side by side (their alert keys are locked in one
   * sorted order, so they cannot deadlock). Anything more (opening an incident, changing
   * one) throws NeedsExclusiveLock, and the batch is run again holding FOR UPDATE.
   */
  shared: boolean;
  /**
   * Groups this (exclusive) batch found without an accepting incident, each with the group's
   * incident whose window has closed (none when the group had no incident): the trigger that
   * opens one need not look again, and closes that one's group. The batch holds its
   * organization FOR UPDATE and the incident FOR KEY SHARE from the look on, so neither can
   * change before.
   */
  noOpenIncident: Map<string, readonly IncidentTable[]>;
  /** Join notices this batch already queued (incident and notice window). */
  noticed: Set<string>;
  /**
   * Join notices that could queue nothing more, as earlier committed batches on this node
   * found (`JoinNoticeMemo`): read-only here. A storm of alerts joining one incident would
   * otherwise read its assignees' contact plans and try two notice rows in every batch.
   */
  quietJoins: ReadonlySet<string>;
  /** Join notices this batch found quiet: the ingest service adds them to its memo once the batch commits. */
  newlyQuiet: string[];
  /**
   * The assignees of the incidents in `openIncidents`, read with them (one statement for
   * both); cleared with `openIncidents`. Nothing a trigger does changes assignments.
   */
  assignees: Map<string, string[]>;
}

/** Thrown inside a shared batch that needs the organization's exclusive lock: roll back, run again exclusively. */
export class NeedsExclusiveLock extends Error {
  constructor(why: string) {
    super(`ingest batch needs the organization lock: ${why}`);
  }
}

interface QueuedTrigger {
  tx: Tx;
  a: AlertInput;
  incident: IncidentTable;
  target: GroupTarget;
  row: AlertTable;
}

export function newBatch(shared = false, quietJoins: ReadonlySet<string> = new Set()): IngestBatch {
  return { openIncidents: new Map(), queued: [], pendingLogs: [], shared, noOpenIncident: new Map(), noticed: new Set(), quietJoins, newlyQuiet: [], assignees: new Map() };
}

/**
 * Join notices known to be quiet on this node: for this incident, notice window and set of
 * assignees, the notice now and the one for the next window are both queued already, so a
 * further join in this window queues nothing (it is told in the next window's notice). Only
 * committed batches add to it; a new window, or a change of assignees, is a new key.
 */
export class JoinNoticeMemo {
  private window = -1;
  readonly quiet = new Set<string>();
  /** After a batch committed: what it found quiet. */
  add(keys: readonly string[], now: number): void {
    const window = Math.floor(now / JOIN_NOTICE_MS);
    if (window !== this.window || this.quiet.size > 10_000) {
      this.quiet.clear();
      this.window = window;
    }
    for (const k of keys) this.quiet.add(k);
  }
}

const groupSlot = (serviceId: string, key: string) => `${serviceId}\u0000${key}`;
const accepting = (i: Pick<IncidentTable, 'group_until'>, now: number) => i.group_until === null || Number(i.group_until) > now;

export interface AlertInput {
  orgId: string;
  service: Pick<ServiceTable, 'id' | 'name' | 'status' | 'escalation_policy_id'>;
  integrationId: string;
  agent: AgentRef;
  channel: Channel;
  dedupKey: string;
  summary: string;
  severity: string;
  source: string | null;
  details: unknown;
  plan: AlertPlan;
  /** A note the sender attached to this event (Opsgenie's `note`): added to the incident's timeline. */
  note?: string | null;
}

export interface TriggerOutcome {
  alertId: string;
  incidentId: string | null;
  created: 'incident' | 'alert' | 'suppressed' | 'none';
  count: number;
}

/**
 * Queue a trigger (in a batch) when the incident it would join is known: it will join that
 * incident, or count as a repeat of its key's open alert. False when the trigger must run
 * alone through `triggerAlert` (suppressed, no grouping, grouping on any field, or no
 * accepting incident: one may have to be opened).
 */
export async function queueTrigger(tx: Tx, a: AlertInput): Promise<boolean> {
  const b = tx.batch!;
  if (a.plan.suppressed) return false;
  const target = groupTarget(a.plan.grouping, a);
  if (!target || target.prefix) return false;
  const slot = groupSlot(a.service.id, target.key);
  let incident = b.openIncidents.get(slot);
  if (!incident) {
    const found = await store.findAcceptingIncidentAssigned(tx.trx, a.orgId, a.service.id, target.key);
    if (found) b.assignees.set(found.incident.id, found.assignees);
    incident = found?.incident;
  }
  if (incident && !accepting(incident, tx.now)) {
    if (b.shared) throw new NeedsExclusiveLock('an incident must be opened');
    b.noOpenIncident.set(slot, [incident]);
    return false;
  }
  if (!incident && b.shared) throw new NeedsExclusiveLock('an incident must be opened');
  if (!incident) {
    b.noOpenIncident.set(slot, []);
    return false;
  }
  b.openIncidents.set(slot, incident);
  b.queued.push({ tx, a, incident, target, row: alertRow(tx, a, incident.id) });
  return true;
}

/**
 * Write the queued triggers as multi-row upserts of up to 200 rows. Statements run in key
 * order (stable, so one key's triggers keep their order, and a chunk ends where a key
 * repeats, so each row sees the one before): concurrent batches then take alert-key locks in
 * one global order and cannot deadlock. The timeline and change notices follow the events'
 * own order.
 */
export async function flushTriggers(trx: Kysely<Database>, b: IngestBatch): Promise<void> {
  const queued = b.queued;
  b.queued = [];
  if (queued.length === 0) return;
  const keys = queued.map((q) => alertKey(q.row));
  const order = queued.map((_, i) => i).sort((x, y) => (keys[x]! < keys[y]! ? -1 : keys[x]! > keys[y]! ? 1 : x - y));
  const results: (alertStore.UpsertedAlert | undefined)[] = new Array(queued.length);
  let chunk: number[] = [];
  const write = async () => {
    if (chunk.length === 0) return;
    const rows = await alertStore.upsertOpenAlerts(trx, chunk.map((i) => queued[i]!.row));
    const byKey = new Map(rows.map((r) => [alertKey(r), r]));
    for (const i of chunk) results[i] = byKey.get(keys[i]!);
    chunk = [];
  };
  for (const i of order) {
    if (chunk.length >= 200 || (chunk.length > 0 && keys[chunk[chunk.length - 1]!] === keys[i])) await write();
    chunk.push(i);
  }
  await write();
  for (let i = 0; i < queued.length; i++) {
    const q = queued[i]!;
    const up = results[i];
    if (!up) throw new Error(`alert upsert returned no row for ${q.row.dedup_key}`);
    await afterUpsert(q.tx, q.a, q.incident, q.target, up, false);
  }
}

const alertKey = (r: Pick<AlertTable, 'integration_id' | 'dedup_key'>) => `${r.integration_id}\u0000${r.dedup_key}`;

/** The end of a batch, before its commit: the queued triggers, then the deferred timeline rows. */
export async function flushBatch(trx: Kysely<Database>, b: IngestBatch): Promise<void> {
  await flushTriggers(trx, b);
  const rows = b.pendingLogs;
  b.pendingLogs = [];
  if (rows.length) await logStore.insertLogEntries(trx, rows);
}

/**
 * A trigger: count it on the open alert for its key, or store a new alert, suppressed or in
 * the incident its grouping chooses (opening one when none accepts it).
 */
export async function triggerAlert(tx: Tx, a: AlertInput): Promise<TriggerOutcome> {
  const existing = await alertStore.findOpenAlert(tx.trx, a.orgId, a.integrationId, a.dedupKey);
  if (existing) {
    const count = await alertStore.bumpAlert(tx.trx, a.orgId, existing.id, { last_seen_at: tx.now, summary: a.summary, severity: a.severity, source: a.source, details: JSON.stringify(a.details ?? {}) });
    if (existing.incident_id) {
      await appendLog(tx, a.orgId, a.service.id, existing.incident_id, 'alert_log_entry', say('timeline.alert.retriggered', { count, alert: a.summary }), a.agent, a.channel, { action: 'retrigger', alert_id: existing.id, dedup_key: a.dedupKey, count });
      if (a.note) await appendLog(tx, a.orgId, a.service.id, existing.incident_id, 'annotate_log_entry', a.note, a.agent, a.channel, { from_event: true, alert_id: existing.id });
      tx.changes.push({ orgId: a.orgId, incidentId: existing.incident_id, serviceId: a.service.id, kind: 'alert' });
    }
    return { alertId: existing.id, incidentId: existing.incident_id, created: 'none', count };
  }
  if (a.plan.suppressed) {
    // Stored and shown, counted, in no incident: nobody is paged.
    const [up] = await alertStore.upsertOpenAlerts(tx.trx, [{ ...alertRow(tx, a, null), status: 'suppressed', suppressed_by: a.plan.suppressed }]);
    return { alertId: up!.id, incidentId: up!.incident_id, created: up!.count > 1 ? 'none' : 'suppressed', count: up!.count };
  }

  const target = groupTarget(a.plan.grouping, a);
  const slot = target && !target.prefix ? groupSlot(a.service.id, target.key) : null;
  // An exclusive ingest batch holds the organization's lock and has just looked: no need to look twice more.
  const closed = slot !== null && tx.batch !== undefined && !tx.batch.shared ? tx.batch.noOpenIncident.get(slot) : undefined;
  const looked = closed !== undefined;
  if (looked) tx.batch!.noOpenIncident.delete(slot!);
  let incident = target && !looked ? (await joinable(tx, a, target)).join : null;
  let created = false;
  if (!incident) {
    if (tx.batch?.shared) throw new NeedsExclusiveLock('an incident must be opened');
    if (!looked) await lockOrganization(tx.trx, a.orgId);
    if (target) {
      const found = looked ? { join: null, expired: closed } : await joinable(tx, a, target);
      incident = found.join;
      // A group whose window has closed takes no more alerts: the next one opens a new incident.
      for (const old of found.expired) await store.updateIncident(tx.trx, a.orgId, old.id, { open_group: null, updated_at: tx.now });
    }
    if (!incident) {
      incident = await openIncident(tx, a, target);
      created = true;
    }
  }
  if (slot) tx.batch?.openIncidents.set(slot, incident);
  const [up] = await alertStore.upsertOpenAlerts(tx.trx, [alertRow(tx, a, incident.id)]);
  return afterUpsert(tx, a, incident, target, up!, created);
}

async function acceptingIncidents(tx: Tx, a: AlertInput, target: GroupTarget): Promise<IncidentTable[]> {
  if (target.prefix) return store.acceptingIncidentsByPrefix(tx.trx, a.orgId, a.service.id, target.key);
  const one = await store.findAcceptingIncident(tx.trx, a.orgId, a.service.id, target.key);
  return one ? [one] : [];
}

async function joinable(tx: Tx, a: AlertInput, target: GroupTarget): Promise<{ join: IncidentTable | null; expired: IncidentTable[] }> {
  const slot = target.prefix ? null : groupSlot(a.service.id, target.key);
  const cached = slot ? tx.batch?.openIncidents.get(slot) : undefined;
  const candidates = cached ? [cached] : await acceptingIncidents(tx, a, target);
  return chooseIncident(a.plan.grouping, target, candidates, tx.now);
}

function alertRow(tx: Tx, a: AlertInput, incidentId: string | null): AlertTable {
  return {
    org_id: a.orgId,
    id: newId(tx.now),
    integration_id: a.integrationId,
    service_id: a.service.id,
    incident_id: incidentId,
    dedup_key: a.dedupKey,
    open: 1,
    status: 'triggered',
    severity: a.severity,
    summary: a.summary,
    source: a.source,
    details: JSON.stringify(a.details ?? {}),
    count: 1,
    first_seen_at: tx.now,
    last_seen_at: tx.now,
    resolved_at: null,
    suppressed_by: null,
    rule_match: a.plan.ruleMatch ? JSON.stringify(a.plan.ruleMatch) : null,
  };
}

/** Open an incident for a new alert: a fresh per-organization number, under the organization's row lock. */
async function openIncident(tx: Tx, a: AlertInput, target: GroupTarget | null): Promise<IncidentTable> {
  const id = newId(tx.now);
  const paused = a.plan.pauseSeconds > 0 ? tx.now + a.plan.pauseSeconds * 1000 : null;
  const incident = await insertIncident(tx, a.orgId, a.service, {
    id,
    title: a.summary,
    urgency: a.plan.urgency,
    incidentKey: a.dedupKey,
    openGroup: target ? openGroupOf(target, id) : null,
    groupUntil: target ? groupUntil(a.plan.grouping, tx.now, tx.now) : null,
    groupFields: target?.fields ? JSON.stringify(target.fields) : null,
    priorityId: a.plan.priorityId,
    pausedUntil: paused,
    body: null,
  }, a.agent, a.channel);
  if (paused) {
    const until = new Date(paused).toISOString().slice(11, 16);
    await appendLog(tx, a.orgId, a.service.id, id, 'notify_log_entry', say('timeline.paused', { minutes: Math.round(a.plan.pauseSeconds / 60), by: a.plan.pausedBy ?? say('timeline.pausedBy.anyRule'), until }), null, { type: 'auto' }, { reason: 'paused', paused_until: paused });
  }
  return incident;
}

export interface NewIncident {
  id: string;
  title: string;
  urgency: 'high' | 'low';
  incidentKey: string | null;
  openGroup: string | null;
  groupUntil: number | null;
  groupFields: string | null;
  priorityId: string | null;
  /** Escalation starts here instead of now (notifications paused). */
  pausedUntil: number | null;
  body: string | null;
}

/** Insert an incident (the caller holds the organization's row lock) with its policy frozen, due to escalate at once (or when its pause ends). */
export async function insertIncident(tx: Tx, orgId: string, service: AlertInput['service'], f: NewIncident, agent: AgentRef | null, channel: Channel): Promise<IncidentTable> {
  // Freeze the policy now: edits made while the incident is open apply to new incidents only.
  // Read beside the transaction where it can be (timeline.ts readBeside), while the number is taken.
  const policyId = service.escalation_policy_id;
  const [number, policy] = await Promise.all([nextIncidentNumber(tx.trx, orgId), policyId ? getPolicy(readBeside(tx), orgId, policyId) : undefined]);
  const snapshot = policy ? snapshotOf(policy, tx.now) : null;
  const row: IncidentTable = {
    org_id: orgId,
    id: f.id,
    number,
    service_id: service.id,
    title: f.title,
    status: 'triggered',
    urgency: f.urgency,
    incident_key: f.incidentKey,
    open_group: f.openGroup,
    group_until: f.groupUntil,
    group_fields: f.groupFields,
    priority_id: f.priorityId,
    snoozed_until: null,
    paused_until: f.pausedUntil,
    body: f.body,
    created_at: tx.now,
    updated_at: tx.now,
    last_status_change_at: tx.now,
    last_status_change_by: agent ? JSON.stringify(agent) : null,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    assigned_via: 'escalation_policy',
    escalation_policy_id: policy?.id ?? null,
    escalation_snapshot: snapshot ? JSON.stringify(snapshot) : null,
    escalation_level: 0,
    escalation_loop: 0,
    // Due at once: the escalate module fires level 1 (or, with no policy, pages the admins: never silent).
    next_step_at: f.pausedUntil ?? tx.now,
    escalation_epoch: 0,
  };
  await store.insertIncident(tx.trx, row);
  await appendLog(tx, orgId, service.id, row.id, 'trigger_log_entry', say('timeline.triggered', { via: channelName(channel) }), agent, channel);
  tx.changes.push({ orgId, incidentId: row.id, serviceId: service.id, kind: 'triggered' });
  return row;
}

/** The timeline, the notes and the never-silent join for one upserted alert: a new alert on `incident`, or a repeat (count > 1) of an open one. */
async function afterUpsert(tx: Tx, a: AlertInput, incident: IncidentTable, target: GroupTarget | null, up: alertStore.UpsertedAlert, created: boolean): Promise<TriggerOutcome> {
  const incidentId = up.incident_id ?? incident.id;
  if (up.count > 1) {
    await appendLog(tx, a.orgId, a.service.id, incidentId, 'alert_log_entry', say('timeline.alert.retriggered', { count: up.count, alert: a.summary }), a.agent, a.channel, { action: 'retrigger', alert_id: up.id, dedup_key: a.dedupKey, count: up.count });
    if (a.note) await appendLog(tx, a.orgId, a.service.id, incidentId, 'annotate_log_entry', a.note, a.agent, a.channel, { from_event: true, alert_id: up.id });
    tx.changes.push({ orgId: a.orgId, incidentId, serviceId: a.service.id, kind: 'alert' });
    return { alertId: up.id, incidentId, created: 'none', count: up.count };
  }
  const why = created ? null : groupingReason(a.plan.grouping, target);
  await appendLog(tx, a.orgId, a.service.id, incident.id, 'alert_log_entry', say('timeline.alert.added', { alert: a.summary, grouped: why ? 'yes' : 'no', why: why ?? '' }), a.agent, a.channel, {
    action: 'added',
    alert_id: up.id,
    dedup_key: a.dedupKey,
    severity: a.severity,
    ...(why ? { grouped: word('en', why) } : {}),
    ...(a.plan.ruleMatch?.length ? { rules: a.plan.ruleMatch } : {}),
  });
  for (const note of a.plan.notes) await appendLog(tx, a.orgId, a.service.id, incident.id, 'annotate_log_entry', note, a.agent, a.channel, { by_rule: true });
  if (a.note) await appendLog(tx, a.orgId, a.service.id, incident.id, 'annotate_log_entry', a.note, a.agent, a.channel, { from_event: true, alert_id: up.id });
  if (!created) await joined(tx, a, incident, target);
  return { alertId: up.id, incidentId: incident.id, created: created ? 'incident' : 'alert', count: 1 };
}

/** A new alert joined `incident`: re-trigger it, or tell its assignees; keep a rolling content window open. */
async function joined(tx: Tx, a: AlertInput, incident: IncidentTable, target: GroupTarget | null): Promise<void> {
  const slot = target && !target.prefix ? groupSlot(a.service.id, target.key) : null;
  // In a batch, an earlier alert of the same flush may already have changed it.
  let current = (slot && tx.batch?.openIncidents.get(slot)) || incident;
  if (joinEffect(current, a.plan.urgency, tx.now) === 'retrigger') {
    if (tx.batch?.shared) throw new NeedsExclusiveLock('an incident must be re-triggered');
    current = await retrigger(tx, current, a);
  } else if (await queueJoinNotice(tx, current, a)) {
    tx.changes.push({ orgId: a.orgId, incidentId: incident.id, serviceId: a.service.id, kind: 'updated' });
  } else {
    tx.changes.push({ orgId: a.orgId, incidentId: incident.id, serviceId: a.service.id, kind: 'alert' });
  }
  const rolling = rollingWindow(a.plan.grouping);
  if (rolling && current.group_until !== null && Number(current.group_until) - tx.now < rolling / 2) {
    if (tx.batch?.shared) throw new NeedsExclusiveLock('a content group’s window must be extended');
    const until = groupUntil(a.plan.grouping, Number(current.created_at), tx.now);
    await store.updateIncident(tx.trx, a.orgId, current.id, { group_until: until });
    current = { ...current, group_until: until };
  }
  if (slot) tx.batch?.openIncidents.set(slot, current);
}

const rollingWindow = (g: AlertGrouping): number | null => (g.type === 'content_based' ? (g.config.time_window || 300) * 1000 : null);

/**
 * Re-trigger for a new alert of high urgency: the acknowledgement (or snooze) is withdrawn,
 * the urgency becomes high, and the level now responsible is paged again (a new epoch, so it
 * is a new step). The timeline says which alert and why.
 */
async function retrigger(tx: Tx, incident: IncidentTable, a: AlertInput): Promise<IncidentTable> {
  const { patch: position, paged } = await repagePosition(tx, incident);
  const patch: Partial<IncidentTable> = {
    status: 'triggered',
    urgency: 'high',
    acknowledged_at: null,
    acknowledged_by: null,
    snoozed_until: null,
    ...position,
    updated_at: tx.now,
  };
  const wasAcknowledged = incident.status === 'acknowledged';
  if (wasAcknowledged) Object.assign(patch, { last_status_change_at: tx.now, last_status_change_by: JSON.stringify(a.agent) });
  await store.updateIncident(tx.trx, incident.org_id, incident.id, patch);
  const alert = { alert: a.summary, severity: a.severity, paged };
  if (wasAcknowledged) {
    await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'unacknowledge_log_entry', say('timeline.retriggered', alert), a.agent, a.channel, { reason: 'alert_joined', urgency: 'high' });
  } else {
    await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'urgency_change_log_entry', say('timeline.urgencyRaisedByAlert', alert), a.agent, a.channel, { reason: 'alert_joined', urgency: 'high' });
  }
  tx.changes.push({ orgId: incident.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: wasAcknowledged ? 'unacknowledged' : 'updated' });
  return { ...incident, ...patch };
}

/**
 * Where paging starts again when an incident is re-triggered or raised to high urgency: the
 * level that fired last (or the incident's position), in a new epoch due now, so the escalate
 * module fires it as a new step and pages that level through the outbox at the incident's
 * urgency. `paged` says who, for the timeline.
 */
export async function repagePosition(tx: Tx, incident: IncidentTable): Promise<{ patch: Pick<IncidentTable, 'escalation_level' | 'escalation_loop' | 'escalation_epoch' | 'next_step_at'>; paged: Wording }> {
  const last = await lastFiredStep(tx.trx, incident.org_id, incident.id);
  const snapshot = incident.escalation_snapshot ? (JSON.parse(incident.escalation_snapshot) as PolicySnapshot) : null;
  const lastLevel = snapshot ? Math.max(0, snapshot.rules.length - 1) : 0;
  const level = last ? last.level : Math.min(Number(incident.escalation_level), lastLevel);
  const loop = last ? last.loop : Number(incident.escalation_loop);
  return {
    patch: { escalation_level: level, escalation_loop: loop, escalation_epoch: Number(incident.escalation_epoch) + 1, next_step_at: tx.now },
    paged: snapshot ? say('timeline.repaged', { level: levelName({ level, loop }), policy: snapshot.name }) : say('timeline.repagedAdmins'),
  };
}

/**
 * Tell the assignees through their low-urgency rules that an alert joined: the first join in a
 * quiet window at once, later ones in a notice due when the next window starts. Returns
 * whether anything new was queued.
 */
async function queueJoinNotice(tx: Tx, incident: IncidentTable, a: AlertInput): Promise<boolean> {
  const window = Math.floor(tx.now / JOIN_NOTICE_MS);
  const memo = `${incident.id}:${window}`;
  if (tx.batch?.noticed.has(memo)) return false;
  tx.batch?.noticed.add(memo);
  const assignees = tx.batch?.assignees.get(incident.id) ?? (await store.assigneesOf(tx.trx, incident.org_id, incident.id));
  if (!assignees.length) return false;
  const quiet = `${memo}:${assignees.join(',')}`;
  if (tx.batch?.quietJoins.has(quiet)) return false;
  const queued = await queueJoinNotices(tx.trx, tx.now, { org_id: incident.org_id, id: incident.id }, assignees, { window, windowMs: JOIN_NOTICE_MS, alert: { summary: a.summary, severity: a.severity } });
  if (!queued) tx.batch?.newlyQuiet.push(quiet);
  return queued;
}

/**
 * An event an organization's router sent to no service: kept as a suppressed alert of no
 * service and no incident (shown, counted, paged to nobody); a repeat of its key counts on it.
 */
export async function storeUnrouted(tx: Tx, u: { orgId: string; integrationId: string; dedupKey: string; agent: AgentRef; channel: Channel; summary: string; severity: string; source: string | null; details: unknown; ruleMatch: RuleMatch[] }): Promise<void> {
  const row: AlertTable = {
    org_id: u.orgId,
    id: newId(tx.now),
    integration_id: u.integrationId,
    service_id: null,
    incident_id: null,
    dedup_key: u.dedupKey,
    open: 1,
    status: 'suppressed',
    severity: u.severity,
    summary: u.summary,
    source: u.source,
    details: JSON.stringify(u.details ?? {}),
    count: 1,
    first_seen_at: tx.now,
    last_seen_at: tx.now,
    resolved_at: null,
    suppressed_by: 'rule',
    rule_match: JSON.stringify(u.ruleMatch),
  };
  await alertStore.upsertOpenAlerts(tx.trx, [row]);
}
