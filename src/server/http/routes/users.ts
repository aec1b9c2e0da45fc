
import { IANAZone } from 'luxon';
import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { ApiToken, ApiTokenCreate, Organization, User, UserCreate, UserUpdate } from '../../../contract/user.js';
import { VigilError, forbidden, invalid, notFound } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import * as orgStore from '../../org/org.store.js';
import * as tokenStore from '../../org/token.store.js';
import { createToken } from '../../org/org.service.js';
import { can, canGrant } from '../../org/roles.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { checkWindow, arr } from '../query.js';
import { page } from '../presenters/common.js';

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === '23505' || (e?.code ?? '').startsWith('SQLITE_CONSTRAINT');
}

export function userRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const checkZone = (tz: string | null | undefined) => {
    if (tz && !IANAZone.isValidZone(tz)) throw invalid(`user.time_zone: ${tz} is not an IANA time zone`);
  };

  app.get(
    '/api/v1/organization',
    { config: { permission: 'read' }, schema: { summary: 'The organization of the API token', tags: ['users'], response: { 200: Type.Object({ organization: Organization }), ...errorResponses } } },
    async (request) => {
      const org = await orgStore.getOrganization(db, principalOf(request).orgId);
      if (!org) throw notFound('organization');
      return { organization: p.organization(org) };
    },
  );

  app.get(
    '/api/v1/users',
    {
      config: { permission: 'read' },
      schema: { summary: 'List members', tags: ['users'], querystring: Type.Object({ ...PageQuery, query: Type.Optional(Type.String({ maxLength: 255 })), 'roles[]': Type.Optional(Type.Array(Type.String({ maxLength: 32 }))) }), response: { 200: Type.Object({ users: Type.Array(User), ...Pagination }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const roles = arr(q['roles[]']) as orgStore.UserQuery['roles'];
      const { rows, total } = await orgStore.listUsers(db, orgId, { ...(q.query ? { query: q.query } : {}), ...(roles ? { roles } : {}), limit, offset });
      return page('users', rows.map((u) => p.user(u)), limit, offset, total, q.total);
    },
  );

  app.get(
    '/api/v1/users/me',
    { config: { permission: 'read' }, schema: { summary: 'The user the API token belongs to', tags: ['users'], response: { 200: Type.Object({ user: User }), ...errorResponses } } },
    async (request) => {
      const { orgId, userId } = principalOf(request);
      const u = await orgStore.getUser(db, orgId, userId);
      if (!u) throw notFound('user');
      return { user: p.user(u) };
    },
  );

  app.post(
    '/api/v1/users',
    { schema: { summary: 'Add a member (admin; only an owner can add an owner)', tags: ['users'], body: UserCreate, response: { 201: Type.Object({ user: User }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body.user;
      const role = b.role ?? 'responder';
      if (!canGrant(principal.role, role)) throw forbidden(`a ${principal.role} cannot grant the ${role} role`);
      checkZone(b.time_zone);
      const now = clock.now();
      const row = { org_id: principal.orgId, id: newId(now), name: b.name.trim(), email: b.email.toLowerCase(), role, time_zone: b.time_zone ?? null, created_at: now, deleted_at: null };
      try {
        await orgStore.insertUser(db, row);
      } catch (err) {
        if (isUniqueViolation(err)) throw new VigilError('conflict', [`user.email: ${row.email} is already a member`]);
        throw err;
      }
      return reply.code(201).send({ user: p.user(row) });
    },
  );

  app.get(
    '/api/v1/users/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a member', tags: ['users'], params: IdParams, response: { 200: Type.Object({ user: User }), ...errorResponses } } },
    async (request) => {
      const u = await orgStore.getUser(db, principalOf(request).orgId, request.params.id);
      if (!u) throw notFound(`user ${request.params.id}`);
      return { user: p.user(u) };
    },
  );

  app.put(
    '/api/v1/users/:id',
    { config: { permission: 'read' }, schema: { summary: 'Update a member (yourself, or anyone as admin)', tags: ['users'], params: IdParams, body: UserUpdate, response: { 200: Type.Object({ user: User }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const u = await orgStore.getUser(db, principal.orgId, request.params.id);
      if (!u) throw notFound(`user ${request.params.id}`);
      const self = u.id === principal.userId;
      if (!self && !can(principal.role, 'manage')) throw forbidden('only admins can change other members');
      const b = request.body.user;
      if (b.role !== undefined && b.role !== u.role) {
        if (!canGrant(principal.role, b.role) || (u.role === 'owner' && principal.role !== 'owner')) throw forbidden(`a ${principal.role} cannot change this role to ${b.role}`);
        if (u.role === 'owner' && (await orgStore.countOwners(db, principal.orgId)) <= 1) throw invalid('user.role: the last owner cannot be demoted');
      }
      checkZone(b.time_zone);
      const patch = { ...(b.name ? { name: b.name.trim() } : {}), ...(b.email ? { email: b.email.toLowerCase() } : {}), ...(b.role ? { role: b.role } : {}), ...(b.time_zone !== undefined ? { time_zone: b.time_zone } : {}) };
      try {
        await orgStore.updateUser(db, principal.orgId, u.id, patch);
      } catch (err) {
        if (isUniqueViolation(err)) throw new VigilError('conflict', [`user.email: ${b.email} is already a member`]);
        throw err;
      }
      return { user: p.user({ ...u, ...patch }) };
    },
  );

  app.delete(
    '/api/v1/users/:id',
    { schema: { summary: 'Remove a member (their tokens are revoked)', tags: ['users'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const u = await orgStore.getUser(db, principal.orgId, request.params.id);
      if (!u) throw notFound(`user ${request.params.id}`);
      if (u.role === 'owner') {
        if (principal.role !== 'owner') throw forbidden('only an owner can remove an owner');
        if ((await orgStore.countOwners(db, principal.orgId)) <= 1) throw invalid('user: the last owner cannot be removed');
      }
      await orgStore.softDeleteUser(db, principal.orgId, u.id, clock.now());
      return reply.code(204).send(undefined as never);
    },
  );

  const presentToken = (t: { id: string; description: string; user_id: string; created_at: number }, token?: string) => ({
    id: t.id,
    type: 'api_token' as const,
    description: t.description,
    user: { id: t.user_id, type: 'user_reference' },
    created_at: iso(t.created_at),
    ...(token ? { token } : {}),
  });

  app.get(
    '/api/v1/api_tokens',
    { config: { permission: 'read' }, schema: { summary: 'Your API tokens (all of them, as admin)', tags: ['users'], response: { 200: Type.Object({ api_tokens: Type.Array(ApiToken) }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const rows = await tokenStore.listTokens(db, principal.orgId, can(principal.role, 'manage') ? null : principal.userId);
      return { api_tokens: rows.map((t) => presentToken(t)) };
    },
  );

  app.post(
    '/api/v1/api_tokens',
    { config: { permission: 'read' }, schema: { summary: 'Create an API token (for yourself, or for a member as admin). The token is shown once.', tags: ['users'], body: ApiTokenCreate, response: { 201: Type.Object({ api_token: ApiToken }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const forUser = request.body.api_token.user?.id ?? principal.userId;
      if (forUser !== principal.userId && !can(principal.role, 'manage')) throw forbidden('only admins can create tokens for other members');
      const u = await orgStore.getUser(db, principal.orgId, forUser);
      if (!u) throw invalid(`api_token.user: user ${forUser} not found`);
      if (u.role === 'owner' && forUser !== principal.userId && principal.role !== 'owner') throw forbidden("only an owner can create an owner's token");
      const t = await createToken(db, clock, principal.orgId, forUser, request.body.api_token.description);
      return reply.code(201).send({ api_token: presentToken({ id: t.id, description: request.body.api_token.description, user_id: forUser, created_at: t.created_at }, t.token) });
    },
  );

  app.delete(
    '/api/v1/api_tokens/:id',
    { config: { permission: 'read' }, schema: { summary: 'Revoke an API token', tags: ['users'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const t = await tokenStore.getToken(db, principal.orgId, request.params.id);
      if (!t || (t.user_id !== principal.userId && !can(principal.role, 'manage'))) throw notFound(`api token ${request.params.id}`);
      await tokenStore.revokeToken(db, principal.orgId, t.id, clock.now());
      return reply.code(204).send(undefined as never);
    },
  );
}
