/**
 * Reads of incidents and their timeline for the API: lists, and everything an incident's
 * presentation names (its service, alert counts, assignees, first trigger). Incidents are
 * above services and the organization, so reads that join them with incidents are here
 * too: a service's last incident, its change events.
 */
import type { Kysely } from 'kysely';
import { notFound } from '../errors.js';
import { getUsers } from '../org/org.store.js';
import { priorityNames } from '../org/priority.service.js';
import { getService, getServicesByIds, listIntegrations } from '../service/service.store.js';
import { requireService } from '../service/service.service.js';
import { servicesInMaintenance } from '../maintenance/maintenance.store.js';
import type { AlertTable, ChangeEventTable, Database, IncidentResponderTable, IncidentTable, IntegrationTable, LogEntryTable, ServiceTable } from '../storage/schema.js';
import { respondersOf } from './collab.store.js';
import { requireIncident } from './incident.service.js';
import * as store from './incident.store.js';
import * as alertStore from './alert.store.js';
import * as logStore from './log-entry.store.js';

type Db = Kysely<Database>;

export type { IncidentQuery } from './incident.store.js';

/** What an incident's presentation names besides its own row. */
export interface IncidentFacts {
  service: Pick<ServiceTable, 'id' | 'name' | 'escalation_policy_id'> | undefined;
  counts: { all: number; triggered: number; resolved: number } | undefined;
  assignments: { user_id: string; at: number }[];
  userNames: Map<string, string>;
  firstTrigger: LogEntryTable | undefined;
  /** Its priority's name (a removed priority keeps its name), when it has one. */
  priorityName?: string | undefined;
  /** The people asked to join it (responder requests), oldest first; their and their requesters' names are in userNames. */
  responders?: IncidentResponderTable[];
}

export async function listIncidents(db: Db, orgId: string, q: store.IncidentQuery): Promise<{ rows: IncidentTable[]; total: number }> {
  return store.listIncidents(db, orgId, q);
}

/** The facts of each incident, in the order of `rows`. */
export async function incidentFacts(db: Db, orgId: string, rows: IncidentTable[]): Promise<IncidentFacts[]> {
  const ids = rows.map((r) => r.id);
  const [services, counts, assignments, triggers, priorities, responders] = await Promise.all([
    getServicesByIds(db, orgId, [...new Set(rows.map((r) => r.service_id))]),
    alertStore.alertCounts(db, orgId, ids),
    store.assignmentsOf(db, orgId, ids),
    logStore.firstTriggerLogEntry(db, orgId, ids),
    priorityNames(db, orgId, rows.flatMap((r) => (r.priority_id ? [r.priority_id] : []))),
    respondersOf(db, orgId, ids),
  ]);
  const userIds = [...new Set([...[...assignments.values()].flat().map((a) => a.user_id), ...responders.flatMap((r) => [r.user_id, r.requester_id])])];
  const users = await getUsers(db, orgId, userIds);
  const userNames = new Map(users.map((u) => [u.id, u.name]));
  const svc = new Map(services.map((s) => [s.id, s]));
  return rows.map((r) => ({ service: svc.get(r.service_id), counts: counts.get(r.id), assignments: assignments.get(r.id) ?? [], userNames, firstTrigger: triggers.get(r.id), priorityName: r.priority_id ? priorities.get(r.priority_id) : undefined, responders: responders.filter((x) => x.incident_id === r.id) }));
}

/** An incident's notes (annotate_log_entry), oldest first, at most 1000. */
export async function incidentNotes(db: Db, orgId: string, incidentId: string): Promise<LogEntryTable[]> {
  const inc = await requireIncident(db, orgId, incidentId);
  const { rows } = await logStore.listLogEntries(db, orgId, { incidentId: inc.id, types: ['annotate_log_entry'], limit: 1000, offset: 0 });
  return rows;
}

export async function incidentAlerts(db: Db, orgId: string, incidentId: string, limit: number, offset: number): Promise<{ rows: AlertTable[]; total: number; serviceName: string | null }> {
  const inc = await requireIncident(db, orgId, incidentId);
  const { rows, total } = await alertStore.listAlerts(db, orgId, inc.id, limit, offset);
  const service = await getService(db, orgId, inc.service_id);
  return { rows, total, serviceName: service?.name ?? null };
}

/** Log entry types shown in an "overview" (PagerDuty's is_overview): the status changes, not every alert. */
const OVERVIEW_TYPES = ['trigger_log_entry', 'acknowledge_log_entry', 'unacknowledge_log_entry', 'resolve_log_entry', 'escalate_log_entry', 'assign_log_entry', 'annotate_log_entry'];

export interface LogEntryQuery {
  overview?: boolean;
  since?: number;
  until?: number;
  limit: number;
  offset: number;
}

/** Log entries with the names of their services. */
export interface LogEntryPage {
  rows: LogEntryTable[];
  total: number;
  serviceNames: Map<string, string>;
}

async function withServiceNames(db: Db, orgId: string, rows: LogEntryTable[], total: number): Promise<LogEntryPage> {
  const services = await getServicesByIds(db, orgId, [...new Set(rows.map((r) => r.service_id))]);
  return { rows, total, serviceNames: new Map(services.map((s) => [s.id, s.name])) };
}

function logFilter(q: LogEntryQuery) {
  return { ...(q.overview ? { types: OVERVIEW_TYPES } : {}), ...(q.since !== undefined ? { since: q.since } : {}), ...(q.until !== undefined ? { until: q.until } : {}), limit: q.limit, offset: q.offset };
}

/** An incident's timeline, oldest first. */
export async function incidentLogEntries(db: Db, orgId: string, inc: IncidentTable, q: LogEntryQuery): Promise<LogEntryPage> {
  const { rows, total } = await logStore.listLogEntries(db, orgId, { incidentId: inc.id, ...logFilter(q) });
  return withServiceNames(db, orgId, rows, total);
}

/** The organization's timeline, newest first. */
export async function orgLogEntries(db: Db, orgId: string, q: LogEntryQuery): Promise<LogEntryPage> {
  const { rows, total } = await logStore.listLogEntries(db, orgId, { ...logFilter(q), sortDesc: true });
  return withServiceNames(db, orgId, rows, total);
}

export async function requireLogEntry(db: Db, orgId: string, id: string): Promise<LogEntryPage> {
  const e = await logStore.getLogEntry(db, orgId, id);
  if (!e) throw notFound(`log entry ${id}`);
  return withServiceNames(db, orgId, [e], 1);
}

/** What a service shows besides its row: integrations, last incident, and whether a maintenance window is in progress. */
export async function serviceFacts(db: Db, orgId: string, serviceIds: string[]): Promise<{ integrations: IntegrationTable[]; lastIncidentAt: Map<string, number>; inMaintenance: Set<string> }> {
  const integrations = await listIntegrations(db, orgId, serviceIds);
  const lastIncidentAt = await store.lastIncidentAt(db, orgId, serviceIds);
  const inMaintenance = await servicesInMaintenance(db, orgId, serviceIds);
  return { integrations, lastIncidentAt, inMaintenance };
}

/** A service's change events, newest first. */
export async function serviceChangeEvents(db: Db, orgId: string, serviceId: string, limit: number, offset: number): Promise<{ rows: ChangeEventTable[]; total: number }> {
  const s = await requireService(db, orgId, serviceId);
  return logStore.listChangeEvents(db, orgId, s.id, limit, offset);
}

/** The organization's alerts (suppressed and unrouted ones too), each with its service's name. */
export async function organizationAlerts(db: Db, orgId: string, q: alertStore.AlertQuery): Promise<{ rows: AlertTable[]; total: number; serviceNames: Map<string, string> }> {
  const { rows, total } = await alertStore.listOrgAlerts(db, orgId, q);
  const services = await getServicesByIds(db, orgId, [...new Set(rows.map((r) => r.service_id).filter((x): x is string => x !== null))]);
  return { rows, total, serviceNames: new Map(services.map((s) => [s.id, s.name])) };
}
