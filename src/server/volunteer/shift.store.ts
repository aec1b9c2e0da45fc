/**
 * Rows of open shift claims, shift trades (offers and swaps) and intense-incident
 * marks. Every query is scoped by organization. Instants read here pass through
 * Number() (PostgreSQL returns BIGINT as strings).
 */
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database, IntenseIncidentTable, OpenShiftClaimTable, ShiftTradeTable } from '../storage/schema.js';

type Db = Kysely<Database>;

// ---- open shift claims ---------------------------------------------------------------------

export interface LiveClaim extends OpenShiftClaimTable {
  start: number;
  end: number;
}

const claimOf = (c: OpenShiftClaimTable): LiveClaim => ({
  ...c,
  start: Number(c.start),
  end: Number(c.end),
  slot_start: Number(c.slot_start),
  slot_end: Number(c.slot_end),
  created_at: Number(c.created_at),
  released_at: c.released_at === null ? null : Number(c.released_at),
});

/** Active claims of a schedule overlapping [since, until) whose override still exists (deleting the override releases the claim). */
export async function liveClaims(db: Db, orgId: string, scheduleId: string, since: number, until: number): Promise<LiveClaim[]> {
  const rows = await db
    .selectFrom('open_shift_claims as c')
    .innerJoin('schedule_overrides as o', (j) => j.onRef('o.org_id', '=', 'c.org_id').onRef('o.id', '=', 'c.override_id'))
    .selectAll('c')
    .where('c.org_id', '=', orgId)
    .where('c.schedule_id', '=', scheduleId)
    .where('c.status', '=', 'active')
    .where('c.end', '>', since)
    .where('c.start', '<', until)
    .orderBy('c.start')
    .execute();
  return rows.map(claimOf);
}

export async function insertClaim(db: Db, row: OpenShiftClaimTable): Promise<void> {
  await db.insertInto('open_shift_claims').values(row).execute();
}

export async function getClaim(db: Db, orgId: string, id: string): Promise<LiveClaim | undefined> {
  const c = await db.selectFrom('open_shift_claims').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return c && claimOf(c);
}

/** Active claims of a user that end after `after`. */
export async function activeClaimsOfUser(db: Db, orgId: string, userId: string, after: number): Promise<LiveClaim[]> {
  const rows = await db.selectFrom('open_shift_claims').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).where('status', '=', 'active').where('end', '>', after).execute();
  return rows.map(claimOf);
}

export async function releaseClaim(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await db.updateTable('open_shift_claims').set({ status: 'released', released_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function endClaim(db: Db, orgId: string, id: string, end: number): Promise<void> {
  await db.updateTable('open_shift_claims').set({ end }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

// ---- shift trades --------------------------------------------------------------------------

const tradeOf = (t: ShiftTradeTable): ShiftTradeTable => ({
  ...t,
  start: Number(t.start),
  end: Number(t.end),
  counter_start: t.counter_start === null ? null : Number(t.counter_start),
  counter_end: t.counter_end === null ? null : Number(t.counter_end),
  created_at: Number(t.created_at),
  decided_at: t.decided_at === null ? null : Number(t.decided_at),
});

export async function insertTrade(db: Db, row: ShiftTradeTable): Promise<void> {
  await db.insertInto('shift_trades').values(row).execute();
}

export async function getTrade(db: Db, orgId: string, id: string): Promise<ShiftTradeTable | undefined> {
  const t = await db.selectFrom('shift_trades').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return t && tradeOf(t);
}

export async function updateTrade(db: Db, orgId: string, id: string, patch: Pick<ShiftTradeTable, 'status' | 'decided_at' | 'decided_by' | 'override_ids'>): Promise<void> {
  await db.updateTable('shift_trades').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export interface TradeQuery {
  /** pending, accepted, declined, withdrawn or expired, as read at `now` (tradeStatus). */
  status?: string;
  /** Only the trades this user holds, is offered, or may take (offers to anyone). */
  userId?: string;
  limit: number;
  offset: number;
}

export async function listTrades(db: Db, orgId: string, now: number, q: TradeQuery): Promise<{ rows: ShiftTradeTable[]; total: number }> {
  let base = db.selectFrom('shift_trades').where('org_id', '=', orgId);
  // A pending trade whose shift has begun reads as expired (tradeStatus) before any write records it.
  const begun = (eb: ExpressionBuilder<Database, 'shift_trades'>) => eb.or([eb('start', '<=', now), eb.and([eb('counter_start', 'is not', null), eb('counter_start', '<=', now)])]);
  if (q.status === 'pending') base = base.where('status', '=', 'pending').where((eb) => eb.not(begun(eb)));
  else if (q.status === 'expired') base = base.where((eb) => eb.or([eb('status', '=', 'expired'), eb.and([eb('status', '=', 'pending'), begun(eb)])]));
  else if (q.status) base = base.where('status', '=', q.status as ShiftTradeTable['status']);
  if (q.userId) {
    const u = q.userId;
    base = base.where((eb) => eb.or([eb('holder_id', '=', u), eb('to_user_id', '=', u), eb('to_user_id', 'is', null)]));
  }
  const rows = await base.selectAll().orderBy('start').orderBy('id').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows.map(tradeOf), total: Number(total.n) };
}

// ---- intense incidents ---------------------------------------------------------------------

/** Mark an incident intense, replacing an earlier mark. */
export async function putIntense(db: Db, row: IntenseIncidentTable): Promise<void> {
  await db.deleteFrom('intense_incidents').where('org_id', '=', row.org_id).where('incident_id', '=', row.incident_id).execute();
  await db.insertInto('intense_incidents').values(row).execute();
}

/** Remove the mark; false when there was none. */
export async function deleteIntense(db: Db, orgId: string, incidentId: string): Promise<boolean> {
  const r = await db.deleteFrom('intense_incidents').where('org_id', '=', orgId).where('incident_id', '=', incidentId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Which of these incidents are marked intense. */
export async function intenseAmong(db: Db, orgId: string, incidentIds: string[]): Promise<string[]> {
  const rows = await db.selectFrom('intense_incidents').select('incident_id').where('org_id', '=', orgId).where('incident_id', 'in', incidentIds).execute();
  return rows.map((r) => r.incident_id);
}
