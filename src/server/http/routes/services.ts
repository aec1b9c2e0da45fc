import { Type } from 'typebox';
import { actorOf } from '../../org/audit.service.js';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Service, ServiceCreate, ServiceUpdate } from '../../../contract/service.js';
import { serviceFacts } from '../../incident/incident-read.service.js';
import { createService, deleteService, listServices, requireService, updateService } from '../../service/service.service.js';
import type { ServiceTable } from '../../storage/schema.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { arr, checkWindow } from '../query.js';
import { teamsOfObjects } from '../../org/team.service.js';
import { TeamIdsQuery } from '../../../contract/team.js';
import { teamRefs } from '../presenters/team.js';

async function present(deps: AppDeps, orgId: string, services: ServiceTable[]) {
  const { integrations, lastIncidentAt, inMaintenance } = await serviceFacts(deps.db, orgId, services.map((s) => s.id));
  const teams = await teamsOfObjects(deps.db, orgId, 'service', services.map((s) => s.id));
  return services.map((s) => ({
    ...deps.presenter.service(s, integrations.filter((i) => i.service_id === s.id), lastIncidentAt.get(s.id) ?? null, null, inMaintenance.has(s.id)),
    teams: teamRefs(deps.presenter, teams.get(s.id)),
  }));
}

export function serviceRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  app.get(
    '/api/v1/services',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List services (team_ids[]: those any of these teams owns)',
        tags: ['services'],
        querystring: Type.Object({ ...PageQuery, ...TeamIdsQuery, query: Type.Optional(Type.String({ maxLength: 255 })), sort_by: Type.Optional(Type.Union([Type.Literal('name'), Type.Literal('name:asc'), Type.Literal('name:desc')])) }),
        response: { 200: Type.Object({ services: Type.Array(Service), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const teamIds = arr(q['team_ids[]']);
      const { rows, total } = await listServices(db, orgId, { ...(q.query ? { query: q.query } : {}), ...(teamIds ? { teamIds } : {}), sortDesc: q.sort_by === 'name:desc', limit, offset });
      return page('services', await present(deps, orgId, rows), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/services',
    { schema: { summary: 'Create a service', tags: ['services'], body: ServiceCreate, response: { 201: Type.Object({ service: Service }), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const s = await createService(db, clock, orgId, request.body.service, actorOf(principalOf(request)));
      return reply.code(201).send({ service: (await present(deps, orgId, [s]))[0]! });
    },
  );

  app.get(
    '/api/v1/services/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a service', tags: ['services'], params: IdParams, response: { 200: Type.Object({ service: Service }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { service: (await present(deps, orgId, [await requireService(db, orgId, request.params.id)]))[0]! };
    },
  );

  app.put(
    '/api/v1/services/:id',
    { schema: { summary: 'Update a service', tags: ['services'], params: IdParams, body: ServiceUpdate, response: { 200: Type.Object({ service: Service }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await updateService(db, clock, orgId, request.params.id, request.body.service, actorOf(principalOf(request)));
      deps.ingest.invalidate();
      return { service: (await present(deps, orgId, [s]))[0]! };
    },
  );

  app.delete(
    '/api/v1/services/:id',
    { schema: { summary: 'Delete a service (its integrations stop accepting events; its incidents stay in history)', tags: ['services'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await deleteService(db, clock, orgId, request.params.id, actorOf(principalOf(request)));
      deps.ingest.invalidate();
      return reply.code(204).send(undefined as never);
    },
  );
}
