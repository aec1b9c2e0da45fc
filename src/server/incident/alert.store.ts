/**
 * The alerts table: an alert per (organization, integration, dedup key) while it is open,
 * counted on each repeat, in an incident or suppressed. Owned by the incident folder
 * (docs/architecture.md); the incidents themselves are in incident.store.ts, their timelines
 * and change events in log-entry.store.ts.
 */
import { type Kysely } from 'kysely';
import { first, insertRows, statement } from '../storage/prepared.js';
import type { AlertTable, Database } from '../storage/schema.js';

type Db = Kysely<Database>;

// The statements every ingested event runs are hand-written (storage/prepared.ts): the
// query builder's CPU cost dominated ingest.
const FIND_OPEN_ALERT = statement('SELECT * FROM alerts WHERE org_id = ? AND integration_id = ? AND dedup_key = ? AND open = 1');
const BUMP_ALERT = statement(
  'UPDATE alerts SET last_seen_at = ?, summary = ?, severity = ?, source = ?, details = ?, count = count + 1 WHERE org_id = ? AND id = ? RETURNING count',
);
const ALERT_COLUMNS: Record<keyof AlertTable, true> = {
  org_id: true, id: true, integration_id: true, service_id: true, incident_id: true, dedup_key: true, open: true, status: true,
  severity: true, summary: true, source: true, details: true, count: true, first_seen_at: true, last_seen_at: true, resolved_at: true,
  suppressed_by: true, rule_match: true,
};
const upsertAlerts = insertRows<AlertTable>(
  'alerts',
  ALERT_COLUMNS,
  `ON CONFLICT (org_id, integration_id, dedup_key, open) DO UPDATE SET count = alerts.count + 1, last_seen_at = excluded.last_seen_at,
   summary = excluded.summary, severity = excluded.severity, source = excluded.source, details = excluded.details
   RETURNING id, count, incident_id, integration_id, dedup_key`,
);
export async function findOpenAlert(db: Db, orgId: string, integrationId: string, dedupKey: string): Promise<AlertTable | undefined> {
  return first<AlertTable>(db, FIND_OPEN_ALERT, [orgId, integrationId, dedupKey]);
}

export async function bumpAlert(db: Db, orgId: string, alertId: string, patch: Pick<AlertTable, 'last_seen_at' | 'summary' | 'severity' | 'source' | 'details'>): Promise<number> {
  const r = await first<{ count: number }>(db, BUMP_ALERT, [patch.last_seen_at, patch.summary, patch.severity, patch.source, patch.details, orgId, alertId]);
  if (!r) throw new Error(`alert ${alertId} vanished inside its transaction`);
  return Number(r.count);
}

export interface UpsertedAlert {
  id: string;
  count: number;
  incident_id: string;
  integration_id: string;
  dedup_key: string;
}

/**
 * Insert new open alerts; where another transaction (or an earlier row of the same batch)
 * committed an open alert for the same key, count the trigger on that one instead (the
 * unique index on (org, integration, dedup key, open) decides, on both dialects). Many rows
 * go in one statement; their keys must be distinct (on PostgreSQL one statement may not
 * update a row twice). Results come back in no promised order: match them by key.
 */
export async function upsertOpenAlerts(db: Db, rows: AlertTable[]): Promise<UpsertedAlert[]> {
  const out = await upsertAlerts<UpsertedAlert>(db, rows);
  if (out.length !== rows.length) throw new Error(`alert upsert of ${rows.length} rows returned ${out.length}`);
  return out.map((r) => ({ ...r, count: Number(r.count) }));
}

export async function setAlertStatus(db: Db, orgId: string, alertId: string, status: 'acknowledged' | 'resolved', at: number): Promise<void> {
  await db
    .updateTable('alerts')
    .set(status === 'resolved' ? { status, open: null, resolved_at: at } : { status })
    .where('org_id', '=', orgId)
    .where('id', '=', alertId)
    .execute();
}

export async function resolveAlertsOfIncident(db: Db, orgId: string, incidentId: string, at: number): Promise<number> {
  const r = await db
    .updateTable('alerts')
    .set({ status: 'resolved', open: null, resolved_at: at })
    .where('org_id', '=', orgId)
    .where('incident_id', '=', incidentId)
    .where('open', '=', 1)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function countOpenAlerts(db: Db, orgId: string, incidentId: string): Promise<number> {
  const r = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('incident_id', '=', incidentId)
    .where('open', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function alertCounts(db: Db, orgId: string, incidentIds: string[]): Promise<Map<string, { all: number; triggered: number; resolved: number }>> {
  const out = new Map<string, { all: number; triggered: number; resolved: number }>();
  if (!incidentIds.length) return out;
  const rows = await db
    .selectFrom('alerts')
    .select(['incident_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .where('incident_id', 'in', incidentIds)
    .groupBy(['incident_id', 'status'])
    .execute();
  for (const r of rows) {
    if (!r.incident_id) continue;
    const c = out.get(r.incident_id) ?? { all: 0, triggered: 0, resolved: 0 };
    const n = Number(r.n);
    c.all += n;
    if (r.status === 'resolved') c.resolved += n;
    else c.triggered += n;
    out.set(r.incident_id, c);
  }
  return out;
}

export async function listAlerts(db: Db, orgId: string, incidentId: string, limit: number, offset: number): Promise<{ rows: AlertTable[]; total: number }> {
  const base = db.selectFrom('alerts').where('org_id', '=', orgId).where('incident_id', '=', incidentId);
  const rows = await base.selectAll().orderBy('first_seen_at').orderBy('id').limit(limit).offset(offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

/** Which of these incidents had a critical alert. */
export async function incidentsWithCriticalAlerts(db: Db, orgId: string, incidentIds: string[]): Promise<string[]> {
  const rows = await db.selectFrom('alerts').select('incident_id').distinct().where('org_id', '=', orgId).where('incident_id', 'in', incidentIds).where('severity', '=', 'critical').execute();
  return rows.map((r) => r.incident_id).filter((id): id is string => id !== null);
}

/**
 * Resolve the open alerts of these services that `by` suppressed (their dedup keys are then
 * free: the next trigger of one opens an incident). Returns the alerts resolved.
 */
export async function closeSuppressedAlerts(db: Db, orgId: string, serviceIds: readonly string[], by: 'rule' | 'maintenance', at: number): Promise<Pick<AlertTable, 'service_id' | 'integration_id' | 'dedup_key'>[]> {
  if (!serviceIds.length) return [];
  return db
    .updateTable('alerts')
    .set({ status: 'resolved', open: null, resolved_at: at })
    .where('org_id', '=', orgId)
    .where('service_id', 'in', [...serviceIds])
    .where('open', '=', 1)
    .where('status', '=', 'suppressed')
    .where('suppressed_by', '=', by)
    .returning(['service_id', 'integration_id', 'dedup_key'])
    .execute();
}

export interface AlertQuery {
  statuses?: AlertTable['status'][];
  serviceIds?: string[];
  /** Only alerts of no service (an organization's router sent them nowhere). */
  unrouted?: boolean;
  since?: number;
  until?: number;
  limit: number;
  offset: number;
}

/** The organization's alerts, newest seen first: suppressed ones included (they belong to no incident). */
export async function listOrgAlerts(db: Db, orgId: string, q: AlertQuery): Promise<{ rows: AlertTable[]; total: number }> {
  let base = db.selectFrom('alerts').where('org_id', '=', orgId);
  if (q.statuses?.length) base = base.where('status', 'in', q.statuses);
  if (q.serviceIds?.length) base = base.where('service_id', 'in', q.serviceIds);
  if (q.unrouted) base = base.where('service_id', 'is', null);
  if (q.since !== undefined) base = base.where('last_seen_at', '>=', q.since);
  if (q.until !== undefined) base = base.where('last_seen_at', '<', q.until);
  const rows = await base.selectAll().orderBy('last_seen_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

export async function getAlert(db: Db, orgId: string, id: string): Promise<AlertTable | undefined> {
  return db.selectFrom('alerts').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** The open alerts of an incident, oldest first. */
export async function openAlertsOf(db: Db, orgId: string, incidentId: string): Promise<AlertTable[]> {
  return db.selectFrom('alerts').selectAll().where('org_id', '=', orgId).where('incident_id', '=', incidentId).where('open', '=', 1).orderBy('first_seen_at').orderBy('id').execute();
}

/** The open alerts one integration holds on a service (the self-checks' alerts on "Vigil health"). */
export async function openAlertsOfIntegration(db: Db, orgId: string, serviceId: string, integrationId: string): Promise<AlertTable[]> {
  return db.selectFrom('alerts').selectAll().where('org_id', '=', orgId).where('service_id', '=', serviceId).where('integration_id', '=', integrationId).where('open', '=', 1).execute();
}

/** Move these alerts to another incident of the organization. */
export async function moveAlerts(db: Db, orgId: string, alertIds: readonly string[], toIncidentId: string): Promise<void> {
  for (let i = 0; i < alertIds.length; i += 500) {
    await db.updateTable('alerts').set({ incident_id: toIncidentId }).where('org_id', '=', orgId).where('id', 'in', alertIds.slice(i, i + 500)).execute();
  }
}

/**
 * The newest alert of an integration with this key (the open one if any); with `openAt`,
 * the one open at that instant, for reports about past requests.
 */
export async function latestAlertByKey(db: Db, orgId: string, integrationId: string, dedupKey: string, openAt?: number): Promise<AlertTable | undefined> {
  let q = db.selectFrom('alerts').selectAll().where('org_id', '=', orgId).where('integration_id', '=', integrationId).where('dedup_key', '=', dedupKey);
  if (openAt !== undefined) q = q.where('first_seen_at', '<=', openAt).where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', openAt)]));
  return q.orderBy('first_seen_at', 'desc').limit(1).executeTakeFirst();
}

/** The newest alert an integration added to an incident. */
export async function latestAlertOfIncident(db: Db, orgId: string, incidentId: string, integrationId: string): Promise<AlertTable | undefined> {
  return db
    .selectFrom('alerts')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('incident_id', '=', incidentId)
    .where('integration_id', '=', integrationId)
    .orderBy('first_seen_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}
