import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Alert, Incident, IncidentBulkUpdate, IncidentCreate, IncidentDetail, IncidentEscalated, IncidentUpdate, LogEntry, Note, NoteCreate } from '../../../contract/incident.js';
import { VigilError, invalid, notFound } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import * as store from '../../incident/incident.store.js';
import { addNote, createManualIncident, escalateNow, reassign, requireIncident, setStatus, type Tx } from '../../incident/incident.service.js';
import type { Channel } from '../../incident/incident.js';
import { getService, getServicesByIds } from '../../service/service.store.js';
import { getUsers } from '../../org/org.store.js';
import type { IncidentTable } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import type { App, AppDeps } from '../deps.js';
import { agentOf, principalOf } from '../plugins/auth.js';
import { arr, checkWindow, instant } from '../query.js';
import { page } from '../presenters/common.js';
import { impactBrief } from '../../impact/impact.service.js';

const IncidentQuery = Type.Object({
  ...PageQuery,
  'statuses[]': Type.Optional(Type.Array(Type.Union([Type.Literal('triggered'), Type.Literal('acknowledged'), Type.Literal('resolved')]))),
  'service_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  'urgencies[]': Type.Optional(Type.Array(Type.Union([Type.Literal('high'), Type.Literal('low')]))),
  'user_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  'include[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
  incident_key: Type.Optional(Type.String({ maxLength: 255 })),
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
  date_range: Type.Optional(Type.Literal('all')),
  sort_by: Type.Optional(Type.Union([Type.Literal('created_at'), Type.Literal('created_at:asc'), Type.Literal('created_at:desc'), Type.Literal('incident_number'), Type.Literal('incident_number:asc'), Type.Literal('incident_number:desc')])),
  time_zone: Type.Optional(Type.String({ maxLength: 64 })),
});

const LogQuery = Type.Object({
  ...PageQuery,
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
  is_overview: Type.Optional(Type.Boolean()),
  'include[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
});

/** Log entry types shown in an "overview" (PagerDuty's is_overview): the status changes, not every alert. */
const OVERVIEW_TYPES = ['trigger_log_entry', 'acknowledge_log_entry', 'unacknowledge_log_entry', 'resolve_log_entry', 'escalate_log_entry', 'assign_log_entry', 'annotate_log_entry'];

function channelOf(request: FastifyRequest): Channel {
  const ui = request.headers['x-vigil-client'] === 'web';
  return { type: ui ? 'web_ui' : 'api' };
}

export function incidentRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;

  async function present(orgId: string, rows: IncidentTable[], includeBody = false) {
    const ids = rows.map((r) => r.id);
    const [services, counts, assignments, triggers] = await Promise.all([
      getServicesByIds(db, orgId, [...new Set(rows.map((r) => r.service_id))]),
      store.alertCounts(db, orgId, ids),
      store.assignmentsOf(db, orgId, ids),
      store.firstTriggerLogEntry(db, orgId, ids),
    ]);
    const userIds = [...new Set([...assignments.values()].flat().map((a) => a.user_id))];
    const users = await getUsers(db, orgId, userIds);
    const userNames = new Map(users.map((u) => [u.id, u.name]));
    const svc = new Map(services.map((s) => [s.id, s]));
    return rows.map((r) =>
      p.incident(r, { service: svc.get(r.service_id), counts: counts.get(r.id), assignments: assignments.get(r.id) ?? [], userNames, firstTrigger: triggers.get(r.id), includeBody }),
    );
  }

  /** Run a change in its own transaction and publish what changed after commit. */
  async function change<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const changes: IncidentChange[] = [];
    const result = await db.transaction().execute(async (trx) => fn({ trx, now: deps.clock.now(), changes }));
    deps.bus.publish(changes);
    return result;
  }

  async function applyUpdate(request: FastifyRequest, id: string, u: Static<typeof IncidentUpdate>['incident']): Promise<IncidentTable> {
    const principal = principalOf(request);
    const agent = agentOf(principal);
    const channel = channelOf(request);
    return change(async (tx) => {
      let inc = await requireIncident(tx.trx, principal.orgId, id);
      if (u.title !== undefined || u.urgency !== undefined) {
        if (inc.status === 'resolved') throw new VigilError('incident_already_resolved', [`incident ${inc.id} is resolved`]);
        const patch: Partial<IncidentTable> = { updated_at: tx.now };
        if (u.title !== undefined) patch.title = u.title;
        if (u.urgency !== undefined) patch.urgency = u.urgency;
        await store.updateIncident(tx.trx, principal.orgId, inc.id, patch);
        inc = { ...inc, ...patch };
        tx.changes.push({ orgId: inc.org_id, incidentId: inc.id, serviceId: inc.service_id, kind: 'updated' });
      }
      if (u.assignments !== undefined) {
        await reassign(tx, inc, u.assignments.map((a) => a.assignee.id), agent, channel);
        // reassign() changed assigned_via and updated_at: answer with the row as it is now.
        inc = await requireIncident(tx.trx, principal.orgId, inc.id);
      }
      if (u.status !== undefined) inc = await setStatus(tx, inc, u.status, agent, channel, u.resolution);
      else if (u.resolution !== undefined) throw invalid('incident.resolution can only be given with status resolved');
      return inc;
    });
  }

  app.get(
    '/api/v1/incidents',
    {
      config: { permission: 'read' },
      schema: { summary: 'List incidents, newest last (sort_by=created_at:desc for newest first)', tags: ['incidents'], querystring: IncidentQuery, response: { 200: Type.Object({ incidents: Type.Array(Incident), ...Pagination }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const since = instant(q.since, 'since');
      const until = instant(q.until, 'until');
      if (since !== undefined && until !== undefined && until < since) throw invalid('until must not be before since');
      const statuses = arr(q['statuses[]']) as IncidentTable['status'][] | undefined;
      const { rows, total } = await store.listIncidents(db, orgId, {
        ...(statuses ? { statuses } : {}),
        ...(q['service_ids[]'] ? { serviceIds: arr(q['service_ids[]'])! } : {}),
        ...(q['urgencies[]'] ? { urgencies: arr(q['urgencies[]']) as ('high' | 'low')[] } : {}),
        ...(q['user_ids[]'] ? { userIds: arr(q['user_ids[]'])! } : {}),
        ...(q.incident_key ? { incidentKey: q.incident_key } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        sortDesc: (q.sort_by ?? '').endsWith(':desc'),
        limit,
        offset,
      });
      return page('incidents', await present(orgId, rows), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/incidents',
    { config: { permission: 'respond' }, schema: { summary: 'Create an incident by hand', tags: ['incidents'], body: IncidentCreate, response: { 201: Type.Object({ incident: Incident }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body.incident;
      const service = await getService(db, principal.orgId, b.service.id);
      if (!service) throw invalid(`incident.service: service ${b.service.id} not found`);
      const inc = await change((tx) =>
        createManualIncident(tx, principal.orgId, service, { title: b.title, ...(b.urgency ? { urgency: b.urgency } : {}), ...(b.incident_key ? { incidentKey: b.incident_key } : {}), ...(b.body ? { body: b.body.details } : {}) }, agentOf(principal), channelOf(request)),
      );
      return reply.code(201).send({ incident: (await present(principal.orgId, [inc], true))[0]! });
    },
  );

  app.put(
    '/api/v1/incidents',
    {
      config: { permission: 'respond' },
      schema: { summary: 'Update several incidents (at most 250)', tags: ['incidents'], body: IncidentBulkUpdate, response: { 200: Type.Object({ incidents: Type.Array(Incident), ...Pagination }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const items = request.body.incidents;
      if (items.length > 250) throw new VigilError('payload_too_large', ['incidents: at most 250 per request']);
      const missing = items.findIndex((i) => !i.id);
      if (missing >= 0) throw invalid(`incidents[${missing}].id is required`);
      const out: IncidentTable[] = [];
      for (const item of items) out.push(await applyUpdate(request, item.id!, item));
      return page('incidents', await present(orgId, out), items.length, 0, items.length, true);
    },
  );

  app.get(
    '/api/v1/incidents/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get an incident (by id or by number)', tags: ['incidents'], params: IdParams, response: { 200: Type.Object({ incident: IncidentDetail }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const inc = await requireIncident(db, orgId, request.params.id);
      // People affected (issue 5), on services with an impact metric.
      return { incident: { ...(await present(orgId, [inc], true))[0]!, impact: await impactBrief(db, orgId, inc.id, deps.config.publicUrl) } };
    },
  );

  app.put(
    '/api/v1/incidents/:id',
    {
      config: { permission: 'respond' },
      schema: { summary: 'Acknowledge, resolve, reassign, retitle or change the urgency of an incident', tags: ['incidents'], params: IdParams, body: IncidentUpdate, response: { 200: Type.Object({ incident: Incident }), ...errorResponses } },
    },
    async (request) => {
      const inc = await applyUpdate(request, request.params.id, request.body.incident);
      return { incident: (await present(inc.org_id, [inc]))[0]! };
    },
  );

  for (const verb of ['acknowledge', 'resolve'] as const) {
    app.post(
      `/api/v1/incidents/:id/${verb}`,
      {
        config: { permission: 'respond' },
        schema: { summary: `${verb === 'acknowledge' ? 'Acknowledge' : 'Resolve'} an incident (shorthand for PUT with status)`, tags: ['incidents'], params: IdParams, response: { 200: Type.Object({ incident: Incident }), ...errorResponses } },
      },
      async (request) => {
        const inc = await applyUpdate(request, request.params.id, { status: verb === 'acknowledge' ? 'acknowledged' : 'resolved' });
        return { incident: (await present(inc.org_id, [inc]))[0]! };
      },
    );
  }

  /** Escalate now (incident.service.ts escalateNow says what it does). */
  app.post(
    '/api/v1/incidents/:id/escalate',
    {
      config: { permission: 'respond' },
      // A bare POST (what most clients send for an action) means "the next level".
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        summary: 'Escalate an open incident now: the next level of its escalation policy (or the level given) is paged at once; an acknowledged incident is triggered again',
        tags: ['incidents'],
        params: IdParams,
        body: Type.Object({ escalation_level: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: '1-based level to page; default the next level' })) }, { description: 'Optional: no body means the next level' }),
        response: { 200: IncidentEscalated, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const agent = agentOf(principal);
      const channel = channelOf(request);
      const wanted = request.body.escalation_level;
      const { incident: inc, level } = await change(async (tx) => escalateNow(tx, await requireIncident(tx.trx, principal.orgId, request.params.id), wanted, agent, channel));
      return { incident: (await present(inc.org_id, [inc]))[0]!, escalation_level: level };
    },
  );

  app.post(
    '/api/v1/incidents/:id/notes',
    { config: { permission: 'respond' }, schema: { summary: 'Add a note to the timeline', tags: ['incidents'], params: IdParams, body: NoteCreate, response: { 200: Type.Object({ note: Note }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const agent = agentOf(principal);
      const content = request.body.note.content;
      if (!content.trim()) throw invalid('note.content must not be blank');
      const id = await change(async (tx) => addNote(tx, await requireIncident(tx.trx, principal.orgId, request.params.id), content, agent, channelOf(request)));
      return { note: { id, user: p.ref('user_reference', agent.id, agent.summary, 'users'), content, created_at: iso(deps.clock.now()) } };
    },
  );

  app.get(
    '/api/v1/incidents/:id/notes',
    { config: { permission: 'read' }, schema: { summary: "An incident's notes", tags: ['incidents'], params: IdParams, response: { 200: Type.Object({ notes: Type.Array(Note) }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const inc = await requireIncident(db, orgId, request.params.id);
      const { rows } = await store.listLogEntries(db, orgId, { incidentId: inc.id, types: ['annotate_log_entry'], limit: 1000, offset: 0 });
      return { notes: rows.map((r) => ({ id: r.id, user: p.agent(r.agent), content: r.summary, created_at: iso(r.created_at) })) };
    },
  );

  app.get(
    '/api/v1/incidents/:id/alerts',
    { config: { permission: 'read' }, schema: { summary: "An incident's alerts", tags: ['incidents'], params: IdParams, querystring: Type.Object(PageQuery), response: { 200: Type.Object({ alerts: Type.Array(Alert), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const inc = await requireIncident(db, orgId, request.params.id);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const { rows, total } = await store.listAlerts(db, orgId, inc.id, limit, offset);
      const service = await getService(db, orgId, inc.service_id);
      return page('alerts', rows.map((a) => p.alert(a, service?.name ?? null, null)), limit, offset, total, request.query.total);
    },
  );

  async function presentLog(orgId: string, rows: Awaited<ReturnType<typeof store.listLogEntries>>['rows']) {
    const services = await getServicesByIds(db, orgId, [...new Set(rows.map((r) => r.service_id))]);
    const names = new Map(services.map((s) => [s.id, s.name]));
    return rows.map((r) => p.logEntry(r, names.get(r.service_id) ?? null, null));
  }

  app.get(
    '/api/v1/incidents/:id/log_entries',
    { config: { permission: 'read' }, schema: { summary: "An incident's timeline, oldest first", tags: ['incidents'], params: IdParams, querystring: LogQuery, response: { 200: Type.Object({ log_entries: Type.Array(LogEntry), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const inc = await requireIncident(db, orgId, request.params.id);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const since = instant(q.since, 'since');
      const until = instant(q.until, 'until');
      const { rows, total } = await store.listLogEntries(db, orgId, { incidentId: inc.id, ...(q.is_overview ? { types: OVERVIEW_TYPES } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), limit, offset });
      return page('log_entries', await presentLog(orgId, rows), limit, offset, total, q.total);
    },
  );

  app.get(
    '/api/v1/log_entries',
    { config: { permission: 'read' }, schema: { summary: "The organization's log entries, newest first", tags: ['incidents'], querystring: LogQuery, response: { 200: Type.Object({ log_entries: Type.Array(LogEntry), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const since = instant(q.since, 'since');
      const until = instant(q.until, 'until');
      const { rows, total } = await store.listLogEntries(db, orgId, { ...(q.is_overview ? { types: OVERVIEW_TYPES } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), sortDesc: true, limit, offset });
      return page('log_entries', await presentLog(orgId, rows), limit, offset, total, q.total);
    },
  );

  app.get(
    '/api/v1/log_entries/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a log entry', tags: ['incidents'], params: IdParams, response: { 200: Type.Object({ log_entry: LogEntry }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const e = await store.getLogEntry(db, orgId, request.params.id);
      if (!e) throw notFound(`log entry ${request.params.id}`);
      return { log_entry: (await presentLog(orgId, [e]))[0]! };
    },
  );
}
