import { Type } from 'typebox';
import { actorOf } from '../../org/audit.service.js';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { EscalationPolicy, EscalationPolicyCreate, EscalationPolicyUpdate } from '../../../contract/escalation.js';
import { createPolicy, listPolicies, requirePolicy, updatePolicy, type PolicyRow } from '../../escalation/policy.service.js';
import { policyFacts } from '../../schedule/schedule.service.js';
import { teamsOfObjects } from '../../org/team.service.js';
import { TeamIdsQuery } from '../../../contract/team.js';
import { teamRefs } from '../presenters/team.js';
import { deletePolicyIfUnused } from '../../service/service.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { arr, checkWindow } from '../query.js';

async function present(deps: AppDeps, orgId: string, policies: PolicyRow[]) {
  const facts = await policyFacts(deps.db, orgId, policies);
  const teams = await teamsOfObjects(deps.db, orgId, 'escalation_policy', policies.map((pol) => pol.id));
  return policies.map((pol) => ({ ...deps.presenter.escalationPolicy(pol, facts), teams: teamRefs(deps.presenter, teams.get(pol.id)) }));
}

export function escalationPolicyRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  app.get(
    '/api/v1/escalation_policies',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List escalation policies (user_ids[]: those that target any of these users directly; team_ids[]: those any of these teams owns)',
        tags: ['escalation policies'],
        querystring: Type.Object({
          ...PageQuery,
          query: Type.Optional(Type.String({ maxLength: 255 })),
          'user_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
          ...TeamIdsQuery,
          'include[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
          sort_by: Type.Optional(Type.String({ maxLength: 32 })),
        }),
        response: { 200: Type.Object({ escalation_policies: Type.Array(EscalationPolicy), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const userIds = arr(q['user_ids[]']);
      const teamIds = arr(q['team_ids[]']);
      const { rows, total } = await listPolicies(db, orgId, { ...(q.query ? { query: q.query } : {}), ...(userIds ? { userIds } : {}), ...(teamIds ? { teamIds } : {}), limit, offset });
      return page('escalation_policies', await present(deps, orgId, rows), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/escalation_policies',
    {
      schema: {
        summary: 'Create an escalation policy: ordered levels (escalation_rules), each with targets (users, schedules) and a delay before the next level; num_loops repeats. Incidents freeze the policy when they trigger.',
        tags: ['escalation policies'],
        body: EscalationPolicyCreate,
        response: { 201: Type.Object({ escalation_policy: EscalationPolicy }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const pol = await createPolicy(db, clock, deps.targets, orgId, request.body.escalation_policy, actorOf(principalOf(request)));
      return reply.code(201).send({ escalation_policy: (await present(deps, orgId, [pol]))[0]! });
    },
  );

  app.get(
    '/api/v1/escalation_policies/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get an escalation policy', tags: ['escalation policies'], params: IdParams, response: { 200: Type.Object({ escalation_policy: EscalationPolicy }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { escalation_policy: (await present(deps, orgId, [await requirePolicy(db, orgId, request.params.id)]))[0]! };
    },
  );

  app.put(
    '/api/v1/escalation_policies/:id',
    {
      schema: {
        summary: 'Update an escalation policy (fields not sent are kept). Open incidents keep the policy they froze when they triggered.',
        tags: ['escalation policies'],
        params: IdParams,
        body: EscalationPolicyUpdate,
        response: { 200: Type.Object({ escalation_policy: EscalationPolicy }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const pol = await updatePolicy(db, clock, deps.targets, orgId, request.params.id, request.body.escalation_policy, actorOf(principalOf(request)));
      return { escalation_policy: (await present(deps, orgId, [pol]))[0]! };
    },
  );

  app.delete(
    '/api/v1/escalation_policies/:id',
    { schema: { summary: 'Delete an escalation policy (400 while a service uses it)', tags: ['escalation policies'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await deletePolicyIfUnused(db, clock, orgId, request.params.id, actorOf(principalOf(request)));
      return reply.code(204).send(undefined as never);
    },
  );
}
