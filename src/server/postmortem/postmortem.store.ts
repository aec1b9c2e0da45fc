/** Queries of the postmortem tables: postmortems and postmortem_action_items. */
import { sql, type Kysely } from 'kysely';
import { rowLock } from '../storage/dialect.js';
import type { ActionItemStatus, ActionItemTable, Database, PostmortemStatus, PostmortemTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const pm = (r: PostmortemTable): PostmortemTable => ({ ...r, created_at: Number(r.created_at), updated_at: Number(r.updated_at), published_at: n(r.published_at) });
const item = (r: ActionItemTable): ActionItemTable => ({
  ...r,
  due_at: Number(r.due_at),
  next_reminder_at: n(r.next_reminder_at),
  reminders_sent: Number(r.reminders_sent),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
  completed_at: n(r.completed_at),
});

export async function insertPostmortem(db: Db, row: PostmortemTable): Promise<void> {
  await db.insertInto('postmortems').values(row).execute();
}

export async function getPostmortem(db: Db, orgId: string, id: string): Promise<PostmortemTable | undefined> {
  const r = await db.selectFrom('postmortems').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return r && pm(r);
}

export async function postmortemOfIncident(db: Db, orgId: string, incidentId: string): Promise<PostmortemTable | undefined> {
  const r = await db.selectFrom('postmortems').selectAll().where('org_id', '=', orgId).where('incident_id', '=', incidentId).executeTakeFirst();
  return r && pm(r);
}

export async function updatePostmortem(db: Db, orgId: string, id: string, patch: Partial<Pick<PostmortemTable, 'title' | 'body' | 'status' | 'updated_at' | 'published_at'>>): Promise<void> {
  await db.updateTable('postmortems').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function listPostmortems(db: Db, orgId: string, q: { status?: PostmortemStatus; incidentIds?: string[]; since?: number; until?: number; limit: number; offset: number }): Promise<{ rows: PostmortemTable[]; total: number }> {
  let base = db.selectFrom('postmortems').where('org_id', '=', orgId);
  if (q.incidentIds) base = base.where('incident_id', 'in', q.incidentIds.length ? q.incidentIds : ['']);
  if (q.status) base = base.where('status', '=', q.status);
  if (q.since !== undefined) base = base.where('published_at', '>=', q.since);
  if (q.until !== undefined) base = base.where('published_at', '<', q.until);
  const rows = await base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows.map(pm), total: Number(total.n) };
}

export async function insertActionItem(db: Db, row: ActionItemTable): Promise<void> {
  await db.insertInto('postmortem_action_items').values(row).execute();
}

export async function getActionItem(db: Db, orgId: string, id: string): Promise<ActionItemTable | undefined> {
  const r = await db.selectFrom('postmortem_action_items').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return r && item(r);
}

export async function updateActionItem(db: Db, orgId: string, id: string, patch: Partial<ActionItemTable>): Promise<void> {
  await db.updateTable('postmortem_action_items').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function actionItemsOf(db: Db, orgId: string, postmortemId: string): Promise<ActionItemTable[]> {
  const rows = await db.selectFrom('postmortem_action_items').selectAll().where('org_id', '=', orgId).where('postmortem_id', '=', postmortemId).orderBy('due_at').orderBy('id').execute();
  return rows.map(item);
}

export interface ActionItemQuery {
  statuses?: readonly ActionItemStatus[];
  ownerId?: string;
  /** Only items still open whose due instant is at or before this. */
  overdueAt?: number;
  limit: number;
  offset: number;
}

export async function listActionItems(db: Db, orgId: string, q: ActionItemQuery): Promise<{ rows: ActionItemTable[]; total: number }> {
  let base = db.selectFrom('postmortem_action_items').where('org_id', '=', orgId);
  if (q.statuses?.length) base = base.where('status', 'in', [...q.statuses]);
  if (q.ownerId) base = base.where('owner_id', '=', q.ownerId);
  if (q.overdueAt !== undefined) base = base.where('status', 'in', ['open', 'in_progress']).where('due_at', '<=', q.overdueAt);
  const rows = await base.selectAll().orderBy('due_at').orderBy('id').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows.map(item), total: Number(total.n) };
}

/** Counts for a report: items created, and closed (done) in [since, until). */
export async function actionItemsClosedIn(db: Db, orgId: string, since: number, until: number): Promise<number> {
  const r = await db
    .selectFrom('postmortem_action_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('status', '=', 'done')
    .where('completed_at', '>=', since)
    .where('completed_at', '<', until)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Open items whose reminder is due, in any organization, claimed for this transaction (other nodes skip them). */
export async function claimDueReminders(db: Db, now: number, limit: number): Promise<ActionItemTable[]> {
  const r = await sql<ActionItemTable>`
    SELECT * FROM postmortem_action_items WHERE next_reminder_at <= ${now}
    ORDER BY next_reminder_at LIMIT ${limit} ${rowLock(db, 'update', { skipLocked: true })}`.execute(db);
  return r.rows.map(item);
}

/** The earliest action-item reminder, as a scalar subquery (column `t`); no later than any item claimDueReminders takes. */
export function reminderDueQuery(db: Db) {
  return db.selectFrom('postmortem_action_items').select((eb) => eb.fn.min('next_reminder_at').as('t')).where('next_reminder_at', 'is not', null);
}
