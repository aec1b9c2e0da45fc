import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Incident, IncidentBulkUpdate, IncidentCreate, IncidentDetail, IncidentEscalated, IncidentUpdate } from '../../../contract/incident.js';
import { VigilError, invalid } from '../../errors.js';
import { incidentFacts, listIncidents } from '../../incident/incident-read.service.js';
import { changeIncident, changeIncidents, escalateIncident, openIncidentByHand, requireIncident } from '../../incident/incident.service.js';
import { impactFigure } from '../../impact/impact.service.js';
import type { IncidentTable } from '../../storage/schema.js';
import { channelOf } from '../channel.js';
import type { App, AppDeps } from '../deps.js';
import { agentOf, principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { arr, checkWindow, instant } from '../query.js';
import { objectIdsOfTeams, teamsOfObjects } from '../../org/team.service.js';
import { teamRefs } from '../presenters/team.js';
import { TeamIdsQuery } from '../../../contract/team.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** service_ids[] narrowed by team_ids[] (incidents on the services any of these teams owns); undefined: no service filter. */
async function serviceFilter(db: Kysely<Database>, orgId: string, serviceIds: string[] | undefined, teamIds: string[] | undefined): Promise<string[] | undefined> {
  if (!teamIds?.length) return serviceIds?.length ? serviceIds : undefined;
  const owned = await objectIdsOfTeams(db, orgId, 'service', teamIds);
  return serviceIds?.length ? owned.filter((id) => serviceIds.includes(id)) : owned;
}

const IncidentQuery = Type.Object({
  ...PageQuery,
  'statuses[]': Type.Optional(Type.Array(Type.Union([Type.Literal('triggered'), Type.Literal('acknowledged'), Type.Literal('resolved')]))),
  'service_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  ...TeamIdsQuery,
  'urgencies[]': Type.Optional(Type.Array(Type.Union([Type.Literal('high'), Type.Literal('low')]))),
  'user_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  'priorities[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'Vigil: only incidents with one of these priorities (ids from GET /priorities)' })),
  'include[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
  incident_key: Type.Optional(Type.String({ maxLength: 255 })),
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
  date_range: Type.Optional(Type.Literal('all')),
  sort_by: Type.Optional(Type.Union([Type.Literal('created_at'), Type.Literal('created_at:asc'), Type.Literal('created_at:desc'), Type.Literal('incident_number'), Type.Literal('incident_number:asc'), Type.Literal('incident_number:desc')])),
  time_zone: Type.Optional(Type.String({ maxLength: 64 })),
});

export async function present(deps: AppDeps, orgId: string, rows: IncidentTable[], includeBody = false) {
  const facts = await incidentFacts(deps.db, orgId, rows);
  // PagerDuty's incident.teams: here, the teams that own the incident's service.
  const teams = await teamsOfObjects(deps.db, orgId, 'service', [...new Set(rows.map((r) => r.service_id).filter((id): id is string => id !== null))]);
  return rows.map((r, i) => ({ ...deps.presenter.incident(r, { ...facts[i]!, includeBody }), teams: teamRefs(deps.presenter, r.service_id === null ? [] : teams.get(r.service_id)) }));
}

export function incidentRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;

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
      const serviceIds = await serviceFilter(db, orgId, arr(q['service_ids[]']), arr(q['team_ids[]']));
      if (serviceIds?.length === 0) return page('incidents', [], limit, offset, 0, q.total);
      const { rows, total } = await listIncidents(db, orgId, {
        ...(statuses ? { statuses } : {}),
        ...(serviceIds ? { serviceIds } : {}),
        ...(q['urgencies[]'] ? { urgencies: arr(q['urgencies[]']) as ('high' | 'low')[] } : {}),
        ...(q['user_ids[]'] ? { userIds: arr(q['user_ids[]'])! } : {}),
        ...(q['priorities[]'] ? { priorityIds: arr(q['priorities[]'])! } : {}),
        ...(q.incident_key ? { incidentKey: q.incident_key } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        sortDesc: (q.sort_by ?? '').endsWith(':desc'),
        limit,
        offset,
      });
      return page('incidents', await present(deps, orgId, rows), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/incidents',
    { config: { permission: 'respond' }, schema: { summary: 'Create an incident by hand', tags: ['incidents'], body: IncidentCreate, response: { 201: Type.Object({ incident: Incident }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body.incident;
      const input = { serviceId: b.service.id, title: b.title, ...(b.urgency ? { urgency: b.urgency } : {}), ...(b.incident_key ? { incidentKey: b.incident_key } : {}), ...(b.body ? { body: b.body.details } : {}), ...(b.priority ? { priorityId: b.priority.id } : {}), ...(b.assignments ? { assigneeIds: b.assignments.map((a) => a.assignee.id) } : {}) };
      const inc = await openIncidentByHand(deps, principal.orgId, input, agentOf(principal), channelOf(request));
      return reply.code(201).send({ incident: (await present(deps, principal.orgId, [inc], true))[0]! });
    },
  );

  app.put(
    '/api/v1/incidents',
    {
      config: { permission: 'respond' },
      schema: { summary: 'Update several incidents (at most 250), all or nothing: every id is checked first, and the updates are written in one transaction', tags: ['incidents'], body: IncidentBulkUpdate, response: { 200: Type.Object({ incidents: Type.Array(Incident), ...Pagination }), ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      const items = request.body.incidents;
      if (items.length > 250) throw new VigilError('payload_too_large', ['incidents: at most 250 per request']);
      const missing = items.findIndex((i) => !i.id);
      if (missing >= 0) throw invalid(`incidents[${missing}].id is required`);
      const out = await changeIncidents(deps, principal.orgId, items as (typeof items[number] & { id: string })[], agentOf(principal), channelOf(request));
      return page('incidents', await present(deps, principal.orgId, out), items.length, 0, items.length, true);
    },
  );

  app.get(
    '/api/v1/incidents/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get an incident (by id or by number)', tags: ['incidents'], params: IdParams, response: { 200: Type.Object({ incident: IncidentDetail }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const inc = await requireIncident(db, orgId, request.params.id);
      // People affected, on services with an impact metric.
      return { incident: { ...(await present(deps, orgId, [inc], true))[0]!, impact: deps.presenter.impactBrief(inc.id, await impactFigure(db, orgId, inc.id)) } };
    },
  );

  app.put(
    '/api/v1/incidents/:id',
    {
      config: { permission: 'respond' },
      schema: { summary: 'Acknowledge, resolve, reassign, retitle or change the urgency or priority of an incident', tags: ['incidents'], params: IdParams, body: IncidentUpdate, response: { 200: Type.Object({ incident: Incident }), ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      const inc = await changeIncident(deps, principal.orgId, request.params.id, request.body.incident, agentOf(principal), channelOf(request));
      return { incident: (await present(deps, inc.org_id, [inc]))[0]! };
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
        const principal = principalOf(request);
        const inc = await changeIncident(deps, principal.orgId, request.params.id, { status: verb === 'acknowledge' ? 'acknowledged' : 'resolved' }, agentOf(principal), channelOf(request));
        return { incident: (await present(deps, inc.org_id, [inc]))[0]! };
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
      const { incident: inc, level } = await escalateIncident(deps, principal.orgId, request.params.id, request.body.escalation_level, agentOf(principal), channelOf(request));
      return { incident: (await present(deps, inc.org_id, [inc]))[0]!, escalation_level: level };
    },
  );
}
