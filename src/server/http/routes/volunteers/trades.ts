/**
 * Shift offers and swaps: a holder offers a stretch of their on-call, or proposes to
 * swap it for someone else's; nothing changes until the other side accepts. The
 * state machine is volunteer/trades.ts; the use cases volunteer/trades.service.ts.
 * Observers cannot trade; a volunteer sees their own trades, those made to them and
 * offers to anyone.
 */
import { Type, type Static } from 'typebox';
import { PageQuery, Pagination, errorResponses } from '../../../../contract/common.js';
import { OfferCreate, ShiftTrade, SwapCreate, conflictResponses } from '../../../../contract/open-shifts.js';
import { forbidden, notFound } from '../../../errors.js';
import type { ShiftTradeTable } from '../../../storage/schema.js';
import * as trades from '../../../volunteer/trades.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import { page } from '../../presenters/common.js';
import * as present from '../../presenters/open-shift.js';
import { checkWindow, instant } from '../../query.js';

const TradeParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const TradeStatus = Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('withdrawn'), Type.Literal('expired')]);
const ACTIONS = {
  accept: 'Accept an offer or a swap: subject to the same availability and cap rules as claiming (422 volunteer_rule); writes the overrides that move the shift(s)',
  decline: 'Decline an offer or swap made to you',
  withdraw: 'Withdraw your own pending offer or swap',
} as const;

/** An offer as the use case takes it: from the holder, to anyone or to one person. */
function offerOf(holderId: string, b: Static<typeof OfferCreate>['shift_offer']): trades.TradeRequest {
  return { kind: 'offer', holderId, scheduleId: b.schedule.id, start: instant(b.start, 'shift_offer.start')!, end: instant(b.end, 'shift_offer.end')!, toUserId: b.to?.id ?? null, note: b.note ?? null };
}

/** A swap as the use case takes it: the holder's stretch for the other person's (in the same schedule unless named). */
function swapOf(holderId: string, b: Static<typeof SwapCreate>['shift_swap']): trades.TradeRequest {
  return {
    kind: 'swap',
    holderId,
    scheduleId: b.schedule.id,
    start: instant(b.start, 'shift_swap.start')!,
    end: instant(b.end, 'shift_swap.end')!,
    toUserId: b.with.user.id,
    counter: { scheduleId: b.with.schedule?.id ?? b.schedule.id, start: instant(b.with.start, 'shift_swap.with.start')!, end: instant(b.with.end, 'shift_swap.with.end')! },
    note: b.note ?? null,
  };
}

export function shiftTradeRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const show = async (orgId: string, rows: ShiftTradeTable[]) => present.shiftTrades(p, await trades.tradeViews(db, clock, orgId, rows));
  const tradeResponse = { 201: Type.Object({ shift_trade: ShiftTrade }), ...errorResponses, ...conflictResponses };

  app.post(
    '/api/v1/shift_offers',
    {
      config: { permission: 'read', volunteerAccess: 'open', memberRules: ['not_observer'] },
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
      const trade = await trades.createTrade(db, clock, principal.orgId, offerOf(principal.userId, request.body.shift_offer));
      return reply.code(201).send({ shift_trade: (await show(principal.orgId, [trade]))[0]! });
    },
  );

  app.post(
    '/api/v1/shift_swaps',
    {
      config: { permission: 'read', volunteerAccess: 'open', memberRules: ['not_observer'] },
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
      const trade = await trades.createTrade(db, clock, principal.orgId, swapOf(principal.userId, request.body.shift_swap));
      return reply.code(201).send({ shift_trade: (await show(principal.orgId, [trade]))[0]! });
    },
  );

  app.get(
    '/api/v1/shift_trades',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: 'Shift offers and swaps (a volunteer sees their own, those offered to them, and offers to anyone)',
        tags: ['volunteers'],
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(TradeStatus) }),
        response: { 200: Type.Object({ shift_trades: Type.Array(ShiftTrade), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const { rows, total } = await trades.listTrades(db, principal.orgId, clock.now(), { ...(q.status ? { status: q.status } : {}), ...(principal.role === 'volunteer' ? { userId: principal.userId } : {}), limit, offset });
      return page('shift_trades', await show(principal.orgId, rows), limit, offset, total, q.total);
    },
  );

  app.get(
    '/api/v1/shift_trades/:id',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'One shift offer or swap', tags: ['volunteers'], params: TradeParams, response: { 200: Type.Object({ shift_trade: ShiftTrade }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const t = await trades.getTrade(db, principal.orgId, request.params.id);
      const mine = t && (t.holder_id === principal.userId || t.to_user_id === principal.userId || (t.kind === 'offer' && t.to_user_id === null));
      if (!t || (principal.role === 'volunteer' && !mine)) throw notFound(`shift trade ${request.params.id}`);
      return { shift_trade: (await show(principal.orgId, [t]))[0]! };
    },
  );

  for (const action of ['accept', 'decline', 'withdraw'] as const) {
    app.post(
      `/api/v1/shift_trades/:id/${action}`,
      {
        config: { permission: 'read', volunteerAccess: 'open', memberRules: ['not_observer'] },
        schema: { summary: ACTIONS[action], tags: ['volunteers'], params: TradeParams, response: { 200: Type.Object({ shift_trade: ShiftTrade }), ...errorResponses, ...conflictResponses } },
      },
      async (request) => {
        const principal = principalOf(request);
        if (principal.role === 'observer') throw forbidden('observers cannot trade shifts');
        const t = await trades.actOnTrade(db, clock, principal.orgId, request.params.id, action, principal.userId);
        return { shift_trade: (await show(principal.orgId, [t]))[0]! };
      },
    );
  }
}
