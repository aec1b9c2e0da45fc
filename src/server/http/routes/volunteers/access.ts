/**
 * Volunteers on the HTTP side. The guard holds them to least privilege on every
 * /api/ route and audits each of their requests, allowed or denied (the decision is
 * volunteer/access.service.ts). It is one preHandler on the root instance, after
 * authentication's, so other route modules need no change: routes a volunteer may use
 * are listed in VOLUNTEER_ROUTES or opt in with `config: { volunteerAccess: … }`;
 * every other /api/ route answers 403 to a volunteer (deny by default).
 *
 * Also the checks the volunteer routes share: a volunteer reaches only their own
 * profile; some endpoints are for staff only.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { VigilError, forbidden } from '../../../errors.js';
import { can } from '../../../org/roles.js';
import { audit, volunteerCanSee, type AccessDecision } from '../../../volunteer/access.service.js';
import type { App, AppDeps } from '../../deps.js';
import { isApiRoute, principalOf } from '../../plugins/auth.js';

type Principal = ReturnType<typeof principalOf>;

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

/** The rule for a route (its pattern and config): also what the OpenAPI document shows as `x-vigil-volunteer-access`. */
export function volunteerRule(url: string, config: { volunteerAccess?: VolunteerAccess } | undefined): VolunteerAccess {
  return config?.volunteerAccess ?? VOLUNTEER_ROUTES[url] ?? 'deny';
}

function ruleFor(request: FastifyRequest): VolunteerAccess {
  return volunteerRule(request.routeOptions.url ?? '', request.routeOptions.config);
}

/** Registers the guard on the root instance: Fastify gives a context's hooks to all its routes, those registered before it too. */
export function volunteerGuard(app: App, deps: AppDeps): void {
  const { db, clock } = deps;
  app.addHook('preHandler', async (request) => {
    const principal = request.principal;
    if (!principal || principal.role !== 'volunteer' || !isApiRoute(request)) return;
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

export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const isVolunteer = (p: Principal) => p.role === 'volunteer';

/** `me` or their own id for a volunteer; any id for staff with `read` (or `manage`). Returns the user id. */
export function subject(request: FastifyRequest, id: string, need: 'read' | 'manage' = 'read'): string {
  const principal = principalOf(request);
  const target = id === 'me' ? principal.userId : id;
  if (target === principal.userId) return target;
  if (isVolunteer(principal)) throw forbidden('volunteers can only see and change their own profile');
  if (!can(principal.role, need)) throw forbidden(need === 'manage' ? 'only admins (coordinators) can change other volunteers' : 'not allowed');
  return target;
}

export function staffOnly(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  if (isVolunteer(principal)) throw forbidden('volunteers cannot use this endpoint; see /api/v1/volunteers/me');
  return principal;
}
