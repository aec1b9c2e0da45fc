/**
 * Impact rows (migration 0005_impact). Counts live in three tables kept in step on every
 * write: impact_minutes (the detector reads these), impact_hours and impact_days (reports
 * read these for long ranges). All three are keyed by UTC instants and written with
 * upsert-add, so late or repeated reports merge into the buckets they would have filled on
 * time. Every query leads with org_id.
 */
import { sql, type Kysely } from 'kysely';
import { rowLock } from '../storage/dialect.js';
import type { Database, ImpactCounterTable, ImpactMetricTable, IncidentImpactTable, IncidentTable } from '../storage/schema.js';

type Db = Kysely<Database>;

/** The earliest evaluation claimDueMetrics would take, as a scalar subquery (column `t`), for the engine's one read of every deadline per pass. */
export function metricDueQuery(db: Db) {
  return db.selectFrom('impact_metrics').select((eb) => eb.fn.min('next_eval_at').as('t'));
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** One minute of counts; offered/answered are null when the sender did not report them. */
export interface CountBucket {
  minute: number;
  count: number;
  offered: number | null;
  answered: number | null;
}

/** Sums over some span; offered/answered null when nothing in the span reported them. */
export interface CountSum {
  count: number;
  offered: number | null;
  answered: number | null;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

// ---------------------------------------------------------------------------------------------
// Metrics

export async function getMetric(db: Db, orgId: string, serviceId: string): Promise<ImpactMetricTable | undefined> {
  return db.selectFrom('impact_metrics').selectAll().where('org_id', '=', orgId).where('service_id', '=', serviceId).executeTakeFirst();
}

export async function listMetrics(db: Db, orgId: string, serviceIds?: string[]): Promise<ImpactMetricTable[]> {
  let q = db.selectFrom('impact_metrics').selectAll().where('org_id', '=', orgId);
  if (serviceIds) {
    if (serviceIds.length === 0) return [];
    q = q.where('service_id', 'in', serviceIds);
  }
  return q.orderBy('service_id').execute();
}

export async function insertMetric(db: Db, row: ImpactMetricTable): Promise<void> {
  await db.insertInto('impact_metrics').values(row).execute();
}

export async function updateMetric(db: Db, orgId: string, serviceId: string, patch: Partial<ImpactMetricTable>): Promise<void> {
  await db.updateTable('impact_metrics').set(patch).where('org_id', '=', orgId).where('service_id', '=', serviceId).execute();
}

export async function deleteMetric(db: Db, orgId: string, serviceId: string): Promise<boolean> {
  const r = await db.deleteFrom('impact_metrics').where('org_id', '=', orgId).where('service_id', '=', serviceId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Claim up to `limit` metrics whose evaluation is due: their next_eval_at becomes `lease`
 * (in the future), so no other node takes them until the lease runs out. Short transaction;
 * PostgreSQL nodes skip rows another node is claiming.
 */
export async function claimDueMetrics(db: Db, now: number, lease: number, limit: number): Promise<ImpactMetricTable[]> {
  return db.transaction().execute(async (trx) => {
    const lock = rowLock(db, 'update', { skipLocked: true });
    const due = await sql<ImpactMetricTable>`
      SELECT * FROM impact_metrics WHERE next_eval_at <= ${now} ORDER BY next_eval_at LIMIT ${limit} ${lock}`.execute(trx);
    for (const m of due.rows) {
      await trx.updateTable('impact_metrics').set({ next_eval_at: lease }).where('org_id', '=', m.org_id).where('service_id', '=', m.service_id).execute();
    }
    return due.rows.map((m) => ({ ...m, next_eval_at: lease }));
  });
}

/** The metric row, locked for the rest of the transaction (PostgreSQL; SQLite has one writer). */
export async function lockMetric(trx: Db, orgId: string, serviceId: string): Promise<ImpactMetricTable | undefined> {
  const lock = rowLock(trx, 'update');
  const r = await sql<ImpactMetricTable>`SELECT * FROM impact_metrics WHERE org_id = ${orgId} AND service_id = ${serviceId} ${lock}`.execute(trx);
  return r.rows[0];
}

// ---------------------------------------------------------------------------------------------
// Counts

/** UTC hour and day of a minute. */
export const hourOf = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;
export const dayOf = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

function rollUp(buckets: readonly CountBucket[], keyOf: (t: number) => number): CountBucket[] {
  const acc = new Map<number, CountBucket>();
  for (const b of buckets) {
    const k = keyOf(b.minute);
    const cur = acc.get(k);
    if (!cur) acc.set(k, { minute: k, count: b.count, offered: b.offered, answered: b.answered });
    else {
      cur.count += b.count;
      if (b.offered !== null) cur.offered = (cur.offered ?? 0) + b.offered;
      if (b.answered !== null) cur.answered = (cur.answered ?? 0) + b.answered;
    }
  }
  return [...acc.values()].sort((a, b) => a.minute - b.minute);
}

const CHUNK = 500;

/**
 * Add counts to the minute buckets and to their hourly and daily roll-ups (upsert-add), in
 * the caller's transaction. Rows are written in key order, so concurrent writers to one
 * service lock them in the same order (no deadlock between two batches).
 */
export async function addCounts(trx: Db, orgId: string, serviceId: string, buckets: readonly CountBucket[]): Promise<void> {
  const minutes = rollUp(buckets, (t) => Math.floor(t / MINUTE_MS) * MINUTE_MS);
  const levels = [
    ['impact_minutes', 'minute', minutes],
    ['impact_hours', 'hour', rollUp(minutes, hourOf)],
    ['impact_days', 'day', rollUp(minutes, dayOf)],
  ] as const;
  for (const [table, key, rows] of levels) {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const values = rows.slice(i, i + CHUNK).map((b) => ({ org_id: orgId, service_id: serviceId, [key]: b.minute, count: b.count, offered: b.offered, answered: b.answered }));
      const t = sql.table(table);
      await trx
        .insertInto(table)
        .values(values as never)
        .onConflict((oc) =>
          oc.columns(['org_id', 'service_id', key] as never).doUpdateSet({
            count: sql`${t}.count + excluded.count`,
            offered: sql`CASE WHEN excluded.offered IS NULL THEN ${t}.offered ELSE COALESCE(${t}.offered, 0) + excluded.offered END`,
            answered: sql`CASE WHEN excluded.answered IS NULL THEN ${t}.answered ELSE COALESCE(${t}.answered, 0) + excluded.answered END`,
          } as never),
        )
        .execute();
    }
  }
}

/** Minute buckets in [from, to), ascending (count only: what the detector reads). */
export async function loadMinutes(db: Db, orgId: string, serviceId: string, from: number, to: number): Promise<{ minute: number; count: number }[]> {
  const rows = await db
    .selectFrom('impact_minutes')
    .select(['minute', 'count'])
    .where('org_id', '=', orgId)
    .where('service_id', '=', serviceId)
    .where('minute', '>=', from)
    .where('minute', '<', to)
    .orderBy('minute')
    .execute();
  return rows.map((r) => ({ minute: Number(r.minute), count: Number(r.count) }));
}

/** Minute buckets inside any of `ranges` (sorted, disjoint), ascending. */
export async function loadMinutesIn(db: Db, orgId: string, serviceId: string, ranges: readonly { start: number; end: number }[]): Promise<{ minute: number; count: number }[]> {
  const out: { minute: number; count: number }[] = [];
  for (let i = 0; i < ranges.length; i += 100) {
    const chunk = ranges.slice(i, i + 100);
    const rows = await db
      .selectFrom('impact_minutes')
      .select(['minute', 'count'])
      .where('org_id', '=', orgId)
      .where('service_id', '=', serviceId)
      .where((eb) => eb.or(chunk.map((r) => eb.and([eb('minute', '>=', r.start), eb('minute', '<', r.end)]))))
      .orderBy('minute')
      .execute();
    for (const r of rows) out.push({ minute: Number(r.minute), count: Number(r.count) });
  }
  return out;
}

/** Hourly roll-ups in [from, to), ascending. */
export async function loadHours(db: Db, orgId: string, serviceId: string, from: number, to: number): Promise<{ hour: number; count: number }[]> {
  const rows = await db
    .selectFrom('impact_hours')
    .select(['hour', 'count'])
    .where('org_id', '=', orgId)
    .where('service_id', '=', serviceId)
    .where('hour', '>=', from)
    .where('hour', '<', to)
    .orderBy('hour')
    .execute();
  return rows.map((r) => ({ hour: Number(r.hour), count: Number(r.count) }));
}

/** The first minute the service ever reported (data before it is "missing", not zero), or null. */
export async function firstMinute(db: Db, orgId: string, serviceId: string): Promise<number | null> {
  const r = await db
    .selectFrom('impact_minutes')
    .select((eb) => eb.fn.min('minute').as('first'))
    .where('org_id', '=', orgId)
    .where('service_id', '=', serviceId)
    .executeTakeFirst();
  return numOrNull(r?.first);
}

interface Segment {
  start: number;
  end: number;
  bucket: number;
}

/**
 * Split [a, b) into the coarsest roll-up pieces: minutes up to the first whole UTC hour,
 * hours up to the first whole UTC day, days, then hours and minutes again at the end.
 */
export function decompose(a: number, b: number): { minutes: [number, number][]; hours: [number, number][]; days: [number, number][] } {
  const out = { minutes: [] as [number, number][], hours: [] as [number, number][], days: [] as [number, number][] };
  const push = (list: [number, number][], s: number, e: number) => {
    if (e > s) list.push([s, e]);
  };
  const h1 = Math.ceil(a / HOUR_MS) * HOUR_MS;
  const h2 = Math.floor(b / HOUR_MS) * HOUR_MS;
  if (h1 >= h2) {
    push(out.minutes, a, b);
    return out;
  }
  push(out.minutes, a, h1);
  push(out.minutes, h2, b);
  const d1 = Math.ceil(h1 / DAY_MS) * DAY_MS;
  const d2 = Math.floor(h2 / DAY_MS) * DAY_MS;
  if (d1 >= d2) {
    push(out.hours, h1, h2);
    return out;
  }
  push(out.hours, h1, d1);
  push(out.hours, d2, h2);
  push(out.days, d1, d2);
  return out;
}

/**
 * Sums of counts over each of `ranges` (minute-aligned, non-overlapping) for each service,
 * read from the coarsest roll-up that fits: a year of daily buckets reads about 9,000 hour
 * rows, a year's total about 365 day rows, per service.
 */
export async function sumRanges(db: Db, orgId: string, serviceIds: readonly string[], ranges: readonly { start: number; end: number }[]): Promise<Map<string, CountSum[]>> {
  const out = new Map<string, CountSum[]>();
  for (const id of serviceIds) out.set(id, ranges.map(() => ({ count: 0, offered: null, answered: null })));
  if (serviceIds.length === 0 || ranges.length === 0) return out;
  const sorted = [...ranges].sort((x, y) => x.start - y.start);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start < sorted[i - 1]!.end) throw new RangeError('sumRanges: ranges must not overlap');
  const levels = { minutes: [] as Segment[], hours: [] as Segment[], days: [] as Segment[] };
  ranges.forEach((r, bucket) => {
    const d = decompose(r.start, r.end);
    for (const k of ['minutes', 'hours', 'days'] as const) for (const [start, end] of d[k]) levels[k].push({ start, end, bucket });
  });
  const tables = [
    ['impact_minutes', 'minute', levels.minutes],
    ['impact_hours', 'hour', levels.hours],
    ['impact_days', 'day', levels.days],
  ] as const;
  for (const [table, key, segments] of tables) {
    segments.sort((x, y) => x.start - y.start);
    for (let i = 0; i < segments.length; i += 200) {
      const chunk = segments.slice(i, i + 200);
      const k = sql.ref(key);
      const where = sql.join(
        chunk.map((s) => sql`(${k} >= ${s.start} AND ${k} < ${s.end})`),
        sql` OR `,
      );
      const rows = await sql<{ service_id: string; bucket_key: number; n: unknown; offered: unknown; answered: unknown }>`
        SELECT service_id, ${k} AS bucket_key, ${sql.ref('count')} AS n, offered, answered FROM ${sql.table(table)}
        WHERE org_id = ${orgId} AND service_id IN (${sql.join([...serviceIds])}) AND (${where})`.execute(db);
      for (const r of rows.rows) {
        const t = Number(r.bucket_key);
        const seg = findSegment(chunk, t);
        if (!seg) continue;
        const sum = out.get(r.service_id)?.[seg.bucket];
        if (!sum) continue;
        sum.count += num(r.n);
        if (r.offered !== null && r.offered !== undefined) sum.offered = (sum.offered ?? 0) + Number(r.offered);
        if (r.answered !== null && r.answered !== undefined) sum.answered = (sum.answered ?? 0) + Number(r.answered);
      }
    }
  }
  return out;
}

function findSegment(sorted: readonly Segment[], t: number): Segment | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const s = sorted[mid]!;
    if (t < s.start) hi = mid - 1;
    else if (t >= s.end) lo = mid + 1;
    else return s;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Counter samples

/** The integration's last counter sample, locked (PostgreSQL) so concurrent requests take turns. */
export async function lockCounter(trx: Db, orgId: string, integrationId: string): Promise<ImpactCounterTable | undefined> {
  const lock = rowLock(trx, 'update');
  const r = await sql<ImpactCounterTable>`SELECT * FROM impact_counters WHERE org_id = ${orgId} AND integration_id = ${integrationId} ${lock}`.execute(trx);
  const row = r.rows[0];
  return row ? { ...row, at: Number(row.at), counter: Number(row.counter), offered: numOrNull(row.offered), answered: numOrNull(row.answered) } : undefined;
}

export async function saveCounter(trx: Db, row: ImpactCounterTable): Promise<void> {
  await trx
    .insertInto('impact_counters')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'integration_id']).doUpdateSet({ at: row.at, counter: row.counter, offered: row.offered, answered: row.answered, updated_at: row.updated_at }))
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Incidents and their impact

export interface IncidentWindowRow {
  id: string;
  number: number;
  title: string;
  status: IncidentTable['status'];
  created_at: number;
  resolved_at: number | null;
  window_start: number | null;
  frozen: number | null;
}

/** Incidents of a service whose lifetime overlaps [from, to), with their stored impact window. */
export async function incidentsOverlapping(db: Db, orgId: string, serviceId: string, from: number, to: number): Promise<IncidentWindowRow[]> {
  const rows = await db
    .selectFrom('incidents as i')
    .leftJoin('incident_impact as m', (j) => j.onRef('m.org_id', '=', 'i.org_id').onRef('m.incident_id', '=', 'i.id'))
    .select(['i.id', 'i.number', 'i.title', 'i.status', 'i.created_at', 'i.resolved_at', 'm.window_start', 'm.frozen'])
    .where('i.org_id', '=', orgId)
    .where('i.service_id', '=', serviceId)
    .where('i.created_at', '<', to)
    .where((eb) => eb.or([eb('i.resolved_at', 'is', null), eb('i.resolved_at', '>', from)]))
    .orderBy('i.created_at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    number: Number(r.number),
    title: r.title,
    status: r.status,
    created_at: Number(r.created_at),
    resolved_at: numOrNull(r.resolved_at),
    window_start: numOrNull(r.window_start),
    frozen: numOrNull(r.frozen),
  }));
}

export async function getIncidentImpact(db: Db, orgId: string, incidentId: string): Promise<IncidentImpactTable | undefined> {
  return db.selectFrom('incident_impact').selectAll().where('org_id', '=', orgId).where('incident_id', '=', incidentId).executeTakeFirst();
}

export async function incidentImpacts(db: Db, orgId: string, incidentIds: string[]): Promise<Map<string, IncidentImpactTable>> {
  const out = new Map<string, IncidentImpactTable>();
  for (let i = 0; i < incidentIds.length; i += 500) {
    const ids = incidentIds.slice(i, i + 500);
    const rows = await db.selectFrom('incident_impact').selectAll().where('org_id', '=', orgId).where('incident_id', 'in', ids).execute();
    for (const r of rows) out.set(r.incident_id, r);
  }
  return out;
}

/** Insert or replace an incident's figure; a frozen row is never changed again. */
export async function saveIncidentImpact(trx: Db, row: IncidentImpactTable): Promise<void> {
  const { org_id: _o, incident_id: _i, ...rest } = row;
  await trx
    .insertInto('incident_impact')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'incident_id']).doUpdateSet(rest).where('incident_impact.frozen', '=', 0))
    .execute();
}

/** Incidents of the given services created in [since, until), oldest first, with paging. */
export async function incidentsInRange(db: Db, orgId: string, serviceIds: readonly string[], since: number, until: number, limit: number, offset: number): Promise<{ rows: IncidentTable[]; total: number }> {
  if (serviceIds.length === 0) return { rows: [], total: 0 };
  const base = db.selectFrom('incidents').where('org_id', '=', orgId).where('service_id', 'in', [...serviceIds]).where('created_at', '>=', since).where('created_at', '<', until);
  const [rows, total] = await Promise.all([
    base.selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst(),
  ]);
  return { rows, total: num(total?.n) };
}

/** Per service: incidents created in [since, until) and the sums of their figures. */
export async function affectedTotals(db: Db, orgId: string, serviceIds: readonly string[], since: number, until: number): Promise<Map<string, { incidents: number; shortfall: number; net: number; low: number; high: number }>> {
  const out = new Map<string, { incidents: number; shortfall: number; net: number; low: number; high: number }>();
  if (serviceIds.length === 0) return out;
  const rows = await db
    .selectFrom('incidents as i')
    .leftJoin('incident_impact as m', (j) => j.onRef('m.org_id', '=', 'i.org_id').onRef('m.incident_id', '=', 'i.id'))
    .select((eb) => ['i.service_id', eb.fn.countAll().as('n'), eb.fn.sum('m.estimate').as('shortfall'), eb.fn.sum('m.net').as('net'), eb.fn.sum('m.low').as('low'), eb.fn.sum('m.high').as('high')])
    .where('i.org_id', '=', orgId)
    .where('i.service_id', 'in', [...serviceIds])
    .where('i.created_at', '>=', since)
    .where('i.created_at', '<', until)
    .groupBy('i.service_id')
    .execute();
  for (const r of rows) out.set(r.service_id, { incidents: num(r.n), shortfall: num(r.shortfall), net: num(r.net), low: num(r.low), high: num(r.high) });
  return out;
}

/** The open impact-drop alerts of a service (to resolve them when the drop is over). */
export async function openAlertsByKey(db: Db, orgId: string, serviceId: string, dedupKey: string): Promise<{ id: string; integration_id: string }[]> {
  return db
    .selectFrom('alerts')
    .select(['id', 'integration_id'])
    .where('org_id', '=', orgId)
    .where('service_id', '=', serviceId)
    .where('dedup_key', '=', dedupKey)
    .where('open', '=', 1)
    .execute();
}
