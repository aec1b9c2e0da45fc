/**
 * Incident facts, computed once per resolved incident (issue 17: a year of 100,000 incidents
 * under a second). `fillIncidentFacts` is the analytics-facts engine module's pass: it takes
 * incidents resolved since the last pass that have no facts yet, computes their figures with
 * the same reads and the same pure functions as a request does (analytics.store.ts
 * `incidentFactsIn`, metrics.ts `repeatIncidentIds`), and stores them. The first passes are
 * the backfill of every incident resolved before migration 0031.
 *
 * `readFacts` is what a request reads: the stored facts of the range, and, for the incidents
 * of the range without stored facts (open, or resolved since the last pass), the figures
 * computed from the incident tables as before. Both give the same IncidentFact, so every
 * figure of metrics.ts keeps its one definition.
 */
import type { Kysely } from 'kysely';
import type { Database, IncidentFactTable } from '../storage/schema.js';
import * as store from './analytics.store.js';
import * as facts from './facts.store.js';
import { REPEAT_WINDOW_MS, groupBy, repeatIncidentIds, type IncidentFact } from './metrics.js';

type Db = Kysely<Database>;

/** How far before the latest stored resolution a pass looks again, for resolving transactions that committed late. */
export const LATE_COMMIT_MARGIN_MS = 5 * 60_000;
export const FILL_BATCH = 500;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Live facts (from the incident tables) of the incidents the range selects. */
export async function liveFacts(db: Db, range: store.IncidentRange): Promise<IncidentFact[]> {
  const [incidents, alerts] = await Promise.all([store.incidentFactsIn(db, range), store.alertCountsIn(db, range)]);
  const al = new Map(alerts.map((a) => [a.incident_id, Number(a.n)]));
  return incidents.map((i) => ({
    id: i.id,
    number: Number(i.number),
    serviceId: i.service_id,
    escalationPolicyId: i.escalation_policy_id,
    title: i.title,
    urgency: i.urgency,
    priorityId: i.priority_id,
    status: i.status,
    createdAt: Number(i.created_at),
    firstAckAt: num(i.first_ack),
    resolvedAt: num(i.resolved_at),
    escalations: Number(i.escalations ?? 0),
    manualEscalations: Number(i.manual_escalations ?? 0),
    firstEscalationAt: num(i.first_escalation),
    alerts: al.get(i.id) ?? 0,
  }));
}

/** Which of these incidents repeat an earlier one: judged against every incident of the 7 days before each and of its service. */
async function liveRepeats(db: Db, orgId: string, list: readonly IncidentFact[]): Promise<Set<string>> {
  if (!list.length) return new Set();
  // The 7 days before each incident, overlapping windows merged: a few open incidents spread
  // over a year read the titles of their weeks, not of the year.
  const windows: { since: number; until: number }[] = [];
  for (const at of list.map((f) => f.createdAt).sort((x, y) => x - y)) {
    const last = windows.at(-1);
    if (last && at - REPEAT_WINDOW_MS <= last.until) last.until = at + 1;
    else windows.push({ since: at - REPEAT_WINDOW_MS, until: at + 1 });
  }
  const spans = windows.length > 20 ? [{ since: windows[0]!.since, until: windows.at(-1)!.until }] : windows;
  const serviceIds = [...new Set(list.map((f) => f.serviceId))];
  const prior = (await Promise.all(spans.map((w) => store.titlesCreatedIn(db, { orgId, ...w, ...(serviceIds.length <= 100 ? { serviceIds } : {}) })))).flat();
  return repeatIncidentIds(
    list,
    prior.map((p) => ({ id: p.id, serviceId: p.service_id, title: p.title, createdAt: Number(p.created_at) })),
  );
}

/** A stored fact as the figures read it (title empty when not read). */
export function fromStored(r: Awaited<ReturnType<typeof facts.factsIn>>[number]): IncidentFact {
  return {
    id: r.incident_id,
    number: Number(r.number),
    serviceId: r.service_id,
    escalationPolicyId: r.escalation_policy_id,
    title: r.title ?? '',
    urgency: r.urgency,
    priorityId: r.priority_id,
    status: 'resolved',
    createdAt: Number(r.created_at),
    firstAckAt: num(r.first_ack_at),
    resolvedAt: Number(r.resolved_at),
    escalations: Number(r.escalations),
    manualEscalations: Number(r.manual_escalations),
    firstEscalationAt: num(r.first_escalation_at),
    alerts: Number(r.alerts),
  };
}

export interface RangeFacts {
  facts: IncidentFact[];
  repeats: Set<string>;
}

/** The incidents of the range without stored facts, read live, and which of them repeat an earlier one. */
export async function readLiveFacts(db: Db, range: store.IncidentRange): Promise<RangeFacts> {
  const live = await liveFacts(db, { ...range, withoutFacts: true });
  return { facts: live, repeats: await liveRepeats(db, range.orgId, live) };
}

/**
 * The facts of every incident the range selects, in creation order, and which of them repeat
 * an earlier one. `withTitles`: stored facts come with their titles (insights, raw pages);
 * without, a stored fact's title is empty (the figures never read it: repeats are stored).
 */
export async function readFacts(db: Db, range: store.IncidentRange, withTitles: boolean): Promise<RangeFacts> {
  const [stored, live] = await Promise.all([facts.factsIn(db, range, withTitles), liveFacts(db, { ...range, withoutFacts: true })]);
  const repeats = await liveRepeats(db, range.orgId, live);
  const out: IncidentFact[] = new Array(stored.length);
  for (let k = 0; k < stored.length; k++) {
    const r = stored[k]!;
    if (r.repeat) repeats.add(r.incident_id);
    out[k] = fromStored(r);
  }
  if (!live.length) return { facts: out, repeats };
  // Both lists are in creation order; merged, so is the answer.
  const merged: IncidentFact[] = [];
  let a = 0;
  let b = 0;
  while (a < out.length || b < live.length) {
    if (b >= live.length || (a < out.length && out[a]!.createdAt <= live[b]!.createdAt)) merged.push(out[a++]!);
    else merged.push(live[b++]!);
  }
  return { facts: merged, repeats };
}

/** One pass of the analytics-facts module: store the facts of up to `limit` incidents resolved since the last pass. Returns how many. */
export async function fillIncidentFacts(db: Db, limit = FILL_BATCH): Promise<number> {
  const latest = await facts.latestFactResolution(db);
  const rows = await facts.resolvedWithoutFacts(db, latest === null ? null : latest - LATE_COMMIT_MARGIN_MS, limit);
  if (!rows.length) return 0;
  const out: IncidentFactTable[] = [];
  for (const [orgId, list] of groupBy(rows, (r) => r.org_id)) {
    const created = list.map((r) => Number(r.created_at));
    const range: store.IncidentRange = { orgId, since: Math.min(...created), until: Math.max(...created) + 1, ids: list.map((r) => r.id) };
    const computed = await liveFacts(db, range);
    const repeats = await liveRepeats(db, orgId, computed);
    for (const f of computed) {
      if (f.resolvedAt === null) continue;
      out.push({
        org_id: orgId,
        incident_id: f.id,
        number: f.number,
        service_id: f.serviceId,
        escalation_policy_id: f.escalationPolicyId ?? null,
        title: f.title,
        urgency: f.urgency,
        priority_id: f.priorityId,
        created_at: f.createdAt,
        resolved_at: f.resolvedAt,
        first_ack_at: f.firstAckAt,
        first_escalation_at: f.firstEscalationAt,
        escalations: f.escalations,
        manual_escalations: f.manualEscalations,
        alerts: f.alerts,
        repeat: repeats.has(f.id) ? 1 : 0,
      });
    }
  }
  await facts.insertFacts(db, out);
  return rows.length;
}
