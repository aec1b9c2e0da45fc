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
 * Enforced by one preHandler (registerVolunteerGuard), which runs after
 * authentication: other route modules need no change. Routes a volunteer may use are
 * listed in VOLUNTEER_ROUTES; every other /api/ route answers 403 to a volunteer
 * (deny by default). A route module can opt a route in with
 * `config: { volunteerAccess: 'open' | 'self' | … }`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { VigilError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { TokenPrincipal } from '../org/token.store.js';
import { getIncident, getIncidentByNumber, getLogEntry, openAssignmentsOfUser } from '../incident/incident.store.js';
import { serviceIdsOfPolicies } from '../service/service.store.js';
import type { Database, IncidentTable } from '../storage/schema.js';
import { availabilityOf } from './pool.service.js';
import { isAvailable } from './availability.js';
import * as store from './volunteer.store.js';
import { scheduledShifts } from './work.js';

type Db = Kysely<Database>;
const DAY = 86_400_000;

/**
 * How a route treats a volunteer: 'open' (the handler scopes what it answers, e.g.
 * /users/me), 'self' (only with their own user id in :id), 'service' / 'incident' /
 * 'log_entry' (the resource in :id must pass volunteerCanSee), 'deny'.
 */
export type VolunteerAccess = 'open' | 'self' | 'service' | 'incident' | 'log_entry' | 'deny';

declare module 'fastify' {
  interface FastifyContextConfig {
    volunteerAccess?: VolunteerAccess;
  }
}

/** Routes of other modules a volunteer may use (route pattern → rule). Anything else under /api/ is denied. */
export const VOLUNTEER_ROUTES: Record<string, VolunteerAccess> = {
  '/api/v1/users/me': 'open',
  '/api/v1/organization': 'open',
  '/api/v1/api_tokens': 'open',
  '/api/v1/api_tokens/:id': 'open',
  '/api/v1/users/:id': 'self',
  '/api/v1/users/:id/contact_methods': 'self',
  '/api/v1/users/:id/contact_methods/:cm_id': 'self',
  '/api/v1/users/:id/contact_methods/:cm_id/send_verification': 'self',
  '/api/v1/users/:id/contact_methods/:cm_id/verify': 'self',
  '/api/v1/users/:id/notification_rules': 'self',
  '/api/v1/users/:id/notification_rules/:rule_id': 'self',
  '/api/v1/users/:id/calendar_feed': 'self',
  '/api/v1/services/:id': 'service',
  '/api/v1/services/:id/change_events': 'service',
  '/api/v1/incidents/:id': 'incident',
  '/api/v1/incidents/:id/acknowledge': 'incident',
  '/api/v1/incidents/:id/resolve': 'incident',
  '/api/v1/incidents/:id/notes': 'incident',
  '/api/v1/incidents/:id/alerts': 'incident',
  '/api/v1/incidents/:id/log_entries': 'incident',
  '/api/v1/log_entries/:id': 'log_entry',
};

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
  const policies = await store.policiesTargetingPools(db, orgId);
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

function ruleFor(request: FastifyRequest): VolunteerAccess {
  const configured = request.routeOptions.config?.volunteerAccess;
  if (configured) return configured;
  return VOLUNTEER_ROUTES[request.routeOptions.url ?? ''] ?? 'deny';
}

/**
 * The preHandler that holds volunteers to the rules above and audits each of their
 * requests. Registered on the root instance after authentication's preHandler, so it
 * sees the principal and covers every route.
 */
export function registerVolunteerGuard(app: FastifyInstance, db: Db, clock: Clock): void {
  app.addHook('preHandler', async (request) => {
    const principal = request.principal;
    if (!principal || principal.role !== 'volunteer' || !request.url.startsWith('/api/')) return;
    const now = clock.now();
    const verb = request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write';
    const path = request.url.split('?')[0]!;
    const rule = ruleFor(request);
    const id = (request.params as { id?: string } | undefined)?.id ?? '';
    let decision: AccessDecision;
    if (rule === 'open') decision = { allowed: true, reason: 'open to volunteers', resource: path };
    else if (rule === 'self') decision = id === principal.userId || id === 'me' ? { allowed: true, reason: 'their own', resource: path } : { allowed: false, reason: 'volunteers can only see and change their own account', resource: path };
    else if (rule === 'service' || rule === 'incident' || rule === 'log_entry') decision = await volunteerCanSee(db, principal, { type: rule, id }, now);
    else decision = { allowed: false, reason: 'volunteers cannot use this endpoint; see /api/v1/volunteers/me for your services, incidents and history', resource: path };
    await audit(db, principal.orgId, principal.userId, decision.allowed ? verb : `denied ${verb}`, decision.resource, now);
    if (!decision.allowed) throw new VigilError('forbidden', [decision.reason]);
  });
}
