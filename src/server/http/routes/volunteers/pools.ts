/**
 * /api/v1/volunteer_pools: pools of volunteers that escalation policies target, their
 * members, who a pool would page now, and inserting a pool into a policy. Changes need
 * `manage` (coordinators); a volunteer sees only the pools they belong to.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../../contract/common.js';
import { PoolCreate, PoolLevel, PoolMemberStatus, PoolUpdate, VolunteerPool } from '../../../../contract/volunteer.js';
import { forbidden } from '../../../errors.js';
import * as pools from '../../../volunteer/pool-admin.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/volunteer.js';
import { instant } from '../../query.js';
import { IdParam, isVolunteer, staffOnly } from './access.js';

const MemberParams = Type.Object({ id: Type.String({ maxLength: 64 }), user_id: Type.String({ maxLength: 64 }) });
const PoolStatus = Type.Object({ at: Type.String(), strategy: Type.String(), would_page: Type.Array(Type.Object({ id: Type.String(), summary: Type.Union([Type.String(), Type.Null()]) })), members: Type.Array(PoolMemberStatus) });
const PoolStatusQuery = Type.Object({ at: Type.Optional(Type.String({ maxLength: 64 })) });
const PolicyWithLevel = Type.Object({ escalation_policy: Type.Object({ id: Type.String(), name: Type.String(), escalation_rules: Type.Array(Type.Object({ id: Type.String(), escalation_delay_in_minutes: Type.Integer(), targets: Type.Array(Type.Object({ id: Type.String(), type: Type.String() })) })) }) });

export function volunteerPoolRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const one = (d: pools.PoolDetails) => ({ volunteer_pool: present.volunteerPool(p, d) });

  app.get(
    '/api/v1/volunteer_pools',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Volunteer pools (a volunteer sees the pools they belong to)', tags: ['volunteers'], response: { 200: Type.Object({ volunteer_pools: Type.Array(VolunteerPool) }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const list = await pools.listPools(db, principal.orgId, isVolunteer(principal) ? principal.userId : undefined);
      return { volunteer_pools: list.map((d) => present.volunteerPool(p, d)) };
    },
  );

  app.post(
    '/api/v1/volunteer_pools',
    { schema: { summary: 'Create a volunteer pool (strategy all or round_robin; vetting and skills it requires; members)', tags: ['volunteers'], body: PoolCreate, response: { 201: Type.Object({ volunteer_pool: VolunteerPool }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      return reply.code(201).send(one(await pools.createPool(db, clock, principal.orgId, principal.userId, request.body.volunteer_pool)));
    },
  );

  app.get(
    '/api/v1/volunteer_pools/:id',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Get a volunteer pool', tags: ['volunteers'], params: IdParam, response: { 200: Type.Object({ volunteer_pool: VolunteerPool }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const pool = await pools.requirePool(db, principal.orgId, request.params.id);
      if (isVolunteer(principal) && !(await pools.isMember(db, principal.orgId, principal.userId, pool.id))) throw forbidden('volunteers see only the pools they belong to');
      return one((await pools.poolDetails(db, principal.orgId, [pool]))[0]!);
    },
  );

  app.put(
    '/api/v1/volunteer_pools/:id',
    { schema: { summary: 'Update a volunteer pool (members, when given, replace the current ones; those who stay keep their place)', tags: ['volunteers'], params: IdParam, body: PoolUpdate, response: { 200: Type.Object({ volunteer_pool: VolunteerPool }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      return one(await pools.updatePool(db, clock, principal.orgId, principal.userId, request.params.id, request.body.volunteer_pool));
    },
  );

  app.delete(
    '/api/v1/volunteer_pools/:id',
    { schema: { summary: 'Delete a volunteer pool (refused while an escalation policy targets it)', tags: ['volunteers'], params: IdParam, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      await pools.deletePool(db, clock, principal.orgId, principal.userId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );

  app.put(
    '/api/v1/volunteer_pools/:id/members/:user_id',
    { schema: { summary: 'Add a volunteer to the pool', tags: ['volunteers'], params: MemberParams, response: { 200: Type.Object({ volunteer_pool: VolunteerPool }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      return one(await pools.addPoolMember(db, clock, principal.orgId, principal.userId, request.params.id, request.params.user_id));
    },
  );

  app.delete(
    '/api/v1/volunteer_pools/:id/members/:user_id',
    { schema: { summary: 'Remove a volunteer from the pool', tags: ['volunteers'], params: MemberParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      await pools.removePoolMember(db, clock, principal.orgId, principal.userId, request.params.id, request.params.user_id);
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/volunteer_pools/:id/status',
    { config: { permission: 'read' }, schema: { summary: 'Who the pool would page now (or at `at`), least recently paged first, and why the others would not be paged', tags: ['volunteers'], params: IdParam, querystring: PoolStatusQuery, response: { 200: PoolStatus, ...errorResponses } } },
    async (request) => {
      const { orgId } = staffOnly(request);
      const pool = await pools.requirePool(db, orgId, request.params.id);
      const at = instant(request.query.at, 'at') ?? clock.now();
      return present.poolStatus(p, await pools.poolStatus(db, orgId, pool, at));
    },
  );

  app.post(
    '/api/v1/volunteer_pools/:id/escalation_levels',
    { schema: { summary: 'Insert a level targeting this pool into an escalation policy (volunteers as a backup layer behind staff); open incidents keep the policy they froze', tags: ['volunteers'], params: IdParam, body: PoolLevel, response: { 200: PolicyWithLevel, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const b = request.body.escalation_level;
      const { policy, rules } = await pools.addPoolLevel(db, clock, principal.orgId, principal.userId, request.params.id, { policyId: b.escalation_policy.id, position: b.position, delayMinutes: b.escalation_delay_in_minutes });
      return { escalation_policy: present.poolLevel(policy, rules) };
    },
  );
}
