/**
 * Incidents like this one, read only (PagerDuty's Event Intelligence endpoints, computed from
 * Vigil's own rows, no model):
 *
 * - past incidents: the service's incidents of the 6 months before this one (at most the 1,000
 *   newest) scored by similarity (similar.ts: the same dedup key is 100, else the share of
 *   title words in common); those scoring above 0, best first.
 * - related incidents: incidents on other services under the same escalation policy that were
 *   open at some moment from an hour before this incident opened until it resolved (or now);
 *   the 20 newest.
 * - outlier incident: how often this incident's title template happened on its service in a
 *   window (default: the 90 days before now): anomaly, rare or frequent (similar.ts).
 */
import type { Kysely } from 'kysely';
import type { Database, IncidentTable } from '../storage/schema.js';
import { requireIncident } from './incident.service.js';
import * as store from './collab.store.js';
import { clusterId, occurrence, similarity, templateOf, type OccurrenceCategory } from './similar.js';

type Db = Kysely<Database>;

const DAY = 86_400_000;
export const PAST_WINDOW_MS = 182 * DAY;
export const PAST_CANDIDATES = 1000;
export const RELATED_LEAD_MS = 3_600_000;
export const RELATED_MAX = 20;
export const OUTLIER_WINDOW_MS = 90 * DAY;
export const OUTLIER_CANDIDATES = 10_000;

export async function pastIncidents(db: Db, orgId: string, id: string, limit: number): Promise<{ incident: IncidentTable; past: { incident: IncidentTable; score: number }[]; total: number }> {
  const incident = await requireIncident(db, orgId, id);
  const candidates = await store.serviceIncidentsSince(db, orgId, incident.service_id, incident.created_at - PAST_WINDOW_MS, incident.created_at + 1, incident.id, PAST_CANDIDATES);
  const scored = candidates
    .filter((c) => c.created_at <= incident.created_at)
    .map((c) => ({ incident: c, score: similarity(incident, c) }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || b.incident.created_at - a.incident.created_at);
  return { incident, past: scored.slice(0, limit), total: scored.length };
}

export async function relatedIncidents(db: Db, orgId: string, id: string, now: number): Promise<{ incident: IncidentTable; related: IncidentTable[]; from: number; to: number }> {
  const incident = await requireIncident(db, orgId, id);
  const from = incident.created_at - RELATED_LEAD_MS;
  const to = incident.resolved_at ?? now;
  const related = incident.escalation_policy_id ? await store.otherIncidentsOverlapping(db, orgId, incident.service_id, incident.escalation_policy_id, from, to, RELATED_MAX) : [];
  return { incident, related, from, to };
}

export interface Outlier {
  incident: IncidentTable;
  template: string;
  clusterId: string;
  occurrence: { count: number; frequency: number; category: OccurrenceCategory; since: number; until: number };
}

export async function outlierIncident(db: Db, orgId: string, id: string, now: number, since: number | undefined): Promise<Outlier> {
  const incident = await requireIncident(db, orgId, id);
  const from = since ?? now - OUTLIER_WINDOW_MS;
  const others = await store.serviceIncidentsSince(db, orgId, incident.service_id, from, now + 1, incident.id, OUTLIER_CANDIDATES);
  const template = templateOf(incident.title);
  const inWindow = incident.created_at >= from && incident.created_at <= now ? 1 : 0;
  const count = others.filter((o) => templateOf(o.title) === template).length + inWindow;
  return { incident, template, clusterId: clusterId(incident.service_id, template), occurrence: { ...occurrence(Math.max(count, 1), others.length + inWindow), since: from, until: now } };
}
