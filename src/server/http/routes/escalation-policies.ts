import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { EscalationPolicy, EscalationPolicyCreate, EscalationPolicyUpdate } from '../../../contract/escalation.js';
import { notFound } from '../../errors.js';
import { allPolicies, createPolicy, targetsOf, updatePolicy } from '../../escalation/policy.service.js';
import { deletePolicyIfUnused, servicesUsingPolicy } from '../../service/service.service.js';
import * as store from '../../escalation/policy.store.js';
import type { PolicyRow } from '../../escalation/policy.store.js';
import { iso } from '../../lib/clock.js';
import { getUsers } from '../../org/org.store.js';
import { getSchedules } from '../../schedule/schedule.store.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { arr, checkWindow } from '../query.js';
import { page } from '../presenters/common.js';

export function escalationPolicyRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  async function present(orgId: string, policies: PolicyRow[]) {
    const targets = policies.flatMap(targetsOf);
    const [users, schedules, services] = await Promise.all([
      getUsers(db, orgId, [...new Set(targets.filter((t) => t.type === 'user_reference').map((t) => t.id))]),
      // Deleted schedules are not returned; their references keep a null summary.
      getSchedules(db, orgId, [...new Set(targets.filter((t) => t.type === 'schedule_reference').map((t) => t.id))]),
      Promise.all(policies.map((pol) => servicesUsingPolicy(db, orgId, pol.id))),
    ]);
    const name = new Map<string, string>([...users.map((u) => [`user_reference:${u.id}`, u.name] as const), ...schedules.map((s) => [`schedule_reference:${s.id}`, s.name] as const)]);
    return policies.map((pol, i) => ({
      id: pol.id,
      type: 'escalation_policy' as const,
      summary: pol.name,
      self: `${p.baseUrl}/api/v1/escalation_policies/${pol.id}`,
      html_url: `${p.baseUrl}/escalation_policies/${pol.id}`,
      name: pol.name,
      description: pol.description,
      num_loops: Number(pol.num_loops),
      on_call_handoff_notifications: 'if_has_services',
      escalation_rules: pol.rules.map((r) => ({
        id: r.id,
        escalation_delay_in_minutes: r.escalation_delay_in_minutes,
        targets: r.targets.map((t) => p.ref(t.type, t.id, name.get(`${t.type}:${t.id}`) ?? null, t.type === 'user_reference' ? 'users' : 'schedules')),
      })),
      services: services[i]!.map((s) => p.ref('service_reference', s.id, s.name, 'services')),
      teams: [],
      created_at: iso(Number(pol.created_at)),
      updated_at: iso(Number(pol.updated_at)),
    }));
  }

  async function requirePolicy(orgId: string, id: string) {
    const pol = await store.getPolicy(db, orgId, id);
    if (!pol) throw notFound(`escalation policy ${id}`);
    return pol;
  }

  app.get(
    '/api/v1/escalation_policies',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List escalation policies (user_ids[]: those that target any of these users directly)',
        tags: ['escalation policies'],
        querystring: Type.Object({
          ...PageQuery,
          query: Type.Optional(Type.String({ maxLength: 255 })),
          'user_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
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
      let rows: PolicyRow[];
      let total: number;
      if (userIds?.length) {
        const wanted = new Set(userIds);
        const needle = q.query?.toLowerCase();
        const all = (await allPolicies(db, orgId)).filter((pol) => targetsOf(pol).some((t) => t.type === 'user_reference' && wanted.has(t.id)) && (!needle || pol.name.toLowerCase().includes(needle)));
        rows = all.slice(offset, offset + limit);
        total = all.length;
      } else ({ rows, total } = await store.listPolicies(db, orgId, { ...(q.query ? { query: q.query } : {}), limit, offset }));
      return page('escalation_policies', await present(orgId, rows), limit, offset, total, q.total);
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
      const pol = await createPolicy(db, clock, deps.targets, orgId, request.body.escalation_policy);
      return reply.code(201).send({ escalation_policy: (await present(orgId, [pol]))[0]! });
    },
  );

  app.get(
    '/api/v1/escalation_policies/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get an escalation policy', tags: ['escalation policies'], params: IdParams, response: { 200: Type.Object({ escalation_policy: EscalationPolicy }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { escalation_policy: (await present(orgId, [await requirePolicy(orgId, request.params.id)]))[0]! };
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
      const pol = await updatePolicy(db, clock, deps.targets, orgId, request.params.id, request.body.escalation_policy);
      return { escalation_policy: (await present(orgId, [pol]))[0]! };
    },
  );

  app.delete(
    '/api/v1/escalation_policies/:id',
    { schema: { summary: 'Delete an escalation policy (400 while a service uses it)', tags: ['escalation policies'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await deletePolicyIfUnused(db, clock, orgId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );
}
