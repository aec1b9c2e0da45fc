/**
 * API token authentication and role checks for every /api/v1 route. Tokens come
 * as `Authorization: Bearer <t>` or PagerDuty's `Token token=<t>`; they are looked
 * up by their SHA-256, so the stored value never meets the presented one. Each
 * route declares the permission it needs (config.permission); none means `manage`.
 * A browser signed in with a session cookie is authenticated earlier, by
 * http/plugins/session.ts, and then held to the same permission checks.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { VigilError } from '../../errors.js';
import { can } from '../../org/roles.js';
import { memberLocale, noteTokenUse, principalForToken, type TokenPrincipal } from '../../org/org.service.js';
import type { Clock } from '../../lib/clock.js';
import type { Database } from '../../storage/schema.js';
import type { AgentRef } from '../../incident/incident.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: TokenPrincipal | null;
  }
}

/**
 * Whether the request is for an /api/ route, judged by the route that matched (its
 * pattern), never by the raw URL: `/%61pi/v1/…` reaches the same route as `/api/v1/…`
 * and must meet the same hooks.
 */
export function isApiRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.url ?? '').startsWith('/api/');
}

export function parseAuthorization(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(h);
  if (bearer) return bearer[1]!;
  const pd = /^Token\s+token=("?)(\S+?)\1$/i.exec(h);
  if (pd) return pd[2]!;
  return null;
}

export function registerAuth(app: FastifyInstance, db: Kysely<Database>, clock: Clock): void {
  app.decorateRequest('principal', null);
  app.addHook('preHandler', async (request) => {
    const perm = request.routeOptions.config?.permission;
    if (!isApiRoute(request) || perm === 'public') return;
    // A signed-in browser: http/plugins/session.ts has already checked the cookie and, on unsafe methods, the CSRF token.
    let principal = request.principal;
    if (!principal) {
      const token = parseAuthorization(request.headers.authorization);
      if (!token) throw new VigilError('unauthenticated', ['send an API token as "Authorization: Bearer <token>" or "Authorization: Token token=<token>", or sign in']);
      principal = (await principalForToken(db, token)) ?? null;
      if (!principal) throw new VigilError('unauthenticated', ['the API token is not valid']);
      const now = clock.now();
      if (principal.expiresAt != null && principal.expiresAt <= now) throw new VigilError('unauthenticated', [`the API token expired at ${new Date(principal.expiresAt).toISOString()}`]);
      await noteTokenUse(db, principal, now);
      request.principal = principal;
    }
    const needed = perm ?? 'manage';
    if (!can(principal.role, needed)) throw new VigilError('forbidden', [`the ${principal.role} role cannot ${needed === 'respond' ? 'act on incidents' : needed === 'own' ? 'do this (owner only)' : 'change configuration'}`]);
    if (principal.scope && !scopeAllows(principal.scope, needed, request.method, request.routeOptions.config?.query === true)) {
      throw new VigilError('forbidden', [`this API token's scope is ${principal.scope}: it cannot ${principal.scope === 'read' ? 'change anything' : 'change anything but incidents'} (create a token with a wider scope)`]);
    }
  });
}

/**
 * What a token's scope lets it reach, within its member's role: `read` only reads (safe
 * methods, and POSTs that only query); `incidents_write` also acts on incidents (the routes
 * that need `respond`: acknowledge, resolve, notes, reassign…), never configuration or
 * accounts (so it cannot mint a wider token); `full` is the role's whole reach.
 */
export function scopeAllows(scope: NonNullable<TokenPrincipal['scope']>, needed: string, method: string, queryOnly: boolean): boolean {
  if (scope === 'full') return true;
  const reads = method === 'GET' || method === 'HEAD' || queryOnly;
  if (reads) return true;
  return scope === 'incidents_write' && needed === 'respond';
}

export function principalOf(request: FastifyRequest): TokenPrincipal {
  if (!request.principal) throw new VigilError('unauthenticated', ['no API token']);
  return request.principal;
}

/** The caller's locale (their `locale`, else the organization's default): the language Vigil's own sentences are answered in. */
export function callerLocale(db: Kysely<Database>, request: FastifyRequest): Promise<string> {
  const { orgId, userId } = principalOf(request);
  return memberLocale(db, orgId, userId);
}

export function agentOf(p: TokenPrincipal): AgentRef {
  return { id: p.userId, type: 'user_reference', summary: p.name };
}
