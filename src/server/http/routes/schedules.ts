import { Type } from 'typebox';
import { actorOf } from '../../org/audit.service.js';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { CapWarnings, FinalSchedule, Override, OverrideCreate, OverrideCreated, RangeQuery, Schedule, ScheduleCreate, ScheduleUpdate } from '../../../contract/schedule.js';
import { OpenShiftSchedule } from '../../../contract/open-shifts.js';
import { User } from '../../../contract/user.js';
import { invalid } from '../../errors.js';
import { userNames } from '../../org/org.service.js';
import {
  createOverrides,
  createSchedule,
  deleteOverride,
  deleteSchedule,
  finalSchedule,
  listSchedules,
  openShiftSchedules,
  overridesOf,
  renderRange,
  renderSchedule,
  requireSchedule,
  scheduleFacts,
  scheduleUsers,
  updateSchedule,
  validatedSchedule,
  type Rendering,
  type ScheduleRow,
} from '../../schedule/schedule.service.js';
import { overrideCapWarnings, scheduleCapWarnings } from '../../volunteer/shifts.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { arr, checkWindow, instant } from '../query.js';
import { teamsOfObjects } from '../../org/team.service.js';
import { TeamIdsQuery } from '../../../contract/team.js';
import { teamRefs } from '../presenters/team.js';

async function present(deps: AppDeps, orgId: string, rows: ScheduleRow[], rendering?: Rendering) {
  const facts = await scheduleFacts(deps.db, orgId, rows, rendering);
  const teams = await teamsOfObjects(deps.db, orgId, 'schedule', rows.map((row) => row.id));
  return rows.map((row) => ({ ...deps.presenter.schedule(row, facts, rendering), teams: teamRefs(deps.presenter, teams.get(row.id)) }));
}

function rangeOf(q: { since?: string; until?: string }, fallback: number | null) {
  return renderRange(instant(q.since, 'since'), instant(q.until, 'until'), fallback);
}

/** Schedules and their renderings. */
export function scheduleRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/schedules',
    {
      config: { permission: 'read' },
      schema: { summary: 'List schedules (team_ids[]: those any of these teams owns)', tags: ['schedules'], querystring: Type.Object({ ...PageQuery, ...TeamIdsQuery, query: Type.Optional(Type.String({ maxLength: 255 })) }), response: { 200: Type.Object({ schedules: Type.Array(Schedule), ...Pagination }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const teamIds = arr(q['team_ids[]']);
      const { rows, total } = await listSchedules(db, orgId, { ...(q.query ? { query: q.query } : {}), ...(teamIds ? { teamIds } : {}), limit, offset });
      return page('schedules', await present(deps, orgId, rows), limit, offset, total, q.total);
    },
  );

  // Volunteers may not list schedules, but they claim open shifts (GET /schedules/{id}/open_shifts is open to them):
  // this says where to look, and nothing more than each schedule's name and zone.
  app.get(
    '/api/v1/open_shift_schedules',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: 'The schedules that have an open-shift layer (everyone, volunteers too): where to look for open shifts to claim with GET /schedules/{id}/open_shifts',
        tags: ['schedules'],
        response: { 200: Type.Object({ schedules: Type.Array(OpenShiftSchedule) }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const rows = await openShiftSchedules(db, orgId);
      return { schedules: rows.map((s) => ({ id: s.id, type: 'schedule_reference' as const, summary: s.name, time_zone: s.time_zone })) };
    },
  );

  app.post(
    '/api/v1/schedules',
    {
      schema: {
        summary: 'Create a schedule. schedule_layers are listed bottom to top: where two layers both have someone on call, the later one wins; overrides win over every layer.',
        tags: ['schedules'],
        body: ScheduleCreate,
        response: { 201: Type.Object({ schedule: Schedule, warnings: Type.Optional(CapWarnings) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const row = await createSchedule(db, clock, orgId, request.body.schedule, actorOf(principalOf(request)));
      return reply.code(201).send({ schedule: (await present(deps, orgId, [row]))[0]!, warnings: await scheduleCapWarnings(db, orgId, row, clock.now()) });
    },
  );

  app.post(
    '/api/v1/schedules/preview',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Preview a schedule: the body of POST /schedules, validated the same way, rendered over [since, until) (default: the next 14 days) and not saved. The answer has no self or html_url.',
        tags: ['schedules'],
        body: ScheduleCreate,
        querystring: Type.Object({ since: RangeQuery.since, until: RangeQuery.until }),
        response: { 200: Type.Object({ schedule: Schedule }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await validatedSchedule(db, clock, orgId, request.body.schedule);
      const range = rangeOf(request.query, clock.now())!;
      const [schedule] = await present(deps, orgId, [row], await renderSchedule(db, orgId, row, range));
      return { schedule: { ...schedule!, self: null, html_url: null } };
    },
  );

  app.get(
    '/api/v1/schedules/:id',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Get a schedule; with since and/or until, its layers, overrides and final schedule are rendered over that range (gaps have user null)',
        tags: ['schedules'],
        params: IdParams,
        querystring: Type.Object(RangeQuery),
        response: { 200: Type.Object({ schedule: Schedule }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await requireSchedule(db, orgId, request.params.id);
      const range = rangeOf(request.query, null);
      return { schedule: (await present(deps, orgId, [row], range ? await renderSchedule(db, orgId, row, range) : undefined))[0]! };
    },
  );

  app.put(
    '/api/v1/schedules/:id',
    { schema: { summary: 'Update a schedule (fields not sent are kept; schedule_layers, when sent, replaces the layers)', tags: ['schedules'], params: IdParams, body: ScheduleUpdate, response: { 200: Type.Object({ schedule: Schedule, warnings: Type.Optional(CapWarnings) }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await updateSchedule(db, clock, orgId, request.params.id, request.body.schedule, actorOf(principalOf(request)));
      return { schedule: (await present(deps, orgId, [row]))[0]!, warnings: await scheduleCapWarnings(db, orgId, row, clock.now()) };
    },
  );

  app.delete(
    '/api/v1/schedules/:id',
    { schema: { summary: 'Delete a schedule (400 while an escalation policy targets it)', tags: ['schedules'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await deleteSchedule(db, clock, orgId, request.params.id, actorOf(principalOf(request)));
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/schedules/:id/final',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'The final schedule over [since, until) (default: the next 14 days; at most 366 days): sorted, contiguous entries; user is null in a gap',
        tags: ['schedules'],
        params: IdParams,
        querystring: Type.Object(RangeQuery),
        response: { 200: FinalSchedule, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await requireSchedule(db, orgId, request.params.id);
      const range = rangeOf(request.query, clock.now())!;
      const { entries, userNames: names } = await finalSchedule(db, orgId, row, range);
      return p.finalSchedule(row, range, entries, names);
    },
  );

}

/** A schedule's overrides: who covers whom, when. */
export function scheduleOverrideRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/schedules/:id/overrides',
    {
      config: { permission: 'read' },
      schema: {
        summary: "A schedule's overrides overlapping [since, until) (default: those not yet over)",
        tags: ['schedules'],
        params: IdParams,
        querystring: Type.Object(RangeQuery),
        response: { 200: Type.Object({ overrides: Type.Array(Override) }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await requireSchedule(db, orgId, request.params.id);
      const since = instant(request.query.since, 'since') ?? clock.now();
      const until = instant(request.query.until, 'until');
      if (until !== undefined && until <= since) throw invalid('until must be after since');
      const { overrides, userNames: names } = await overridesOf(db, orgId, row.id, { since, ...(until !== undefined ? { until } : {}) });
      return { overrides: overrides.map((o) => p.override(o, names)) };
    },
  );

  app.post(
    '/api/v1/schedules/:id/overrides',
    {
      config: { permission: 'respond' },
      schema: {
        summary: 'Create overrides: {"override": {...}} answers {"override"}; PagerDuty\'s {"overrides": [...]} answers a list of {status, override}. All or nothing: one invalid override rejects the request (400 naming it).',
        tags: ['schedules'],
        params: IdParams,
        body: OverrideCreate,
        response: { 201: OverrideCreated, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const row = await requireSchedule(db, orgId, request.params.id);
      const b = request.body;
      if (!b.override && !b.overrides) throw invalid('override is required (or overrides, a list)');
      if (b.override && b.overrides) throw invalid('override: send override or overrides, not both');
      const single = b.override !== undefined;
      const created = await createOverrides(db, clock, orgId, row, single ? [b.override!] : b.overrides!, (i) => (single ? 'override' : `overrides[${i}]`));
      const names = await userNames(db, orgId, created.map((o) => o.user_id));
      const out = created.map((o) => p.override(o, names));
      // Volunteers taken past a weekly cap or rest gap: the override is made, and the answer says so.
      const warnings = await overrideCapWarnings(db, orgId, created);
      return reply.code(201).send(single ? { override: out[0]!, warnings } : out.map((o, i) => ({ status: 201, override: o, warnings: warnings.filter((w) => w.volunteer.id === created[i]!.user_id) })));
    },
  );

  app.delete(
    '/api/v1/schedules/:id/overrides/:override_id',
    {
      config: { permission: 'respond' },
      schema: { summary: 'Delete an override', tags: ['schedules'], params: Type.Object({ id: Type.String({ maxLength: 64 }), override_id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const row = await requireSchedule(db, orgId, request.params.id);
      await deleteOverride(db, orgId, row.id, request.params.override_id);
      return reply.code(204).send(undefined as never);
    },
  );

}

/** Who is on a schedule. */
export function scheduleUserRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/schedules/:id/users',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'The users of a schedule: with since/until, those on call in that range (overrides included); otherwise everyone in its layers',
        tags: ['schedules'],
        params: IdParams,
        querystring: Type.Object(RangeQuery),
        response: { 200: Type.Object({ users: Type.Array(User) }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await requireSchedule(db, orgId, request.params.id);
      const users = await scheduleUsers(db, orgId, row, rangeOf(request.query, null));
      return { users: users.map((u) => p.user(u)) };
    },
  );
}
