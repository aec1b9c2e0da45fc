/**
 * Figures of a range without reading its rows into Node (issue 17). Stored facts are
 * aggregated in SQL per bucket and key (facts-aggregate.store.ts): counts and sums, and the
 * durations at the few ranks that can be a nearest-rank percentile; the few incidents without
 * stored facts (open, or resolved since the analytics-facts module's last pass) are read live
 * as before and merged exactly: counts and sums add, and the k-th smallest of the union of
 * stored values S and live values L is among S's ranks k−|L| … k (the k−|L|−1 smallest of S
 * come before it whatever L holds; S's values past rank k come after it).
 */
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../storage/schema.js';
import type { IncidentRange } from './analytics.store.js';
import * as agg from './facts-aggregate.store.js';
import { fromStored, readLiveFacts } from './facts.service.js';
import * as facts from './facts.store.js';
import { invalid } from '../errors.js';
import { bucketStart, busiestHours, offsetSteps, titleKey, secondsToAck, secondsToResolve, summarize, type AggregateUnit, type Durations, type IncidentFact, type Summary } from './metrics.js';

type Db = Kysely<Database>;

export interface GroupedSummary {
  /** Bucket start (null: the whole range). */
  start: number | null;
  /** Service or escalation policy id ('' without a key). */
  key: string;
  summary: Summary;
}

export interface SummaryRequest {
  range: IncidentRange;
  unit: AggregateUnit | null;
  /** Zone of the buckets. */
  timeZone: string;
  /** Zone of sleep hours. */
  orgZone: string;
  key?: 'service_id' | 'escalation_policy_id';
  policyOnly?: boolean;
}

/** The starts of every bucket that meets [since, until), ascending. */
export function bucketStarts(since: number, until: number, unit: AggregateUnit, zone: string): number[] {
  const out = [bucketStart(since, unit, zone)];
  for (;;) {
    const next = bucketStart(DateTime.fromMillis(out.at(-1)!, { zone }).plus({ [`${unit}s`]: 1 }).toMillis(), unit, zone);
    if (next >= until || next <= out.at(-1)!) return out;
    out.push(next);
  }
}

const sortedMerge = (a: readonly number[], b: readonly number[]) => [...a, ...b].sort((x, y) => x - y);

/** Nearest rank k of n (as metrics.ts `percentile`). */
const rankOf = (p: number, n: number) => Math.max(1, Math.ceil(p * n));

interface Group {
  start: number | null;
  b: number;
  key: string;
  stored?: agg.FactAggregateRow;
  live: IncidentFact[];
}

/** Summaries per bucket and key of every incident the request selects, groups with no incident left out, in bucket then key order. */
export async function groupedSummaries(db: Db, q: SummaryRequest): Promise<GroupedSummary[]> {
  const { range } = q;
  const starts = q.unit ? bucketStarts(range.since, range.until, q.unit, q.timeZone) : [range.since];
  const grouping: agg.FactGrouping = {
    ...(q.unit ? { buckets: { starts, values: starts.map((_, i) => i) } } : {}),
    ...(q.key ? { key: q.key } : {}),
    ...(q.policyOnly ? { policyOnly: true } : {}),
    orgOffsets: offsetSteps(range.since, range.until, q.orgZone),
  };
  const [stored, liveAll] = await Promise.all([agg.factAggregates(db, range, grouping), readLiveFacts(db, range)]);
  const index = new Map(starts.map((s, i) => [s, i]));
  const groups = new Map<string, Group>();
  const groupOf = (b: number, key: string): Group => {
    const id = `${b}|${key}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { start: q.unit ? starts[b]! : null, b, key, live: [] }));
    return g;
  };
  for (const row of stored) groupOf(row.b, row.k).stored = row;
  for (const f of liveAll.facts) {
    if (q.policyOnly && !f.escalationPolicyId) continue;
    const b = q.unit ? index.get(bucketStart(f.createdAt, q.unit, q.timeZone))! : 0;
    groupOf(b, q.key === 'escalation_policy_id' ? (f.escalationPolicyId ?? '') : q.key === 'service_id' ? f.serviceId : '').live.push(f);
  }
  const list = [...groups.values()].sort((x, y) => x.b - y.b || x.key.localeCompare(y.key));
  const [ack, res] = await Promise.all([percentiles(db, range, grouping, 'first_ack_at', list), percentiles(db, range, grouping, 'resolved_at', list)]);
  return list.map((g) => ({ start: g.start, key: g.key, summary: combine(g, liveAll.repeats, q.orgZone, ack.get(g)!, res.get(g)!) }));
}

/** Each group's durations of one measure: stored count and sum from the aggregate, percentiles from the ranks around k. */
async function percentiles(db: Db, range: IncidentRange, grouping: agg.FactGrouping, measure: 'first_ack_at' | 'resolved_at', list: readonly Group[]): Promise<Map<Group, Durations>> {
  const secondsOf = measure === 'first_ack_at' ? secondsToAck : secondsToResolve;
  const plan = list.map((g) => {
    const ns = g.stored ? (measure === 'first_ack_at' ? g.stored.acked : g.stored.n) : 0;
    const live = g.live.flatMap((f) => {
      const s = secondsOf(f);
      return s === null ? [] : [s];
    });
    const n = ns + live.length;
    const ks = [0.5, 0.9].map((p) => rankOf(p, n));
    const lo = Math.max(1, Math.min(...ks) - live.length);
    const hi = Math.min(ns, Math.max(...ks));
    return { g, ns, live, n, ks, lo, hi };
  });
  const wanted = plan.filter((p) => p.n > 0 && p.hi >= p.lo).map((p) => ({ b: p.g.b, k: p.g.key, lo: p.lo, hi: p.hi }));
  const rows = await agg.factRanks(db, range, grouping, measure, wanted);
  const ranked = new Map<string, { rn: number; v: number }[]>();
  for (const r of rows) {
    const id = `${r.b}|${r.k}`;
    const l = ranked.get(id);
    if (l) l.push(r);
    else ranked.set(id, [r]);
  }
  const out = new Map<Group, Durations>();
  for (const p of plan) {
    if (!p.n) {
      out.set(p.g, { count: 0, mean: null, p50: null, p90: null });
      continue;
    }
    const slice = (ranked.get(`${p.g.b}|${p.g.key}`) ?? []).sort((x, y) => x.rn - y.rn).map((r) => r.v);
    const merged = sortedMerge(slice, p.live);
    const sum = (p.g.stored ? (measure === 'first_ack_at' ? p.g.stored.ack_sum : p.g.stored.resolve_sum) : 0) + p.live.reduce((a, b) => a + b, 0);
    // Stored ranks below lo precede the k-th of the union; the k-th is at k − lo (0-based) of the merge.
    const at = (k: number) => merged[k - (p.hi >= p.lo ? p.lo : 1)]!;
    out.set(p.g, { count: p.n, mean: Math.round(sum / p.n), p50: at(p.ks[0]!), p90: at(p.ks[1]!) });
  }
  return out;
}

function combine(g: Group, repeats: ReadonlySet<string>, orgZone: string, ack: Durations, res: Durations): Summary {
  const live = summarize(g.live, orgZone, repeats);
  const s = g.stored;
  if (!s) return { ...live, secondsToAck: ack, secondsToResolve: res };
  return {
    incidents: s.n + live.incidents,
    alerts: s.alerts + live.alerts,
    acknowledged: s.acked + live.acknowledged,
    resolved: s.n + live.resolved,
    secondsToAck: ack,
    secondsToResolve: res,
    escalations: s.escalations + live.escalations,
    manualEscalations: s.manual + live.manualEscalations,
    timeoutEscalations: s.escalations - s.manual + live.timeoutEscalations,
    escalatedIncidents: s.escalated + live.escalatedIncidents,
    manuallyEscalatedIncidents: s.manual_incidents + live.manuallyEscalatedIncidents,
    timeoutEscalatedIncidents: s.timeout_incidents + live.timeoutEscalatedIncidents,
    acknowledgedAtFirstLevel: s.first_level + live.acknowledgedAtFirstLevel,
    sleepHourIncidents: s.night + live.sleepHourIncidents,
    repeatIncidents: s.repeats + live.repeatIncidents,
  };
}

export interface InsightFigures {
  byHour: number[];
  byWeekday: number[];
  services: { serviceId: string; incidents: number; repeats: number }[];
  repeatGroups: { serviceId: string; title: string; incidents: number; repeats: number; lastAt: number }[];
}

/**
 * Busiest hours and weekdays (in `timeZone`), services breaking most and groups of repeated
 * incidents, as metrics.ts `busiestHours`, `servicesBreakingMost` and `repeatGroups` define
 * them: stored facts counted in SQL per local hour and weekday and per service and exact
 * title (exact titles are merged here by the normalized title, which SQL cannot compute the
 * same way on both dialects), the live incidents added one by one.
 */
export async function insightFigures(db: Db, range: IncidentRange, timeZone: string): Promise<InsightFigures> {
  const [hours, titles, live] = await Promise.all([agg.factHours(db, range, offsetSteps(range.since, range.until, timeZone)), agg.factTitleGroups(db, range), readLiveFacts(db, range)]);
  const { byHour, byWeekday } = busiestHours(live.facts, timeZone);
  for (const h of hours) {
    byHour[h.h] = byHour[h.h]! + h.n;
    byWeekday[h.d] = byWeekday[h.d]! + h.n;
  }
  const groups = new Map<string, { serviceId: string; title: string; firstAt: number; incidents: number; repeats: number; lastAt: number }>();
  const add = (serviceId: string, title: string, n: number, repeats: number, firstAt: number, lastAt: number) => {
    const key = titleKey(serviceId, title);
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { serviceId, title, firstAt, incidents: n, repeats, lastAt });
      return;
    }
    // The group's title is its earliest incident's, as in metrics.ts (facts in creation order).
    if (firstAt < g.firstAt) Object.assign(g, { title, firstAt });
    g.incidents += n;
    g.repeats += repeats;
    g.lastAt = Math.max(g.lastAt, lastAt);
  };
  for (const t of titles) add(t.service_id, t.title, t.n, t.repeats, t.first_at, t.last_at);
  for (const f of live.facts) add(f.serviceId, f.title, 1, live.repeats.has(f.id) ? 1 : 0, f.createdAt, f.createdAt);
  const perService = new Map<string, { serviceId: string; incidents: number; repeats: number }>();
  for (const g of groups.values()) {
    const s = perService.get(g.serviceId) ?? { serviceId: g.serviceId, incidents: 0, repeats: 0 };
    s.incidents += g.incidents;
    s.repeats += g.repeats;
    perService.set(g.serviceId, s);
  }
  return {
    byHour,
    byWeekday,
    services: [...perService.values()].sort((a, b) => b.incidents - a.incidents || a.serviceId.localeCompare(b.serviceId)),
    repeatGroups: [...groups.values()]
      .filter((g) => g.repeats > 0)
      .map(({ serviceId, title, incidents, repeats, lastAt }) => ({ serviceId, title, incidents, repeats, lastAt }))
      .sort((a, b) => b.repeats - a.repeats || b.incidents - a.incidents || a.serviceId.localeCompare(b.serviceId) || a.title.localeCompare(b.title)),
  };
}

type RawOrder = 'created_at' | 'seconds_to_resolve';

/** Raw incidents' order: by the key in `dir`, ties by id in `dir`; incidents without a key (unresolved) last, by id. */
export function rawComparator(orderBy: RawOrder, dir: 'asc' | 'desc'): (a: IncidentFact, b: IncidentFact) => number {
  const d = dir === 'asc' ? 1 : -1;
  const key = (f: IncidentFact) => (orderBy === 'created_at' ? f.createdAt : secondsToResolve(f));
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) return ka === kb ? a.id.localeCompare(b.id) : ka === null ? 1 : -1;
    return (ka - kb) * d || a.id.localeCompare(b.id) * d;
  };
}

/**
 * One page of raw incidents after (or before) a cursor incident, without sorting the range:
 * stored facts by SQL ORDER BY … LIMIT with a keyset on (key, id), the few live incidents
 * sorted here, and the two merged. Stored facts are resolved, so they always have a key.
 */
export async function rawFactsPage(db: Db, range: IncidentRange, orderBy: RawOrder, dir: 'asc' | 'desc', limit: number, cursor: { after?: string; before?: string }) {
  const live = await readLiveFacts(db, range);
  const cmp = rawComparator(orderBy, dir);
  const liveSorted = [...live.facts].sort(cmp);
  const cursorId = cursor.after ?? cursor.before;
  let at: IncidentFact | undefined;
  if (cursorId !== undefined) {
    at = live.facts.find((f) => f.id === cursorId) ?? (await facts.factsIn(db, { ...range, ids: [cursorId] }, false)).map(fromStored)[0];
    if (!at) throw invalid(`${cursor.after !== undefined ? 'starting_after' : 'ending_before'}: not a cursor of this query`);
  }
  const keyOf = (f: IncidentFact) => (orderBy === 'created_at' ? f.createdAt : secondsToResolve(f));
  const atKey = at ? keyOf(at) : null;
  const storedCursor = at && atKey !== null ? { key: atKey, id: at.id } : null;
  const repeatsOf = (rows: Awaited<ReturnType<typeof facts.factsPage>>) => {
    for (const r of rows) if (r.repeat) live.repeats.add(r.incident_id);
    return rows.map(fromStored);
  };
  if (cursor.before !== undefined) {
    // The `limit` incidents before the cursor: stored ones read backwards from it (all of them precede an unresolved cursor).
    const back = dir === 'asc' ? 'desc' : 'asc';
    const stored = at && atKey === null ? await facts.factsPage(db, range, orderBy, back, null, limit) : await facts.factsPage(db, range, orderBy, back, storedCursor, limit);
    const merged = [...repeatsOf(stored), ...liveSorted.filter((f) => cmp(f, at!) < 0)].sort(cmp);
    return { page: merged.slice(Math.max(0, merged.length - limit)), more: true, repeats: live.repeats };
  }
  // Stored facts all precede an unresolved cursor: none come after it.
  const stored = at && atKey === null ? [] : await facts.factsPage(db, range, orderBy, dir, storedCursor, limit + 1);
  const merged = [...repeatsOf(stored), ...liveSorted.filter((f) => !at || cmp(f, at) > 0)].sort(cmp);
  return { page: merged.slice(0, limit), more: merged.length > limit, repeats: live.repeats };
}
