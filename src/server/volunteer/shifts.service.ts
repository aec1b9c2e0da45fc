/**
 * Open shifts, claims, coverage gaps and cap warnings: the use cases (the rules are
 * pure, in open-shifts.ts). A claim writes a schedule override, in the same
 * transaction as its own row, under the organization lock, so two people never claim
 * one stretch. Offers and swaps are trades.service.ts; they take on shifts under the
 * same rules (takeCheck).
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound, forbidden } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { getUser, getUsers } from '../org/org.store.js';
import { listContactMethods } from '../notify/contact.store.js';
import { renderFinal } from '../schedule/on-call.js';
import { pureSchedule, requireSchedule, shiftsOverlapping } from '../schedule/schedule.service.js';
import * as scheduleStore from '../schedule/schedule.store.js';
import type { ScheduleRow } from '../schedule/schedule.store.js';
import { lockOrganization } from '../storage/dialect.js';
import type { Database, UserTable } from '../storage/schema.js';
import { audit } from './access.service.js';
import { availableWindows, isValidZone, subtract, zoned, type Interval } from './availability.js';
import { capsOf, coveredMs, HOUR_MS, weekOf } from './caps.js';
import { orgZone } from './ledger.service.js';
import { claimProblem, coverageGapsOf, openSlots, parseSlotId, slotId, takeRefusal, unclaimed, type Gap, type Slot, type TakeRefusal } from './open-shifts.js';
import { availabilityOf } from './pool.service.js';
import * as shiftStore from './shift.store.js';
import { liveClaims, type LiveClaim } from './shift.store.js';
import * as store from './volunteer.store.js';
import { responseSpans, scheduledShifts } from './work.js';

type Db = Kysely<Database>;
const DAY = 86_400_000;
/** Slots are rendered this much wider than asked, so a slot (a turn of up to a month) keeps its own start and end at the edges. */
const MARGIN = 32 * DAY;
export const MAX_GAP_RANGE = 92 * DAY;

export type { LiveClaim };

export interface OpenShiftView {
  slot: Slot;
  claims: LiveClaim[];
  open: Interval[];
}

/** The open shifts of a schedule overlapping [since, until), each with its live claims and what is still open. */
export async function openShifts(db: Db, orgId: string, row: ScheduleRow, since: number, until: number): Promise<OpenShiftView[]> {
  if (!row.layers.some((l) => l.open)) return [];
  const window = { since: since - MARGIN, until: until + MARGIN };
  const schedule = await pureSchedule(db, orgId, row, window);
  const slots = openSlots(schedule, window).filter((s) => s.start < until && s.end > since);
  const claims = await liveClaims(db, orgId, row.id, window.since, window.until);
  return slots.map((slot) => {
    const mine = claims.filter((c) => c.layer_id === slot.layerId && c.start < slot.end && c.end > slot.start);
    return { slot, claims: mine, open: unclaimed(slot, mine) };
  });
}

async function findSlot(db: Db, orgId: string, row: ScheduleRow, id: string): Promise<Slot> {
  const parsed = parseSlotId(id);
  const layer = parsed && row.layers.find((l) => l.id === parsed.layerId);
  if (!parsed || !layer) throw notFound(`open shift ${id}`);
  if (!layer.open) throw notFound(`open shift ${id} (layer ${layer.name} has no open shifts)`);
  const window = { since: parsed.start - MARGIN, until: parsed.start + MARGIN };
  const schedule = await pureSchedule(db, orgId, row, window);
  const slot = openSlots(schedule, window).find((s) => s.layerId === parsed.layerId && s.start === parsed.start);
  if (!slot) throw notFound(`open shift ${id}`);
  return slot;
}

/** 422 volunteer_rule: `who` may not take the stretch, naming the rule. */
export const refused = (field: string, who: string, r: TakeRefusal) => new VigilError('volunteer_rule', [`${field}: ${r.reason}: ${who} ${r.message}`]);
export const conflict = (msg: string) => new VigilError('conflict', [msg]);

/**
 * May `userId` take on `proposed`? Reads their profile, availability and worked time
 * (every schedule, responses) around it; `givingAway` is a stretch they hand over in
 * the same move (a swap), not counted as worked.
 */
export async function takeCheck(db: Db, orgId: string, userId: string, proposed: Interval, now: number, givingAway: Interval[] = []): Promise<{ user: UserTable | undefined; refusal: TakeRefusal | null }> {
  const user = await getUser(db, orgId, userId);
  const member = !!user && user.deleted_at === null;
  const profile = member ? await store.getVolunteer(db, orgId, userId) : undefined;
  if (!member || !profile || user!.role !== 'volunteer') return { user, refusal: takeRefusal({ proposed, member, volunteer: null }) };
  const settings = await store.getSettings(db, orgId);
  const from = proposed.start - 8 * DAY;
  const to = proposed.end + 8 * DAY;
  const [unavailable, shifts, responses, methods] = await Promise.all([store.listUnavailability(db, orgId, [userId], from, to), scheduledShifts(db, orgId, [userId], from, to), responseSpans(db, orgId, [userId], from, to), listContactMethods(db, orgId, [userId])]);
  const worked = subtract([...shifts, ...responses.map((r) => ({ start: r.start, end: r.end ?? now }))], givingAway);
  const terms = settings?.terms_version ?? null;
  return {
    user,
    refusal: takeRefusal({
      proposed,
      member,
      volunteer: {
        status: profile.status,
        consentCurrent: profile.consented_at !== null && (terms === null || profile.consent_version === terms),
        reachable: methods.some((m) => m.verified_at !== null && m.deleted_at === null),
        available: availableWindows(availabilityOf(profile, unavailable), { from: proposed.start, to: proposed.end }),
        worked,
        timeZone: profile.time_zone,
        caps: capsOf(profile),
      },
    }),
  };
}

export interface ClaimRequest {
  actorId: string;
  actorCanManage: boolean;
  /** Claim for someone else (coordinators only). */
  userId?: string;
  start?: number;
  end?: number;
}

export async function claimOpenShift(db: Db, clock: Clock, orgId: string, scheduleId: string, id: string, r: ClaimRequest): Promise<LiveClaim> {
  const row = await requireSchedule(db, orgId, scheduleId);
  const userId = r.userId ?? r.actorId;
  if (userId !== r.actorId && !r.actorCanManage) throw forbidden('claim.user: only admins (coordinators) can claim an open shift for someone else');
  const slot = await findSlot(db, orgId, row, id);
  const now = clock.now();
  // A slot under way is claimed from now on: hours before the claim were not given.
  if (r.start !== undefined && r.start < now && r.start < slot.end) throw invalid('claim.start must not be in the past (leave it out to claim the rest of a slot under way)');
  const wanted = { start: r.start ?? Math.max(slot.start, Math.min(now, slot.end)), end: r.end ?? slot.end };
  return db.transaction().execute(async (trx) => {
    await lockOrganization(trx, orgId);
    const claims = (await liveClaims(trx, orgId, row.id, slot.start, slot.end)).filter((c) => c.layer_id === slot.layerId);
    const problem = claimProblem(slot, claims, wanted, now);
    if (problem) throw problem.status === 400 ? invalid(problem.message) : conflict(problem.message);
    const { user, refusal } = await takeCheck(trx, orgId, userId, wanted, now);
    if (refusal) throw refused('claim.user.id', user?.name ?? userId, refusal);
    const overrideId = newId(now);
    await scheduleStore.insertOverrides(trx, [{ org_id: orgId, id: overrideId, schedule_id: row.id, user_id: userId, start: wanted.start, end: wanted.end, created_at: now }]);
    const claim: LiveClaim = { org_id: orgId, id: newId(now), schedule_id: row.id, layer_id: slot.layerId, slot_start: slot.start, slot_end: slot.end, user_id: userId, start: wanted.start, end: wanted.end, override_id: overrideId, status: 'active', created_by: r.actorId, created_at: now, released_at: null };
    await shiftStore.insertClaim(trx, claim);
    await audit(trx, orgId, r.actorId, 'open_shift.claim', `schedules/${row.id}/open_shifts/${slotId(slot)}/claims/${claim.id}${userId !== r.actorId ? ` for ${userId}` : ''}`, now);
    return claim;
  });
}

/** Give a claimed shift back (the claimer, or a coordinator): the override goes, the slot is open again. */
export async function releaseClaim(db: Db, clock: Clock, orgId: string, id: string, actorId: string, canManage: boolean): Promise<void> {
  const claim = await shiftStore.getClaim(db, orgId, id);
  if (!claim || claim.status !== 'active') throw notFound(`open shift claim ${id}`);
  if (claim.user_id !== actorId && !canManage) throw forbidden('only the volunteer who claimed it or an admin can release a claim');
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    await shiftStore.releaseClaim(trx, orgId, id, now);
    await scheduleStore.deleteOverride(trx, orgId, claim.override_id);
    await audit(trx, orgId, actorId, 'open_shift.release', `schedules/${claim.schedule_id}/claims/${id}`, now);
  });
}

/** The zone answers are shown in: the one asked for (an IANA zone), else the organization's. */
export async function zoneFor(db: Db, orgId: string, asked: string | undefined): Promise<string> {
  if (asked === undefined || asked === '') return orgZone(db, orgId);
  if (!isValidZone(asked)) throw invalid(`time_zone must be a known IANA time zone such as "America/Los_Angeles", got ${JSON.stringify(asked).slice(0, 64)}`);
  return asked;
}

/** Names of these users, by id. */
export async function userNames(db: Db, orgId: string, ids: (string | null | undefined)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  return new Map((await getUsers(db, orgId, wanted)).map((u) => [u.id, u.name]));
}

function checkRange(since: number, until: number): void {
  if (until <= since) throw invalid('until must be after since');
  if (until - since > MAX_GAP_RANGE) throw invalid('until: the range must not exceed 92 days');
}

/** The open shifts of a schedule over [since, until) (at most 92 days), with the names of their claimers. */
export async function openShiftsIn(db: Db, orgId: string, row: ScheduleRow, since: number, until: number): Promise<{ views: OpenShiftView[]; names: Map<string, string> }> {
  checkRange(since, until);
  const views = await openShifts(db, orgId, row, since, until);
  return { views, names: await userNames(db, orgId, views.flatMap((v) => v.claims.map((c) => c.user_id))) };
}

/** What a claim is shown with: its schedule, the organization's zone, the claimer's name. */
export async function claimContext(db: Db, orgId: string, scheduleId: string, claim: LiveClaim): Promise<{ schedule: ScheduleRow; zone: string; names: Map<string, string> }> {
  const schedule = await requireSchedule(db, orgId, scheduleId);
  const zone = await orgZone(db, orgId);
  return { schedule, zone, names: await userNames(db, orgId, [claim.user_id]) };
}

/** The zone someone's shifts are shown in: the one asked for, else their profile's, else the organization's. Unknown users are 404. */
export async function shiftZoneOf(db: Db, orgId: string, userId: string, asked: string | undefined): Promise<string> {
  const user = (await getUsers(db, orgId, [userId])).find((u) => u.deleted_at === null);
  if (!user) throw notFound(`user ${userId}`);
  const profileZone = await store.profileZone(db, orgId, userId);
  return asked ? zoneFor(db, orgId, asked) : (profileZone ?? (await orgZone(db, orgId)));
}

/** Someone's on-call shifts over [since, until) (at most 92 days) across every schedule, by start. */
export async function shiftsOfUser(db: Db, orgId: string, userId: string, since: number, until: number): Promise<{ schedule: ScheduleRow; start: number; end: number }[]> {
  checkRange(since, until);
  const rows = await scheduleStore.allSchedules(db, orgId);
  const byId = await shiftsOverlapping(db, orgId, rows, since, until);
  return rows.flatMap((row) => (byId.get(row.id) ?? []).filter((e) => e.userId === userId).map((e) => ({ schedule: row, start: e.start, end: e.end }))).sort((a, b) => a.start - b.start);
}

// ------------------------------------------------------------------ coverage gaps

export interface ScheduleGap extends Gap {
  schedule: ScheduleRow;
}

/** Gaps of every live schedule (or those named) over [since, until). */
export async function coverageGaps(db: Db, orgId: string, since: number, until: number, scheduleIds?: string[]): Promise<ScheduleGap[]> {
  if (!(until > since)) throw invalid('until must be after since');
  if (until - since > MAX_GAP_RANGE) throw invalid('until: the range must not exceed 92 days');
  const rows = scheduleIds ? await scheduleStore.getSchedules(db, orgId, scheduleIds) : await scheduleStore.allSchedules(db, orgId);
  const out: ScheduleGap[] = [];
  for (const row of rows) {
    const range = { since, until };
    const final = renderFinal(await pureSchedule(db, orgId, row, range), range);
    const views = await openShifts(db, orgId, row, since, until);
    const claims = views.flatMap((v) => v.claims.map((c) => ({ start: c.start, end: c.end, layerId: c.layer_id })));
    for (const g of coverageGapsOf(final, views.map((v) => v.slot), claims, range)) out.push({ ...g, schedule: row });
  }
  return out.sort((a, b) => a.start - b.start || a.schedule.name.localeCompare(b.schedule.name));
}

// ------------------------------------------------------------------ cap warnings

export interface CapWarning {
  userId: string;
  name: string;
  cap: 'weekly_cap' | 'rest';
  /** The week (its Monday, in the volunteer's zone) or the start of the shift after too short a rest. */
  at: number;
  /** Hours: worked that week, or rested. */
  figure: number;
  /** Hours: the cap, or the minimum rest. */
  limit: number;
  message: string;
}

/**
 * What a coordinator is told after a schedule or override write: for each volunteer
 * among `userIds`, every week within [from, to) in which their scheduled on-call
 * (every schedule, as now written) goes past their weekly cap, and every rest between
 * two shifts shorter than their minimum.
 */
export async function capWarnings(db: Db, orgId: string, userIds: readonly string[], from: number, to: number): Promise<CapWarning[]> {
  const ids = [...new Set(userIds)];
  if (!ids.length) return [];
  const users = (await getUsers(db, orgId, ids)).filter((u) => u.role === 'volunteer' && u.deleted_at === null);
  if (!users.length) return [];
  const profiles = await store.getVolunteers(db, orgId, users.map((u) => u.id));
  const shifts = await scheduledShifts(db, orgId, profiles.map((p) => p.user_id), from - 8 * DAY, to + 8 * DAY);
  const out: CapWarning[] = [];
  for (const p of profiles) {
    const name = users.find((u) => u.id === p.user_id)!.name;
    const caps = capsOf(p);
    const mine = shifts.filter((s) => s.userId === p.user_id);
    for (let week = weekOf(from, p.time_zone); week.start < to; week = weekOf(week.end, p.time_zone)) {
      const worked = coveredMs(mine, week.start, week.end);
      if (worked > caps.weeklyHourCap * HOUR_MS) {
        const figure = Math.round((worked / HOUR_MS) * 10) / 10;
        const label = zoned(week.start, p.time_zone).toPlainDate().toString();
        out.push({ userId: p.user_id, name, cap: 'weekly_cap', at: week.start, figure, limit: caps.weeklyHourCap, message: `${name} would be on call ${figure} h in the week of ${label} (cap ${caps.weeklyHourCap} h)` });
      }
    }
    const merged = mergeTouching(mine);
    for (let i = 1; i < merged.length; i++) {
      const rest = merged[i]!.start - merged[i - 1]!.end;
      if (merged[i]!.start >= from && merged[i]!.start < to && rest < caps.minRestHours * HOUR_MS) {
        const figure = Math.round((rest / HOUR_MS) * 10) / 10;
        out.push({ userId: p.user_id, name, cap: 'rest', at: merged[i]!.start, figure, limit: caps.minRestHours, message: `${name} would rest only ${figure} h before the shift at ${new Date(merged[i]!.start).toISOString()} (minimum ${caps.minRestHours} h)` });
      }
    }
  }
  return out;
}

function mergeTouching(xs: readonly Interval[]): Interval[] {
  const sorted = [...xs].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const x of sorted) {
    const last = out.at(-1);
    if (last && x.start <= last.end) last.end = Math.max(last.end, x.end);
    else out.push({ start: x.start, end: x.end });
  }
  return out;
}

/** Cap warnings on the wire (contract/open-shifts.ts CapWarning). */
export function capWarningView(w: CapWarning) {
  return {
    type: 'volunteer_cap_warning' as const,
    volunteer: { id: w.userId, type: 'user_reference', summary: w.name },
    cap: w.cap,
    at: new Date(w.at).toISOString(),
    figure_hours: w.figure,
    limit_hours: w.limit,
    message: w.message,
  };
}

export const WARNING_HORIZON = 28 * DAY;

/** After a schedule is created or updated: warnings for the volunteers in it over the next four weeks. */
export async function scheduleCapWarnings(db: Db, orgId: string, row: ScheduleRow, now: number): Promise<ReturnType<typeof capWarningView>[]> {
  const overrides = await scheduleStore.listOverrides(db, orgId, row.id, { since: now, until: now + WARNING_HORIZON });
  const ids = [...row.layers.flatMap((l) => l.users), ...overrides.map((o) => o.user_id)];
  return (await capWarnings(db, orgId, ids, now, now + WARNING_HORIZON)).map(capWarningView);
}

/** After overrides are created: warnings for their volunteers over the weeks they touch (at most four weeks from the first). */
export async function overrideCapWarnings(db: Db, orgId: string, created: readonly { user_id: string; start: number; end: number }[]): Promise<ReturnType<typeof capWarningView>[]> {
  if (!created.length) return [];
  const from = Math.min(...created.map((o) => o.start));
  const to = Math.min(Math.max(...created.map((o) => o.end)), from + WARNING_HORIZON);
  return (await capWarnings(db, orgId, created.map((o) => o.user_id), from, to)).map(capWarningView);
}

/**
 * "Pause me" also gives back the open shifts the volunteer claimed that are not over:
 * one not begun is released (the slot is open again, a coverage gap), one under way ends
 * now. Their overrides go (or end now) in the same transaction, so a paused volunteer is
 * not paged through a schedule either. Returns how many claims were given back.
 */
export async function giveBackClaims(db: Db, orgId: string, userId: string, now: number): Promise<number> {
  const claims = await shiftStore.activeClaimsOfUser(db, orgId, userId, now);
  for (const c of claims) {
    if (c.start >= now) {
      await shiftStore.releaseClaim(db, orgId, c.id, now);
      await scheduleStore.deleteOverride(db, orgId, c.override_id);
    } else {
      await shiftStore.endClaim(db, orgId, c.id, now);
      await scheduleStore.endOverride(db, orgId, c.override_id, now);
    }
    await audit(db, orgId, userId, 'open_shift.release (paused)', `schedules/${c.schedule_id}/claims/${c.id}`, now);
  }
  return claims.length;
}
