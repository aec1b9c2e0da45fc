/**
 * A volunteer's availability as coordinators and the volunteer see it: the recurring
 * windows in their own zone, one-off unavailability, when they may be paged over a
 * range, and whether a proposed shift would break their caps. The rules are pure, in
 * availability.ts and caps.ts.
 */
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Database, VolunteerTable, VolunteerUnavailabilityTable } from '../storage/schema.js';
import { audit } from './access.service.js';
import { availableWindows, isAvailable, isValidZone, type Interval } from './availability.js';
import { capsOf, shiftWarnings, type ShiftWarning } from './caps.js';
import { orgZone } from './ledger.service.js';
import { availabilityOf } from './pool.service.js';
import * as store from './volunteer.store.js';
import { responseSpans, scheduledShifts } from './work.js';

type Db = Kysely<Database>;
const DAY = 86_400_000;

export interface AvailabilityReport {
  volunteer: VolunteerTable;
  /** One-off unavailability not over yet. */
  unavailable: VolunteerUnavailabilityTable[];
  /** When they may be paged within the range. */
  available: Interval[];
  availableNow: boolean;
  /** The zone the range is shown in. */
  zone: string;
}

/** When the volunteer may be paged over [since, until) (default: the next 7 days; at most 92), shown in `timeZone` (default: the organization's zone). */
export async function availabilityIn(db: Db, now: number, orgId: string, volunteer: VolunteerTable, q: { since: number | undefined; until: number | undefined; timeZone: string | undefined }): Promise<AvailabilityReport> {
  const since = q.since ?? now;
  const until = q.until ?? since + 7 * DAY;
  if (until <= since) throw invalid('until must be after since');
  if (until - since > 92 * DAY) throw invalid('until: the range must not exceed 92 days');
  const zone = q.timeZone ?? (await orgZone(db, orgId));
  if (!isValidZone(zone)) throw invalid(`time_zone: ${zone} is not an IANA time zone`);
  const unavailable = await store.listUnavailability(db, orgId, [volunteer.user_id], Math.min(since, now) - 2 * DAY, Math.max(until, now) + 400 * DAY);
  const a = availabilityOf(volunteer, unavailable);
  return {
    volunteer,
    unavailable: unavailable.filter((u) => Number(u.end) > now),
    available: availableWindows(a, { from: since, to: until }),
    availableNow: volunteer.status === 'active' && isAvailable(a, now),
    zone,
  };
}

/** One-off unavailability (a holiday, an exam week), at most 400 days at a time. */
export async function addUnavailability(db: Db, clock: Clock, orgId: string, actorId: string, userId: string, u: { start: number | undefined; end: number | undefined; reason: string | null }): Promise<VolunteerUnavailabilityTable> {
  const { start, end } = u;
  if (start === undefined || end === undefined) throw invalid('unavailability.start and unavailability.end are required');
  if (end <= start) throw invalid('unavailability.end must be after unavailability.start');
  if (end - start > 400 * DAY) throw invalid('unavailability: at most 400 days at a time');
  const now = clock.now();
  const row = { org_id: orgId, id: newId(now), user_id: userId, start, end, reason: u.reason, created_at: now };
  await store.insertUnavailability(db, row);
  await audit(db, orgId, actorId, 'volunteer.unavailability.create', `volunteers/${userId}/unavailability/${row.id}`, now);
  return row;
}

export async function removeUnavailability(db: Db, clock: Clock, orgId: string, actorId: string, userId: string, id: string): Promise<void> {
  if (!(await store.deleteUnavailability(db, orgId, userId, id))) throw notFound(`unavailability ${id}`);
  await audit(db, orgId, actorId, 'volunteer.unavailability.delete', `volunteers/${userId}/unavailability/${id}`, clock.now());
}

/** Before scheduling a volunteer: would [start, end) go past their weekly cap or rest gap, with what they already work (shifts and responses)? */
export async function shiftCheck(db: Db, clock: Clock, orgId: string, volunteer: VolunteerTable, start: number, end: number): Promise<ShiftWarning[]> {
  if (!(end > start)) throw invalid('shift.end must be after shift.start');
  if (end - start > 7 * DAY) throw invalid('shift: at most 7 days');
  const from = start - 8 * DAY;
  const to = end + 8 * DAY;
  const [shifts, responses] = await Promise.all([scheduledShifts(db, orgId, [volunteer.user_id], from, to), responseSpans(db, orgId, [volunteer.user_id], from, to)]);
  const existing = [...shifts, ...responses.map((r) => ({ start: r.start, end: r.end ?? clock.now() }))];
  return shiftWarnings({ start, end }, existing, volunteer.time_zone, capsOf(volunteer));
}
