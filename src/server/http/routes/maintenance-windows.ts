/**
 * Maintenance windows under PagerDuty's paths. Reads need `read`, writes `manage`. While a
 * window is in progress its services' new alerts are stored suppressed and page nobody; the
 * engine starts and ends occurrences (engine/maintenance), so a write here pokes it.
 */
import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { MaintenanceWindow, MaintenanceWindowCreate, MaintenanceWindowUpdate } from '../../../contract/maintenance.js';
import { invalid } from '../../errors.js';
import { serviceFacts } from '../../incident/incident-read.service.js';
import * as maintenance from '../../maintenance/maintenance.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import type { WindowFacts } from '../presenters/maintenance-window.js';
import { arr, checkWindow } from '../query.js';

const tags = ['maintenance windows'];
const FILTERS = ['ongoing', 'future', 'past', 'open', 'all'] as const;
const INCLUDES = ['services', 'users', 'teams'] as const;
const Include = Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 3, description: `${INCLUDES.join(', ')}: full objects in place of references (Vigil has no teams)` }));

function includes(v: unknown): Set<string> {
  const list = arr(v) ?? [];
  for (const x of list) if (!(INCLUDES as readonly string[]).includes(x)) throw invalid(`include[]: ${x} is not supported; use ${INCLUDES.join(', ')}`);
  return new Set(list);
}

export function maintenanceWindowRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  async function shown(orgId: string, views: maintenance.WindowView[], include: ReadonlySet<string> = new Set()) {
    const facts = await maintenance.windowFacts(db, orgId, views);
    const expanded: NonNullable<WindowFacts['expanded']> = {};
    if (include.has('services')) {
      const rows = [...facts.services.values()];
      const f = await serviceFacts(db, orgId, rows.map((s) => s.id));
      expanded.services = new Map(rows.map((s) => [s.id, p.service(s, f.integrations.filter((i) => i.service_id === s.id), f.lastIncidentAt.get(s.id) ?? null, null, f.inMaintenance.has(s.id))]));
    }
    if (include.has('users')) expanded.users = new Map([...facts.users.values()].map((u) => [u.id, p.user(u)]));
    const now = clock.now();
    return views.map((v) => p.maintenanceWindow(v, { ...facts, expanded }, now));
  }

  app.get(
    '/api/v1/maintenance_windows',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List maintenance windows: filter=ongoing|future|past (open: ongoing or future; all, the default), service_ids[], query (in the description)',
        tags,
        querystring: Type.Object({
          ...PageQuery,
          query: Type.Optional(Type.String({ maxLength: 255 })),
          filter: Type.Optional(Type.String({ maxLength: 16, description: FILTERS.join(', ') })),
          'service_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
          'team_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'Vigil has no teams: refused when not empty' })),
          'include[]': Include,
        }),
        response: { 200: Type.Object({ maintenance_windows: Type.Array(MaintenanceWindow), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const filter = q.filter ?? 'all';
      if (!(FILTERS as readonly string[]).includes(filter)) throw invalid(`filter: ${filter} is not one of ${FILTERS.join(', ')}`);
      if (arr(q['team_ids[]'])?.length) throw invalid('team_ids[]: Vigil has no teams; filter by service_ids[] instead');
      const include = includes(q['include[]']);
      const serviceIds = arr(q['service_ids[]']);
      const { rows, total } = await maintenance.listWindows(db, clock, orgId, { filter: filter as maintenance.ListFilter, ...(serviceIds?.length ? { serviceIds } : {}), ...(q.query ? { query: q.query } : {}), limit, offset });
      return page('maintenance_windows', await shown(orgId, rows, include), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/maintenance_windows',
    {
      schema: {
        summary: 'Create a maintenance window: its services open no incident and page no one while it is in progress. Vigil extension: recurrence (RRULE) in time_zone.',
        tags,
        body: MaintenanceWindowCreate,
        response: { 201: Type.Object({ maintenance_window: MaintenanceWindow }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, userId } = principalOf(request);
      const made = await maintenance.createWindow(db, clock, orgId, userId, request.body.maintenance_window);
      deps.bus.poke();
      return reply.code(201).send({ maintenance_window: (await shown(orgId, [made]))[0]! });
    },
  );

  app.get(
    '/api/v1/maintenance_windows/:id',
    {
      config: { permission: 'read' },
      schema: { summary: 'Get a maintenance window', tags, params: IdParams, querystring: Type.Object({ 'include[]': Include }), response: { 200: Type.Object({ maintenance_window: MaintenanceWindow }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const include = includes(request.query['include[]']);
      return { maintenance_window: (await shown(orgId, [await maintenance.requireWindow(db, orgId, request.params.id)], include))[0]! };
    },
  );

  app.put(
    '/api/v1/maintenance_windows/:id',
    {
      schema: {
        summary: 'Update a maintenance window (fields not sent are kept). One in progress may change its end and description only; one that is over cannot change.',
        tags,
        params: IdParams,
        body: MaintenanceWindowUpdate,
        response: { 200: Type.Object({ maintenance_window: MaintenanceWindow }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const changed = await maintenance.updateWindow(db, clock, orgId, request.params.id, request.body.maintenance_window);
      deps.bus.poke();
      return { maintenance_window: (await shown(orgId, [changed]))[0]! };
    },
  );

  app.delete(
    '/api/v1/maintenance_windows/:id',
    {
      schema: {
        summary: 'Delete a maintenance window that has not begun, or end one in progress now (a recurring one stops repeating). One that is over cannot be deleted (400).',
        tags,
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await maintenance.deleteWindow(db, clock, orgId, request.params.id);
      deps.bus.poke();
      return reply.code(204).send(undefined as never);
    },
  );
}
