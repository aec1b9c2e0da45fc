import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { User, UserCreate, UserUpdate } from '../../../contract/user.js';
import { forbidden, notFound } from '../../errors.js';
import { addMember, findUser, listMembers, removeMember } from '../../org/org.service.js';
import { can, canActOn, canGrant } from '../../org/roles.js';
import { actorOf } from '../../org/audit.service.js';
import { changeMemberAccount } from '../../account/email-change.service.js';
import { audit } from '../../volunteer/access.service.js';
import type { Role } from '../../storage/schema.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { arr, checkWindow } from '../query.js';
import { teamsOfUsers } from '../../org/team.service.js';
import { TeamIdsQuery } from '../../../contract/team.js';
import { teamRefs } from '../presenters/team.js';
import type { UserTable } from '../../storage/schema.js';

/** Members of the organization. Roles decide who may change whom; only an owner touches an owner. */
export function userRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  /** Members with the teams they belong to (PagerDuty's user.teams). */
  const withTeams = async (orgId: string, users: UserTable[]) => {
    const teams = await teamsOfUsers(db, orgId, users.map((u) => u.id));
    return users.map((u) => ({ ...p.user(u), teams: teamRefs(p, teams.get(u.id)) }));
  };

  app.get(
    '/api/v1/users',
    {
      config: { permission: 'read' },
      schema: { summary: 'List members (team_ids[]: members of any of these teams)', tags: ['users'], querystring: Type.Object({ ...PageQuery, ...TeamIdsQuery, query: Type.Optional(Type.String({ maxLength: 255 })), 'roles[]': Type.Optional(Type.Array(Type.String({ maxLength: 32 }))) }), response: { 200: Type.Object({ users: Type.Array(User), ...Pagination }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const roles = arr(q['roles[]']) as Role[] | undefined;
      const teamIds = arr(q['team_ids[]']);
      const { rows, total } = await listMembers(db, orgId, { ...(q.query ? { query: q.query } : {}), ...(roles ? { roles } : {}), ...(teamIds ? { teamIds } : {}), limit, offset });
      return page('users', await withTeams(orgId, rows), limit, offset, total, q.total);
    },
  );

  app.get(
    '/api/v1/users/me',
    { config: { permission: 'read' }, schema: { summary: 'The user the API token belongs to', tags: ['users'], response: { 200: Type.Object({ user: User }), ...errorResponses } } },
    async (request) => {
      const { orgId, userId } = principalOf(request);
      const u = await findUser(db, orgId, userId);
      if (!u) throw notFound('user');
      return { user: (await withTeams(orgId, [u]))[0]! };
    },
  );

  app.post(
    '/api/v1/users',
    { config: { memberRules: ['owner_role_by_owner'] }, schema: { summary: 'Add a member (admin; only an owner can add an owner)', tags: ['users'], body: UserCreate, response: { 201: Type.Object({ user: User }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body.user;
      const role = b.role ?? 'responder';
      if (!canGrant(principal.role, role)) throw forbidden(`a ${principal.role} cannot grant the ${role} role`);
      const row = await addMember(db, clock, principal.orgId, { name: b.name, email: b.email, role, time_zone: b.time_zone, locale: b.locale }, actorOf(principal));
      await audit(db, principal.orgId, principal.userId, `user.create ${role}`, `users/${row.id}`, clock.now());
      return reply.code(201).send({ user: p.user(row) });
    },
  );

  app.get(
    '/api/v1/users/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a member', tags: ['users'], params: IdParams, response: { 200: Type.Object({ user: User }), ...errorResponses } } },
    async (request) => {
      const u = await findUser(db, principalOf(request).orgId, request.params.id);
      if (!u) throw notFound(`user ${request.params.id}`);
      return { user: (await withTeams(u.org_id, [u]))[0]! };
    },
  );

  app.put(
    '/api/v1/users/:id',
    {
      config: { permission: 'read', memberRules: ['not_above_own_role', 'email_by_higher_role', 'owner_role_by_owner'] },
      schema: {
        summary:
          'Update a member: yourself, or, as admin, a member whose role is not above yours. An email changes only by the member themselves (with current_password, or within 10 minutes of signing in) or by a higher role; the old address is emailed a link that undoes it for 7 days, and the member is signed out of the web.',
        tags: ['users'],
        params: IdParams,
        body: UserUpdate,
        response: { 200: Type.Object({ user: User }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const u = await findUser(db, principal.orgId, request.params.id);
      if (!u) throw notFound(`user ${request.params.id}`);
      const self = u.id === principal.userId;
      if (!self && !canActOn(principal.role, u.role)) throw forbidden(can(principal.role, 'manage') ? `a ${principal.role} cannot change a ${u.role}` : 'only admins can change other members');
      const b = request.body.user;
      if (b.role !== undefined && b.role !== u.role) {
        if (!canGrant(principal.role, b.role) || !canActOn(principal.role, u.role)) throw forbidden(`a ${principal.role} cannot change this role to ${b.role}`);
      }
      const actor = { ...principal, session: request.webSession ? { id: request.webSession.id, createdAt: request.webSession.createdAt } : null };
      return { user: p.user(await changeMemberAccount(db, clock, deps.config.publicUrl, actor, u, b)) };
    },
  );

  app.delete(
    '/api/v1/users/:id',
    { config: { memberRules: ['not_above_own_role'] }, schema: { summary: 'Remove a member (their tokens are revoked)', tags: ['users'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const u = await findUser(db, principal.orgId, request.params.id);
      if (!u) throw notFound(`user ${request.params.id}`);
      if (!canActOn(principal.role, u.role)) throw forbidden(`a ${principal.role} cannot remove a ${u.role}`);
      await removeMember(db, clock, principal.orgId, u, actorOf(principal));
      await audit(db, principal.orgId, principal.userId, `user.remove ${u.role}`, `users/${u.id}`, clock.now());
      return reply.code(204).send(undefined as never);
    },
  );
}
