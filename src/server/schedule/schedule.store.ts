/**
 * Queries for schedules, their overrides and calendar feeds, and nothing else.
 * Layers are one JSON column read with their schedule (the pure `Layer[]` of
 * schedule.ts plus each layer's display name), so the engine can read the same
 * column without this module. Instants are epoch ms; PostgreSQL returns BIGINT
 * as strings, so every instant read here passes through Number().
 */
import type { Kysely } from 'kysely';
import type { CalendarFeedTable, Database, ScheduleOverrideTable, ScheduleTable } from '../storage/schema.js';
import type { Layer } from './schedule.js';

type Db = Kysely<Database>;

/** A stored layer: the pure layer plus the name people gave it. */
export interface StoredLayer extends Layer {
  name: string;
}

export interface ScheduleRow extends Omit<ScheduleTable, 'layers'> {
  layers: StoredLayer[];
}

const parse = (r: ScheduleTable): ScheduleRow => ({
  ...r,
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
  deleted_at: r.deleted_at === null ? null : Number(r.deleted_at),
  layers: JSON.parse(r.layers) as StoredLayer[],
});

const parseOverride = (o: ScheduleOverrideTable): ScheduleOverrideTable => ({ ...o, start: Number(o.start), end: Number(o.end), created_at: Number(o.created_at) });

export async function getSchedule(db: Db, orgId: string, id: string): Promise<ScheduleRow | undefined> {
  const r = await db.selectFrom('schedules').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return r && parse(r);
}

/** Live schedules among `ids` (deleted ones are left out). */
export async function getSchedules(db: Db, orgId: string, ids: string[]): Promise<ScheduleRow[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('schedules').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).where('deleted_at', 'is', null).execute();
  return rows.map(parse);
}

/** `ids`: only these (the team_ids[] filter; none matches an empty list). */
export async function listSchedules(db: Db, orgId: string, q: { query?: string; ids?: string[]; limit: number; offset: number }): Promise<{ rows: ScheduleRow[]; total: number }> {
  if (q.ids && !q.ids.length) return { rows: [], total: 0 };
  let base = db.selectFrom('schedules').where('org_id', '=', orgId).where('deleted_at', 'is', null);
  if (q.ids) base = base.where('id', 'in', q.ids);
  if (q.query) base = base.where((eb) => eb(eb.fn('lower', ['name']), 'like', `%${q.query!.toLowerCase()}%`));
  const rows = await base.selectAll().orderBy('name').orderBy('id').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows.map(parse), total: Number(total.n) };
}

/** Every live schedule of the organization (on-call and readiness look across all of them). */
export async function allSchedules(db: Db, orgId: string): Promise<ScheduleRow[]> {
  const rows = await db.selectFrom('schedules').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).orderBy('name').orderBy('id').execute();
  return rows.map(parse);
}

export async function insertSchedule(db: Db, row: ScheduleRow): Promise<void> {
  await db.insertInto('schedules').values({ ...row, layers: JSON.stringify(row.layers) }).execute();
}

export async function updateSchedule(db: Db, orgId: string, id: string, patch: Partial<Omit<ScheduleRow, 'org_id' | 'id'>>): Promise<void> {
  const { layers, ...rest } = patch;
  await db
    .updateTable('schedules')
    .set({ ...rest, ...(layers ? { layers: JSON.stringify(layers) } : {}) })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function softDeleteSchedule(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await db.updateTable('schedules').set({ deleted_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/**
 * Overrides of a schedule that overlap [since, until) (either bound optional), in
 * creation order: where two overlap, the one created later wins (schedule.ts).
 */
export async function listOverrides(db: Db, orgId: string, scheduleId: string, range: { since?: number; until?: number } = {}): Promise<ScheduleOverrideTable[]> {
  let q = db.selectFrom('schedule_overrides').selectAll().where('org_id', '=', orgId).where('schedule_id', '=', scheduleId);
  if (range.since !== undefined) q = q.where('end', '>', range.since);
  if (range.until !== undefined) q = q.where('start', '<', range.until);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(parseOverride);
}

export async function getOverride(db: Db, orgId: string, scheduleId: string, id: string): Promise<ScheduleOverrideTable | undefined> {
  const r = await db.selectFrom('schedule_overrides').selectAll().where('org_id', '=', orgId).where('schedule_id', '=', scheduleId).where('id', '=', id).executeTakeFirst();
  return r && parseOverride(r);
}

export async function insertOverrides(db: Db, rows: ScheduleOverrideTable[]): Promise<void> {
  if (rows.length) await db.insertInto('schedule_overrides').values(rows).execute();
}

export async function deleteOverride(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('schedule_overrides').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Replace the live feed of (kind, target): the old URL stops working in the same transaction. */
export async function replaceCalendarFeed(db: Db, row: CalendarFeedTable): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('calendar_feeds')
      .set({ revoked_at: row.created_at })
      .where('org_id', '=', row.org_id)
      .where('kind', '=', row.kind)
      .where('target_id', '=', row.target_id)
      .where('revoked_at', 'is', null)
      .execute();
    await trx.insertInto('calendar_feeds').values(row).execute();
  });
}

/** The live feed whose token hashes to `tokenHash`, in any organization (the token is the credential). */
export async function findCalendarFeed(db: Db, tokenHash: string): Promise<CalendarFeedTable | undefined> {
  return db.selectFrom('calendar_feeds').selectAll().where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).executeTakeFirst();
}

/** Organizations with a live schedule that has an open-shift layer. */
export async function orgsWithOpenShifts(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('schedules').select('org_id').distinct().where('deleted_at', 'is', null).where('layers', 'like', '%"open":true%').execute();
  return rows.map((r) => r.org_id);
}

/** Overrides of every schedule of the organization that overlap [since, until), in creation order. */
export async function overridesBetween(db: Db, orgId: string, since: number, until: number): Promise<ScheduleOverrideTable[]> {
  const rows = await db.selectFrom('schedule_overrides').selectAll().where('org_id', '=', orgId).where('end', '>', since).where('start', '<', until).orderBy('created_at').execute();
  return rows.map(parseOverride);
}

/** Cut an override short: it ends at `end`. */
export async function endOverride(db: Db, orgId: string, id: string, end: number): Promise<void> {
  await db.updateTable('schedule_overrides').set({ end }).where('org_id', '=', orgId).where('id', '=', id).execute();
}
