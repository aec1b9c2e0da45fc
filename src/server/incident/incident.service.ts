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
import type { AlertTable, Database, IncidentStatus, IncidentTable, LogEntryTable, ServiceTable } from '../storage/schema.js';
import { nextIncidentNumber, getUsers } from '../org/org.store.js';
import { type AgentRef, type Channel, transition, urgencyFor, type UrgencyRule } from './incident.js';
import * as store from './incident.store.js';
import { getPolicy } from '../escalation/policy.store.js';
import { getService } from '../service/service.store.js';
import { snapshotOf, type PolicySnapshot } from '../escalation/policy.js';
import type { IncidentEventType } from '../notify/channel.js';
import { cancelPendingPages, queueSubscriptionEvents } from '../notify/notify.service.js';

export interface Tx {
  trx: Kysely<Database>;
  now: number;
  changes: IncidentChange[];
  /** Set by ingest when several events share one transaction (see `IngestBatch`). */
  batch?: IngestBatch;
}

/**
 * What the events of one ingest transaction share. Every event of an alert storm on
 * one service would otherwise look up the same open incident, upsert its alert and
 * write its timeline row, each a statement (and a round trip on PostgreSQL). Inside
 * the transaction, the open incident of a service stays what this batch saw or made
 * until a non-trigger event runs (the caller clears `openIncidents`); triggers for a
 * known incident are queued and written by `flushTriggers` as multi-row upserts;
 * "alert added/triggered again" entries, which nothing reads inside the batch and which
 * notify no one, are written together by `flushBatch` at the end.
 */
export interface IngestBatch {
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
  /** Services this (exclusive) batch found without an open incident: the trigger that opens one need not look again. */
  noOpenIncident: Set<string>;
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
  row: AlertTable;
}

export function newBatch(shared = false): IngestBatch {
  return { openIncidents: new Map(), queued: [], pendingLogs: [], shared, noOpenIncident: new Set() };
}

/**
 * Queue a trigger (in a batch) when its service's open incident is known: it will join
 * that incident, or count as a repeat of its key's open alert. False when the trigger
 * must run alone through `triggerAlert` (no open incident: one may have to be opened).
 */
export async function queueTrigger(tx: Tx, a: AlertInput): Promise<boolean> {
  const b = tx.batch!;
  const incident = b.openIncidents.get(a.service.id) ?? (await store.findOpenGroupIncident(tx.trx, a.orgId, a.service.id));
  if (!incident && b.shared) throw new NeedsExclusiveLock('an incident must be opened');
  if (!incident) {
    b.noOpenIncident.add(a.service.id);
    return false;
  }
  b.openIncidents.set(a.service.id, incident);
  b.queued.push({ tx, a, incident, row: alertRow(tx, a, incident.id) });
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
  const results: (store.UpsertedAlert | undefined)[] = new Array(queued.length);
  let chunk: number[] = [];
  const write = async () => {
    if (chunk.length === 0) return;
    const rows = await store.upsertOpenAlerts(trx, chunk.map((i) => queued[i]!.row));
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
    await afterUpsert(q.tx, q.a, q.incident, up, false);
  }
}

const alertKey = (r: Pick<AlertTable, 'integration_id' | 'dedup_key'>) => `${r.integration_id}\u0000${r.dedup_key}`;

/** The end of a batch, before its commit: the queued triggers, then the deferred timeline rows. */
export async function flushBatch(trx: Kysely<Database>, b: IngestBatch): Promise<void> {
  await flushTriggers(trx, b);
  const rows = b.pendingLogs;
  b.pendingLogs = [];
  if (rows.length) await store.insertLogEntries(trx, rows);
}

export interface AlertInput {
  orgId: string;
  service: Pick<ServiceTable, 'id' | 'name' | 'urgency_rule' | 'status' | 'escalation_policy_id'>;
  integrationId: string;
  agent: AgentRef;
  channel: Channel;
  dedupKey: string;
  summary: string;
  severity: string;
  source: string | null;
  details: unknown;
}

export interface TriggerOutcome {
  alertId: string;
  incidentId: string;
  created: 'incident' | 'alert' | 'none';
  count: number;
}

export async function appendLog(tx: Tx, orgId: string, serviceId: string, incidentId: string | null, type: string, summary: string, agent: AgentRef | null, channel: Channel, details?: unknown): Promise<string> {
  const id = newId(tx.now);
  const row: LogEntryTable = {
    org_id: orgId,
    id,
    incident_id: incidentId,
    service_id: serviceId,
    type,
    created_at: tx.now,
    agent: agent ? JSON.stringify(agent) : null,
    channel: JSON.stringify(channel),
    summary,
    details: details === undefined ? null : JSON.stringify(details),
  };
  const eventType = WEBHOOK_EVENT[type];
  if (tx.batch && !eventType) {
    tx.batch.pendingLogs.push(row);
    return id;
  }
  await store.insertLogEntry(tx.trx, row);
  // Webhook subscriptions hear of it in the same transaction: a committed change is never missing its webhook.
  if (eventType && incidentId) await queueSubscriptionEvents(tx.trx, tx.now, { orgId, serviceId, incidentId, logEntryId: id, eventType });
  return id;
}

/** Timeline entries that webhook subscriptions hear about, as webhooks v3 event types. */
const WEBHOOK_EVENT: Record<string, IncidentEventType> = {
  trigger_log_entry: 'incident.triggered',
  acknowledge_log_entry: 'incident.acknowledged',
  unacknowledge_log_entry: 'incident.unacknowledged',
  resolve_log_entry: 'incident.resolved',
  escalate_log_entry: 'incident.escalated',
  assign_log_entry: 'incident.reassigned',
  annotate_log_entry: 'incident.annotated',
};

/** Open an incident on a service: a fresh per-organization number, under the organization's row lock. */
async function openIncident(tx: Tx, orgId: string, service: AlertInput['service'], fields: { title: string; urgency: 'high' | 'low'; incidentKey: string | null; openGroup: string | null; body: string | null }, agent: AgentRef | null, channel: Channel): Promise<IncidentTable> {
  const number = await nextIncidentNumber(tx.trx, orgId);
  // Freeze the policy now: edits made while the incident is open apply to new incidents only.
  const policy = service.escalation_policy_id ? await getPolicy(tx.trx, orgId, service.escalation_policy_id) : undefined;
  const snapshot = policy ? snapshotOf(policy, tx.now) : null;
  const row: IncidentTable = {
    org_id: orgId,
    id: newId(tx.now),
    number,
    service_id: service.id,
    title: fields.title,
    status: 'triggered',
    urgency: fields.urgency,
    incident_key: fields.incidentKey,
    open_group: fields.openGroup,
    body: fields.body,
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
    next_step_at: tx.now,
    escalation_epoch: 0,
  };
  await store.insertIncident(tx.trx, row);
  await appendLog(tx, orgId, service.id, row.id, 'trigger_log_entry', `Triggered through ${channelName(channel)}`, agent, channel);
  tx.changes.push({ orgId, incidentId: row.id, serviceId: service.id, kind: 'triggered' });
  return row;
}

function channelName(c: Channel): string {
  switch (c.type) {
    case 'events_api_v2':
      return 'the Events API';
    case 'alertmanager':
      return 'Alertmanager';
    case 'api':
      return 'the API';
    case 'web_ui':
      return 'the website';
    default:
      return c.type;
  }
}

/**
 * A trigger: count it on the open alert for its key, or open an alert; a new alert
 * joins the service's open incident, or opens one. Concurrent triggers with one key
 * end as one alert and one incident on both dialects: the alert's unique index
 * decides between inserters, and the organization row lock serializes incident creation.
 */
export async function triggerAlert(tx: Tx, a: AlertInput): Promise<TriggerOutcome> {
  const existing = await store.findOpenAlert(tx.trx, a.orgId, a.integrationId, a.dedupKey);
  if (existing) {
    const count = await store.bumpAlert(tx.trx, a.orgId, existing.id, { last_seen_at: tx.now, summary: a.summary, severity: a.severity, source: a.source, details: JSON.stringify(a.details ?? {}) });
    await appendLog(tx, a.orgId, a.service.id, existing.incident_id, 'alert_log_entry', `Alert triggered again (${count} times): ${a.summary}`, a.agent, a.channel, { action: 'retrigger', alert_id: existing.id, dedup_key: a.dedupKey, count });
    tx.changes.push({ orgId: a.orgId, incidentId: existing.incident_id, serviceId: a.service.id, kind: 'alert' });
    return { alertId: existing.id, incidentId: existing.incident_id, created: 'none', count };
  }

  // An exclusive ingest batch holds the organization's lock and has just looked: no need to look twice more.
  const looked = tx.batch !== undefined && !tx.batch.shared && tx.batch.noOpenIncident.delete(a.service.id);
  let incident = looked ? undefined : await store.findOpenGroupIncident(tx.trx, a.orgId, a.service.id);
  let createdIncident = false;
  if (!incident) {
    if (!looked) {
      await lockOrganization(tx.trx, a.orgId);
      incident = await store.findOpenGroupIncident(tx.trx, a.orgId, a.service.id);
    }
    if (!incident) {
      incident = await openIncident(tx, a.orgId, a.service, { title: a.summary, urgency: urgencyFor(a.service.urgency_rule as UrgencyRule, a.severity), incidentKey: a.dedupKey, openGroup: 'alerts', body: null }, a.agent, a.channel);
      createdIncident = true;
    }
  }
  tx.batch?.openIncidents.set(a.service.id, incident);
  return addAlert(tx, a, incident, createdIncident);
}

function alertRow(tx: Tx, a: AlertInput, incidentId: string): AlertTable {
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
  };
}

async function addAlert(tx: Tx, a: AlertInput, incident: IncidentTable, createdIncident: boolean): Promise<TriggerOutcome> {
  const [up] = await store.upsertOpenAlerts(tx.trx, [alertRow(tx, a, incident.id)]);
  return afterUpsert(tx, a, incident, up!, createdIncident);
}

/** The timeline, urgency and change notices for one upserted alert: a new alert on `incident`, or a repeat (count > 1) of an open one. */
async function afterUpsert(tx: Tx, a: AlertInput, incident: IncidentTable, up: { id: string; count: number; incident_id: string }, createdIncident: boolean): Promise<TriggerOutcome> {
  if (up.count > 1) {
    await appendLog(tx, a.orgId, a.service.id, up.incident_id, 'alert_log_entry', `Alert triggered again (${up.count} times): ${a.summary}`, a.agent, a.channel, { action: 'retrigger', alert_id: up.id, dedup_key: a.dedupKey, count: up.count });
    tx.changes.push({ orgId: a.orgId, incidentId: up.incident_id, serviceId: a.service.id, kind: 'alert' });
    return { alertId: up.id, incidentId: up.incident_id, created: 'none', count: up.count };
  }
  await appendLog(tx, a.orgId, a.service.id, incident.id, 'alert_log_entry', `Alert added: ${a.summary}`, a.agent, a.channel, { action: 'added', alert_id: up.id, dedup_key: a.dedupKey, severity: a.severity });
  if (!createdIncident) {
    // In a batch, an earlier alert of the same flush may already have raised it.
    const current = tx.batch?.openIncidents.get(a.service.id) ?? incident;
    if (urgencyFor(a.service.urgency_rule as UrgencyRule, a.severity) === 'high' && current.urgency === 'low') {
      if (tx.batch?.shared) throw new NeedsExclusiveLock('an incident’s urgency must be raised');
      await store.updateIncident(tx.trx, a.orgId, incident.id, { urgency: 'high', updated_at: tx.now });
      tx.batch?.openIncidents.set(a.service.id, { ...current, urgency: 'high', updated_at: tx.now });
      await appendLog(tx, a.orgId, a.service.id, incident.id, 'urgency_change_log_entry', 'Urgency raised to high by a new alert', a.agent, a.channel);
    }
    tx.changes.push({ orgId: a.orgId, incidentId: incident.id, serviceId: a.service.id, kind: 'alert' });
  }
  return { alertId: up.id, incidentId: incident.id, created: createdIncident ? 'incident' : 'alert', count: 1 };
}

/** Acknowledge by dedup key. No open alert: accepted and does nothing (PagerDuty semantics). */
export async function acknowledgeAlert(tx: Tx, a: Pick<AlertInput, 'orgId' | 'integrationId' | 'dedupKey' | 'agent' | 'channel'>): Promise<boolean> {
  const alert = await store.findOpenAlert(tx.trx, a.orgId, a.integrationId, a.dedupKey);
  if (!alert) return false;
  if (alert.status === 'triggered') await store.setAlertStatus(tx.trx, a.orgId, alert.id, 'acknowledged', tx.now);
  const incident = await store.getIncident(tx.trx, a.orgId, alert.incident_id);
  if (incident && incident.status === 'triggered') await setStatus(tx, incident, 'acknowledged', a.agent, a.channel);
  return true;
}

/** Resolve by dedup key; the incident resolves with its last open alert. */
export async function resolveAlert(tx: Tx, a: Pick<AlertInput, 'orgId' | 'integrationId' | 'dedupKey' | 'agent' | 'channel'>): Promise<boolean> {
  const alert = await store.findOpenAlert(tx.trx, a.orgId, a.integrationId, a.dedupKey);
  if (!alert) return false;
  await store.setAlertStatus(tx.trx, a.orgId, alert.id, 'resolved', tx.now);
  await appendLog(tx, a.orgId, alert.service_id, alert.incident_id, 'alert_log_entry', `Alert resolved: ${alert.summary}`, a.agent, a.channel, { action: 'resolved', alert_id: alert.id, dedup_key: a.dedupKey });
  const remaining = await store.countOpenAlerts(tx.trx, a.orgId, alert.incident_id);
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

/** Move an incident to a status, recording who and how. Returns the updated row. */
export async function setStatus(tx: Tx, incident: IncidentTable, to: IncidentStatus, agent: AgentRef | null, channel: Channel, resolution?: string): Promise<IncidentTable> {
  const t = transition(incident.status, to);
  if (!t.ok) throw new VigilError(t.reason, [`incident ${incident.id} is ${incident.status}`]);
  if (!t.changed) return incident;
  // Resolving waits for ingest batches adding alerts to this incident (they hold it FOR KEY
  // SHARE), so the alerts they add are resolved with it, never left open on a resolved incident.
  if (to === 'resolved') await store.lockIncident(tx.trx, incident.org_id, incident.id);
  const agentJson = agent ? JSON.stringify(agent) : null;
  const patch: Partial<IncidentTable> = { status: to, updated_at: tx.now, last_status_change_at: tx.now, last_status_change_by: agentJson };
  // Acknowledging or resolving stops the escalation at once; un-acknowledging starts it again from the first level.
  if (to === 'acknowledged') Object.assign(patch, { acknowledged_at: tx.now, acknowledged_by: agentJson, next_step_at: null });
  if (to === 'triggered') Object.assign(patch, { acknowledged_at: null, acknowledged_by: null, escalation_level: 0, escalation_loop: 0, next_step_at: tx.now, escalation_epoch: incident.escalation_epoch + 1 });
  if (to === 'resolved') Object.assign(patch, { resolved_at: tx.now, resolved_by: agentJson, open_group: null, next_step_at: null });
  await store.updateIncident(tx.trx, incident.org_id, incident.id, patch);
  if (to === 'resolved') await store.resolveAlertsOfIncident(tx.trx, incident.org_id, incident.id, tx.now);
  if (to !== 'triggered') await cancelPendingPages(tx.trx, incident.org_id, incident.id);
  const verb = to === 'acknowledged' ? 'Acknowledged' : to === 'resolved' ? 'Resolved' : 'Unacknowledged';
  const by = agent ? ` by ${agent.summary}` : '';
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, LOG_TYPE[to], `${verb}${by} through ${channelName(channel)}`, agent, channel, resolution ? { resolution } : undefined);
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
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'assign_log_entry', `Assigned to ${names || 'nobody'} by ${agent.summary}`, agent, channel, { user_ids: unique });
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
  };
  if (incident.status !== 'triggered') Object.assign(patch, { last_status_change_at: tx.now, last_status_change_by: JSON.stringify(agent) });
  await store.updateIncident(tx.trx, incident.org_id, incident.id, patch);
  const withdrawn = incident.status === 'acknowledged' ? ' (the acknowledgement is withdrawn)' : '';
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'escalate_log_entry', `Escalated now by ${agent.summary} through ${channelName(channel)}: level ${index + 1} of ${snapshot.name} is paged${withdrawn}`, agent, channel, { level: index + 1, manual: true });
  tx.changes.push({ orgId: incident.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: incident.status === 'acknowledged' ? 'unacknowledged' : 'updated' });
  return { incident: { ...incident, ...patch }, level: index + 1 };
}

/** A manual incident (REST `POST /incidents`). An open incident with the same key on the service is a 400, as in PagerDuty. */
export async function createManualIncident(tx: Tx, orgId: string, service: ServiceTable, input: { title: string; urgency?: 'high' | 'low'; incidentKey?: string; body?: string }, agent: AgentRef, channel: Channel): Promise<IncidentTable> {
  if (input.incidentKey) {
    const dup = await store.findOpenIncidentByKey(tx.trx, orgId, service.id, input.incidentKey);
    if (dup) throw invalid(`incident.incident_key: an open incident (${dup.id}) already has the key ${input.incidentKey} on this service`);
  }
  await lockOrganization(tx.trx, orgId);
  return openIncident(
    tx,
    orgId,
    service,
    { title: input.title, urgency: input.urgency ?? urgencyFor(service.urgency_rule as UrgencyRule, 'critical'), incidentKey: input.incidentKey ?? newId(tx.now), openGroup: null, body: input.body ?? null },
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

/** A change asked for through the API: new title or urgency, new assignees, new status. */
export interface IncidentUpdate {
  title?: string;
  urgency?: 'high' | 'low';
  assignments?: { assignee: { id: string } }[];
  status?: IncidentStatus;
  resolution?: string;
}

/** Apply an update in that order: title and urgency, then assignees, then status. Answers the row as it is after. */
export async function changeIncident(u: UnitOfWork, orgId: string, id: string, update: IncidentUpdate, agent: AgentRef, channel: Channel): Promise<IncidentTable> {
  return inTransaction(u, async (tx) => {
    let inc = await requireIncident(tx.trx, orgId, id);
    if (update.title !== undefined || update.urgency !== undefined) {
      if (inc.status === 'resolved') throw new VigilError('incident_already_resolved', [`incident ${inc.id} is resolved`]);
      const patch: Partial<IncidentTable> = { updated_at: tx.now };
      if (update.title !== undefined) patch.title = update.title;
      if (update.urgency !== undefined) patch.urgency = update.urgency;
      await store.updateIncident(tx.trx, orgId, inc.id, patch);
      inc = { ...inc, ...patch };
      tx.changes.push({ orgId: inc.org_id, incidentId: inc.id, serviceId: inc.service_id, kind: 'updated' });
    }
    if (update.assignments !== undefined) {
      await reassign(tx, inc, update.assignments.map((a) => a.assignee.id), agent, channel);
      // reassign() changed assigned_via and updated_at: answer with the row as it is now.
      inc = await requireIncident(tx.trx, orgId, inc.id);
    }
    if (update.status !== undefined) inc = await setStatus(tx, inc, update.status, agent, channel, update.resolution);
    else if (update.resolution !== undefined) throw invalid('incident.resolution can only be given with status resolved');
    return inc;
  });
}

/** Open an incident by hand on a service of the organization (400 when the service is unknown). */
export async function openIncidentByHand(
  u: UnitOfWork,
  orgId: string,
  input: { serviceId: string; title: string; urgency?: 'high' | 'low'; incidentKey?: string; body?: string },
  agent: AgentRef,
  channel: Channel,
): Promise<IncidentTable> {
  const service = await getService(u.db, orgId, input.serviceId);
  if (!service) throw invalid(`incident.service: service ${input.serviceId} not found`);
  const { serviceId: _, ...fields } = input;
  return inTransaction(u, (tx) => createManualIncident(tx, orgId, service, fields, agent, channel));
}

/** escalateNow on the incident `id` (by id or number), in its own transaction. */
export async function escalateIncident(u: UnitOfWork, orgId: string, id: string, level: number | undefined, agent: AgentRef, channel: Channel): Promise<{ incident: IncidentTable; level: number }> {
  return inTransaction(u, async (tx) => escalateNow(tx, await requireIncident(tx.trx, orgId, id), level, agent, channel));
}

/** addNote on the incident `id` (by id or number), in its own transaction. Answers the note's id. */
export async function noteIncident(u: UnitOfWork, orgId: string, id: string, content: string, agent: AgentRef, channel: Channel): Promise<string> {
  return inTransaction(u, async (tx) => addNote(tx, await requireIncident(tx.trx, orgId, id), content, agent, channel));
}
