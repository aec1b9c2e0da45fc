/**
 * The incident facts table (migration 0031, schema-analytics.ts), which analytics owns: the
 * figures of each resolved incident, written once by the analytics-facts engine module
 * (facts.service.ts) and read by range (index incident_facts_created).
 */
import { sql, type Kysely } from 'kysely';
import type { Database, IncidentFactTable } from '../storage/schema.js';
import type { IncidentRange } from './analytics.store.js';

type Db = Kysely<Database>;

const COLUMNS = ['incident_id', 'number', 'service_id', 'escalation_policy_id', 'urgency', 'priority_id', 'created_at', 'resolved_at', 'first_ack_at', 'first_escalation_at', 'escalations', 'manual_escalations', 'alerts', 'repeat'] as const;

/** The stored facts of the incidents created in the range, in creation order; titles only when asked (insights, raw pages). */
export async function factsIn(db: Db, r: IncidentRange, withTitle: boolean) {
  let q = db
    .selectFrom('incident_facts')
    .select([...COLUMNS, ...(withTitle ? (['title'] as const) : [])])
    .where('org_id', '=', r.orgId)
    .where('created_at', '>=', r.since)
    .where('created_at', '<', r.until);
  if (r.serviceIds?.length) q = q.where('service_id', 'in', [...r.serviceIds]);
  if (r.urgency) q = q.where('urgency', '=', r.urgency);
  if (r.priorityIds?.length) q = q.where('priority_id', 'in', [...r.priorityIds]);
  if (r.escalationPolicyIds?.length) q = q.where('escalation_policy_id', 'in', [...r.escalationPolicyIds]);
  if (r.ids) q = q.where('incident_id', 'in', r.ids.length ? [...r.ids] : ['']);
  return q.orderBy('created_at').orderBy('incident_id').execute() as Promise<(Pick<IncidentFactTable, (typeof COLUMNS)[number]> & { title?: string })[]>;
}

/** Titles of these incidents (a raw page's). */
export async function titlesOf(db: Db, orgId: string, ids: readonly string[]): Promise<{ incident_id: string; title: string }[]> {
  if (!ids.length) return [];
  return db.selectFrom('incident_facts').select(['incident_id', 'title']).where('org_id', '=', orgId).where('incident_id', 'in', [...ids]).execute();
}

/** The latest resolution that has its facts: the module looks for newer ones (less a margin for transactions still open). */
export async function latestFactResolution(db: Db): Promise<number | null> {
  const r = await db.selectFrom('incident_facts').select((eb) => eb.fn.max('resolved_at').as('at')).executeTakeFirst();
  return r?.at === null || r?.at === undefined ? null : Number(r.at);
}

/** Resolved incidents (of any organization) resolved at or after `since` that have no facts yet, oldest resolution first. */
export async function resolvedWithoutFacts(db: Db, since: number | null, limit: number) {
  let q = db
    .selectFrom('incidents as i')
    .select(['i.org_id', 'i.id', 'i.number', 'i.service_id', 'i.escalation_policy_id', 'i.title', 'i.urgency', 'i.priority_id', 'i.created_at', 'i.resolved_at'])
    .where('i.resolved_at', 'is not', null)
    .where('i.status', '=', 'resolved')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('incident_facts as f').select(sql.lit(1).as('one')).whereRef('f.org_id', '=', 'i.org_id').whereRef('f.incident_id', '=', 'i.id'))));
  if (since !== null) q = q.where('i.resolved_at', '>=', since);
  return q.orderBy('i.resolved_at').orderBy('i.id').limit(limit).execute();
}

export async function insertFacts(db: Db, rows: IncidentFactTable[]): Promise<void> {
  if (!rows.length) return;
  await db.insertInto('incident_facts').values(rows).onConflict((oc) => oc.columns(['org_id', 'incident_id']).doNothing()).execute();
}

/**
 * A page of stored facts of the range ordered by creation or by whole seconds to resolve
 * (each incident's rounded as metrics.ts does), ties by id, in `dir`; keyset: only those
 * after `cursor` (its key and id) in that order. Titles included (a raw page shows them).
 */
export async function factsPage(db: Db, r: IncidentRange, orderBy: 'created_at' | 'seconds_to_resolve', dir: 'asc' | 'desc', cursor: { key: number; id: string } | null, limit: number) {
  const key = orderBy === 'created_at' ? sql<number>`created_at` : sql<number>`((resolved_at - created_at + 500) / 1000)`;
  let q = db
    .selectFrom('incident_facts')
    .select([...COLUMNS, 'title'])
    .where('org_id', '=', r.orgId)
    .where('created_at', '>=', r.since)
    .where('created_at', '<', r.until);
  if (r.serviceIds?.length) q = q.where('service_id', 'in', [...r.serviceIds]);
  if (r.urgency) q = q.where('urgency', '=', r.urgency);
  if (r.priorityIds?.length) q = q.where('priority_id', 'in', [...r.priorityIds]);
  if (r.escalationPolicyIds?.length) q = q.where('escalation_policy_id', 'in', [...r.escalationPolicyIds]);
  if (cursor) {
    const op = dir === 'asc' ? sql.raw('>') : sql.raw('<');
    q = q.where(sql<boolean>`(${key} ${op} ${sql.lit(cursor.key)} or (${key} = ${sql.lit(cursor.key)} and incident_id ${op} ${cursor.id}))`);
  }
  return q
    .orderBy(key, dir)
    .orderBy('incident_id', dir)
    .limit(limit)
    .execute() as Promise<(Pick<IncidentFactTable, (typeof COLUMNS)[number]> & { title: string })[]>;
}
