/**
 * Incident use cases. Each function runs inside a caller's transaction (`Tx`), so
 * ingest can put many events in one commit; `inTransaction` and the changes at the end
 * give one API change a transaction of its own. Changes to publish are collected on
 * the Tx and sent on the bus after commit.
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Bus, IncidentChange } from '../lib/bus.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { lockOrganization } from '../storage/dialect.js';
import type { Database, IncidentStatus, IncidentTable, ServiceTable } from '../storage/schema.js';
import { getUsers } from '../org/org.store.js';
import type { PolicySnapshot } from '../escalation/policy.js';
import { cancelPendingPages } from '../notify/notify.service.js';
import { type AgentRef, type Channel, transition, urgencyFor } from './incident.js';
import * as store from './incident.store.js';
import * as alertStore from './alert.store.js';
import { appendLog, channelName, type Tx } from './timeline.js';
import { insertIncident } from './trigger.service.js';
import { getService } from '../service/service.store.js';
import { priorityForUse } from '../org/priority.service.js';
import { setPriority } from './priority.service.js';
import { joinResponder } from './responder-join.js';
import { say, type Wording } from '../lib/i18n/translate.js';

/** An event about an alert by its dedup key (acknowledge, resolve). */
export interface AlertRef {
  orgId: string;
  integrationId: string;
  dedupKey: string;
  agent: AgentRef;
  channel: Channel;
  /** A note the sender attached (Opsgenie's `note`): added to the alert's incident before the change. */
  note?: string;
}

/** The sender's note on the alert's incident. */
async function eventNote(tx: Tx, a: AlertRef, alert: { id: string; incident_id: string | null; service_id: string | null }): Promise<void> {
  if (a.note && alert.incident_id && alert.service_id) await appendLog(tx, a.orgId, alert.service_id, alert.incident_id, 'annotate_log_entry', a.note, a.agent, a.channel, { from_event: true, alert_id: alert.id });
}

/** Acknowledge by dedup key. No open alert: accepted and does nothing (PagerDuty semantics); a suppressed alert stays suppressed. */
export async function acknowledgeAlert(tx: Tx, a: AlertRef): Promise<boolean> {
  const alert = await alertStore.findOpenAlert(tx.trx, a.orgId, a.integrationId, a.dedupKey);
  if (!alert) return false;
  await eventNote(tx, a, alert);
  if (!alert.incident_id) return true;
  if (alert.status === 'triggered') await alertStore.setAlertStatus(tx.trx, a.orgId, alert.id, 'acknowledged', tx.now);
  const incident = await store.getIncident(tx.trx, a.orgId, alert.incident_id);
  if (incident && incident.status === 'triggered') await setStatus(tx, incident, 'acknowledged', a.agent, a.channel);
  return true;
}

/** Resolve by dedup key; the incident resolves with its last open alert. */
export async function resolveAlert(tx: Tx, a: AlertRef): Promise<boolean> {
  const alert = await alertStore.findOpenAlert(tx.trx, a.orgId, a.integrationId, a.dedupKey);
  if (!alert) return false;
  await eventNote(tx, a, alert);
  await alertStore.setAlertStatus(tx.trx, a.orgId, alert.id, 'resolved', tx.now);
  if (!alert.incident_id || !alert.service_id) return true;
  await appendLog(tx, a.orgId, alert.service_id, alert.incident_id, 'alert_log_entry', say('timeline.alert.resolved', { alert: alert.summary }), a.agent, a.channel, { action: 'resolved', alert_id: alert.id, dedup_key: a.dedupKey });
  const remaining = await alertStore.countOpenAlerts(tx.trx, a.orgId, alert.incident_id);
  const incident = await store.getIncident(tx.trx, a.orgId, alert.incident_id);
  if (incident && remaining === 0 && incident.status !== 'resolved') await setStatus(tx, incident, 'resolved', a.agent, a.channel);
  else tx.changes.push({ orgId: a.orgId, incidentId: alert.incident_id, serviceId: alert.service_id, kind: 'alert' });
  return true;
}

const LOG_TYPE: Record<IncidentStatus, string> = {
  triggered: 'unacknowledge_log_entry',
  acknowledged: 'acknowledge_log_entry',
  resolved: 'resolve_log_entry',
};

/**
 * Move an incident to a status, recording who and how (`summary` replaces the timeline's
 * words). Returns the updated row. Any change ends a snooze; acknowledging a snoozed
 * incident again is a change too: the snooze ends and the acknowledgement timeout starts
 * over (PagerDuty).
 */
export async function setStatus(tx: Tx, incident: IncidentTable, to: IncidentStatus, agent: AgentRef | null, channel: Channel, resolution?: string, summary?: Wording): Promise<IncidentTable> {
  const t = transition(incident.status, to);
  if (!t.ok) throw new VigilError(t.reason, [`incident ${incident.id} is ${incident.status}`]);
  if (to === 'acknowledged' && agent?.type === 'user_reference') await joinResponder(tx, incident, agent, channel);
  const unsnooze = incident.snoozed_until !== null && to !== 'triggered';
  if (!t.changed && !(to === 'acknowledged' && unsnooze)) return incident;
  // Resolving waits for ingest batches adding alerts to this incident (they hold it FOR KEY
  // SHARE), so the alerts they add are resolved with it, never left open on a resolved incident.
  if (to === 'resolved') await store.lockIncident(tx.trx, incident.org_id, incident.id);
  const agentJson = agent ? JSON.stringify(agent) : null;
  const patch: Partial<IncidentTable> = { status: to, updated_at: tx.now, last_status_change_at: tx.now, last_status_change_by: agentJson, snoozed_until: null };
  // Acknowledging or resolving stops the escalation at once; un-acknowledging starts it again from the first level.
  if (to === 'acknowledged') Object.assign(patch, { acknowledged_at: tx.now, acknowledged_by: agentJson, next_step_at: null });
  if (to === 'triggered') Object.assign(patch, { acknowledged_at: null, acknowledged_by: null, escalation_level: 0, escalation_loop: 0, next_step_at: tx.now, escalation_epoch: incident.escalation_epoch + 1 });
  if (to === 'resolved') Object.assign(patch, { resolved_at: tx.now, resolved_by: agentJson, open_group: null, next_step_at: null });
  await store.updateIncident(tx.trx, incident.org_id, incident.id, patch);
  if (to === 'resolved') await alertStore.resolveAlertsOfIncident(tx.trx, incident.org_id, incident.id, tx.now);
  if (to !== 'triggered') await cancelPendingPages(tx.trx, incident.org_id, incident.id);
  const words = summary ?? say('timeline.status', { to, by: agent ? 'yes' : 'no', agent: agent?.summary ?? '', via: channelName(channel), unsnooze: unsnooze ? 'yes' : 'no' });
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, LOG_TYPE[to], words, agent, channel, resolution ? { resolution } : undefined);
  tx.changes.push({ orgId: incident.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: to === 'triggered' ? 'unacknowledged' : to });
  return { ...incident, ...patch };
}

export async function addNote(tx: Tx, incident: IncidentTable, content: string, agent: AgentRef, channel: Channel): Promise<string> {
  const id = await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'annotate_log_entry', content, agent, channel);
  await store.updateIncident(tx.trx, incident.org_id, incident.id, { updated_at: tx.now });
  tx.changes.push({ orgId: incident.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: 'annotated' });
  return id;
}

export async function reassign(tx: Tx, incident: IncidentTable, userIds: string[], agent: AgentRef, channel: Channel): Promise<void> {
  if (incident.status === 'resolved') throw new VigilError('incident_already_resolved', [`incident ${incident.id} is resolved`]);
  const unique = [...new Set(userIds)];
  const users = await getUsers(tx.trx, incident.org_id, unique);
  const live = users.filter((u) => u.deleted_at === null);
  if (live.length !== unique.length) {
    const known = new Set(live.map((u) => u.id));
    throw invalid(...unique.filter((id) => !known.has(id)).map((id) => `incident.assignments: user ${id} not found`));
  }
  await store.setAssignments(tx.trx, incident.org_id, incident.id, unique, tx.now);
  await store.updateIncident(tx.trx, incident.org_id, incident.id, { assigned_via: 'direct_assignment', updated_at: tx.now });
  const names = live.map((u) => u.name).join(', ');
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'assign_log_entry', say('timeline.assigned', { names: names || say('timeline.nobody'), agent: agent.summary }), agent, channel, { user_ids: unique });
  tx.changes.push({ orgId: incident.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: 'assigned' });
}

/**
 * Escalate now (the web UI's button, POST /incidents/:id/escalate): the pending level
 * of the frozen policy (or `level`, 1-based) fires on the escalate module's next cycle
 * instead of after its delay. An acknowledged incident goes back to triggered, so the
 * level's people are paged and the escalation continues from there. Once the policy is
 * exhausted the pending level is the last one, so escalating again pages it again. The
 * epoch moves on, so the step is new to escalation_steps and stale round-robin
 * hand-overs of the previous position are dropped. Returns the 1-based level paged.
 */
export async function escalateNow(tx: Tx, incident: IncidentTable, level: number | undefined, agent: AgentRef, channel: Channel): Promise<{ incident: IncidentTable; level: number }> {
  if (incident.status === 'resolved') throw new VigilError('incident_already_resolved', [`incident ${incident.id} is resolved`]);
  const snapshot = incident.escalation_snapshot ? (JSON.parse(incident.escalation_snapshot) as PolicySnapshot) : null;
  if (!snapshot || snapshot.rules.length === 0) throw invalid(`incident ${incident.id} has no escalation policy to escalate (its service had none when it triggered); reassign it instead`);
  if (level !== undefined && level > snapshot.rules.length) throw invalid(`escalation_level must be at most ${snapshot.rules.length}, the levels of ${snapshot.name}`);
  const index = level !== undefined ? level - 1 : Math.min(Number(incident.escalation_level), snapshot.rules.length - 1);
  const patch: Partial<IncidentTable> = {
    status: 'triggered',
    acknowledged_at: null,
    acknowledged_by: null,
    escalation_level: index,
    escalation_loop: Number(incident.escalation_loop),
    next_step_at: tx.now,
    escalation_epoch: Number(incident.escalation_epoch) + 1,
    updated_at: tx.now,
    snoozed_until: null,
  };
  if (incident.status !== 'triggered') Object.assign(patch, { last_status_change_at: tx.now, last_status_change_by: JSON.stringify(agent) });
  await store.updateIncident(tx.trx, incident.org_id, incident.id, patch);
  const withdrawn = incident.status === 'acknowledged' ? 'yes' : 'no';
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'escalate_log_entry', say('timeline.escalatedNow', { agent: agent.summary, via: channelName(channel), level: index + 1, policy: snapshot.name, withdrawn }), agent, channel, { level: index + 1, manual: true });
  tx.changes.push({ orgId: incident.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: incident.status === 'acknowledged' ? 'unacknowledged' : 'updated' });
  return { incident: { ...incident, ...patch }, level: index + 1 };
}

/** A manual incident (REST `POST /incidents`). An open incident with the same key on the service is a 400, as in PagerDuty. */
export async function createManualIncident(tx: Tx, orgId: string, service: ServiceTable, input: { title: string; urgency?: 'high' | 'low'; incidentKey?: string; body?: string; priorityId?: string | null }, agent: AgentRef, channel: Channel): Promise<IncidentTable> {
  if (input.incidentKey) {
    const dup = await store.findOpenIncidentByKey(tx.trx, orgId, service.id, input.incidentKey);
    if (dup) throw invalid(`incident.incident_key: an open incident (${dup.id}) already has the key ${input.incidentKey} on this service`);
  }
  await lockOrganization(tx.trx, orgId);
  const urgency = input.urgency ?? (service.urgency_rule === 'use_support_hours' ? 'high' : urgencyFor(service.urgency_rule, 'critical'));
  return insertIncident(
    tx,
    orgId,
    service,
    { id: newId(tx.now), title: input.title, urgency, incidentKey: input.incidentKey ?? newId(tx.now), openGroup: null, groupUntil: null, groupFields: null, priorityId: input.priorityId ?? null, pausedUntil: null, body: input.body ?? null },
    agent,
    channel,
  );
}

export async function requireIncident(db: Kysely<Database>, orgId: string, id: string): Promise<IncidentTable> {
  const inc = /^\d+$/.test(id) ? await store.getIncidentByNumber(db, orgId, Number(id)) : await store.getIncident(db, orgId, id);
  if (!inc) throw notFound(`incident ${id}`);
  return inc;
}

// ---------------------------------------------------------------------------------------------
// Changes in their own transaction (the REST API, one-click links, heartbeats)

/** What a change that opens its own transaction needs: AppDeps has all three. */
export interface UnitOfWork {
  db: Kysely<Database>;
  clock: Clock;
  bus: Pick<Bus, 'publish'>;
}

/** Run one change in its own transaction; what changed is published on the bus after the commit. */
export async function inTransaction<T>(u: UnitOfWork, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const changes: IncidentChange[] = [];
  const result = await u.db.transaction().execute(async (trx) => fn({ trx, now: u.clock.now(), changes }));
  u.bus.publish(changes);
  return result;
}

/** A change asked for through the API: new title, urgency or priority (null: none), new assignees, new status. */
export interface IncidentUpdate {
  title?: string;
  urgency?: 'high' | 'low';
  priority?: { id: string } | null;
  assignments?: { assignee: { id: string } }[];
  status?: IncidentStatus;
  resolution?: string;
  /** Escalate now to this 1-based level (after any status change). */
  escalation_level?: number;
}

/** Apply an update in that order: title and urgency, priority, then assignees, then status. Answers the row as it is after. */
export async function changeIncident(u: UnitOfWork, orgId: string, id: string, update: IncidentUpdate, agent: AgentRef, channel: Channel): Promise<IncidentTable> {
  return inTransaction(u, async (tx) => applyUpdate(tx, await requireIncident(tx.trx, orgId, id), update, agent, channel));
}

/**
 * Several updates (PUT /incidents), all or nothing: every id is looked up first (an
 * unknown one is a 404 naming `incidents[i].id` before anything is written), then
 * each update is applied in order inside one transaction, so a later item that
 * fails (a resolved incident retitled, an unknown assignee) rolls back the earlier
 * ones too. Answers the rows as they are after, in the order given.
 */
export async function changeIncidents(u: UnitOfWork, orgId: string, items: readonly (IncidentUpdate & { id: string })[], agent: AgentRef, channel: Channel): Promise<IncidentTable[]> {
  return inTransaction(u, async (tx) => {
    const found: IncidentTable[] = [];
    for (const [i, item] of items.entries()) {
      const inc = await findIncident(tx.trx, orgId, item.id);
      if (!inc) throw notFound(`incidents[${i}].id: incident ${item.id}`);
      found.push(inc);
    }
    const out: IncidentTable[] = [];
    for (const [i, item] of items.entries()) {
      try {
        // Re-read: an earlier item of the same request may have changed this incident.
        out.push(await applyUpdate(tx, await requireIncident(tx.trx, orgId, found[i]!.id), item, agent, channel));
      } catch (err) {
        if (err instanceof VigilError) throw new VigilError(err.kind, err.errors.map((e) => `incidents[${i}]: ${e}`), { message: err.message });
        throw err;
      }
    }
    return out;
  });
}

async function applyUpdate(tx: Tx, incident: IncidentTable, update: IncidentUpdate, agent: AgentRef, channel: Channel): Promise<IncidentTable> {
  let inc = incident;
  const orgId = inc.org_id;
  if (update.title !== undefined || update.urgency !== undefined) {
    if (inc.status === 'resolved') throw new VigilError('incident_already_resolved', [`incident ${inc.id} is resolved`]);
    const patch: Partial<IncidentTable> = { updated_at: tx.now };
    if (update.title !== undefined) patch.title = update.title;
    if (update.urgency !== undefined) patch.urgency = update.urgency;
    await store.updateIncident(tx.trx, orgId, inc.id, patch);
    inc = { ...inc, ...patch };
    tx.changes.push({ orgId: inc.org_id, incidentId: inc.id, serviceId: inc.service_id, kind: 'updated' });
  }
  if (update.priority !== undefined) inc = await setPriority(tx, inc, update.priority?.id ?? null, agent, channel);
  if (update.assignments !== undefined) {
    await reassign(tx, inc, update.assignments.map((a) => a.assignee.id), agent, channel);
    // reassign() changed assigned_via and updated_at: answer with the row as it is now.
    inc = await requireIncident(tx.trx, orgId, inc.id);
  }
  if (update.status !== undefined) inc = await setStatus(tx, inc, update.status, agent, channel, update.resolution);
  else if (update.resolution !== undefined) throw invalid('incident.resolution can only be given with status resolved');
  if (update.escalation_level !== undefined) inc = (await escalateNow(tx, inc, update.escalation_level, agent, channel)).incident;
  return inc;
}

/** Open an incident by hand on a service of the organization (400 when the service is unknown). */
export async function openIncidentByHand(
  u: UnitOfWork,
  orgId: string,
  input: { serviceId: string; title: string; urgency?: 'high' | 'low'; incidentKey?: string; body?: string; priorityId?: string; assigneeIds?: string[] },
  agent: AgentRef,
  channel: Channel,
): Promise<IncidentTable> {
  const service = await getService(u.db, orgId, input.serviceId);
  if (!service) throw invalid(`incident.service: service ${input.serviceId} not found`);
  const { serviceId: _, assigneeIds, ...fields } = input;
  return inTransaction(u, async (tx) => {
    if (fields.priorityId !== undefined) {
      // The organization's lock (which opening the incident takes anyway) before the priority's, as removing a priority does.
      await lockOrganization(tx.trx, orgId);
      await priorityForUse(tx.trx, orgId, fields.priorityId, 'incident.priority.id');
    }
    const inc = await createManualIncident(tx, orgId, service, fields, agent, channel);
    if (!assigneeIds) return inc;
    // PagerDuty: an incident created with assignments goes to those people.
    await reassign(tx, inc, assigneeIds, agent, channel);
    return requireIncident(tx.trx, orgId, inc.id);
  });
}

/** escalateNow on the incident `id` (by id or number), in its own transaction. */
export async function escalateIncident(u: UnitOfWork, orgId: string, id: string, level: number | undefined, agent: AgentRef, channel: Channel): Promise<{ incident: IncidentTable; level: number }> {
  return inTransaction(u, async (tx) => escalateNow(tx, await requireIncident(tx.trx, orgId, id), level, agent, channel));
}

/** addNote on the incident `id` (by id or number), in its own transaction. Answers the note's id. */
export async function noteIncident(u: UnitOfWork, orgId: string, id: string, content: string, agent: AgentRef, channel: Channel): Promise<string> {
  return inTransaction(u, async (tx) => addNote(tx, await requireIncident(tx.trx, orgId, id), content, agent, channel));
}

/** The incident `id` (by id or number), or undefined: for a caller that names the field it came from. */
export async function findIncident(db: Kysely<Database>, orgId: string, id: string): Promise<IncidentTable | undefined> {
  return /^\d+$/.test(id) ? store.getIncidentByNumber(db, orgId, Number(id)) : store.getIncident(db, orgId, id);
}
