import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { ApiToken, ApiTokenCreate } from '../../../contract/user.js';
import { forbidden, invalid, notFound } from '../../errors.js';
import { parseTimestamp } from '../../lib/timestamp.js';
import { createToken, findToken, findUser, listTokens, revokeToken } from '../../org/org.service.js';
import { can, canActOn } from '../../org/roles.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { audit } from '../../volunteer/access.service.js';

/** API tokens: members manage their own, admins anyone's. A token is shown once and stored hashed. */
export function apiTokenRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/api_tokens',
    { config: { permission: 'read' }, schema: { summary: 'Your API tokens (all of them, as admin)', tags: ['users'], response: { 200: Type.Object({ api_tokens: Type.Array(ApiToken) }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const rows = await listTokens(db, principal.orgId, can(principal.role, 'manage') ? null : principal.userId);
      return { api_tokens: rows.map((t) => p.apiToken(t)) };
    },
  );

  app.post(
    '/api/v1/api_tokens',
    { config: { permission: 'read', memberRules: ['not_above_own_role'] }, schema: { summary: 'Create an API token (for yourself, or for a member as admin). The token is shown once.', tags: ['users'], body: ApiTokenCreate, response: { 201: Type.Object({ api_token: ApiToken }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const forUser = request.body.api_token.user?.id ?? principal.userId;
      if (forUser !== principal.userId && !can(principal.role, 'manage')) throw forbidden('only admins can create tokens for other members');
      const u = await findUser(db, principal.orgId, forUser);
      if (!u) throw invalid(`api_token.user: user ${forUser} not found`);
      if (forUser !== principal.userId && !canActOn(principal.role, u.role)) throw forbidden(`a ${principal.role} cannot create a token for a ${u.role}`);
      const { scope, expires_at } = request.body.api_token;
      const expiresAt = expires_at ? parseTimestamp(expires_at) : null;
      if (expires_at && expiresAt === null) throw invalid(`api_token.expires_at must be an ISO 8601 date-time, got ${JSON.stringify(expires_at).slice(0, 64)}`);
      const t = await createToken(db, clock, principal.orgId, forUser, request.body.api_token.description, { scope: scope ?? 'full', expiresAt });
      await audit(db, principal.orgId, principal.userId, 'api_token.create', `users/${forUser}/api_tokens/${t.id}`, clock.now());
      return reply.code(201).send({ api_token: p.apiToken(t, t.token) });
    },
  );

  app.delete(
    '/api/v1/api_tokens/:id',
    { config: { permission: 'read', memberRules: ['not_above_own_role'] }, schema: { summary: 'Revoke an API token', tags: ['users'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const t = await findToken(db, principal.orgId, request.params.id);
      if (!t || (t.user_id !== principal.userId && !can(principal.role, 'manage'))) throw notFound(`api token ${request.params.id}`);
      const holder = t.user_id === principal.userId ? undefined : await findUser(db, principal.orgId, t.user_id);
      if (holder && !canActOn(principal.role, holder.role)) throw forbidden(`a ${principal.role} cannot revoke the token of a ${holder.role}`);
      await revokeToken(db, clock, principal.orgId, t.id);
      await audit(db, principal.orgId, principal.userId, 'api_token.revoke', `users/${t.user_id}/api_tokens/${t.id}`, clock.now());
      return reply.code(204).send(undefined as never);
    },
  );
}
