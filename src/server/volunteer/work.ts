/**
 * What a volunteer has worked, read from the rows other modules keep: scheduled
 * on-call shifts (the final schedule, computed) and response spans (acknowledge →
 * resolve, from incident timelines). The caps and the hours ledger are pure
 * functions of these.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Schedule } from '../schedule/schedule.js';
import { renderFinal } from '../schedule/on-call.js';
import { allSchedules, overridesBetween } from '../schedule/schedule.store.js';
import { incidentsWithCriticalAlerts } from '../incident/alert.store.js';
import { acknowledgementsBetween, statusLogEntries } from '../incident/log-entry.store.js';
import { responsesFromTimeline, type ResponseSpan, type StatusEntry, type WorkShift } from './ledger.js';
import { intenseAmong } from './shift.store.js';

type Db = Kysely<Database>;

const DAY = 86_400_000;
/** Responses are found from their acknowledgement: one that began this long before a range may still reach into it. */
const RESPONSE_LOOKBACK = 31 * DAY;
/** The final schedule is rendered in chunks of this size (overrides are loaded per chunk). */
const CHUNK = 31 * DAY;

/** Scheduled on-call shifts of these users overlapping [from, to), from every live schedule of the organization. */
export async function scheduledShifts(db: Db, orgId: string, userIds: readonly string[], from: number, to: number): Promise<WorkShift[]> {
  if (!userIds.length || !(from < to)) return [];
  const wanted = new Set(userIds);
  const schedules = await allSchedules(db, orgId);
  if (!schedules.length) return [];
  const overrides = await overridesBetween(db, orgId, from, to);
  const out: WorkShift[] = [];
  for (const row of schedules) {
    const own = overrides.filter((o) => o.schedule_id === row.id);
    const mentions = row.layers.some((l) => l.users.some((u) => wanted.has(u))) || own.some((o) => wanted.has(o.user_id));
    if (!mentions) continue;
    const schedule: Schedule = { timeZone: row.time_zone, layers: row.layers, overrides: own.map((o) => ({ id: o.id, userId: o.user_id, start: o.start, end: o.end })) };
    for (let since = from; since < to; since += CHUNK) {
      const until = Math.min(to, since + CHUNK);
      for (const e of renderFinal(schedule, { since, until })) if (e.userId && wanted.has(e.userId)) out.push({ userId: e.userId, start: e.start, end: e.end });
    }
  }
  return out;
}

/** Acknowledge/un-acknowledge/resolve entries of incidents some of these users acknowledged since `from` − lookback. */
async function statusEntries(db: Db, orgId: string, userIds: readonly string[] | null, from: number, to: number): Promise<StatusEntry[]> {
  const acks = await acknowledgementsBetween(db, orgId, userIds, from - RESPONSE_LOOKBACK, to);
  const incidentIds = [...new Set(acks.map((r) => r.incident_id).filter((x): x is string => !!x))];
  if (!incidentIds.length) return [];
  const rows = await statusLogEntries(db, orgId, incidentIds);
  return rows.map((r) => ({ incidentId: r.incident_id!, type: r.type as StatusEntry['type'], at: Number(r.created_at), userId: agentId(r.agent) }));
}

function agentId(agent: string | null): string | null {
  if (!agent) return null;
  try {
    const a = JSON.parse(agent) as { id?: unknown; type?: unknown };
    return typeof a.id === 'string' && (a.type === undefined || a.type === 'user_reference' || a.type === 'user') ? a.id : null;
  } catch {
    return null;
  }
}

/** Response spans of these users (null: everyone) overlapping [from, to). */
export async function responseSpans(db: Db, orgId: string, userIds: readonly string[] | null, from: number, to: number): Promise<ResponseSpan[]> {
  const wanted = userIds ? new Set(userIds) : null;
  return responsesFromTimeline(await statusEntries(db, orgId, userIds, from, to)).filter((r) => (!wanted || wanted.has(r.userId)) && r.start < to && (r.end === null || r.end > from));
}

/** Incidents among these that had a critical alert, or that staff marked intense (PUT /incidents/{id}/intense). */
export async function criticalIncidents(db: Db, orgId: string, incidentIds: readonly string[]): Promise<Set<string>> {
  if (!incidentIds.length) return new Set();
  const critical = await incidentsWithCriticalAlerts(db, orgId, [...incidentIds]);
  const marked = await intenseAmong(db, orgId, [...incidentIds]);
  return new Set([...critical, ...marked]);
}
