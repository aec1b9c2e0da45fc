/**
 * Least privilege for volunteers (RESEARCH §3.3: "external volunteers
 * need least-privilege, time-boxed access that expires with the shift, and an audit
 * trail").
 *
 * A volunteer sees the services of the pools they belong to (the services whose
 * escalation policy targets one of those pools) only while ON SHIFT, and an incident
 * only while on shift (an incident of those services) or while ASSIGNED to it and it
 * is open; their own history is under /api/v1/volunteers/me. On shift means: inside
 * their availability and not paused, or on call in a schedule now. Access ends when
 * the shift ends. Every request a volunteer makes under /api/ is written to the audit
 * log, allowed or denied.
 *
 * The HTTP side (the preHandler that applies volunteerCanSee to every /api/ route,
 * deny by default) is http/routes/volunteers/access.ts.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { getUsers } from '../org/org.store.js';
import type { TokenPrincipal } from '../org/token.store.js';
import { assignmentsOf, getIncident, getIncidentByNumber, openAssignmentsOfUser, openIncidentsAmong } from '../incident/incident.store.js';
import { alertCounts } from '../incident/alert.store.js';
import { firstTriggerLogEntry, getLogEntry } from '../incident/log-entry.store.js';
import { getServicesByIds, serviceIdsOfPolicies } from '../service/service.store.js';
import type { AuditLogTable, Database, IncidentTable, LogEntryTable, ServiceTable, UserTable } from '../storage/schema.js';
import { availabilityOf } from './pool.service.js';
import { isAvailable } from './availability.js';
import * as store from './volunteer.store.js';
import { scheduledShifts } from './work.js';
import { policiesTargeting } from '../escalation/policy.store.js';

type Db = Kysely<Database>;
const DAY = 86_400_000;

export type Resource = { type: 'service'; id: string } | { type: 'incident'; id: string } | { type: 'log_entry'; id: string };

export interface AccessDecision {
  allowed: boolean;
  /** Why, in words (shown in the 403 and kept in the audit log). */
  reason: string;
  /** Canonical resource name for the audit log, e.g. `incidents/01J…`. */
  resource: string;
}

/** Services whose escalation policy targets one of these pools. */
export async function servicesOfPools(db: Db, orgId: string, poolIds: readonly string[]): Promise<Set<string>> {
  if (!poolIds.length) return new Set();
  const wanted = new Set(poolIds);
  const policies = await policiesTargeting(db, orgId, 'volunteer_pool_reference');
  const policyIds = policies.filter((p) => p.rules.some((r) => r.targets.some((t) => t.type === 'volunteer_pool_reference' && wanted.has(t.id)))).map((p) => p.id);
  return new Set(await serviceIdsOfPolicies(db, orgId, policyIds));
}

/** Inside their availability and not paused, or on call in a schedule at `now`. */
export async function isOnShift(db: Db, orgId: string, userId: string, now: number): Promise<boolean> {
  const v = await store.getVolunteer(db, orgId, userId);
  if (v && v.status === 'active') {
    const unavailable = await store.listUnavailability(db, orgId, [userId], now - 2 * DAY, now + 2 * DAY);
    if (isAvailable(availabilityOf(v, unavailable), now)) return true;
  }
  if (v && v.status === 'paused') return false;
  return (await scheduledShifts(db, orgId, [userId], now, now + 1)).length > 0;
}

/** What a volunteer may see right now: their pools' services (while on shift) and open incidents assigned to them. */
export async function volunteerScope(db: Db, orgId: string, userId: string, now: number): Promise<{ onShift: boolean; poolServices: Set<string>; assigned: { incident_id: string; service_id: string }[] }> {
  const [pools, onShift, assigned] = await Promise.all([store.poolsOfUser(db, orgId, userId), isOnShift(db, orgId, userId, now), openAssignmentsOfUser(db, orgId, userId)]);
  return { onShift, poolServices: await servicesOfPools(db, orgId, pools), assigned };
}

async function findIncident(db: Db, orgId: string, id: string): Promise<IncidentTable | undefined> {
  return /^\d+$/.test(id) ? getIncidentByNumber(db, orgId, Number(id)) : getIncident(db, orgId, id);
}

/**
 * May this principal see this resource now? Anyone but a volunteer: yes (their role's
 * permissions apply as before). For a volunteer, a resource that does not exist is
 * denied like one they may not see (403, never 404), so ids cannot be probed.
 */
export async function volunteerCanSee(db: Db, principal: Pick<TokenPrincipal, 'orgId' | 'userId' | 'role'>, resource: Resource, now: number = Date.now()): Promise<AccessDecision> {
  const name = `${resource.type}s/${resource.id}`;
  if (principal.role !== 'volunteer') return { allowed: true, reason: `role ${principal.role}`, resource: name };
  const { orgId, userId } = principal;
  let serviceId: string;
  let incident: IncidentTable | undefined;
  if (resource.type === 'service') serviceId = resource.id;
  else {
    let incidentId: string | null = resource.id;
    if (resource.type === 'log_entry') {
      incidentId = (await getLogEntry(db, orgId, resource.id))?.incident_id ?? null;
    }
    incident = incidentId ? await findIncident(db, orgId, incidentId) : undefined;
    if (!incident) return { allowed: false, reason: `${resource.type.replace('_', ' ')} ${resource.id} is not visible to volunteers`, resource: name };
    serviceId = incident.service_id;
  }
  const scope = await volunteerScope(db, orgId, userId, now);
  const resourceName = incident && resource.type === 'incident' ? `incidents/${incident.id}` : name;
  if (incident && scope.assigned.some((a) => a.incident_id === incident!.id)) return { allowed: true, reason: 'assigned to this open incident', resource: resourceName };
  if (!incident && scope.assigned.some((a) => a.service_id === serviceId)) return { allowed: true, reason: 'assigned to an open incident of this service', resource: resourceName };
  if (!scope.poolServices.has(serviceId)) return { allowed: false, reason: `volunteers see only the services of their pools and the incidents assigned to them`, resource: resourceName };
  if (!scope.onShift) return { allowed: false, reason: 'volunteer access ends when the shift ends: you are off shift now', resource: resourceName };
  return { allowed: true, reason: 'on shift for a pool of this service', resource: resourceName };
}

export async function audit(db: Db, orgId: string, userId: string | null, action: string, resource: string, at: number): Promise<void> {
  await store.insertAudit(db, { org_id: orgId, id: newId(at), user_id: userId, action, resource, at });
}

/** The audit log, newest first. */
export async function auditLog(db: Db, orgId: string, q: { userId?: string; since?: number; limit: number; offset: number }): Promise<{ rows: AuditLogTable[]; total: number; users: UserTable[] }> {
  const { rows, total } = await store.listAudit(db, orgId, q);
  const users = await getUsers(db, orgId, [...new Set(rows.map((r) => r.user_id).filter((x): x is string => !!x))]);
  return { rows, total, users };
}

/** The services a volunteer may see now: their pools' services while on shift, and those of open incidents assigned to them. */
export async function visibleServices(db: Db, clock: Clock, orgId: string, userId: string): Promise<{ onShift: boolean; services: ServiceTable[] }> {
  const scope = await volunteerScope(db, orgId, userId, clock.now());
  const ids = new Set(scope.onShift ? scope.poolServices : []);
  for (const a of scope.assigned) ids.add(a.service_id);
  return { onShift: scope.onShift, services: await getServicesByIds(db, orgId, [...ids]) };
}

export interface VisibleIncidents {
  onShift: boolean;
  incidents: IncidentTable[];
  services: ServiceTable[];
  counts: Map<string, { all: number; triggered: number; resolved: number }>;
  assignments: Map<string, { user_id: string; at: number }[]>;
  triggers: Map<string, LogEntryTable>;
  userNames: Map<string, string>;
}

/** Open incidents a volunteer may see now (at most 100, oldest first): assigned to them, or of their pools' services while on shift. Each one read is audited. */
export async function visibleIncidents(db: Db, clock: Clock, orgId: string, userId: string): Promise<VisibleIncidents> {
  const scope = await volunteerScope(db, orgId, userId, clock.now());
  const assigned = scope.assigned.map((a) => a.incident_id);
  const serviceIds = scope.onShift ? [...scope.poolServices] : [];
  if (!assigned.length && !serviceIds.length) return { onShift: scope.onShift, incidents: [], services: [], counts: new Map(), assignments: new Map(), triggers: new Map(), userNames: new Map() };
  const rows = await openIncidentsAmong(db, orgId, assigned, serviceIds, 100);
  const ids = rows.map((r) => r.id);
  const [services, counts, assignments, triggers] = await Promise.all([getServicesByIds(db, orgId, [...new Set(rows.map((r) => r.service_id))]), alertCounts(db, orgId, ids), assignmentsOf(db, orgId, ids), firstTriggerLogEntry(db, orgId, ids)]);
  const users = await getUsers(db, orgId, [...new Set([...assignments.values()].flat().map((a) => a.user_id))]);
  for (const r of rows) await audit(db, orgId, userId, 'read', `incidents/${r.id}`, clock.now());
  return { onShift: scope.onShift, incidents: rows, services, counts, assignments, triggers, userNames: new Map(users.map((u) => [u.id, u.name])) };
}
