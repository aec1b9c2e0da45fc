
import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Integration, IntegrationCreate, Service, ServiceCreate, ServiceUpdate } from '../../../contract/service.js';
import { notFound } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import * as store from '../../service/service.store.js';
import { createIntegration, createService, rotateIntegrationKey, updateService } from '../../service/service.service.js';
import { listChangeEvents } from '../../incident/incident.store.js';
import type { Database } from '../../storage/schema.js';
import type { Kysely } from 'kysely';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { checkWindow } from '../query.js';
import { page as pageOf } from '../presenters/common.js';

async function lastIncidentAt(db: Kysely<Database>, orgId: string, ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!ids.length) return out;
  const rows = await db
    .selectFrom('incidents')
    .select(['service_id', (eb) => eb.fn.max('created_at').as('at')])
    .where('org_id', '=', orgId)
    .where('service_id', 'in', ids)
    .groupBy('service_id')
    .execute();
  for (const r of rows) out.set(r.service_id, Number(r.at));
  return out;
}

export function serviceRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  async function present(orgId: string, services: Database['services'][]) {
    const ids = services.map((s) => s.id);
    const integrations = await store.listIntegrations(db, orgId, ids);
    const last = await lastIncidentAt(db, orgId, ids);
    return services.map((s) => p.service(s, integrations.filter((i) => i.service_id === s.id), last.get(s.id) ?? null));
  }

  async function requireService(orgId: string, id: string) {
    const s = await store.getService(db, orgId, id);
    if (!s) throw notFound(`service ${id}`);
    return s;
  }

  app.get(
    '/api/v1/services',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List services',
        tags: ['services'],
        querystring: Type.Object({ ...PageQuery, query: Type.Optional(Type.String({ maxLength: 255 })), sort_by: Type.Optional(Type.Union([Type.Literal('name'), Type.Literal('name:asc'), Type.Literal('name:desc')])) }),
        response: { 200: Type.Object({ services: Type.Array(Service), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const { rows, total } = await store.listServices(db, orgId, { ...(q.query ? { query: q.query } : {}), sortDesc: q.sort_by === 'name:desc', limit, offset });
      return pageOf('services', await present(orgId, rows), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/services',
    { schema: { summary: 'Create a service', tags: ['services'], body: ServiceCreate, response: { 201: Type.Object({ service: Service }), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const s = await createService(db, clock, orgId, request.body.service);
      return reply.code(201).send({ service: (await present(orgId, [s]))[0]! });
    },
  );

  app.get(
    '/api/v1/services/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a service', tags: ['services'], params: IdParams, response: { 200: Type.Object({ service: Service }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { service: (await present(orgId, [await requireService(orgId, request.params.id)]))[0]! };
    },
  );

  app.put(
    '/api/v1/services/:id',
    { schema: { summary: 'Update a service', tags: ['services'], params: IdParams, body: ServiceUpdate, response: { 200: Type.Object({ service: Service }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await updateService(db, clock, orgId, request.params.id, request.body.service);
      deps.ingest.invalidate();
      return { service: (await present(orgId, [s]))[0]! };
    },
  );

  app.delete(
    '/api/v1/services/:id',
    { schema: { summary: 'Delete a service (its integrations stop accepting events; its incidents stay in history)', tags: ['services'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await requireService(orgId, request.params.id);
      await store.softDeleteService(db, orgId, request.params.id, clock.now());
      deps.ingest.invalidate();
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/services/:id/integrations',
    { config: { permission: 'read' }, schema: { summary: "List a service's integrations", tags: ['services'], params: IdParams, response: { 200: Type.Object({ integrations: Type.Array(Integration), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(orgId, request.params.id);
      const list = await store.listIntegrations(db, orgId, [s.id]);
      return pageOf('integrations', list.map((i) => p.integration(i, s)), 100, 0, list.length, true);
    },
  );

  app.post(
    '/api/v1/services/:id/integrations',
    {
      schema: {
        summary: 'Add an integration (events_v2 or alertmanager). The answer holds the routing key, shown this once.',
        tags: ['services'],
        params: IdParams,
        body: IntegrationCreate,
        response: { 201: Type.Object({ integration: Integration }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const s = await requireService(orgId, request.params.id);
      const { integration, key } = await createIntegration(db, clock, orgId, s, request.body.integration);
      return reply.code(201).send({ integration: p.integration(integration, s, key) });
    },
  );

  const IntegrationParams = Type.Object({ id: Type.String({ maxLength: 64 }), integration_id: Type.String({ maxLength: 64 }) });

  app.get(
    '/api/v1/services/:id/integrations/:integration_id',
    { config: { permission: 'read' }, schema: { summary: 'Get an integration', tags: ['services'], params: IntegrationParams, response: { 200: Type.Object({ integration: Integration }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(orgId, request.params.id);
      const i = await store.getIntegration(db, orgId, s.id, request.params.integration_id);
      if (!i) throw notFound(`integration ${request.params.integration_id}`);
      return { integration: p.integration(i, s) };
    },
  );

  app.post(
    '/api/v1/services/:id/integrations/:integration_id/rotate_key',
    { schema: { summary: 'Replace the routing key; the old one stops working at once', tags: ['services'], params: IntegrationParams, response: { 200: Type.Object({ integration: Integration }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(orgId, request.params.id);
      const i = await store.getIntegration(db, orgId, s.id, request.params.integration_id);
      if (!i) throw notFound(`integration ${request.params.integration_id}`);
      const { integration, key } = await rotateIntegrationKey(db, orgId, i);
      deps.ingest.invalidate();
      return { integration: p.integration(integration, s, key) };
    },
  );

  app.delete(
    '/api/v1/services/:id/integrations/:integration_id',
    { schema: { summary: 'Delete an integration', tags: ['services'], params: IntegrationParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const s = await requireService(orgId, request.params.id);
      const i = await store.getIntegration(db, orgId, s.id, request.params.integration_id);
      if (!i) throw notFound(`integration ${request.params.integration_id}`);
      await store.updateIntegration(db, orgId, i.id, { deleted_at: clock.now() });
      deps.ingest.invalidate();
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/services/:id/change_events',
    {
      config: { permission: 'read' },
      schema: {
        summary: "The service's change events (deploys and the like), newest first",
        tags: ['services'],
        params: IdParams,
        querystring: Type.Object(PageQuery),
        response: {
          200: Type.Object({
            change_events: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), summary: Type.String(), source: Type.Union([Type.String(), Type.Null()]), timestamp: Type.String(), custom_details: Type.Any(), links: Type.Array(Type.Any()) })),
            ...Pagination,
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(orgId, request.params.id);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const { rows, total } = await listChangeEvents(db, orgId, s.id, limit, offset);
      const items = rows.map((r) => {
        const d = JSON.parse(r.details) as { custom_details?: unknown; links?: unknown[] };
        return { id: r.id, type: 'change_event', summary: r.summary, source: r.source, timestamp: iso(Number(r.timestamp)), custom_details: d.custom_details ?? null, links: d.links ?? [] };
      });
      return pageOf('change_events', items, limit, offset, total, request.query.total);
    },
  );
}
