/**
 * The incidents' timelines (log_entries) and the services' change events (change_events).
 * Owned by the incident folder (docs/architecture.md); timeline.ts writes entries through
 * here, with their wording and webhooks.
 */
import { type Kysely } from 'kysely';
import { insertRows } from '../storage/prepared.js';
import type { Database, LogEntryTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const LOG_ENTRY_COLUMNS: Record<keyof LogEntryTable, true> = {
  org_id: true, id: true, incident_id: true, service_id: true, type: true, created_at: true, agent: true, channel: true, summary: true, details: true, wording: true,
};
const insertLogRows = insertRows<LogEntryTable>('log_entries', LOG_ENTRY_COLUMNS);

export async function insertLogEntry(db: Db, row: LogEntryTable): Promise<void> {
  await insertLogRows(db, [row]);
}

/** Many timeline rows in few statements (ingest batches), 100 rows per statement. */
export async function insertLogEntries(db: Db, rows: LogEntryTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) await insertLogRows(db, rows.slice(i, i + 100));
}

export async function listLogEntries(
  db: Db,
  orgId: string,
  q: { incidentId?: string; types?: string[]; since?: number; until?: number; sortDesc?: boolean; limit: number; offset: number },
): Promise<{ rows: LogEntryTable[]; total: number }> {
  let base = db.selectFrom('log_entries').where('org_id', '=', orgId);
  if (q.incidentId) base = base.where('incident_id', '=', q.incidentId);
  if (q.types?.length) base = base.where('type', 'in', q.types);
  if (q.since !== undefined) base = base.where('created_at', '>=', q.since);
  if (q.until !== undefined) base = base.where('created_at', '<', q.until);
  const dir = q.sortDesc ? 'desc' : 'asc';
  const rows = await base.selectAll().orderBy('created_at', dir).orderBy('id', dir).limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

export async function getLogEntry(db: Db, orgId: string, id: string): Promise<LogEntryTable | undefined> {
  return db.selectFrom('log_entries').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function firstTriggerLogEntry(db: Db, orgId: string, incidentIds: string[]): Promise<Map<string, LogEntryTable>> {
  const out = new Map<string, LogEntryTable>();
  if (!incidentIds.length) return out;
  const rows = await db
    .selectFrom('log_entries')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('incident_id', 'in', incidentIds)
    .where('type', '=', 'trigger_log_entry')
    .execute();
  for (const r of rows) if (r.incident_id && !out.has(r.incident_id)) out.set(r.incident_id, r);
  return out;
}

export async function insertChangeEvent(db: Db, row: Database['change_events']): Promise<void> {
  await db.insertInto('change_events').values(row).execute();
}

export async function listChangeEvents(db: Db, orgId: string, serviceId: string, limit: number, offset: number) {
  const base = db.selectFrom('change_events').where('org_id', '=', orgId).where('service_id', '=', serviceId);
  const rows = await base.selectAll().orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

/** Change events older than `before` are deleted (PagerDuty keeps them 90 days). */
export async function deleteChangeEventsBefore(db: Db, before: number): Promise<void> {
  await db.deleteFrom('change_events').where('timestamp', '<', before).execute();
}

/**
 * Acknowledgements made in [since, until), by these users (null: anyone). The agent
 * is stored as JSON ({"id": …}); user ids are ULIDs, so a LIKE on the id is exact.
 */
export async function acknowledgementsBetween(db: Db, orgId: string, userIds: readonly string[] | null, since: number, until: number): Promise<{ incident_id: string | null; agent: string | null }[]> {
  if (userIds && !userIds.length) return [];
  let q = db.selectFrom('log_entries').select(['incident_id', 'agent']).where('org_id', '=', orgId).where('type', '=', 'acknowledge_log_entry').where('created_at', '>=', since).where('created_at', '<', until);
  if (userIds) q = q.where((eb) => eb.or(userIds.map((u) => eb('agent', 'like', `%"id":"${u.replace(/[%_"\\]/g, '')}"%`))));
  return q.execute();
}

/** Acknowledge, un-acknowledge and resolve entries of these incidents, in timeline order (read 500 incidents at a time). */
export async function statusLogEntries(db: Db, orgId: string, incidentIds: readonly string[]): Promise<Pick<LogEntryTable, 'incident_id' | 'type' | 'created_at' | 'agent'>[]> {
  const out: Pick<LogEntryTable, 'incident_id' | 'type' | 'created_at' | 'agent'>[] = [];
  for (let i = 0; i < incidentIds.length; i += 500) {
    const rows = await db
      .selectFrom('log_entries')
      .select(['incident_id', 'type', 'created_at', 'agent'])
      .where('org_id', '=', orgId)
      .where('incident_id', 'in', incidentIds.slice(i, i + 500))
      .where('type', 'in', ['acknowledge_log_entry', 'unacknowledge_log_entry', 'resolve_log_entry'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    out.push(...rows);
  }
  return out;
}
