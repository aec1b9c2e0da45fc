/**
 * Shift offers and swaps: the use cases (the state machine is pure, in trades.ts). An
 * offer or a swap changes nothing until it is accepted; accepting checks the taker's
 * rules (as claiming does, shifts.service.ts takeCheck) and that the holder still holds
 * the stretch, then writes the overrides that move it, under the organization lock, so
 * a trade is accepted once. The other side is told by email (through the outbox).
 */
import type { Kysely } from 'kysely';
import { invalid, notFound, forbidden } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { getUser, getUsers } from '../org/org.store.js';
import { renderFinal } from '../schedule/on-call.js';
import { pureSchedule } from '../schedule/schedule.service.js';
import * as scheduleStore from '../schedule/schedule.store.js';
import type { ScheduleRow } from '../schedule/schedule.store.js';
import { lockOrganization } from '../storage/dialect.js';
import type { Database, ShiftTradeTable } from '../storage/schema.js';
import { audit } from './access.service.js';
import { showIn } from './availability.js';
import { orgZone } from './ledger.service.js';
import { queueNotice } from '../notify/notify.service.js';
import * as shiftStore from './shift.store.js';
import { conflict, refused, takeCheck, userNames } from './shifts.service.js';
import { isRefusal, statusAt, transition, type TradeAction } from './trades.js';

type Db = Kysely<Database>;
const DAY = 86_400_000;

/** Is `userId` on call in the final schedule of `row` for the whole of [start, end)? */
async function holds(db: Db, orgId: string, row: ScheduleRow, userId: string, start: number, end: number): Promise<boolean> {
  const range = { since: start, until: end };
  const final = renderFinal(await pureSchedule(db, orgId, row, range), range);
  return final.length > 0 && final.every((e) => e.userId === userId);
}

export interface TradeRequest {
  kind: 'offer' | 'swap';
  holderId: string;
  scheduleId: string;
  start: number;
  end: number;
  toUserId: string | null;
  counter?: { scheduleId: string; start: number; end: number };
  note: string | null;
}

export async function createTrade(db: Db, clock: Clock, orgId: string, r: TradeRequest): Promise<ShiftTradeTable> {
  const f = r.kind === 'offer' ? 'shift_offer' : 'shift_swap';
  const now = clock.now();
  const errors: string[] = [];
  if (!(r.end > r.start)) errors.push(`${f}.end must be after ${f}.start`);
  else if (r.start <= now) errors.push(`${f}.start must be in the future (a trade expires when its shift begins)`);
  if (r.end - r.start > 31 * DAY) errors.push(`${f}: at most 31 days at a time`);
  if (r.toUserId !== null) {
    const to = await getUser(db, orgId, r.toUserId);
    if (!to || to.deleted_at !== null) errors.push(`${f}.${r.kind === 'offer' ? 'to' : 'with.user'}.id: user ${r.toUserId} not found in this organization`);
    else if (r.toUserId === r.holderId) errors.push(`${f}.${r.kind === 'offer' ? 'to' : 'with.user'}.id: cannot trade with yourself`);
  }
  if (r.counter) {
    if (!(r.counter.end > r.counter.start)) errors.push(`${f}.with.end must be after ${f}.with.start`);
    else if (r.counter.start <= now) errors.push(`${f}.with.start must be in the future`);
  }
  if (errors.length) throw invalid(...errors);
  const row = await scheduleStore.getSchedule(db, orgId, r.scheduleId);
  if (!row) throw invalid(`${f}.schedule.id: schedule ${r.scheduleId} not found`);
  if (!(await holds(db, orgId, row, r.holderId, r.start, r.end))) throw invalid(`${f}.start: you are not on call in ${row.name} for the whole of this stretch`);
  if (r.counter) {
    const other = await scheduleStore.getSchedule(db, orgId, r.counter.scheduleId);
    if (!other) throw invalid(`${f}.with.schedule.id: schedule ${r.counter.scheduleId} not found`);
    if (!(await holds(db, orgId, other, r.toUserId!, r.counter.start, r.counter.end))) throw invalid(`${f}.with.start: that person is not on call in ${other.name} for the whole of this stretch`);
  }
  const trade: ShiftTradeTable = {
    org_id: orgId,
    id: newId(now),
    kind: r.kind,
    schedule_id: row.id,
    holder_id: r.holderId,
    start: r.start,
    end: r.end,
    to_user_id: r.toUserId,
    counter_schedule_id: r.counter?.scheduleId ?? null,
    counter_start: r.counter?.start ?? null,
    counter_end: r.counter?.end ?? null,
    status: 'pending',
    note: r.note,
    created_at: now,
    decided_at: null,
    decided_by: null,
    override_ids: '[]',
  };
  await db.transaction().execute(async (trx) => {
    await shiftStore.insertTrade(trx, trade);
    await audit(trx, orgId, r.holderId, `shift_${r.kind}.create`, `shift_trades/${trade.id}`, now);
    if (trade.to_user_id) await tradeNotice(trx, orgId, trade, 'proposed', now);
  });
  return trade;
}

export async function getTrade(db: Db, orgId: string, id: string): Promise<ShiftTradeTable | undefined> {
  return shiftStore.getTrade(db, orgId, id);
}

const startsAt = (t: ShiftTradeTable) => Math.min(t.start, t.counter_start ?? Infinity);

/** The trade as of now: a pending one whose shift began has expired. */
export function tradeStatus(t: ShiftTradeTable, now: number): ShiftTradeTable['status'] {
  return statusAt({ status: t.status, startsAt: startsAt(t) }, now);
}

/** Accept, decline or withdraw. Accepting checks the taker's rules and that the shifts did not change meanwhile, then writes the overrides. */
export async function actOnTrade(db: Db, clock: Clock, orgId: string, id: string, action: TradeAction, actorId: string): Promise<ShiftTradeTable> {
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    await lockOrganization(trx, orgId);
    const t = await getTrade(trx, orgId, id);
    if (!t) throw notFound(`shift trade ${id}`);
    const next = transition({ kind: t.kind, status: t.status, holderId: t.holder_id, toUserId: t.to_user_id, startsAt: startsAt(t) }, action, actorId, now);
    if (isRefusal(next)) {
      // (An expired trade is not written as such: its status is read from the clock, tradeStatus.)
      throw next.status === 403 ? forbidden(next.message) : conflict(`shift_trade: ${next.message}`);
    }
    const overrideIds: string[] = [];
    if (next.status === 'accepted') {
      const row = await scheduleStore.getSchedule(trx, orgId, t.schedule_id);
      if (!row || !(await holds(trx, orgId, row, t.holder_id, t.start, t.end))) throw conflict('shift_trade: the offered shift changed since it was offered (the holder no longer holds all of it)');
      const mine = { start: t.start, end: t.end };
      const theirs = t.kind === 'swap' ? { start: t.counter_start!, end: t.counter_end! } : null;
      let other: ScheduleRow | undefined;
      if (theirs) {
        other = await scheduleStore.getSchedule(trx, orgId, t.counter_schedule_id!);
        if (!other || !(await holds(trx, orgId, other, actorId, theirs.start, theirs.end))) throw conflict('shift_trade: your shift in this swap changed since it was proposed');
      }
      const taker = await takeCheck(trx, orgId, actorId, mine, now, theirs ? [theirs] : []);
      if (taker.refusal) throw refused('user.id', taker.user?.name ?? actorId, taker.refusal);
      if (theirs) {
        const giver = await takeCheck(trx, orgId, t.holder_id, theirs, now, [mine]);
        if (giver.refusal) throw refused('shift_swap.holder.id', giver.user?.name ?? t.holder_id, giver.refusal);
      }
      const rows = [{ org_id: orgId, id: newId(now), schedule_id: t.schedule_id, user_id: actorId, start: t.start, end: t.end, created_at: now }];
      if (theirs) rows.push({ org_id: orgId, id: newId(now), schedule_id: other!.id, user_id: t.holder_id, start: theirs.start, end: theirs.end, created_at: now });
      await scheduleStore.insertOverrides(trx, rows);
      overrideIds.push(...rows.map((x) => x.id));
    }
    const patch = { status: next.status, decided_at: now, decided_by: actorId, override_ids: JSON.stringify(overrideIds) };
    await shiftStore.updateTrade(trx, orgId, id, patch);
    await audit(trx, orgId, actorId, `shift_${t.kind}.${action}`, `shift_trades/${id}`, now);
    if (action !== 'withdraw') await tradeNotice(trx, orgId, { ...t, decided_by: actorId }, next.status === 'accepted' ? 'accepted' : 'declined', now);
    return { ...t, ...patch };
  });
}

export async function listTrades(db: Db, orgId: string, now: number, q: shiftStore.TradeQuery): Promise<{ rows: ShiftTradeTable[]; total: number }> {
  return shiftStore.listTrades(db, orgId, now, q);
}

/** Trades with what they are shown with: their status now, the organization's zone, the names of the people and schedules they name. */
export interface TradeViews {
  zone: string;
  names: Map<string, string>;
  scheduleNames: Map<string, string>;
  trades: { trade: ShiftTradeTable; status: ShiftTradeTable['status'] }[];
}

export async function tradeViews(db: Db, clock: Clock, orgId: string, rows: ShiftTradeTable[]): Promise<TradeViews> {
  const zone = await orgZone(db, orgId);
  const names = await userNames(db, orgId, rows.flatMap((t) => [t.holder_id, t.to_user_id, t.decided_by]));
  const scheds = await scheduleStore.getSchedules(db, orgId, [...new Set(rows.flatMap((t) => [t.schedule_id, t.counter_schedule_id ?? t.schedule_id]))]);
  const now = clock.now();
  return { zone, names, scheduleNames: new Map(scheds.map((x) => [x.id, x.name])), trades: rows.map((trade) => ({ trade, status: tradeStatus(trade, now) })) };
}

/**
 * Email the other side of a trade: the person an offer or swap is made to, when it
 * is made; the proposer, when it is accepted or declined. Times in the organization's zone.
 */
async function tradeNotice(db: Db, orgId: string, t: ShiftTradeTable, what: 'proposed' | 'accepted' | 'declined', now: number): Promise<void> {
  const zone = await orgZone(db, orgId);
  const ids = [t.holder_id, t.to_user_id, t.decided_by].filter((x): x is string => !!x);
  const users = await getUsers(db, orgId, ids);
  const name = (id: string | null) => users.find((u) => u.id === id)?.name ?? 'Someone';
  const scheds = await scheduleStore.getSchedules(db, orgId, [t.schedule_id, t.counter_schedule_id ?? t.schedule_id]);
  const sname = (id: string | null) => scheds.find((x) => x.id === id)?.name ?? 'a schedule';
  const label = (start: number, end: number) => showIn([{ start, end }], zone)[0]!.label;
  const mine = `${label(t.start, t.end)} on ${sname(t.schedule_id)}`;
  const theirs = t.kind === 'swap' ? `${label(t.counter_start!, t.counter_end!)} on ${sname(t.counter_schedule_id)}` : '';
  const noun = t.kind === 'offer' ? 'offer' : 'swap';
  let to: string;
  let subject: string;
  let text: string;
  if (what === 'proposed') {
    to = t.to_user_id!;
    subject = t.kind === 'offer' ? `${name(t.holder_id)} offers you a shift: ${mine}` : `${name(t.holder_id)} proposes a swap: your ${theirs} for their ${mine}`;
    text = [
      subject + ` (${zone}).`,
      t.note ? `Note: ${t.note}` : null,
      `${name(t.holder_id)} stays on call until you accept. Accept or decline in Vigil (shift trade ${t.id}: POST /api/v1/shift_trades/${t.id}/accept or /decline).`,
      'Accepting is subject to your availability and caps.',
    ]
      .filter((l): l is string => l !== null)
      .join('\n\n');
  } else {
    to = t.holder_id;
    subject = `${name(t.decided_by)} ${what} your ${noun}: ${mine}`;
    text = what === 'accepted' ? `${subject} (${zone}). ${t.kind === 'offer' ? `${name(t.decided_by)} is on call for it now; you are not.` : `You are on call for ${theirs} instead.`}` : `${subject} (${zone}). You stay on call for it.`;
  }
  await queueNotice(db, orgId, [to], { key: `shift-trade:${t.id}:${what}`, eventType: `shift_trade.${what}`, subject, text, now });
}
