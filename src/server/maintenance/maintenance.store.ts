/**
 * Queries for maintenance windows and the services they cover. Every query is scoped by
 * organization except the engine's claim of due transitions and its next deadline, which
 * work across organizations (the rows yield theirs).
 */
import { sql, type Kysely } from 'kysely';
import { rowLock } from '../storage/dialect.js';
import type { Database, MaintenanceWindowServiceTable, MaintenanceWindowTable } from '../storage/schema.js';
import { run, statement } from '../storage/prepared.js';

type Db = Kysely<Database>;

/**
 * Which of these services are inside a maintenance window now: a window whose occurrence
 * the engine has started and not yet ended (`active_since`), unless it was ended early (an
 * end takes effect at once; the engine writes its timeline entry right after). Ingest asks
 * once per batch, inside the batch's transaction, so a window's start or end and the events
 * around it are ordered by the database.
 */
/** Read by every ingest batch: hand-written (storage/prepared.ts), one text whatever the number of services asked about. */
/** Its tables and condition, one `?` (the organization): also folded into ingest's per-batch read (ingest/batch-context.store.ts). */
export const IN_MAINTENANCE_FROM = `FROM maintenance_window_services s
  JOIN maintenance_windows w ON w.org_id = s.org_id AND w.id = s.window_id
  WHERE s.org_id = ? AND w.active_since IS NOT NULL AND w.ended_at IS NULL AND w.deleted_at IS NULL`;
const IN_MAINTENANCE = statement(`SELECT DISTINCT s.service_id ${IN_MAINTENANCE_FROM}`);

/** Which of `serviceIds` are in a window in progress (an organization has few such services at once). */
export async function servicesInMaintenance(db: Db, orgId: string, serviceIds: readonly string[]): Promise<Set<string>> {
  if (!serviceIds.length) return new Set();
  const asked = new Set(serviceIds);
  const rows = await run<{ service_id: string }>(db, IN_MAINTENANCE, [orgId]);
  return new Set(rows.map((r) => r.service_id).filter((id) => asked.has(id)));
}

export async function insertWindow(db: Db, row: MaintenanceWindowTable, serviceIds: readonly string[]): Promise<void> {
  await db.insertInto('maintenance_windows').values(row).execute();
  await setWindowServices(db, row.org_id, row.id, serviceIds);
}

/** Replace the services a window covers. */
export async function setWindowServices(db: Db, orgId: string, windowId: string, serviceIds: readonly string[]): Promise<void> {
  await db.deleteFrom('maintenance_window_services').where('org_id', '=', orgId).where('window_id', '=', windowId).execute();
  if (serviceIds.length) await db.insertInto('maintenance_window_services').values(serviceIds.map((service_id) => ({ org_id: orgId, window_id: windowId, service_id }))).execute();
}

/** A window that was not deleted; `lock`: held FOR UPDATE for the caller's transaction (a change or an end). */
export async function getWindow(db: Db, orgId: string, id: string, lock = false): Promise<MaintenanceWindowTable | undefined> {
  const r = await sql<MaintenanceWindowTable>`SELECT * FROM maintenance_windows WHERE org_id = ${orgId} AND id = ${id} AND deleted_at IS NULL ${lock ? rowLock(db, 'update') : sql``}`.execute(db);
  return r.rows[0];
}

export async function updateWindow(db: Db, orgId: string, id: string, patch: Partial<Omit<MaintenanceWindowTable, 'org_id' | 'id' | 'sequence_number' | 'created_at' | 'created_by'>>): Promise<void> {
  await db.updateTable('maintenance_windows').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** The services of these windows, in no particular order. */
export async function servicesOfWindows(db: Db, orgId: string, windowIds: readonly string[]): Promise<MaintenanceWindowServiceTable[]> {
  if (!windowIds.length) return [];
  return db.selectFrom('maintenance_window_services').selectAll().where('org_id', '=', orgId).where('window_id', 'in', [...windowIds]).execute();
}

export type Coarse = 'live' | 'past' | 'any';

/**
 * Windows of the organization that may match a list filter, narrowed in SQL as far as
 * their columns allow: `live` leaves out windows ended early and one-off windows over at
 * `now`; `past` leaves out one-off windows still to end. Recurring windows are always
 * candidates: only their rule says whether an occurrence is left.
 */
export async function listCandidates(db: Db, orgId: string, q: { serviceIds?: readonly string[]; query?: string; coarse: Coarse; now: number }): Promise<MaintenanceWindowTable[]> {
  let base = db.selectFrom('maintenance_windows').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null);
  if (q.serviceIds?.length) {
    base = base.where('id', 'in', (eb) => eb.selectFrom('maintenance_window_services').select('window_id').where('org_id', '=', orgId).where('service_id', 'in', [...q.serviceIds!]));
  }
  if (q.query) base = base.where((eb) => eb(eb.fn('lower', ['description']), 'like', `%${q.query!.toLowerCase()}%`));
  if (q.coarse === 'live') {
    base = base.where((eb) => eb.and([eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', q.now)]), eb.or([eb('recurrence', 'is not', null), eb('end_time', '>', q.now)])]));
  } else if (q.coarse === 'past') {
    base = base.where((eb) => eb.or([eb('recurrence', 'is not', null), eb('end_time', '<=', q.now), eb('ended_at', '<=', q.now)]));
  }
  return base.orderBy('start_time').orderBy('sequence_number').execute();
}

/**
 * Windows covering any of these services that may still have an occurrence from `from` on
 * (not deleted, not ended before it, one-off ones not over), with the services they share.
 */
export async function windowsOfServices(db: Db, orgId: string, serviceIds: readonly string[], from: number, to = Number.MAX_SAFE_INTEGER): Promise<{ window: MaintenanceWindowTable; serviceIds: string[] }[]> {
  if (!serviceIds.length) return [];
  const links = await db.selectFrom('maintenance_window_services').selectAll().where('org_id', '=', orgId).where('service_id', 'in', [...serviceIds]).execute();
  if (!links.length) return [];
  const rows = await db
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', [...new Set(links.map((l) => l.window_id))])
    .where('deleted_at', 'is', null)
    .where('start_time', '<', to)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', from)]))
    .where((eb) => eb.or([eb('recurrence', 'is not', null), eb('end_time', '>', from)]))
    .orderBy('start_time')
    .execute();
  return rows.map((window) => ({ window, serviceIds: links.filter((l) => l.window_id === window.id).map((l) => l.service_id) }));
}

/** Windows whose next transition is due, claimed for the caller's transaction (other nodes skip them). */
export async function claimDueWindows(db: Db, now: number, limit: number): Promise<MaintenanceWindowTable[]> {
  const r = await sql<MaintenanceWindowTable>`
    SELECT * FROM maintenance_windows WHERE next_transition_at <= ${now} AND deleted_at IS NULL
    ORDER BY next_transition_at LIMIT ${limit} ${rowLock(db, 'update', { skipLocked: true })}`.execute(db);
  return r.rows;
}

/** The earliest start or end of an occurrence the engine has to act on, as a scalar subquery (column `t`); no later than any window claimDueWindows takes (deleted windows have none). */
export function transitionDueQuery(db: Db) {
  return db.selectFrom('maintenance_windows').select((eb) => eb.fn.min('next_transition_at').as('t')).where('next_transition_at', 'is not', null);
}
