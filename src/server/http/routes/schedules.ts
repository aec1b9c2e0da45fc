import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { CapWarnings, FinalSchedule, Override, OverrideCreate, OverrideCreated, RangeQuery, Schedule, ScheduleCreate, ScheduleUpdate } from '../../../contract/schedule.js';
import { OpenShiftSchedule } from '../../../contract/open-shifts.js';
import { overrideCapWarnings, scheduleCapWarnings } from '../../volunteer/shifts.service.js';
import { User } from '../../../contract/user.js';
import { invalid, notFound } from '../../errors.js';
import { allPolicies } from '../../escalation/policy.service.js';
import type { PolicyRow } from '../../escalation/policy.store.js';
import { iso } from '../../lib/clock.js';
import { getUsers } from '../../org/org.store.js';
import { renderFinal, renderLayer } from '../../schedule/on-call.js';
import type { FinalEntry, TimeRange } from '../../schedule/schedule.js';
import * as store from '../../schedule/schedule.store.js';
import type { ScheduleRow } from '../../schedule/schedule.store.js';
import { createOverrides, createSchedule, deleteSchedule, pureSchedule, renderRange, requireSchedule, turnLengthSeconds, updateSchedule } from '../../schedule/schedule.service.js';
import type { ScheduleOverrideTable } from '../../storage/schema.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { checkWindow, instant } from '../query.js';
import { page } from '../presenters/common.js';

interface Rendering {
  range: TimeRange;
  final: FinalEntry[];
  overrides: FinalEntry[];
  layers: FinalEntry[][];
}

const coverage = (entries: FinalEntry[], r: TimeRange) => Math.round((entries.reduce((n, e) => n + (e.userId ? e.end - e.start : 0), 0) / (r.until - r.since)) * 10_000) / 100;

export function scheduleRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  async function names(orgId: string, ids: Iterable<string>): Promise<Map<string, string>> {
    const users = await getUsers(db, orgId, [...new Set(ids)]);
    return new Map(users.map((u) => [u.id, u.name]));
  }

  const userRef = (id: string, n: Map<string, string>) => p.ref('user_reference', id, n.get(id) ?? null, 'users');
  const entry = (e: FinalEntry, n: Map<string, string>) => ({ start: iso(e.start), end: iso(e.end), user: e.userId ? userRef(e.userId, n) : null });

  async function render(orgId: string, row: ScheduleRow, range: TimeRange): Promise<Rendering> {
    const schedule = await pureSchedule(db, orgId, row, range);
    return {
      range,
      final: renderFinal(schedule, range),
      overrides: renderFinal({ ...schedule, layers: [] }, range).filter((e) => e.userId !== null),
      layers: row.layers.map((_, i) => renderLayer(schedule, i, range).map((e) => ({ start: e.start, end: e.end, userId: e.userId }))),
    };
  }

  async function present(orgId: string, rows: ScheduleRow[], rendering?: Rendering) {
    const policies = await allPolicies(db, orgId);
    const ids = rows.flatMap((r) => r.layers.flatMap((l) => l.users));
    if (rendering) for (const e of [...rendering.final, ...rendering.overrides]) if (e.userId) ids.push(e.userId);
    const n = await names(orgId, ids);
    return rows.map((row) => presentOne(row, n, policies, rendering));
  }

  function presentOne(row: ScheduleRow, n: Map<string, string>, policies: PolicyRow[], r?: Rendering) {
    const sub = (name: string, entries: FinalEntry[] | undefined) => ({
      name,
      rendered_schedule_entries: entries ? entries.map((e) => entry(e, n)) : [],
      rendered_coverage_percentage: entries && r ? coverage(entries, r.range) : null,
    });
    return {
      id: row.id,
      type: 'schedule' as const,
      summary: row.name,
      self: `${p.baseUrl}/api/v1/schedules/${row.id}`,
      html_url: `${p.baseUrl}/schedules/${row.id}`,
      name: row.name,
      description: row.description,
      time_zone: row.time_zone,
      schedule_layers: row.layers.map((l, i) => ({
        id: l.id,
        name: l.name,
        start: iso(l.start),
        end: l.end == null ? null : iso(l.end),
        rotation_virtual_start: iso(l.rotationVirtualStart),
        rotation_turn_length_seconds: turnLengthSeconds(l.turnLength),
        rotation_turn_length: l.turnLength,
        users: l.users.map((u) => ({ user: userRef(u, n) })),
        restrictions: l.restrictions.map((x) =>
          x.type === 'weekly_restriction'
            ? { type: x.type, start_time_of_day: x.startTimeOfDay, duration_seconds: x.durationSeconds, start_day_of_week: x.startDayOfWeek }
            : { type: x.type, start_time_of_day: x.startTimeOfDay, duration_seconds: x.durationSeconds },
        ),
        ...(l.open ? { open_shifts: true } : {}),
        ...(r ? { rendered_schedule_entries: r.layers[i]!.map((e) => entry(e, n)), rendered_coverage_percentage: coverage(r.layers[i]!, r.range) } : {}),
      })),
      final_schedule: sub('Final Schedule', r?.final),
      overrides_subschedule: sub('Overrides', r?.overrides),
      users: [...new Set(row.layers.flatMap((l) => l.users))].map((u) => userRef(u, n)),
      escalation_policies: policies
        .filter((pol) => pol.rules.some((rule) => rule.targets.some((t) => t.type === 'schedule_reference' && t.id === row.id)))
        .map((pol) => p.ref('escalation_policy_reference', pol.id, pol.name, 'escalation_policies')),
      teams: [],
    };
  }

  const presentOverride = (o: ScheduleOverrideTable, n: Map<string, string>) => ({ id: o.id, start: iso(o.start), end: iso(o.end), user: userRef(o.user_id, n) });

  function rangeOf(q: { since?: string; until?: string }, fallback: number | null) {
    return renderRange(instant(q.since, 'since'), instant(q.until, 'until'), fallback);
  }

  app.get(
    '/api/v1/schedules',
    {
      config: { permission: 'read' },
      schema: { summary: 'List schedules', tags: ['schedules'], querystring: Type.Object({ ...PageQuery, query: Type.Optional(Type.String({ maxLength: 255 })) }), response: { 200: Type.Object({ schedules: Type.Array(Schedule), ...Pagination }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const { rows, total } = await store.listSchedules(db, orgId, { ...(q.query ? { query: q.query } : {}), limit, offset });
      return page('schedules', await present(orgId, rows), limit, offset, total, q.total);
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
      const rows = (await store.allSchedules(db, orgId)).filter((s) => s.layers.some((l) => l.open === true));
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
      const row = await createSchedule(db, clock, orgId, request.body.schedule);
      return reply.code(201).send({ schedule: (await present(orgId, [row]))[0]!, warnings: await scheduleCapWarnings(db, orgId, row, clock.now()) });
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
      return { schedule: (await present(orgId, [row], range ? await render(orgId, row, range) : undefined))[0]! };
    },
  );

  app.put(
    '/api/v1/schedules/:id',
    { schema: { summary: 'Update a schedule (fields not sent are kept; schedule_layers, when sent, replaces the layers)', tags: ['schedules'], params: IdParams, body: ScheduleUpdate, response: { 200: Type.Object({ schedule: Schedule, warnings: Type.Optional(CapWarnings) }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await updateSchedule(db, clock, orgId, request.params.id, request.body.schedule);
      return { schedule: (await present(orgId, [row]))[0]!, warnings: await scheduleCapWarnings(db, orgId, row, clock.now()) };
    },
  );

  app.delete(
    '/api/v1/schedules/:id',
    { schema: { summary: 'Delete a schedule (400 while an escalation policy targets it)', tags: ['schedules'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await deleteSchedule(db, clock, orgId, request.params.id);
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
      const final = renderFinal(await pureSchedule(db, orgId, row, range), range);
        const n = await names(orgId, final.flatMap((e) => (e.userId ? [e.userId] : [])));
      return {
        schedule: p.ref('schedule_reference', row.id, row.name, 'schedules'),
        time_zone: row.time_zone,
        since: iso(range.since),
        until: iso(range.until),
        final_schedule: { name: 'Final Schedule', rendered_schedule_entries: final.map((e) => entry(e, n)), rendered_coverage_percentage: coverage(final, range) },
      };
    },
  );

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
      const rows = await store.listOverrides(db, orgId, row.id, { since, ...(until !== undefined ? { until } : {}) });
        const n = await names(orgId, rows.map((o) => o.user_id));
      return { overrides: rows.map((o) => presentOverride(o, n)) };
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
        const n = await names(orgId, created.map((o) => o.user_id));
      const out = created.map((o) => presentOverride(o, n));
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
      const o = await store.getOverride(db, orgId, row.id, request.params.override_id);
      if (!o) throw notFound(`override ${request.params.override_id}`);
      await store.deleteOverride(db, orgId, o.id);
      return reply.code(204).send(undefined as never);
    },
  );

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
      const range = rangeOf(request.query, null);
      let ids: string[];
      if (range) ids = renderFinal(await pureSchedule(db, orgId, row, range), range).flatMap((e) => (e.userId ? [e.userId] : []));
      else ids = row.layers.flatMap((l) => l.users);
      const order = [...new Set(ids)];
      const users = (await getUsers(db, orgId, order)).filter((u) => u.deleted_at === null);
      const byId = new Map(users.map((u) => [u.id, u]));
      return { users: order.flatMap((id) => (byId.has(id) ? [p.user(byId.get(id)!)] : [])) };
    },
  );
}
