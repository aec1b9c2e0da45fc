/**
 * The reads behind incident analytics. Analytics owns no table: it reads the incident
 * domain's incidents, log_entries and alerts (and names of services and priorities), always
 * by organization and creation range (indexes incidents_org_created, log_entries_timeline,
 * alerts_incident). The timeline is aggregated per incident in SQL so a month of a busy
 * organization returns one row per incident, not every log entry.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../storage/schema.js';

type Db = Kysely<Database>;

export interface IncidentRange {
  orgId: string;
  since: number;
  until: number;
  serviceIds?: readonly string[];
  urgency?: 'high' | 'low';
  priorityIds?: readonly string[];
  escalationPolicyIds?: readonly string[];
  /** Only these incidents. */
  ids?: readonly string[];
  /** Only incidents without stored facts (open, or resolved since the facts module's last pass). */
  withoutFacts?: boolean;
}

function scoped<O>(q: SelectQueryBuilder<Database, 'incidents', O>, r: IncidentRange): SelectQueryBuilder<Database, 'incidents', O> {
  let out = q.where('incidents.org_id', '=', r.orgId).where('incidents.created_at', '>=', r.since).where('incidents.created_at', '<', r.until);
  if (r.serviceIds?.length) out = out.where('incidents.service_id', 'in', [...r.serviceIds]);
  if (r.urgency) out = out.where('incidents.urgency', '=', r.urgency);
  if (r.priorityIds?.length) out = out.where('incidents.priority_id', 'in', [...r.priorityIds]);
  if (r.escalationPolicyIds?.length) out = out.where('incidents.escalation_policy_id', 'in', [...r.escalationPolicyIds]);
  if (r.ids) out = out.where('incidents.id', 'in', r.ids.length ? [...r.ids] : ['']);
  if (r.withoutFacts)
    out = out.where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('incident_facts as f').select(sql.lit(1).as('one')).whereRef('f.org_id', '=', 'incidents.org_id').whereRef('f.incident_id', '=', 'incidents.id'))),
    );
  return out;
}

/**
 * The incidents of the range, each with its timeline facts: first acknowledgement,
 * escalations (and how many by hand), first escalation. One pass over the incidents; the
 * join reads only the partial index log_entries_timeline (migration 0028), which holds the
 * acknowledgement and escalation entries with every column used here.
 */
export async function incidentFactsIn(db: Db, r: IncidentRange) {
  const q = db
    .selectFrom('incidents')
    .leftJoin('log_entries as l', (j) =>
      j
        .onRef('l.org_id', '=', 'incidents.org_id')
        .onRef('l.incident_id', '=', 'incidents.id')
        .on('l.type', 'in', ['acknowledge_log_entry', 'escalate_log_entry']),
    )
    .select([
      'incidents.id',
      'incidents.number',
      'incidents.service_id',
      'incidents.escalation_policy_id',
      'incidents.title',
      'incidents.urgency',
      'incidents.priority_id',
      'incidents.status',
      'incidents.created_at',
      'incidents.resolved_at',
      sql<number | null>`min(case when l.type = 'acknowledge_log_entry' then l.created_at end)`.as('first_ack'),
      sql<number | null>`min(case when l.type = 'escalate_log_entry' then l.created_at end)`.as('first_escalation'),
      sql<number>`sum(case when l.type = 'escalate_log_entry' then 1 else 0 end)`.as('escalations'),
      sql<number>`sum(case when l.type = 'escalate_log_entry' and l.details like '%"manual":true%' then 1 else 0 end)`.as('manual_escalations'),
    ])
    // Grouped by the primary key, so PostgreSQL takes the incident's other columns as they are.
    .groupBy(['incidents.org_id', 'incidents.id']);
  return scoped(q, r).orderBy('incidents.created_at').orderBy('incidents.id').execute();
}

export async function alertCountsIn(db: Db, r: IncidentRange) {
  const q = db
    .selectFrom('incidents')
    .innerJoin('alerts as a', (j) => j.onRef('a.org_id', '=', 'incidents.org_id').onRef('a.incident_id', '=', 'incidents.id'))
    .select(['incidents.id as incident_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('incidents.id');
  return scoped(q, r).execute();
}

/** Service and title of the incidents created in [since, until) (to tell repeats). */
export async function titlesCreatedIn(db: Db, r: IncidentRange) {
  return scoped(db.selectFrom('incidents').select(['id', 'service_id', 'title', 'created_at']), r).execute();
}

export async function incidentCreatedAt(db: Db, orgId: string, id: string): Promise<number | undefined> {
  const r = await db.selectFrom('incidents').select('created_at').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return r ? Number(r.created_at) : undefined;
}

export async function orgTimeZone(db: Db, orgId: string): Promise<string | undefined> {
  const r = await db.selectFrom('organizations').select('time_zone').where('org_id', '=', orgId).where('id', '=', orgId).executeTakeFirst();
  return r?.time_zone;
}

/** Services of the organization among these ids, deleted ones included (their incidents still count). */
export async function serviceNames(db: Db, orgId: string, ids?: readonly string[]): Promise<{ id: string; name: string }[]> {
  if (ids && !ids.length) return [];
  let q = db.selectFrom('services').select(['id', 'name']).where('org_id', '=', orgId);
  if (ids) q = q.where('id', 'in', [...ids]);
  return q.execute();
}

/** Escalation policies of the organization among these ids, deleted ones included. */
export async function policyNames(db: Db, orgId: string, ids: readonly string[]): Promise<{ id: string; name: string }[]> {
  if (!ids.length) return [];
  return db.selectFrom('escalation_policies').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
}

export async function priorityRows(db: Db, orgId: string, ids?: readonly string[]): Promise<{ id: string; name: string; rank: number }[]> {
  if (ids && !ids.length) return [];
  let q = db.selectFrom('priorities').select(['id', 'name', 'rank']).where('org_id', '=', orgId);
  if (ids) q = q.where('id', 'in', [...ids]);
  return q.execute();
}

/** Pages sent in [since, until) (outbox rows of kind page that were delivered), to these people (all when absent). */
export async function pagesSentIn(db: Db, orgId: string, since: number, until: number, userIds?: readonly string[]): Promise<{ user_id: string | null; sent_at: number | null }[]> {
  if (userIds && !userIds.length) return [];
  let q = db.selectFrom('notifications').select(['user_id', 'sent_at']).where('org_id', '=', orgId).where('kind', '=', 'page').where('status', '=', 'sent').where('sent_at', '>=', since).where('sent_at', '<', until);
  if (userIds) q = q.where('user_id', 'in', [...userIds]);
  return q.execute();
}

/** Acknowledgements and resolutions made in [since, until), with who made them (agent JSON). */
export async function handledIn(db: Db, orgId: string, since: number, until: number): Promise<{ incident_id: string | null; agent: string | null }[]> {
  return db
    .selectFrom('log_entries')
    .select(['incident_id', 'agent'])
    .where('org_id', '=', orgId)
    .where('created_at', '>=', since)
    .where('created_at', '<', until)
    .where('type', 'in', ['acknowledge_log_entry', 'resolve_log_entry'])
    .execute();
}

export async function membersOf(db: Db, orgId: string, ids?: readonly string[]): Promise<{ id: string; name: string; role: string; time_zone: string | null; deleted_at: number | null }[]> {
  if (ids && !ids.length) return [];
  let q = db.selectFrom('users').select(['id', 'name', 'role', 'time_zone', 'deleted_at']).where('org_id', '=', orgId);
  if (ids) q = q.where('id', 'in', [...ids]);
  return q.orderBy('name').orderBy('id').execute();
}
