/**
 * What a volunteer has worked, read from the rows other modules keep: scheduled
 * on-call shifts (the final schedule, computed) and response spans (acknowledge →
 * resolve, from incident timelines). The caps and the hours ledger are pure
 * functions of these.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { Layer, Schedule } from '../schedule/schedule.js';
import { renderFinal } from '../schedule/on-call.js';
import { responsesFromTimeline, type ResponseSpan, type StatusEntry, type WorkShift } from './ledger.js';

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
  const schedules = await db.selectFrom('schedules').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).execute();
  if (!schedules.length) return [];
  const overrides = await db
    .selectFrom('schedule_overrides')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('end', '>', from)
    .where('start', '<', to)
    .orderBy('created_at')
    .execute();
  const out: WorkShift[] = [];
  for (const row of schedules) {
    const layers = JSON.parse(row.layers) as Layer[];
    const own = overrides.filter((o) => o.schedule_id === row.id);
    const mentions = layers.some((l) => l.users.some((u) => wanted.has(u))) || own.some((o) => wanted.has(o.user_id));
    if (!mentions) continue;
    const schedule: Schedule = { timeZone: row.time_zone, layers, overrides: own.map((o) => ({ id: o.id, userId: o.user_id, start: Number(o.start), end: Number(o.end) })) };
    for (let since = from; since < to; since += CHUNK) {
      const until = Math.min(to, since + CHUNK);
      for (const e of renderFinal(schedule, { since, until })) if (e.userId && wanted.has(e.userId)) out.push({ userId: e.userId, start: e.start, end: e.end });
    }
  }
  return out;
}

/** Acknowledge/un-acknowledge/resolve entries of incidents some of these users acknowledged since `from` − lookback. */
async function statusEntries(db: Db, orgId: string, userIds: readonly string[] | null, from: number, to: number): Promise<StatusEntry[]> {
  let acks = db
    .selectFrom('log_entries')
    .select(['incident_id', 'agent'])
    .where('org_id', '=', orgId)
    .where('type', '=', 'acknowledge_log_entry')
    .where('created_at', '>=', from - RESPONSE_LOOKBACK)
    .where('created_at', '<', to);
  if (userIds) {
    if (!userIds.length) return [];
    // The agent is stored as JSON ({"id": …}); ids are ULIDs, so a LIKE on the id is exact.
    acks = acks.where((eb) => eb.or(userIds.map((u) => eb('agent', 'like', `%"id":"${u.replace(/[%_"\\]/g, '')}"%`))));
  }
  const ackRows = await acks.execute();
  const incidentIds = [...new Set(ackRows.map((r) => r.incident_id).filter((x): x is string => !!x))];
  if (!incidentIds.length) return [];
  const out: StatusEntry[] = [];
  for (let i = 0; i < incidentIds.length; i += 500) {
    const rows = await db
      .selectFrom('log_entries')
      .select(['incident_id', 'type', 'created_at', 'agent'])
      .where('org_id', '=', orgId)
      .where('incident_id', 'in', incidentIds.slice(i, i + 500))
      .where('type', 'in', ['acknowledge_log_entry', 'unacknowledge_log_entry', 'resolve_log_entry'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const r of rows) out.push({ incidentId: r.incident_id!, type: r.type as StatusEntry['type'], at: Number(r.created_at), userId: agentId(r.agent) });
  }
  return out;
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
  const rows = await db.selectFrom('alerts').select('incident_id').distinct().where('org_id', '=', orgId).where('incident_id', 'in', [...incidentIds]).where('severity', '=', 'critical').execute();
  const marked = await db.selectFrom('intense_incidents').select('incident_id').where('org_id', '=', orgId).where('incident_id', 'in', [...incidentIds]).execute();
  return new Set([...rows.map((r) => r.incident_id), ...marked.map((r) => r.incident_id)]);
}
