/**
 * Incident analytics, pure: every figure is a function of the incident facts the store
 * read (analytics.store.ts) and a time zone. Nothing here reads a clock or a database,
 * so each figure is tested against a hand-computed month (metrics.test.ts). The
 * definitions are in docs/analytics.md; this file is their one implementation.
 *
 * Durations are whole seconds (each incident's own duration rounded to the nearest
 * second); means are rounded to the nearest second; percentiles use the nearest-rank
 * method (the smallest value with at least p·n values at or below it), so a median of an
 * even count is the lower middle value and every percentile is a duration that happened.
 */
import { DateTime } from 'luxon';

export interface IncidentFact {
  id: string;
  number: number;
  serviceId: string;
  /** The escalation policy the incident was last assigned to (PagerDuty's per-policy metrics). */
  escalationPolicyId?: string | null;
  title: string;
  urgency: 'high' | 'low';
  priorityId: string | null;
  status: string;
  createdAt: number;
  /** The first acknowledgement on the timeline (even if later withdrawn); null: never acknowledged. */
  firstAckAt: number | null;
  resolvedAt: number | null;
  /** Escalations on the timeline: past the first level, by timeout or by hand. */
  escalations: number;
  manualEscalations: number;
  firstEscalationAt: number | null;
  alerts: number;
}

/** Another incident of the organization, only to tell whether one in the range repeats it. */
export interface OtherIncident {
  id: string;
  serviceId: string;
  title: string;
  createdAt: number;
}

export type AggregateUnit = 'day' | 'week' | 'month';

export interface Durations {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
}

export interface Summary {
  incidents: number;
  alerts: number;
  acknowledged: number;
  resolved: number;
  secondsToAck: Durations;
  secondsToResolve: Durations;
  escalations: number;
  manualEscalations: number;
  timeoutEscalations: number;
  escalatedIncidents: number;
  manuallyEscalatedIncidents: number;
  timeoutEscalatedIncidents: number;
  acknowledgedAtFirstLevel: number;
  sleepHourIncidents: number;
  repeatIncidents: number;
}

export const REPEAT_WINDOW_MS = 7 * 86_400_000;
/** Local night for sleep-hour incidents and for a person's night interruptions: [22:00, 07:00). */
export const NIGHT_START_HOUR = 22;
export const NIGHT_END_HOUR = 7;

/** Nearest-rank percentile of sorted values; p in (0, 1]. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

export function durations(seconds: readonly number[]): Durations {
  if (!seconds.length) return { count: 0, mean: null, p50: null, p90: null };
  const sorted = [...seconds].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { count: sorted.length, mean: Math.round(sum / sorted.length), p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9) };
}

export const secondsBetween = (from: number, to: number): number => Math.round((to - from) / 1000);

export function secondsToAck(f: IncidentFact): number | null {
  return f.firstAckAt === null ? null : secondsBetween(f.createdAt, f.firstAckAt);
}

export function secondsToResolve(f: IncidentFact): number | null {
  return f.resolvedAt === null ? null : secondsBetween(f.createdAt, f.resolvedAt);
}

/** Acknowledged before anything escalated it past the first level. */
export function acknowledgedAtFirstLevel(f: IncidentFact): boolean {
  return f.firstAckAt !== null && (f.firstEscalationAt === null || f.firstAckAt < f.firstEscalationAt);
}

/*
 * Local time, fast: a zone's offset is looked up once per 15-minute slot of UTC time (every
 * offset change of the tz database since 1970 falls on a quarter hour), so a year of
 * incidents asks luxon a few thousand times instead of once per incident and figure.
 */
const SLOT_MS = 900_000;
const offsets = new Map<string, number>();

function offsetMs(at: number, zone: string): number {
  const slot = Math.floor(at / SLOT_MS);
  const key = `${zone}|${slot}`;
  let o = offsets.get(key);
  if (o === undefined) {
    if (offsets.size > 100_000) offsets.clear();
    o = DateTime.fromMillis(slot * SLOT_MS, { zone }).offset * 60_000;
    offsets.set(key, o);
  }
  return o;
}

/** The local wall-clock time of an instant in a zone, as a Date read with its getUTC* methods. */
export function wallClock(at: number, zone: string): Date {
  return new Date(at + offsetMs(at, zone));
}

/**
 * The zone's offset (ms) along [since, until): `values[i]` from `starts[i]`, one step per
 * change (a change is found by day and then pinned to its 15-minute slot), for SQL that
 * computes local hours from created_at (facts-aggregate.store.ts).
 */
export function offsetSteps(since: number, until: number, zone: string): { starts: number[]; values: number[] } {
  const starts = [since];
  const values = [offsetMs(since, zone)];
  for (let t = since; t < until; ) {
    const next = Math.min(t + 86_400_000, until);
    if (offsetMs(next, zone) !== values.at(-1)) {
      let lo = Math.floor(t / SLOT_MS);
      let hi = Math.ceil(next / SLOT_MS);
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (offsetMs(mid * SLOT_MS, zone) === values.at(-1)) lo = mid;
        else hi = mid;
      }
      starts.push(hi * SLOT_MS);
      values.push(offsetMs(hi * SLOT_MS, zone));
      t = hi * SLOT_MS;
    } else t = next;
  }
  return { starts, values };
}

/** Per zone, per 15-minute slot of UTC time: whether it is night (its local hour; every hour starts on a slot edge). */
const nights = new Map<string, Map<number, boolean>>();

export function isNight(at: number, zone: string): boolean {
  let byZone = nights.get(zone);
  if (!byZone || byZone.size > 200_000) nights.set(zone, (byZone = new Map()));
  const slot = Math.floor(at / SLOT_MS);
  let night = byZone.get(slot);
  if (night === undefined) {
    const h = wallClock(slot * SLOT_MS, zone).getUTCHours();
    night = h >= NIGHT_START_HOUR || h < NIGHT_END_HOUR;
    byZone.set(slot, night);
  }
  return night;
}

export const titleKey = (serviceId: string, title: string) => `${serviceId}\u0000${title.trim().replace(/\s+/g, ' ').toLowerCase()}`;

/**
 * Incidents (by id) that repeat an earlier one: same service, same title (ignoring case
 * and runs of spaces), created at most 7 × 24 hours after it. Being a repeat is a fact of
 * the incident, not of a query: `others` are the organization's incidents from 7 days before
 * the range to its end, whatever urgency or priority, so filters never change the answer.
 */
export function repeatIncidentIds(facts: readonly IncidentFact[], others: readonly OtherIncident[] = []): Set<string> {
  const all = new Map<string, OtherIncident>();
  for (const o of others) all.set(o.id, o);
  for (const f of facts) all.set(f.id, f);
  const wanted = new Set(facts.map((f) => f.id));
  const last = new Map<string, number>();
  const out = new Set<string>();
  for (const f of [...all.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))) {
    const key = titleKey(f.serviceId, f.title);
    const before = last.get(key);
    if (wanted.has(f.id) && before !== undefined && f.createdAt - before <= REPEAT_WINDOW_MS) out.add(f.id);
    last.set(key, f.createdAt);
  }
  return out;
}

/** All figures of a set of incidents. `orgZone` judges sleep hours; `repeats` from repeatIncidentIds over the whole range. */
export function summarize(facts: readonly IncidentFact[], orgZone: string, repeats: ReadonlySet<string>): Summary {
  const ack: number[] = [];
  const res: number[] = [];
  let alerts = 0;
  let escalations = 0;
  let manual = 0;
  let escalated = 0;
  let manualIncidents = 0;
  let timeoutIncidents = 0;
  let firstLevel = 0;
  let night = 0;
  let repeat = 0;
  for (const f of facts) {
    const a = secondsToAck(f);
    if (a !== null) ack.push(a);
    const r = secondsToResolve(f);
    if (r !== null) res.push(r);
    alerts += f.alerts;
    escalations += f.escalations;
    manual += f.manualEscalations;
    if (f.escalations > 0) escalated++;
    if (f.manualEscalations > 0) manualIncidents++;
    if (f.escalations > f.manualEscalations) timeoutIncidents++;
    if (acknowledgedAtFirstLevel(f)) firstLevel++;
    if (isNight(f.createdAt, orgZone)) night++;
    if (repeats.has(f.id)) repeat++;
  }
  return {
    incidents: facts.length,
    alerts,
    acknowledged: ack.length,
    resolved: res.length,
    secondsToAck: durations(ack),
    secondsToResolve: durations(res),
    escalations,
    manualEscalations: manual,
    timeoutEscalations: escalations - manual,
    escalatedIncidents: escalated,
    manuallyEscalatedIncidents: manualIncidents,
    timeoutEscalatedIncidents: timeoutIncidents,
    acknowledgedAtFirstLevel: firstLevel,
    sleepHourIncidents: night,
    repeatIncidents: repeat,
  };
}

/** The start of the day, ISO week (Monday) or month holding `at`, in `zone`, as epoch ms. */
const starts = new Map<string, number>();

/** Per zone and unit, per 15-minute slot of UTC time: its bucket's start (buckets start at local midnight, a slot edge). */
const slotStarts = new Map<string, Map<number, number>>();

export function bucketStart(at: number, unit: AggregateUnit, zone: string): number {
  const zk = `${zone}|${unit}`;
  let byZone = slotStarts.get(zk);
  if (!byZone || byZone.size > 200_000) slotStarts.set(zk, (byZone = new Map()));
  const slot = Math.floor(at / SLOT_MS);
  let start = byZone.get(slot);
  if (start === undefined) {
    start = dayBucketStart(slot * SLOT_MS, unit, zone);
    byZone.set(slot, start);
  }
  return start;
}

function dayBucketStart(at: number, unit: AggregateUnit, zone: string): number {
  const day = wallClock(at, zone).toISOString().slice(0, 10);
  const key = `${zone}|${unit}|${day}`;
  let start = starts.get(key);
  if (start === undefined) {
    if (starts.size > 100_000) starts.clear();
    start = DateTime.fromMillis(at, { zone }).startOf(unit).toMillis();
    starts.set(key, start);
  }
  return start;
}

/** Facts grouped by the bucket they were created in, buckets in time order. */
export function byBucket<T extends { createdAt: number }>(facts: readonly T[], unit: AggregateUnit, zone: string): { start: number; facts: T[] }[] {
  const m = new Map<number, T[]>();
  for (const f of facts) {
    const k = bucketStart(f.createdAt, unit, zone);
    const list = m.get(k);
    if (list) list.push(f);
    else m.set(k, [f]);
  }
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([start, list]) => ({ start, facts: list }));
}

export function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Incidents created in each local hour of the day (index 0–23) and on each ISO weekday (index 0 = Monday). */
export function busiestHours(facts: readonly IncidentFact[], zone: string): { byHour: number[]; byWeekday: number[] } {
  const byHour = new Array<number>(24).fill(0);
  const byWeekday = new Array<number>(7).fill(0);
  for (const f of facts) {
    const t = wallClock(f.createdAt, zone);
    byHour[t.getUTCHours()]!++;
    byWeekday[(t.getUTCDay() + 6) % 7]!++;
  }
  return { byHour, byWeekday };
}

/** Services by incident count, most first (ties by id); with their repeat count. */
export function servicesBreakingMost(facts: readonly IncidentFact[], repeats: ReadonlySet<string>): { serviceId: string; incidents: number; repeats: number }[] {
  return [...groupBy(facts, (f) => f.serviceId).entries()]
    .map(([serviceId, list]) => ({ serviceId, incidents: list.length, repeats: list.filter((f) => repeats.has(f.id)).length }))
    .sort((a, b) => b.incidents - a.incidents || a.serviceId.localeCompare(b.serviceId));
}

/** Groups of repeated incidents (same service and title with at least one repeat), largest first. */
export function repeatGroups(facts: readonly IncidentFact[], repeats: ReadonlySet<string>): { serviceId: string; title: string; incidents: number; repeats: number; lastAt: number }[] {
  return [...groupBy(facts, (f) => titleKey(f.serviceId, f.title)).values()]
    .map((list) => ({ list, n: list.filter((f) => repeats.has(f.id)).length }))
    .filter((g) => g.n > 0)
    .map(({ list, n }) => ({ serviceId: list[0]!.serviceId, title: list[0]!.title, incidents: list.length, repeats: n, lastAt: list.reduce((m, f) => Math.max(m, f.createdAt), -Infinity) }))
    .sort((a, b) => b.repeats - a.repeats || b.incidents - a.incidents || a.serviceId.localeCompare(b.serviceId) || a.title.localeCompare(b.title));
}
