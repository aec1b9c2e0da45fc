/**
 * Teams: PagerDuty's /teams (list, create, get, update, remove), their members
 * (GET /teams/{id}/members, PUT|DELETE /teams/{id}/users/{user_id} with a team role) and the
 * escalation policies they own (PUT|DELETE /teams/{id}/escalation_policies/{id}). Admins and
 * owners change teams; a team's own managers also change its members; every member reads.
 */
import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Team, TeamCreate, TeamMember, TeamUpdate, TeamUserBody } from '../../../contract/team.js';
import { linkPolicyToTeam, unlinkPolicyFromTeam } from '../../escalation/policy.service.js';
import { createTeam, deleteTeam, listTeams, removeTeamMember, requireTeam, setTeamMember, teamMembers, updateTeam } from '../../org/team.service.js';
import { actorOf } from '../../org/audit.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { presentTeam, presentTeamMember } from '../presenters/team.js';
import { checkWindow } from '../query.js';

const tags = ['teams'];
const TeamAnswer = Type.Object({ team: Team });
const TeamUserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), user_id: Type.String({ minLength: 1, maxLength: 64 }) });
const TeamPolicyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), escalation_policy_id: Type.String({ minLength: 1, maxLength: 64 }) });
const NoContent = { 204: Type.Null(), ...errorResponses };

export function teamRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;

  app.get(
    '/api/v1/teams',
    {
      config: { permission: 'read' },
      schema: { summary: 'List teams by name (query: names containing it)', tags, querystring: Type.Object({ ...PageQuery, query: Type.Optional(Type.String({ maxLength: 255 })) }), response: { 200: Type.Object({ teams: Type.Array(Team), ...Pagination }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const { rows, total } = await listTeams(db, orgId, { ...(q.query ? { query: q.query } : {}), limit, offset });
      return page('teams', rows.map((t) => presentTeam(p, t)), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/teams',
    { schema: { summary: 'Create a team (admins); names are unique in the organization', tags, body: TeamCreate, response: { 201: TeamAnswer, ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      return reply.code(201).send({ team: presentTeam(p, await createTeam(deps, orgId, request.body.team, actorOf(principalOf(request)))) });
    },
  );

  app.get('/api/v1/teams/:id', { config: { permission: 'read' }, schema: { summary: 'Get a team', tags, params: IdParams, response: { 200: TeamAnswer, ...errorResponses } } }, async (request) => {
    const { orgId } = principalOf(request);
    return { team: presentTeam(p, await requireTeam(db, orgId, request.params.id)) };
  });

  app.put(
    '/api/v1/teams/:id',
    { schema: { summary: 'Rename or describe a team (admins); fields not sent are kept', tags, params: IdParams, body: TeamUpdate, response: { 200: TeamAnswer, ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { team: presentTeam(p, await updateTeam(deps, orgId, request.params.id, request.body.team, actorOf(principalOf(request)))) };
    },
  );

  app.delete(
    '/api/v1/teams/:id',
    {
      schema: {
        summary: 'Remove a team (admins): its members keep their accounts; what it owned moves to reassignment_team when given, else stays without a team',
        tags,
        params: IdParams,
        querystring: Type.Object({ reassignment_team: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }),
        response: NoContent,
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await deleteTeam(deps, orgId, request.params.id, request.query.reassignment_team, actorOf(principalOf(request)));
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/teams/:id/members',
    { config: { permission: 'read' }, schema: { summary: "A team's members with their team roles, by name", tags, params: IdParams, querystring: Type.Object(PageQuery), response: { 200: Type.Object({ members: Type.Array(TeamMember), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      checkWindow(limit, offset);
      const { rows, total } = await teamMembers(db, orgId, request.params.id, limit, offset);
      return page('members', rows.map((m) => presentTeamMember(p, m)), limit, offset, total, request.query.total);
    },
  );

  app.put(
    '/api/v1/teams/:id/users/:user_id',
    {
      config: { permission: 'read' },
      schema: {
        summary: "Add a member to a team or change their team role (observer, responder, manager): admins, owners and the team's own managers; anyone else 403",
        tags,
        params: TeamUserParams,
        body: Type.Optional(TeamUserBody),
        response: NoContent,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await setTeamMember(deps, principal.orgId, request.params.id, request.params.user_id, request.body?.role, principal, actorOf(principal));
      return reply.code(204).send(undefined as never);
    },
  );

  app.delete(
    '/api/v1/teams/:id/users/:user_id',
    { config: { permission: 'read' }, schema: { summary: "Remove a member from a team: admins, owners and the team's own managers; anyone else 403", tags, params: TeamUserParams, response: NoContent } },
    async (request, reply) => {
      const principal = principalOf(request);
      await removeTeamMember(deps, principal.orgId, request.params.id, request.params.user_id, principal, actorOf(principal));
      return reply.code(204).send(undefined as never);
    },
  );

  app.put(
    '/api/v1/teams/:id/escalation_policies/:escalation_policy_id',
    { schema: { summary: 'Give an escalation policy to a team (admins); it shows in the policy\'s teams', tags, params: TeamPolicyParams, response: NoContent } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await linkPolicyToTeam(db, orgId, request.params.id, request.params.escalation_policy_id);
      return reply.code(204).send(undefined as never);
    },
  );

  app.delete(
    '/api/v1/teams/:id/escalation_policies/:escalation_policy_id',
    { schema: { summary: 'Take an escalation policy from a team (admins); 404 when the team does not have it', tags, params: TeamPolicyParams, response: NoContent } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await unlinkPolicyFromTeam(db, orgId, request.params.id, request.params.escalation_policy_id);
      return reply.code(204).send(undefined as never);
    },
  );
}
