/**
 * Open shifts and trades (volunteers, issue 8 item 5) under /api/v1: the open shifts
 * of a schedule and claiming them, shift offers and swaps, the coordinator's coverage
 * gaps, and marking an incident intense (which starts the volunteer cool-down).
 * Rules and state machine: volunteer/open-shifts.ts and volunteer/trades.ts; use
 * cases: volunteer/shifts.service.ts.
 *
 * Volunteers may list open shifts and claim them, offer, swap and accept; every
 * request they make is audited by the volunteer guard.
 */
import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { ClaimBody, CoverageGaps, IntenseMark, OfferCreate, OpenShift, OpenShiftClaim, OpenShiftsQuery, ShiftTrade, SwapCreate, conflictResponses } from '../../../contract/open-shifts.js';
import { forbidden, invalid, notFound } from '../../errors.js';
import { iso, isoOrNull } from '../../lib/clock.js';
import { can } from '../../org/roles.js';
import { getUsers } from '../../org/org.store.js';
import { requireSchedule, shiftsOverlapping } from '../../schedule/schedule.service.js';
import * as scheduleStore from '../../schedule/schedule.store.js';
import type { ShiftTradeTable } from '../../storage/schema.js';
import { appendLog, type Tx } from '../../incident/incident.service.js';
import { audit } from '../../volunteer/access.js';
import { isValidZone, isoIn, showIn, type Interval } from '../../volunteer/availability.js';
import { slotId } from '../../volunteer/open-shifts.js';
import * as shifts from '../../volunteer/shifts.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { arr, checkWindow, instant } from '../query.js';
import { page } from '../presenters/common.js';

const DAY = 86_400_000;
const TradeParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const SlotParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), open_shift_id: Type.String({ minLength: 1, maxLength: 100 }) });

export function openShiftRoutes(app: App, deps: AppDeps): void {
  const { db, clock, dialect, presenter: p } = deps;

  async function zoneOf(orgId: string, asked: string | undefined): Promise<string> {
    if (asked === undefined || asked === '') return shifts.orgZone(db, orgId);
    if (!isValidZone(asked)) throw invalid(`time_zone must be a known IANA time zone such as "America/Los_Angeles", got ${JSON.stringify(asked).slice(0, 64)}`);
    return asked;
  }

  async function names(orgId: string, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((x): x is string => !!x))];
    return new Map((await getUsers(db, orgId, wanted)).map((u) => [u.id, u.name]));
  }
  const userRef = (id: string, n: Map<string, string>) => p.ref('user_reference', id, n.get(id) ?? null, 'users');
  const stretch = (i: Interval, zone: string) => {
    const [z] = showIn([i], zone);
    return { start: z!.start, end: z!.end, label: z!.label };
  };

  const presentClaim = (c: shifts.LiveClaim, scheduleName: string, n: Map<string, string>, zone: string) => ({
    id: c.id,
    type: 'open_shift_claim' as const,
    schedule: p.ref('schedule_reference', c.schedule_id, scheduleName, 'schedules'),
    open_shift_id: slotId({ layerId: c.layer_id, start: c.slot_start }),
    user: userRef(c.user_id, n),
    start: isoIn(c.start, zone),
    end: isoIn(c.end, zone),
    override: { id: c.override_id },
    status: c.status,
    created_at: iso(c.created_at),
  });

  async function presentTrades(orgId: string, rows: ShiftTradeTable[]) {
    const zone = await shifts.orgZone(db, orgId);
    const n = await names(orgId, rows.flatMap((t) => [t.holder_id, t.to_user_id, t.decided_by]));
    const scheds = await scheduleStore.getSchedules(db, orgId, [...new Set(rows.flatMap((t) => [t.schedule_id, t.counter_schedule_id ?? t.schedule_id]))]);
    const sname = (id: string) => scheds.find((s) => s.id === id)?.name ?? null;
    const now = clock.now();
    return rows.map((t) => ({
      id: t.id,
      type: t.kind === 'offer' ? 'shift_offer' : 'shift_swap',
      status: shifts.tradeStatus(t, now),
      schedule: p.ref('schedule_reference', t.schedule_id, sname(t.schedule_id), 'schedules'),
      holder: userRef(t.holder_id, n),
      start: isoIn(t.start, zone),
      end: isoIn(t.end, zone),
      to: t.to_user_id ? userRef(t.to_user_id, n) : null,
      with:
        t.kind === 'swap'
          ? { user: userRef(t.to_user_id!, n), schedule: p.ref('schedule_reference', t.counter_schedule_id!, sname(t.counter_schedule_id!), 'schedules'), start: isoIn(t.counter_start!, zone), end: isoIn(t.counter_end!, zone) }
          : null,
      note: t.note,
      created_at: iso(t.created_at),
      decided_at: isoOrNull(t.decided_at),
      decided_by: t.decided_by ? userRef(t.decided_by, n) : null,
      overrides: (JSON.parse(t.override_ids) as string[]).map((id) => ({ id })),
    }));
  }

  // ---- open shifts -------------------------------------------------------------------------

  app.get(
    '/api/v1/schedules/:id/open_shifts',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: "A schedule's open shifts over [since, until) (default: the next 14 days; at most 92 days), with their claims and what is still open",
        tags: ['volunteers'],
        params: IdParams,
        querystring: OpenShiftsQuery,
        response: { 200: Type.Object({ open_shifts: Type.Array(OpenShift), time_zone: Type.String(), since: Type.String(), until: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await requireSchedule(db, orgId, request.params.id);
      const zone = await zoneOf(orgId, request.query.time_zone);
      const since = instant(request.query.since, 'since') ?? clock.now();
      const until = instant(request.query.until, 'until') ?? since + 14 * DAY;
      if (until <= since) throw invalid('until must be after since');
      if (until - since > shifts.MAX_GAP_RANGE) throw invalid('until: the range must not exceed 92 days');
      const views = await shifts.openShifts(db, orgId, row, since, until);
      const n = await names(orgId, views.flatMap((v) => v.claims.map((c) => c.user_id)));
      return {
        open_shifts: views.map((v) => {
          const layer = row.layers.find((l) => l.id === v.slot.layerId)!;
          return {
            id: slotId(v.slot),
            type: 'open_shift' as const,
            schedule: p.ref('schedule_reference', row.id, row.name, 'schedules'),
            layer: { id: layer.id, name: layer.name },
            ...stretch(v.slot, zone),
            status: v.open.length === 0 ? 'claimed' : v.claims.length ? 'partly_claimed' : 'open',
            open: v.open.map((i) => stretch(i, zone)),
            claims: v.claims.map((c) => presentClaim(c, row.name, n, zone)),
          };
        }),
        time_zone: zone,
        since: isoIn(since, zone),
        until: isoIn(until, zone),
      };
    },
  );

  app.post(
    '/api/v1/schedules/:id/open_shifts/:open_shift_id/claim',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: 'Claim an open shift (or part of it, with claim.start/claim.end). Allowed only within the volunteer’s availability, while active and consenting, and within their weekly cap and rest gap (422 volunteer_rule naming the rule); 409 when it is already claimed or over. The claimer is put on call by a schedule override.',
        tags: ['volunteers'],
        params: SlotParams,
        body: Type.Optional(ClaimBody),
        response: { 201: Type.Object({ open_shift_claim: OpenShiftClaim }), ...errorResponses, ...conflictResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === 'observer') throw forbidden('observers cannot claim shifts');
      const b = request.body?.claim;
      const start = instant(b?.start, 'claim.start');
      const end = instant(b?.end, 'claim.end');
      const claim = await shifts.claimOpenShift(db, dialect, clock, principal.orgId, request.params.id, request.params.open_shift_id, {
        actorId: principal.userId,
        actorCanManage: can(principal.role, 'manage'),
        ...(b?.user ? { userId: b.user.id } : {}),
        ...(start !== undefined ? { start } : {}),
        ...(end !== undefined ? { end } : {}),
      });
      const row = await requireSchedule(db, principal.orgId, request.params.id);
      const zone = await shifts.orgZone(db, principal.orgId);
      return reply.code(201).send({ open_shift_claim: presentClaim(claim, row.name, await names(principal.orgId, [claim.user_id]), zone) });
    },
  );

  app.delete(
    '/api/v1/open_shift_claims/:id',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: { summary: 'Give a claimed open shift back (the claimer or an admin): it is open again', tags: ['volunteers'], params: TradeParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await shifts.releaseClaim(db, clock, principal.orgId, request.params.id, principal.userId, can(principal.role, 'manage'));
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/volunteers/:id/shifts',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: 'Someone’s on-call shifts over [since, until) (default: the next 14 days; at most 92) across every schedule: layers, claimed open shifts, accepted offers and swaps, overrides. `me` works; a volunteer sees only their own. Times in their own zone (or time_zone).',
        tags: ['volunteers'],
        params: IdParams,
        querystring: OpenShiftsQuery,
        response: { 200: Type.Object({ shifts: Type.Array(Type.Object({ schedule: Type.Object({ id: Type.String(), type: Type.String(), summary: Type.Union([Type.String(), Type.Null()]) }), start: Type.String(), end: Type.String(), label: Type.String() })), time_zone: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const userId = request.params.id === 'me' ? principal.userId : request.params.id;
      if (userId !== principal.userId && principal.role === 'volunteer') throw forbidden('volunteers can only see their own shifts');
      const user = (await getUsers(db, principal.orgId, [userId])).find((u) => u.deleted_at === null);
      if (!user) throw notFound(`user ${userId}`);
      const profile = await db.selectFrom('volunteers').select('time_zone').where('org_id', '=', principal.orgId).where('user_id', '=', userId).executeTakeFirst();
      const zone = request.query.time_zone ? await zoneOf(principal.orgId, request.query.time_zone) : (profile?.time_zone ?? (await shifts.orgZone(db, principal.orgId)));
      const since = instant(request.query.since, 'since') ?? clock.now();
      const until = instant(request.query.until, 'until') ?? since + 14 * DAY;
      if (until <= since) throw invalid('until must be after since');
      if (until - since > shifts.MAX_GAP_RANGE) throw invalid('until: the range must not exceed 92 days');
      const rows = await scheduleStore.allSchedules(db, principal.orgId);
      const byId = await shiftsOverlapping(db, principal.orgId, rows, since, until);
      const out = rows
        .flatMap((row) => (byId.get(row.id) ?? []).filter((e) => e.userId === userId).map((e) => ({ row, start: e.start, end: e.end })))
        .sort((a, b) => a.start - b.start);
      return { shifts: out.map((x) => ({ schedule: { id: x.row.id, type: 'schedule_reference', summary: x.row.name }, ...stretch(x, zone) })), time_zone: zone };
    },
  );

  // ---- offers and swaps ------------------------------------------------------------------

  const tradeResponse = { 201: Type.Object({ shift_trade: ShiftTrade }), ...errorResponses, ...conflictResponses };

  app.post(
    '/api/v1/shift_offers',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: 'Offer a stretch of your on-call (a whole shift or a part) to anyone, or to one person (to). You stay on call until someone accepts.',
        tags: ['volunteers'],
        body: OfferCreate,
        response: tradeResponse,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === 'observer') throw forbidden('observers cannot trade shifts');
      const b = request.body.shift_offer;
      const trade = await shifts.createTrade(db, clock, principal.orgId, {
        kind: 'offer',
        holderId: principal.userId,
        scheduleId: b.schedule.id,
        start: instant(b.start, 'shift_offer.start')!,
        end: instant(b.end, 'shift_offer.end')!,
        toUserId: b.to?.id ?? null,
        note: b.note ?? null,
      });
      return reply.code(201).send({ shift_trade: (await presentTrades(principal.orgId, [trade]))[0]! });
    },
  );

  app.post(
    '/api/v1/shift_swaps',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: 'Propose to swap a stretch of your on-call for a stretch of someone else’s (with). Both stay on call as they are until the other accepts.',
        tags: ['volunteers'],
        body: SwapCreate,
        response: tradeResponse,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === 'observer') throw forbidden('observers cannot trade shifts');
      const b = request.body.shift_swap;
      const trade = await shifts.createTrade(db, clock, principal.orgId, {
        kind: 'swap',
        holderId: principal.userId,
        scheduleId: b.schedule.id,
        start: instant(b.start, 'shift_swap.start')!,
        end: instant(b.end, 'shift_swap.end')!,
        toUserId: b.with.user.id,
        counter: { scheduleId: b.with.schedule?.id ?? b.schedule.id, start: instant(b.with.start, 'shift_swap.with.start')!, end: instant(b.with.end, 'shift_swap.with.end')! },
        note: b.note ?? null,
      });
      return reply.code(201).send({ shift_trade: (await presentTrades(principal.orgId, [trade]))[0]! });
    },
  );

  app.get(
    '/api/v1/shift_trades',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: 'Shift offers and swaps (a volunteer sees their own, those offered to them, and offers to anyone)',
        tags: ['volunteers'],
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('withdrawn'), Type.Literal('expired')])) }),
        response: { 200: Type.Object({ shift_trades: Type.Array(ShiftTrade), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const { rows, total } = await shifts.listTrades(db, principal.orgId, clock.now(), { ...(q.status ? { status: q.status } : {}), ...(principal.role === 'volunteer' ? { userId: principal.userId } : {}), limit, offset });
      return page('shift_trades', await presentTrades(principal.orgId, rows), limit, offset, total, q.total);
    },
  );

  app.get(
    '/api/v1/shift_trades/:id',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'One shift offer or swap', tags: ['volunteers'], params: TradeParams, response: { 200: Type.Object({ shift_trade: ShiftTrade }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const t = await shifts.getTrade(db, principal.orgId, request.params.id);
      const mine = t && (t.holder_id === principal.userId || t.to_user_id === principal.userId || (t.kind === 'offer' && t.to_user_id === null));
      if (!t || (principal.role === 'volunteer' && !mine)) throw notFound(`shift trade ${request.params.id}`);
      return { shift_trade: (await presentTrades(principal.orgId, [t]))[0]! };
    },
  );

  for (const action of ['accept', 'decline', 'withdraw'] as const) {
    app.post(
      `/api/v1/shift_trades/:id/${action}`,
      {
        config: { permission: 'read', volunteerAccess: 'open' },
        schema: {
          summary:
            action === 'accept'
              ? 'Accept an offer or a swap: subject to the same availability and cap rules as claiming (422 volunteer_rule); writes the overrides that move the shift(s)'
              : action === 'decline'
                ? 'Decline an offer or swap made to you'
                : 'Withdraw your own pending offer or swap',
          tags: ['volunteers'],
          params: TradeParams,
          response: { 200: Type.Object({ shift_trade: ShiftTrade }), ...errorResponses, ...conflictResponses },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        if (principal.role === 'observer') throw forbidden('observers cannot trade shifts');
        const t = await shifts.actOnTrade(db, dialect, clock, principal.orgId, request.params.id, action, principal.userId);
        return { shift_trade: (await presentTrades(principal.orgId, [t]))[0]! };
      },
    );
  }

  // ---- coverage gaps ---------------------------------------------------------------------

  app.get(
    '/api/v1/coverage_gaps',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Coverage gaps over [since, until) (default: the next 7 days; at most 92): unclaimed open shifts and stretches where nobody is on call, per schedule, in the organization’s zone (or time_zone)',
        tags: ['volunteers'],
        querystring: Type.Object({ ...OpenShiftsQuery.properties, 'schedule_ids[]': Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })])) }),
        response: { 200: CoverageGaps, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.role === 'volunteer') throw forbidden('volunteers cannot use this endpoint; see /api/v1/schedules/{id}/open_shifts');
      const q = request.query as { since?: string; until?: string; time_zone?: string; 'schedule_ids[]'?: string | string[] };
      const zone = await zoneOf(principal.orgId, q.time_zone);
      const since = instant(q.since, 'since') ?? clock.now();
      const until = instant(q.until, 'until') ?? since + 7 * DAY;
      const gaps = await shifts.coverageGaps(db, principal.orgId, since, until, arr(q['schedule_ids[]']));
      const hours = (ms: number) => Math.round((ms / 3_600_000) * 100) / 100;
      return {
        coverage_gaps: gaps.map((g) => ({
          type: 'coverage_gap' as const,
          kind: g.kind,
          schedule: p.ref('schedule_reference', g.schedule.id, g.schedule.name, 'schedules'),
          ...stretch(g, zone),
          hours: hours(g.end - g.start),
          open_shift_id: g.slot ? slotId(g.slot) : null,
        })),
        time_zone: zone,
        since: isoIn(since, zone),
        until: isoIn(until, zone),
        total_hours: hours(gaps.reduce((s, g) => s + g.end - g.start, 0)),
      };
    },
  );

  // ---- intense incidents -----------------------------------------------------------------

  app.put(
    '/api/v1/incidents/:id/intense',
    {
      config: { permission: 'respond' },
      schema: {
        summary: 'Mark an incident intense: volunteers who respond to it get the cool-down after it, as after a critical incident',
        tags: ['volunteers'],
        params: IdParams,
        body: Type.Optional(Type.Object({ intense: Type.Optional(Type.Object({ note: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 1024 })])) })) })),
        response: { 200: IntenseMark, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.role === 'volunteer') throw forbidden('only staff can mark an incident intense');
      const inc = await db.selectFrom('incidents').select(['id', 'number', 'title', 'service_id']).where('org_id', '=', principal.orgId).where('id', '=', request.params.id).executeTakeFirst();
      if (!inc) throw notFound(`incident ${request.params.id}`);
      const now = clock.now();
      const note = request.body?.intense?.note ?? null;
      const n = await names(principal.orgId, [principal.userId]);
      const agent = { id: principal.userId, type: 'user_reference' as const, summary: n.get(principal.userId) ?? principal.userId };
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('intense_incidents').where('org_id', '=', principal.orgId).where('incident_id', '=', inc.id).execute();
        await trx.insertInto('intense_incidents').values({ org_id: principal.orgId, incident_id: inc.id, marked_by: principal.userId, marked_at: now, note }).execute();
        await audit(trx, principal.orgId, principal.userId, 'incident.intense', `incidents/${inc.id}`, now);
        const tx: Tx = { trx, now, changes: [] };
        await appendLog(tx, principal.orgId, inc.service_id, inc.id, 'intense_log_entry', `Marked intense by ${agent.summary}${note ? `: ${note}` : ''}; volunteers who responded get their cool-down`, agent, { type: 'api' });
      });
      return { intense: { incident: p.ref('incident_reference', inc.id, inc.title, 'incidents'), marked_by: userRef(principal.userId, n), marked_at: iso(now), note } };
    },
  );

  app.delete(
    '/api/v1/incidents/:id/intense',
    { config: { permission: 'respond' }, schema: { summary: 'Unmark an incident intense', tags: ['volunteers'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === 'volunteer') throw forbidden('only staff can change whether an incident is intense');
      const inc = await db.selectFrom('incidents').select(['id', 'service_id']).where('org_id', '=', principal.orgId).where('id', '=', request.params.id).executeTakeFirst();
      const now = clock.now();
      const n = await names(principal.orgId, [principal.userId]);
      const agent = { id: principal.userId, type: 'user_reference' as const, summary: n.get(principal.userId) ?? principal.userId };
      await db.transaction().execute(async (trx) => {
        const r = await trx.deleteFrom('intense_incidents').where('org_id', '=', principal.orgId).where('incident_id', '=', request.params.id).executeTakeFirst();
        if (!inc || Number(r.numDeletedRows) === 0) throw notFound(`intense mark on incident ${request.params.id}`);
        await audit(trx, principal.orgId, principal.userId, 'incident.not_intense', `incidents/${inc.id}`, now);
        await appendLog({ trx, now, changes: [] }, principal.orgId, inc.service_id, inc.id, 'intense_log_entry', `No longer marked intense (by ${agent.summary})`, agent, { type: 'api' });
      });
      return reply.code(204).send(undefined as never);
    },
  );
}
