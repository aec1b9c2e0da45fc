import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { errorResponses } from '../../../contract/common.js';
import { UserSession } from '../../../contract/user-session.js';
import { revokeAllUserSessions, revokeUserSession, userSession, userSessions } from '../../account/user-sessions.service.js';
import { forbidden, notFound } from '../../errors.js';
import { findUser } from '../../org/org.service.js';
import { canActOn } from '../../org/roles.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { userSession as present } from '../presenters/user-session.js';

const tags = ['users'];
const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const SessionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), type: Type.String({ minLength: 1, maxLength: 32 }), session_id: Type.String({ minLength: 1, maxLength: 64 }) });
const config = { permission: 'read' as const, memberRules: ['not_above_own_role' as const] };

/** A member themselves, or a manager whose role is at least theirs: sessions are account security. */
async function sessionOwner(deps: AppDeps, request: FastifyRequest, id: string) {
  const principal = principalOf(request);
  const user = await findUser(deps.db, principal.orgId, id === 'me' ? principal.userId : id);
  if (!user) throw notFound(`user ${id}`);
  if (user.id !== principal.userId && !canActOn(principal.role, user.role)) throw forbidden(`a ${principal.role} cannot see or end the sessions of ${user.role === principal.role ? 'another member' : `a ${user.role}`}`);
  return { orgId: principal.orgId, userId: user.id };
}

/** PagerDuty's user sessions: a member's browser sign-ins; deleting one signs that browser out. */
export function userSessionRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  app.get(
    '/api/v1/users/:id/sessions',
    { config, schema: { summary: "A member's live browser sessions, newest first (their own; a manager's for members not above their role)", tags, params: UserParams, response: { 200: Type.Object({ user_sessions: Type.Array(UserSession) }), ...errorResponses } } },
    async (request) => {
      const { orgId, userId } = await sessionOwner(deps, request, request.params.id);
      return { user_sessions: (await userSessions(db, clock, orgId, userId)).map(present) };
    },
  );

  app.delete(
    '/api/v1/users/:id/sessions',
    { config, schema: { summary: "End every browser session of a member (the caller's own too, when it is theirs): each cookie is refused from the next request", tags, params: UserParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId, userId } = await sessionOwner(deps, request, request.params.id);
      await revokeAllUserSessions(db, clock, orgId, userId);
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/users/:id/sessions/:type/:session_id',
    { config, schema: { summary: 'One live session of a member (type browser; Vigil has no oauth sessions)', tags, params: SessionParams, response: { 200: Type.Object({ user_session: UserSession }), ...errorResponses } } },
    async (request) => {
      const { orgId, userId } = await sessionOwner(deps, request, request.params.id);
      return { user_session: present(await userSession(db, clock, orgId, userId, request.params.type, request.params.session_id)) };
    },
  );

  app.delete(
    '/api/v1/users/:id/sessions/:type/:session_id',
    { config, schema: { summary: 'End one session of a member: its cookie is refused from the next request', tags, params: SessionParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId, userId } = await sessionOwner(deps, request, request.params.id);
      await revokeUserSession(db, clock, orgId, userId, request.params.type, request.params.session_id);
      return reply.code(204).send(undefined as never);
    },
  );
}
