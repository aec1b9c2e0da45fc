/**
 * Cookie authentication for /api/*, beside the API tokens of http/plugins/auth.ts.
 * Runs onRequest, before auth.ts's preHandler: a live session cookie sets
 * request.principal (auth.ts then applies the route's permission as for a token).
 * A request that carries an Authorization header is left to auth.ts alone, and a
 * public route ignores cookies (but the session probe, `sessionProbe`, which answers
 * who is signed in, or nobody, without a 401). On an unsafe method the X-CSRF-Token header must
 * equal the session's CSRF token; without it the request is refused before its
 * body is even read. When the organization requires two-factor authentication of the
 * member's role and they have none active, the session reaches only the routes marked
 * `twoFactorEnrolment` (who am I, sign out, enrolment): every other answers 403.
 */
import type { FastifyInstance } from 'fastify';
import { VigilError } from '../../errors.js';
import { constantTimeEqual } from '../../lib/secrets.js';
import type { AppDeps } from '../deps.js';
import { authenticateSession } from '../../account/account.service.js';
import { enrolmentRequired } from '../../account/two-factor.service.js';
import { isApiRoute } from './auth.js';
import { SESSION_COOKIE, parseCookies } from '../cookies.js';

const CSRF_HEADER = 'x-csrf-token';

function isUnsafeMethod(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when a session cookie authenticated the request. */
    /** `createdAt`: when the member signed in; a fresh sign-in stands in for the password when changing one's own email. */
    webSession: { id: string; csrfToken: string; expiresAt: number; createdAt: number } | null;
  }
  interface FastifyContextConfig {
    /** Open to a session held to two-factor enrolment by the organization's requirement. */
    twoFactorEnrolment?: boolean;
    /**
     * A public route that still reads the session cookie (GET /api/v1/session/probe): a live
     * session sets request.principal; no cookie, or a stale one, leaves it null and the route runs.
     */
    sessionProbe?: boolean;
  }
}

export function registerSessionAuth(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('webSession', null);
  app.addHook('onRequest', async (request) => {
    if (!isApiRoute(request) || request.headers.authorization) return;
    if (request.routeOptions.config?.permission === 'public' && request.routeOptions.config?.sessionProbe !== true) return;
    const token = parseCookies(request.headers.cookie)[SESSION_COOKIE];
    if (!token) return;
    const p = await authenticateSession(deps.db, deps.clock, token);
    if (!p) return; // a stale cookie is simply not signed in: auth.ts answers 401
    if (isUnsafeMethod(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !constantTimeEqual(sent, p.session.csrf_token)) {
        throw new VigilError('forbidden', ['the X-CSRF-Token header is missing or wrong; reload the page']);
      }
    }
    if (request.routeOptions.config?.twoFactorEnrolment !== true && (await enrolmentRequired(deps.db, p.orgId, p.userId, p.role))) {
      throw new VigilError('forbidden', [`two-factor enrolment required: this organization requires two-factor authentication of a ${p.role}; enrol an authenticator first (POST /api/v1/session/two_factor/enrolment)`]);
    }
    const { session, ...principal } = p;
    request.principal = principal;
    request.webSession = { id: session.id, csrfToken: session.csrf_token, expiresAt: session.expires_at, createdAt: session.created_at };
  });
}
