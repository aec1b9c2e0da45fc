/**
 * Incident priorities: PagerDuty's `GET /priorities` (most to least severe), and Vigil's
 * admin writes (PagerDuty's REST API has none). Removal is refused while an open incident
 * or an event rule uses the priority (incident/priority.service.ts says why).
 */
import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Priority, PriorityCreate, PriorityUpdate } from '../../../contract/priority.js';
import { deletePriority } from '../../incident/priority.service.js';
import { createPriority, listPriorities, requirePriority, updatePriority } from '../../org/priority.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';

export function priorityRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;

  app.get(
    '/api/v1/priorities',
    { config: { permission: 'read' }, schema: { summary: 'List priorities, most to least severe', tags: ['priorities'], querystring: Type.Object(PageQuery), response: { 200: Type.Object({ priorities: Type.Array(Priority), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const { rows, total } = await listPriorities(db, orgId, limit, offset);
      return page('priorities', rows.map((r) => p.priority(r)), limit, offset, total, request.query.total);
    },
  );

  app.get(
    '/api/v1/priorities/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a priority', tags: ['priorities'], params: IdParams, response: { 200: Type.Object({ priority: Priority }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { priority: p.priority(await requirePriority(db, orgId, request.params.id)) };
    },
  );

  app.post(
    '/api/v1/priorities',
    {
      config: { permission: 'manage' },
      schema: { summary: 'Create a priority (admins); without a rank it goes last, the least severe', tags: ['priorities'], body: PriorityCreate, response: { 201: Type.Object({ priority: Priority }), ...errorResponses } },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      return reply.code(201).send({ priority: p.priority(await createPriority(deps, orgId, request.body.priority)) });
    },
  );

  app.put(
    '/api/v1/priorities/:id',
    {
      config: { permission: 'manage' },
      schema: { summary: 'Rename, describe, colour or move a priority (admins); a new rank moves the others', tags: ['priorities'], params: IdParams, body: PriorityUpdate, response: { 200: Type.Object({ priority: Priority }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      return { priority: p.priority(await updatePriority(deps, orgId, request.params.id, request.body.priority)) };
    },
  );

  app.delete(
    '/api/v1/priorities/:id',
    {
      config: { permission: 'manage' },
      schema: {
        summary: 'Remove a priority (admins): refused with 400 while an open incident has it or an event rule sets it; resolved incidents keep naming it',
        tags: ['priorities'],
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await deletePriority(deps, orgId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );
}
