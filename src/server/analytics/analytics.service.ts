/**
 * Incident analytics use cases: check a request (PagerDuty's analytics filters), and answer
 * it from the facts of the incidents it selects: aggregated in SQL for metrics, insights and
 * raw pages (facts-aggregate.service.ts, checked against the pure figures of metrics.ts),
 * read whole for one incident and for the monthly report.
 * Requests are checked field by field and refused with the field's name: a range that
 * ends before it starts or spans more than two years, an unknown zone, service, priority or
 * team (Vigil has no teams, so any team id is unknown), and any filter Vigil does not apply.
 */
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import { dateRange, requestTimeZone } from './request-range.js';
import type { Database } from '../storage/schema.js';
import * as store from './analytics.store.js';
import { readFacts } from './facts.service.js';
import { groupedSummaries, insightFigures, rawFactsPage } from './facts-aggregate.service.js';
import { titlesOf } from './facts.store.js';
import {
  isNight,
  repeatGroups,
  secondsToAck,
  secondsToResolve,
  summarize,
  type AggregateUnit,
  type IncidentFact,
  type Summary,
} from './metrics.js';

type Db = Kysely<Database>;

export { MAX_RANGE_YEARS } from './request-range.js';
const FILTERS = ['created_at_start', 'created_at_end', 'urgency', 'service_ids', 'team_ids', 'priority_ids', 'escalation_policy_ids'] as const;

export interface AnalyticsQuery {
  orgId: string;
  since: number;
  until: number;
  /** Zone of buckets, busiest hours and the answer's timestamps (default: the organization's). */
  timeZone: string;
  /** The organization's zone: sleep hours are judged in it. */
  orgZone: string;
  aggregateUnit: AggregateUnit | null;
  serviceIds?: string[];
  urgency?: 'high' | 'low';
  priorityIds?: string[];
  escalationPolicyIds?: string[];
  /** The filters as given, echoed in answers. */
  filters: Record<string, unknown>;
}

const list = (v: unknown, field: string): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`${field} must be an array of ids`);
  return [...new Set(v as string[])];
};

const MAX_IDS = 100;

/**
 * Check a request's body. `allowed` are the top-level fields the route takes besides
 * `filters`, `time_zone` and `aggregate_unit`; anything else is refused by name.
 */
export async function parseAnalyticsQuery(db: Db, orgId: string, body: Record<string, unknown>, allowed: readonly string[] = []): Promise<AnalyticsQuery> {
  const errors: string[] = [];
  const top = ['filters', 'time_zone', 'aggregate_unit', ...allowed];
  for (const k of Object.keys(body)) if (!top.includes(k)) errors.push(`${k}: not a field of this request (Vigil takes ${top.join(', ')})`);
  const filters = (body.filters ?? {}) as Record<string, unknown>;
  if (typeof filters !== 'object' || Array.isArray(filters)) throw invalid('filters must be an object');
  for (const k of Object.keys(filters)) if (!(FILTERS as readonly string[]).includes(k)) errors.push(`filters.${k}: Vigil does not filter on it (supported: ${FILTERS.join(', ')})`);

  const { since, until } = dateRange(filters, 'created_at_start', 'created_at_end', errors);
  const orgZone = (await store.orgTimeZone(db, orgId)) ?? 'UTC';
  const timeZone = requestTimeZone(body.time_zone, orgZone, errors);
  let aggregateUnit: AggregateUnit | null = null;
  if (body.aggregate_unit !== undefined && body.aggregate_unit !== null) {
    if (body.aggregate_unit === 'day' || body.aggregate_unit === 'week' || body.aggregate_unit === 'month') aggregateUnit = body.aggregate_unit;
    else errors.push(`aggregate_unit must be one of day, week, month, got ${JSON.stringify(body.aggregate_unit).slice(0, 32)}`);
  }
  let urgency: 'high' | 'low' | undefined;
  if (filters.urgency !== undefined && filters.urgency !== null) {
    if (filters.urgency === 'high' || filters.urgency === 'low') urgency = filters.urgency;
    else errors.push(`filters.urgency must be high or low, got ${JSON.stringify(filters.urgency).slice(0, 32)}`);
  }

  const ids = (field: 'service_ids' | 'team_ids' | 'priority_ids' | 'escalation_policy_ids'): string[] | undefined => {
    try {
      const v = list(filters[field], `filters.${field}`);
      if (v && v.length > MAX_IDS) errors.push(`filters.${field}: at most ${MAX_IDS} ids`);
      return v;
    } catch (e) {
      errors.push(...((e as { errors?: string[] }).errors ?? [String(e)]));
      return undefined;
    }
  };
  const serviceIds = ids('service_ids');
  const teamIds = ids('team_ids');
  const priorityIds = ids('priority_ids');
  const escalationPolicyIds = ids('escalation_policy_ids');
  if (escalationPolicyIds?.length && escalationPolicyIds.length <= MAX_IDS) {
    const known = new Set((await store.policyNames(db, orgId, escalationPolicyIds)).map((s) => s.id));
    const unknown = escalationPolicyIds.filter((id) => !known.has(id));
    if (unknown.length) errors.push(`filters.escalation_policy_ids: unknown escalation policy ${unknown.slice(0, 5).join(', ')}`);
  }
  if (teamIds?.length) errors.push(`filters.team_ids: unknown team ${teamIds.slice(0, 5).join(', ')} (Vigil has no teams; filter by service_ids)`);
  if (serviceIds?.length && serviceIds.length <= MAX_IDS) {
    const known = new Set((await store.serviceNames(db, orgId, serviceIds)).map((s) => s.id));
    const unknown = serviceIds.filter((id) => !known.has(id));
    if (unknown.length) errors.push(`filters.service_ids: unknown service ${unknown.slice(0, 5).join(', ')}`);
  }
  if (priorityIds?.length && priorityIds.length <= MAX_IDS) {
    const known = new Set((await store.priorityRows(db, orgId, priorityIds)).map((s) => s.id));
    const unknown = priorityIds.filter((id) => !known.has(id));
    if (unknown.length) errors.push(`filters.priority_ids: unknown priority ${unknown.slice(0, 5).join(', ')}`);
  }
  if (errors.length) throw invalid(...errors);
  return {
    orgId,
    since: since!,
    until: until!,
    timeZone,
    orgZone,
    aggregateUnit,
    ...(serviceIds?.length ? { serviceIds } : {}),
    ...(urgency ? { urgency } : {}),
    ...(priorityIds?.length ? { priorityIds } : {}),
    ...(escalationPolicyIds?.length ? { escalationPolicyIds } : {}),
    filters,
  };
}

export interface LoadedFacts {
  facts: IncidentFact[];
  repeats: Set<string>;
}

/**
 * The facts of every incident the query selects, and which of them repeat an earlier one
 * (judged against every incident of the 7 days before, whatever its urgency or priority):
 * stored facts for incidents resolved before the facts module's last pass, the incident
 * tables for the rest (facts.service.ts).
 */
export async function loadFacts(db: Db, q: AnalyticsQuery, withTitles = false): Promise<LoadedFacts> {
  return readFacts(db, rangeOf(q), withTitles);
}

function rangeOf(q: AnalyticsQuery): store.IncidentRange {
  return { orgId: q.orgId, since: q.since, until: q.until, ...(q.serviceIds ? { serviceIds: q.serviceIds } : {}), ...(q.urgency ? { urgency: q.urgency } : {}), ...(q.priorityIds ? { priorityIds: q.priorityIds } : {}), ...(q.escalationPolicyIds ? { escalationPolicyIds: q.escalationPolicyIds } : {}) };
}

export interface MetricRow {
  rangeStart: number | null;
  serviceId?: string;
  serviceName?: string;
  escalationPolicyId?: string;
  escalationPolicyName?: string;
  summary: Summary;
}

/**
 * How PagerDuty's /analytics/metrics/incidents/… routes group: `all` (and `services/all`:
 * across every service) one row per bucket; `services` and `escalation_policies` one per
 * bucket and service or policy; `escalation_policies/all` one per bucket over the incidents
 * assigned to a policy; `teams` and `teams/all`: Vigil has no teams, so no incident is a
 * team's and there are no rows.
 */
export type MetricsGrouping = 'all' | 'services' | 'teams' | 'escalation_policies' | 'services/all' | 'teams/all' | 'escalation_policies/all';

/** PagerDuty's /analytics/metrics/incidents/{all,services,teams,escalation_policies}[/all]: one row per bucket (and service or policy), aggregated in SQL (facts-aggregate.service.ts). */
export async function incidentMetrics(db: Db, q: AnalyticsQuery, by: MetricsGrouping): Promise<MetricRow[]> {
  // Vigil has no teams: nothing is assigned to one, so per-team metrics have no rows.
  if (by === 'teams' || by === 'teams/all') return [];
  const policyOnly = by === 'escalation_policies' || by === 'escalation_policies/all';
  const perPolicy = by === 'escalation_policies';
  const key = by === 'services' ? ('service_id' as const) : perPolicy ? ('escalation_policy_id' as const) : undefined;
  const groups = await groupedSummaries(db, { range: rangeOf(q), unit: q.aggregateUnit, timeZone: q.timeZone, orgZone: q.orgZone, ...(key ? { key } : {}), ...(policyOnly ? { policyOnly } : {}) });
  if (!key) {
    // The whole range answers one row even with no incident, as PagerDuty does.
    if (!q.aggregateUnit && !groups.length) return [{ rangeStart: null, summary: summarize([], q.orgZone, new Set()) }];
    return groups.map((g) => ({ rangeStart: g.start, summary: g.summary }));
  }
  const keys = [...new Set(groups.map((g) => g.key))];
  const names = new Map((perPolicy ? await store.policyNames(db, q.orgId, keys) : await store.serviceNames(db, q.orgId, keys)).map((s) => [s.id, s.name]));
  return groups.map((g) => ({
    rangeStart: g.start,
    ...(perPolicy ? { escalationPolicyId: g.key, escalationPolicyName: names.get(g.key) ?? g.key } : { serviceId: g.key, serviceName: names.get(g.key) ?? g.key }),
    summary: g.summary,
  }));
}

export interface Insights {
  summary: Summary;
  byHour: number[];
  byWeekday: number[];
  services: { serviceId: string; serviceName: string; incidents: number; repeats: number }[];
  repeatGroups: { serviceId: string; serviceName: string; title: string; incidents: number; repeats: number; lastAt: number }[];
}

/** What the analytics page shows beside PagerDuty's figures: busiest hours, services breaking most, repeats (aggregated in SQL, facts-aggregate.service.ts). */
export async function incidentInsights(db: Db, q: AnalyticsQuery): Promise<Insights> {
  const range = rangeOf(q);
  const [[all], figures] = await Promise.all([groupedSummaries(db, { range, unit: null, timeZone: q.timeZone, orgZone: q.orgZone }), insightFigures(db, range, q.timeZone)]);
  const names = new Map((await store.serviceNames(db, q.orgId, figures.services.map((s) => s.serviceId))).map((s) => [s.id, s.name]));
  return {
    summary: all?.summary ?? summarize([], q.orgZone, new Set()),
    byHour: figures.byHour,
    byWeekday: figures.byWeekday,
    services: figures.services.map((s) => ({ ...s, serviceName: names.get(s.serviceId) ?? s.serviceId })),
    repeatGroups: figures.repeatGroups.slice(0, 50).map((g) => ({ ...g, serviceName: names.get(g.serviceId) ?? g.serviceId })),
  };
}

export interface RawIncident {
  fact: IncidentFact;
  serviceName: string;
  priority: { id: string; name: string; rank: number } | null;
  repeat: boolean;
  sleepHour: boolean;
  secondsToAck: number | null;
  secondsToResolve: number | null;
}

export interface RawPage {
  rows: RawIncident[];
  more: boolean;
  limit: number;
  order: 'asc' | 'desc';
  orderBy: 'created_at' | 'seconds_to_resolve';
}

/**
 * PagerDuty's /analytics/raw/incidents: incidents one by one with their figures, ordered by
 * creation or time to resolve (unresolved last), paged by cursor. A cursor is an incident id:
 * `starting_after` the last one of a page gives the next page, `ending_before` the first one
 * the page before.
 */
export async function rawIncidents(db: Db, q: AnalyticsQuery, body: Record<string, unknown>): Promise<RawPage> {
  const errors: string[] = [];
  const order = body.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') errors.push('order must be asc or desc');
  const orderBy = body.order_by ?? 'created_at';
  if (orderBy !== 'created_at' && orderBy !== 'seconds_to_resolve') errors.push('order_by must be created_at or seconds_to_resolve');
  const limit = body.limit ?? 20;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) errors.push('limit must be an integer from 1 to 1000');
  if (body.starting_after !== undefined && body.ending_before !== undefined) errors.push('starting_after: give starting_after or ending_before, not both');
  for (const k of ['starting_after', 'ending_before'] as const) if (body[k] !== undefined && typeof body[k] !== 'string') errors.push(`${k} must be a cursor string`);
  if (errors.length) throw invalid(...errors);

  const cursor = typeof body.starting_after === 'string' ? { after: body.starting_after } : typeof body.ending_before === 'string' ? { before: body.ending_before } : {};
  const { page, more, repeats } = await rawFactsPage(db, rangeOf(q), orderBy as 'created_at' | 'seconds_to_resolve', order as 'asc' | 'desc', limit as number, cursor);
  return {
    rows: await rawRows(db, q.orgId, q.orgZone, page, repeats),
    more,
    limit: limit as number,
    order: order as 'asc' | 'desc',
    orderBy: orderBy as 'created_at' | 'seconds_to_resolve',
  };
}

/** A raw page's rows: titles of stored facts (read without them), service and priority names, and each incident's figures. */
async function rawRows(db: Db, orgId: string, orgZone: string, page: IncidentFact[], repeats: ReadonlySet<string>): Promise<RawIncident[]> {
  // Stored facts were read without their titles: the page's are read now.
  const titles = new Map((await titlesOf(db, orgId, page.filter((f) => f.status === 'resolved').map((f) => f.id))).map((t) => [t.incident_id, t.title]));
  for (const f of page) {
    const t = titles.get(f.id);
    if (t !== undefined) f.title = t;
  }
  const [services, priorities] = await Promise.all([
    store.serviceNames(db, orgId, [...new Set(page.map((f) => f.serviceId))]),
    store.priorityRows(db, orgId, [...new Set(page.flatMap((f) => (f.priorityId ? [f.priorityId] : [])))]),
  ]);
  const sn = new Map(services.map((s) => [s.id, s.name]));
  const pr = new Map(priorities.map((p) => [p.id, p]));
  return page.map((fact) => ({
    fact,
    serviceName: sn.get(fact.serviceId) ?? fact.serviceId,
    priority: fact.priorityId ? (pr.get(fact.priorityId) ?? null) : null,
    repeat: repeats.has(fact.id),
    sleepHour: isNight(fact.createdAt, orgZone),
    secondsToAck: secondsToAck(fact),
    secondsToResolve: secondsToResolve(fact),
  }));
}

/** PagerDuty's GET /analytics/raw/incidents/{id}: one incident with its figures (404 if not the organization's). */
export async function rawIncident(db: Db, orgId: string, id: string): Promise<{ row: RawIncident; timeZone: string }> {
  const created = await store.incidentCreatedAt(db, orgId, id);
  if (created === undefined) throw notFound(`incident ${id}`);
  const orgZone = (await store.orgTimeZone(db, orgId)) ?? 'UTC';
  const { facts, repeats } = await readFacts(db, { orgId, since: created, until: created + 1, ids: [id] }, true);
  const [row] = await rawRows(db, orgId, orgZone, facts, repeats);
  return { row: row!, timeZone: orgZone };
}
