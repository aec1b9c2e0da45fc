/**
 * Figures of stored incident facts aggregated in SQL (issue 17: a year of 100,000 incidents
 * under a second): only groups come back to Node, never the range's rows. Time-zone work is
 * done in JS and handed here as plain numbers: bucket starts (UTC ms, ascending) and the
 * zone's offset steps over the range. Each becomes a CASE tree (a binary search on
 * created_at, a dozen levels at most), so the same SQL runs on both dialects; every constant
 * is a computed integer written as a literal, so integer division and `%` behave the same.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { IncidentRange } from './analytics.store.js';

type Db = Kysely<Database>;

/** A step function of created_at: `values[i]` from `starts[i]` (inclusive) to `starts[i+1]`; before `starts[0]`, `values[0]`. */
export interface Steps {
  starts: readonly number[];
  values: readonly number[];
}

export interface FactGrouping {
  /** The bucket index of created_at (absent: one bucket, 0). */
  buckets?: Steps;
  key?: 'service_id' | 'escalation_policy_id';
  /** Only incidents assigned to an escalation policy. */
  policyOnly?: boolean;
  /** The organization's zone offset (ms) along the range: sleep hours are judged in it. */
  orgOffsets: Steps;
}

const int = (n: number): RawBuilder<number> => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return sql.lit(n) as RawBuilder<number>;
};

function step(s: Steps, lo = 0, hi = s.starts.length - 1): RawBuilder<number> {
  if (lo >= hi) return int(s.values[lo] ?? 0);
  const mid = (lo + hi + 1) >> 1;
  return sql<number>`(case when created_at < ${int(s.starts[mid]!)} then ${step(s, lo, mid - 1)} else ${step(s, mid, hi)} end)`;
}

function where(r: IncidentRange, policyOnly?: boolean): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`org_id = ${r.orgId}`, sql`created_at >= ${r.since}`, sql`created_at < ${r.until}`];
  const inList = (col: string, ids: readonly string[]) => sql`${sql.ref(col)} in (${sql.join(ids.map((id) => sql`${id}`))})`;
  if (r.serviceIds?.length) parts.push(inList('service_id', r.serviceIds));
  if (r.urgency) parts.push(sql`urgency = ${r.urgency}`);
  if (r.priorityIds?.length) parts.push(inList('priority_id', r.priorityIds));
  if (r.escalationPolicyIds?.length) parts.push(inList('escalation_policy_id', r.escalationPolicyIds));
  if (policyOnly) parts.push(sql`escalation_policy_id is not null`);
  return sql.join(parts, sql` and `);
}

const bucketOf = (g: FactGrouping) => (g.buckets ? step(g.buckets) : int(0));
const keyOf = (g: FactGrouping) => (g.key ? sql<string>`coalesce(${sql.ref(g.key)}, '')` : sql<string>`''`);
/** Whole seconds from creation, each incident's own duration rounded as metrics.ts `secondsBetween` does. */
const secondsTo = (col: 'first_ack_at' | 'resolved_at') => sql<number>`((${sql.ref(col)} - created_at + 500) / 1000)`;
const localHour = (offsets: Steps) => sql<number>`(((created_at + ${step(offsets)}) / 3600000) % 24)`;

export interface FactAggregateRow {
  b: number;
  k: string;
  n: number;
  alerts: number;
  acked: number;
  ack_sum: number;
  resolve_sum: number;
  escalations: number;
  manual: number;
  escalated: number;
  manual_incidents: number;
  timeout_incidents: number;
  first_level: number;
  night: number;
  repeats: number;
}

/** Counts and sums of the stored facts the range selects, per bucket and key. */
export async function factAggregates(db: Db, r: IncidentRange, g: FactGrouping): Promise<FactAggregateRow[]> {
  const hour = localHour(g.orgOffsets);
  const rows = await sql<Record<keyof FactAggregateRow, unknown>>`
    select b, k, count(*) as n, sum(alerts) as alerts, sum(acked) as acked, sum(ack_s) as ack_sum, sum(resolve_s) as resolve_sum,
      sum(escalations) as escalations, sum(manual_escalations) as manual,
      sum(case when escalations > 0 then 1 else 0 end) as escalated,
      sum(case when manual_escalations > 0 then 1 else 0 end) as manual_incidents,
      sum(case when escalations > manual_escalations then 1 else 0 end) as timeout_incidents,
      sum(case when acked = 1 and (first_escalation_at is null or first_ack_at < first_escalation_at) then 1 else 0 end) as first_level,
      sum(case when h >= 22 or h < 7 then 1 else 0 end) as night, sum(repeat) as repeats
    from (select ${bucketOf(g)} as b, ${keyOf(g)} as k, alerts, escalations, manual_escalations, first_ack_at, first_escalation_at, repeat,
        case when first_ack_at is null then 0 else 1 end as acked, ${secondsTo('first_ack_at')} as ack_s, ${secondsTo('resolved_at')} as resolve_s, ${hour} as h
      from incident_facts where ${where(r, g.policyOnly)}) f
    group by b, k`.execute(db);
  return rows.rows.map((x) => {
    const out = {} as FactAggregateRow;
    for (const [name, v] of Object.entries(x)) (out as unknown as Record<string, unknown>)[name] = name === 'k' ? String(v) : Number(v ?? 0);
    return out;
  });
}

export interface RankWanted {
  b: number;
  k: string;
  lo: number;
  hi: number;
}

/**
 * The stored durations (whole seconds to first acknowledgement or resolution) at ranks lo…hi
 * (1-based, ascending) of each wanted bucket and key: the nearest-rank percentiles, read by a
 * window without bringing the other rows to Node.
 */
export async function factRanks(db: Db, r: IncidentRange, g: FactGrouping, measure: 'first_ack_at' | 'resolved_at', wanted: readonly RankWanted[]): Promise<{ b: number; k: string; rn: number; v: number }[]> {
  if (!wanted.length) return [];
  const table = sql.join(
    wanted.map((w) => sql`select ${int(w.b)} as b, cast(${w.k} as text) as k, ${int(w.lo)} as lo, ${int(w.hi)} as hi`),
    sql` union all `,
  );
  const secs = secondsTo(measure);
  const rows = await sql<{ b: unknown; k: unknown; rn: unknown; v: unknown }>`
    select w.b, w.k, w.rn, w.v from (
      select ${bucketOf(g)} as b, ${keyOf(g)} as k, ${secs} as v, row_number() over (partition by ${bucketOf(g)}, ${keyOf(g)} order by ${secs}) as rn
      from incident_facts where ${where(r, g.policyOnly)} and ${sql.ref(measure)} is not null) w
    join (${table}) q on q.b = w.b and q.k = w.k and w.rn >= q.lo and w.rn <= q.hi`.execute(db);
  return rows.rows.map((x) => ({ b: Number(x.b), k: String(x.k), rn: Number(x.rn), v: Number(x.v) }));
}

/** Stored incidents per local hour and weekday (0 = Monday) in the zone whose offsets are given. */
export async function factHours(db: Db, r: IncidentRange, offsets: Steps): Promise<{ h: number; d: number; n: number }[]> {
  const off = step(offsets);
  const rows = await sql<{ h: unknown; d: unknown; n: unknown }>`
    select h, d, count(*) as n from (
      select (((created_at + ${off}) / 3600000) % 24) as h, ((((created_at + ${off}) / 86400000) + 3) % 7) as d
      from incident_facts where ${where(r)}) f
    group by h, d`.execute(db);
  return rows.rows.map((x) => ({ h: Number(x.h), d: Number(x.d), n: Number(x.n) }));
}

/** Stored incidents and repeats per service and exact title, with the first and last creation of each. */
export async function factTitleGroups(db: Db, r: IncidentRange): Promise<{ service_id: string; title: string; n: number; repeats: number; first_at: number; last_at: number }[]> {
  const rows = await sql<{ service_id: string; title: string; n: unknown; repeats: unknown; first_at: unknown; last_at: unknown }>`
    select service_id, title, count(*) as n, sum(repeat) as repeats, min(created_at) as first_at, max(created_at) as last_at
    from incident_facts where ${where(r)} group by service_id, title`.execute(db);
  return rows.rows.map((x) => ({ service_id: x.service_id, title: x.title, n: Number(x.n), repeats: Number(x.repeats), first_at: Number(x.first_at), last_at: Number(x.last_at) }));
}
