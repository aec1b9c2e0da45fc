/**
 * Responder load: per person pages, night and weekend pages, hours on call, incidents handled
 * and the time since their last night page, and the spread across each rotation. Owners
 * and admins (the coordinators) see everyone; anybody else sees only themselves: asking for
 * another person is refused (403), and the rotation spreads, which compare people, are left out.
 */
import type { Kysely } from 'kysely';
import { IANAZone } from 'luxon';
import { forbidden, invalid } from '../errors.js';
import { can } from '../org/roles.js';
import { listSchedules, shiftsOverlapping } from '../schedule/schedule.service.js';
import type { Database, Role } from '../storage/schema.js';
import * as store from './analytics.store.js';
import { dateRange, requestTimeZone } from './request-range.js';
import { responderLoad, rotationSpreads, type PersonLoad, type RotationSpread, type Shift } from './load.js';

type Db = Kysely<Database>;

const FILTERS = ['date_range_start', 'date_range_end', 'responder_ids'];
const MAX_SCHEDULES = 500;

export interface Viewer {
  orgId: string;
  userId: string;
  role: Role;
}

export interface ResponderLoadAnswer {
  since: number;
  until: number;
  timeZone: string;
  filters: Record<string, unknown>;
  people: (PersonLoad & { name: string; zone: string })[];
  /** Absent for a viewer who sees only themselves. */
  rotations?: (RotationSpread & { scheduleName: string })[];
}

export interface ResponderRequest {
  since: number;
  until: number;
  timeZone: string;
  orgZone: string;
  filters: Record<string, unknown>;
  /** The people asked for (only the viewer, for anyone but a coordinator); absent: everyone. */
  ids: string[] | undefined;
  coordinator: boolean;
}

/** Check a responder request's body (PagerDuty's date_range filters): fields named when refused, other people's rows refused to non-coordinators. */
export async function checkResponderRequest(db: Db, viewer: Viewer, body: Record<string, unknown>): Promise<ResponderRequest> {
  const errors: string[] = [];
  for (const k of Object.keys(body)) if (!['filters', 'time_zone'].includes(k)) errors.push(`${k}: not a field of this request (Vigil takes filters, time_zone)`);
  const filters = (body.filters ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(filters)) if (!FILTERS.includes(k)) errors.push(`filters.${k}: Vigil does not filter on it (supported: ${FILTERS.join(', ')})`);
  const { since, until } = dateRange(filters, 'date_range_start', 'date_range_end', errors);
  const orgZone = (await store.orgTimeZone(db, viewer.orgId)) ?? 'UTC';
  const timeZone = requestTimeZone(body.time_zone, orgZone, errors);
  let ids: string[] | undefined;
  if (filters.responder_ids !== undefined && filters.responder_ids !== null) {
    if (!Array.isArray(filters.responder_ids) || filters.responder_ids.some((x) => typeof x !== 'string')) errors.push('filters.responder_ids must be an array of user ids');
    else if (filters.responder_ids.length > 100) errors.push('filters.responder_ids: at most 100 ids');
    else ids = [...new Set(filters.responder_ids as string[])];
  }
  if (errors.length) throw invalid(...errors);

  const coordinator = can(viewer.role, 'manage');
  if (!coordinator) {
    const others = (ids ?? []).filter((id) => id !== viewer.userId);
    if (others.length) throw forbidden(`filters.responder_ids: a ${viewer.role} sees only their own load; ${others.slice(0, 3).join(', ')} is someone else`);
    ids = [viewer.userId];
  }
  if (ids?.length) {
    const known = new Set((await store.membersOf(db, viewer.orgId, ids)).map((m) => m.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw invalid(`filters.responder_ids: unknown user ${unknown.slice(0, 5).join(', ')}`);
  }
  return { since: since!, until: until!, timeZone, orgZone, filters, ids, coordinator };
}

export async function responderLoadReport(db: Db, now: number, viewer: Viewer, body: Record<string, unknown>): Promise<ResponderLoadAnswer> {
  const { since, until, timeZone, orgZone, filters, ids, coordinator } = await checkResponderRequest(db, viewer, body);

  const members = (await store.membersOf(db, viewer.orgId, ids)).filter((m) => ids || m.deleted_at === null);
  const memberIds = members.map((m) => m.id);
  const schedules = (await listSchedules(db, viewer.orgId, { limit: MAX_SCHEDULES, offset: 0 })).rows;
  const [pages, handled, shifts] = await Promise.all([
    store.pagesSentIn(db, viewer.orgId, since, until, memberIds),
    store.handledIn(db, viewer.orgId, since, until),
    shiftsOverlapping(db, viewer.orgId, schedules, since, until),
  ]);
  const agentId = (a: string | null): string | null => {
    if (!a) return null;
    try {
      const v = JSON.parse(a) as { id?: unknown; type?: unknown };
      return typeof v.id === 'string' && v.type === 'user_reference' ? v.id : null;
    } catch {
      return null;
    }
  };
  const people = members.map((m) => ({ id: m.id, name: m.name, zone: m.time_zone && IANAZone.isValidZone(m.time_zone) ? m.time_zone : orgZone }));
  const loads = responderLoad({
    people,
    pages: pages.flatMap((p) => (p.user_id && p.sent_at !== null ? [{ userId: p.user_id, at: Number(p.sent_at) }] : [])),
    handled: handled.flatMap((h) => {
      const u = agentId(h.agent);
      return u && h.incident_id ? [{ userId: u, incidentId: h.incident_id }] : [];
    }),
    shifts: shifts as ReadonlyMap<string, readonly Shift[]>,
    since: since,
    until: until,
    now,
  });
  const byId = new Map(people.map((p) => [p.id, p]));
  const answer: ResponderLoadAnswer = { since: since, until: until, timeZone, filters, people: loads.map((l) => ({ ...l, name: byId.get(l.userId)!.name, zone: byId.get(l.userId)!.zone })) };
  if (coordinator) {
    const names = new Map(schedules.map((s) => [s.id, s.name]));
    answer.rotations = rotationSpreads(loads, shifts as ReadonlyMap<string, readonly Shift[]>, since, until).map((r) => ({ ...r, scheduleName: names.get(r.scheduleId) ?? r.scheduleId }));
  }
  return answer;
}
