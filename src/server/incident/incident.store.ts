import { sql, type Kysely } from 'kysely';
import { first, run, statement } from '../storage/prepared.js';
import { noFlushColumn, rowLock, rowLockText } from '../storage/dialect.js';
import type { Database, IncidentStatus, IncidentTable } from '../storage/schema.js';

/**
 * The incidents table and their assignments. Owned by the incident folder
 * (docs/architecture.md), with the alerts (alert.store.ts) and the timelines and change events
 * (log-entry.store.ts). The statements every ingested event runs are hand-written
 * (storage/prepared.ts): the query builder's CPU cost dominated ingest.
 */
type Db = Kysely<Database>;

// FOR KEY SHARE: an incident that a transaction is adding alerts to cannot be resolved under
// it (setStatus takes FOR UPDATE before resolving, so a resolve waits for the commit, then sees
// and resolves the new alerts too), while the engine's FOR NO KEY UPDATE SKIP LOCKED still
// claims it for escalation in the middle of an alert storm.
const FIND_ACCEPTING_INCIDENT = statement('SELECT * FROM incidents WHERE org_id = ? AND service_id = ? AND open_group = ?', rowLockText('key share'));
// The same, with its assignees as one row each (a join notice needs them): one round trip
// per batch instead of two. The lock is taken on the incident only (the outer join's
// nullable side cannot be locked on PostgreSQL).
const FIND_ACCEPTING_INCIDENT_ASSIGNED = statement(
  `SELECT i.*, a.user_id AS assignment_user_id FROM incidents i
   LEFT JOIN incident_assignments a ON a.org_id = i.org_id AND a.incident_id = i.id
   WHERE i.org_id = ? AND i.service_id = ? AND i.open_group = ? ORDER BY a.at, a.user_id`,
  `${rowLockText('key share')} OF i`,
);
/** The open incident of a service that accepts the alerts of group `key` (incident/grouping.ts), held FOR KEY SHARE (see above). */
export async function findAcceptingIncident(db: Db, orgId: string, serviceId: string, key: string): Promise<IncidentTable | undefined> {
  return first<IncidentTable>(db, FIND_ACCEPTING_INCIDENT, [orgId, serviceId, key]);
}

/** findAcceptingIncident, with the people assigned to the incident (as assigneesOf reads them) in the same statement. */
export async function findAcceptingIncidentAssigned(db: Db, orgId: string, serviceId: string, key: string): Promise<{ incident: IncidentTable; assignees: string[] } | undefined> {
  const rows = await run<IncidentTable & { assignment_user_id: string | null }>(db, FIND_ACCEPTING_INCIDENT_ASSIGNED, [orgId, serviceId, key]);
  if (!rows.length) return undefined;
  const { assignment_user_id: _, ...incident } = rows[0]!;
  return { incident, assignees: rows.flatMap((r) => (r.assignment_user_id === null ? [] : [r.assignment_user_id])) };
}

/** The open incidents of a service whose group key starts with `prefix` (content grouping on any field: one key per incident), oldest first. */
export async function acceptingIncidentsByPrefix(db: Db, orgId: string, serviceId: string, prefix: string, limit = 50): Promise<IncidentTable[]> {
  const rows = await sql<IncidentTable>`
    SELECT * FROM incidents WHERE org_id = ${orgId} AND service_id = ${serviceId} AND open_group LIKE ${`${prefix.replace(/[%_\\]/g, '')}%`}
    ORDER BY created_at LIMIT ${limit} ${rowLock(db, 'key share')}`.execute(db);
  return rows.rows;
}

export async function findOpenIncidentByKey(db: Db, orgId: string, serviceId: string, key: string): Promise<IncidentTable | undefined> {
  return db
    .selectFrom('incidents')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('service_id', '=', serviceId)
    .where('incident_key', '=', key)
    .where('status', '<>', 'resolved')
    .executeTakeFirst();
}

export async function insertIncident(db: Db, row: IncidentTable): Promise<void> {
  await db.insertInto('incidents').values(row).execute();
}

export async function getIncident(db: Db, orgId: string, id: string): Promise<IncidentTable | undefined> {
  return db.selectFrom('incidents').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function getIncidentByNumber(db: Db, orgId: string, n: number): Promise<IncidentTable | undefined> {
  return db.selectFrom('incidents').selectAll().where('org_id', '=', orgId).where('number', '=', n).executeTakeFirst();
}

export async function updateIncident(db: Db, orgId: string, id: string, patch: Partial<IncidentTable>): Promise<void> {
  await db.updateTable('incidents').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export interface IncidentQuery {
  statuses?: IncidentStatus[];
  serviceIds?: string[];
  urgencies?: ('high' | 'low')[];
  userIds?: string[];
  priorityIds?: string[];
  incidentKey?: string;
  since?: number;
  until?: number;
  sortDesc: boolean;
  limit: number;
  offset: number;
}

export async function listIncidents(db: Db, orgId: string, q: IncidentQuery): Promise<{ rows: IncidentTable[]; total: number }> {
  let base = db.selectFrom('incidents').where('org_id', '=', orgId);
  if (q.statuses?.length) base = base.where('status', 'in', q.statuses);
  if (q.serviceIds?.length) base = base.where('service_id', 'in', q.serviceIds);
  if (q.urgencies?.length) base = base.where('urgency', 'in', q.urgencies);
  if (q.priorityIds?.length) base = base.where('priority_id', 'in', q.priorityIds);
  if (q.incidentKey) base = base.where('incident_key', '=', q.incidentKey);
  if (q.since !== undefined) base = base.where('created_at', '>=', q.since);
  if (q.until !== undefined) base = base.where('created_at', '<', q.until);
  if (q.userIds?.length) {
    const userIds = q.userIds;
    base = base.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('incident_assignments as a')
          .select('a.user_id')
          .whereRef('a.org_id', '=', 'incidents.org_id')
          .whereRef('a.incident_id', '=', 'incidents.id')
          .where('a.user_id', 'in', userIds),
      ),
    );
  }
  const dir = q.sortDesc ? 'desc' : 'asc';
  const rows = await base.selectAll().orderBy('created_at', dir).orderBy('number', dir).limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

export async function setAssignments(db: Db, orgId: string, incidentId: string, userIds: string[], at: number): Promise<void> {
  await db.deleteFrom('incident_assignments').where('org_id', '=', orgId).where('incident_id', '=', incidentId).execute();
  if (userIds.length) {
    await db
      .insertInto('incident_assignments')
      .values(userIds.map((user_id) => ({ org_id: orgId, incident_id: incidentId, user_id, at })))
      .execute();
  }
}

/** Read by an ingest batch for each incident alerts join: hand-written (storage/prepared.ts). */
const ASSIGNEES = statement('SELECT user_id FROM incident_assignments WHERE org_id = ? AND incident_id = ? ORDER BY at, user_id');

/** The people assigned to one incident, in the order they were assigned. */
export async function assigneesOf(db: Db, orgId: string, incidentId: string): Promise<string[]> {
  return (await run<{ user_id: string }>(db, ASSIGNEES, [orgId, incidentId])).map((r) => r.user_id);
}

export async function assignmentsOf(db: Db, orgId: string, incidentIds: string[]): Promise<Map<string, { user_id: string; at: number }[]>> {
  const out = new Map<string, { user_id: string; at: number }[]>();
  if (!incidentIds.length) return out;
  const rows = await db.selectFrom('incident_assignments').selectAll().where('org_id', '=', orgId).where('incident_id', 'in', incidentIds).orderBy('at').execute();
  for (const r of rows) {
    const list = out.get(r.incident_id) ?? [];
    list.push({ user_id: r.user_id, at: Number(r.at) });
    out.set(r.incident_id, list);
  }
  return out;
}

const numeric = (r: IncidentTable): IncidentTable => ({
  ...r,
  number: Number(r.number),
  escalation_level: Number(r.escalation_level),
  escalation_loop: Number(r.escalation_loop),
  escalation_epoch: Number(r.escalation_epoch),
  next_step_at: r.next_step_at === null ? null : Number(r.next_step_at),
  created_at: Number(r.created_at),
});

/**
 * Triggered incidents whose next escalation step is due, oldest first, claimed for this
 * transaction. NO KEY UPDATE SKIP LOCKED: several nodes claim disjoint incidents, and an
 * ingest batch holding an incident FOR KEY SHARE (an alert storm) never holds back its escalation.
 * `commitWithoutFlush`: a claim that takes a row lets its transaction commit without waiting
 * for PostgreSQL's log flush (storage/dialect.ts noFlushColumn), in the same round trip.
 */
export async function claimDueSteps(db: Db, now: number, limit: number, opts: { commitWithoutFlush?: boolean } = {}): Promise<IncidentTable[]> {
  const due = await sql<IncidentTable & { no_flush?: unknown }>`
    SELECT *${opts.commitWithoutFlush ? noFlushColumn(db) : sql``} FROM incidents WHERE next_step_at <= ${now} AND status = 'triggered'
    ORDER BY next_step_at LIMIT ${limit} ${rowLock(db, 'no key update', { skipLocked: true })}`.execute(db);
  return due.rows.map(({ no_flush: _, ...r }) => numeric(r));
}

/** The incident, locked FOR UPDATE for the rest of the transaction (a resolve, a hand-over that must see the latest position). */
export async function lockIncident(db: Db, orgId: string, id: string): Promise<IncidentTable | undefined> {
  const r = await sql<IncidentTable>`SELECT * FROM incidents WHERE org_id = ${orgId} AND id = ${id} ${rowLock(db, 'update')}`.execute(db);
  return r.rows[0] && numeric(r.rows[0]);
}

/** Where the escalation goes next and when (null: nothing more is due). */
export async function setEscalationPosition(db: Db, orgId: string, id: string, next: { level: number; loop: number; at: number } | null): Promise<void> {
  await updateIncident(db, orgId, id, next ? { escalation_level: next.level, escalation_loop: next.loop, next_step_at: next.at } : { next_step_at: null });
}

/** Fire the pending step at `at` (a level handed back, an exhausted round robin). */
export async function setNextStepAt(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await updateIncident(db, orgId, id, { next_step_at: at });
}

/** The earliest escalation step in any organization (indexed), as a scalar subquery (column `t`) for the engine's one read of every deadline (engine/deadlines.store.ts); no later than any step claimDueSteps takes. */
export function stepDueQuery(db: Db) {
  return db.selectFrom('incidents').select((eb) => eb.fn.min('next_step_at').as('t')).where('next_step_at', 'is not', null);
}

/**
 * Open incidents in `statuses` whose service's `timeout` setting (seconds) has run out
 * since their last status change, oldest first, claimed for this transaction. A snoozed
 * incident is left alone: snoozing suspends both timeouts (PagerDuty), and the snooze's
 * end re-triggers it, which starts them again.
 */
export async function claimTimedOut(db: Db, timeout: 'acknowledgement_timeout' | 'auto_resolve_timeout', statuses: readonly IncidentStatus[], now: number, limit: number): Promise<IncidentTable[]> {
  const col = sql.ref(`s.${timeout}`);
  const rows = await sql<IncidentTable>`
    SELECT i.* FROM incidents i JOIN services s ON s.org_id = i.org_id AND s.id = i.service_id
    WHERE i.status IN (${sql.join([...statuses])}) AND ${col} IS NOT NULL AND i.snoozed_until IS NULL
      AND i.last_status_change_at + ${col} * 1000 <= ${now}
    ORDER BY i.last_status_change_at LIMIT ${limit} ${rowLock(db, 'no key update', { of: 'i', skipLocked: true })}`.execute(db);
  return rows.rows.map(numeric);
}

export async function getIncidentsByIds(db: Db, orgId: string, ids: readonly string[]): Promise<IncidentTable[]> {
  if (!ids.length) return [];
  return db.selectFrom('incidents').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
}

/**
 * The incidents a message is about, each with its service's and its priority's names (null
 * when there is none), and in a second statement run beside it their assignees with names
 * (people whose rows still exist), oldest assignment first: what the deliver module needs
 * for a message, in one wait.
 */
export async function incidentsForMessage(db: Db, orgId: string, ids: readonly string[]): Promise<{ incidents: (IncidentTable & { service_name: string | null; priority_name: string | null })[]; assignees: Map<string, { id: string; name: string }[]> }> {
  const assignees = new Map<string, { id: string; name: string }[]>();
  if (!ids.length) return { incidents: [], assignees };
  const [incidents, people] = await Promise.all([
    db
      .selectFrom('incidents as i')
      .leftJoin('services as s', (j) => j.onRef('s.org_id', '=', 'i.org_id').onRef('s.id', '=', 'i.service_id'))
      .leftJoin('priorities as p', (j) => j.onRef('p.org_id', '=', 'i.org_id').onRef('p.id', '=', 'i.priority_id'))
      .selectAll('i')
      .select(['s.name as service_name', 'p.name as priority_name'])
      .where('i.org_id', '=', orgId)
      .where('i.id', 'in', [...ids])
      .execute(),
    db
      .selectFrom('incident_assignments as a')
      .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 'a.org_id').onRef('u.id', '=', 'a.user_id'))
      .select(['a.incident_id', 'a.user_id', 'u.name'])
      .where('a.org_id', '=', orgId)
      .where('a.incident_id', 'in', [...ids])
      .orderBy('a.at')
      .execute(),
  ]);
  for (const r of people) {
    const list = assignees.get(r.incident_id) ?? [];
    list.push({ id: r.user_id, name: r.name });
    assignees.set(r.incident_id, list);
  }
  return { incidents, assignees };
}

/** Open incidents assigned to a user, with their service. */
export async function openAssignmentsOfUser(db: Db, orgId: string, userId: string): Promise<{ incident_id: string; service_id: string }[]> {
  return db
    .selectFrom('incident_assignments as a')
    .innerJoin('incidents as i', (j) => j.onRef('i.org_id', '=', 'a.org_id').onRef('i.id', '=', 'a.incident_id'))
    .select(['a.incident_id', 'i.service_id'])
    .where('a.org_id', '=', orgId)
    .where('a.user_id', '=', userId)
    .where('i.status', '!=', 'resolved')
    .execute();
}

/** Open incidents that are among `incidentIds` or belong to one of `serviceIds`, oldest first (at least one list must be non-empty). */
export async function openIncidentsAmong(db: Db, orgId: string, incidentIds: string[], serviceIds: string[], limit: number): Promise<IncidentTable[]> {
  return db
    .selectFrom('incidents')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', '!=', 'resolved')
    .where((eb) => eb.or([...(incidentIds.length ? [eb('id', 'in', incidentIds)] : []), ...(serviceIds.length ? [eb('service_id', 'in', serviceIds)] : [])]))
    .orderBy('created_at')
    .limit(limit)
    .execute() as Promise<IncidentTable[]>;
}

/** Number and service of each of these incidents. */
export async function incidentNumbers(db: Db, orgId: string, ids: string[]): Promise<{ id: string; number: number; service_id: string }[]> {
  if (!ids.length) return [];
  return db.selectFrom('incidents').select(['id', 'number', 'service_id']).where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

/** Open incidents of these services, and those opened or resolved since `since`, newest first. */
export async function openOrRecentIncidents(db: Db, orgId: string, serviceIds: string[], since: number, limit = 50): Promise<IncidentTable[]> {
  if (serviceIds.length === 0) return [];
  return db
    .selectFrom('incidents')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('service_id', 'in', serviceIds)
    .where((eb) => eb.or([eb('status', '!=', 'resolved'), eb('created_at', '>=', since), eb('resolved_at', '>=', since)]))
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}

/** When each service's most recent incident was created (services without one are absent). */
export async function lastIncidentAt(db: Db, orgId: string, serviceIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!serviceIds.length) return out;
  const rows = await db
    .selectFrom('incidents')
    .select(['service_id', (eb) => eb.fn.max('created_at').as('at')])
    .where('org_id', '=', orgId)
    .where('service_id', 'in', serviceIds)
    .groupBy('service_id')
    .execute();
  for (const r of rows) out.set(r.service_id, Number(r.at));
  return out;
}

/**
 * The incident numbered `number` most recently paged to a verified SMS or phone
 * address, with the person it was paged to. Only a page that actually reached the
 * address counts (status sent). Unscoped: the address yields the organization.
 */
export async function findIncidentPagedTo(db: Db, address: string, number: number): Promise<{ orgId: string; userId: string; incidentId: string } | null> {
  const row = await db
    .selectFrom('notifications as n')
    .innerJoin('contact_methods as c', (j) => j.onRef('c.org_id', '=', 'n.org_id').onRef('c.id', '=', 'n.contact_method_id'))
    .innerJoin('incidents as i', (j) => j.onRef('i.org_id', '=', 'n.org_id').onRef('i.id', '=', 'n.incident_id'))
    .select(['n.org_id', 'c.user_id', 'i.id as incident_id'])
    .where('c.address', '=', address)
    .where('c.type', 'in', ['sms', 'phone'])
    .where('c.verified_at', 'is not', null)
    .where('c.deleted_at', 'is', null)
    .where('i.number', '=', number)
    .where('n.status', '=', 'sent')
    .orderBy('n.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { orgId: row.org_id, userId: row.user_id, incidentId: row.incident_id } : null;
}

/** Open incidents that have priority `priorityId`, oldest first (a priority in use cannot be removed). */
export async function openIncidentsWithPriority(db: Db, orgId: string, priorityId: string, limit: number): Promise<{ id: string; number: number }[]> {
  const rows = await db
    .selectFrom('incidents')
    .select(['id', 'number'])
    .where('org_id', '=', orgId)
    .where('priority_id', '=', priorityId)
    .where('status', '!=', 'resolved')
    .orderBy('number')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, number: Number(r.number) }));
}

/**
 * Incidents whose snooze has ended, oldest first, claimed for this transaction (NO KEY UPDATE
 * SKIP LOCKED, as escalation claims: nodes claim disjoint rows, and an ingest batch adding
 * alerts does not hold the snooze's end back).
 */
export async function claimEndedSnoozes(db: Db, now: number, limit: number): Promise<IncidentTable[]> {
  const due = await sql<IncidentTable>`
    SELECT * FROM incidents WHERE snoozed_until <= ${now}
    ORDER BY snoozed_until LIMIT ${limit} ${rowLock(db, 'no key update', { skipLocked: true })}`.execute(db);
  return due.rows.map(numeric);
}

/** The earliest end of a snooze in any organization (indexed), as a scalar subquery (column `t`); no later than any snooze claimEndedSnoozes takes. */
export function snoozeEndQuery(db: Db) {
  return db.selectFrom('incidents').select((eb) => eb.fn.min('snoozed_until').as('t')).where('snoozed_until', 'is not', null);
}

/**
 * The open low-urgency incidents of a service, locked for the rest of the transaction (not
 * skipped: one held by an acknowledgement in flight is waited for, and PostgreSQL reads it
 * again after the wait, so one raised meanwhile is left out).
 */
export async function lockOpenLowUrgency(db: Db, orgId: string, serviceId: string): Promise<IncidentTable[]> {
  const r = await sql<IncidentTable>`
    SELECT * FROM incidents WHERE org_id = ${orgId} AND status IN ('triggered', 'acknowledged') AND service_id = ${serviceId} AND urgency = 'low'
    ORDER BY number ${rowLock(db, 'no key update')}`.execute(db);
  return r.rows.map(numeric);
}
