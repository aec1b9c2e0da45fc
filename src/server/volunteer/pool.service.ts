/**
 * Volunteer pools as escalation targets. When a level that targets a pool
 * fires, the members who qualify NOW are paged: a member qualifies when they are
 * active (not paused), have consented to the organization's current terms, are vetted
 * as the pool requires, have the pool's required skills, are inside their own
 * availability, are under their caps (pages this shift, weekly hours, rest, cool-down)
 * and have a verified contact method. Strategy `all` pages every one of them;
 * `round_robin` pages the least recently paged one and, if nobody acknowledges within
 * the pool's short timeout, hands over to the next (see handOver).
 *
 * The engine calls in at three points, all inside its transaction: resolving the targets
 * of a firing level (pool.target.ts, through the escalation target registry), recording
 * whom a pool paged (recordPoolPages), and round-robin hand-overs (nextRoundRobin, from
 * engine/round-robin/).
 */
import type { Kysely } from 'kysely';
import type { Database, VolunteerPageTable, VolunteerPoolTable, VolunteerTable, VolunteerUnavailabilityTable } from '../storage/schema.js';
import type { FiredLevel } from '../escalation/targets.js';
import { newId } from '../lib/ids.js';
import { getUsers } from '../org/org.store.js';
import { listContactMethods } from '../notify/contact.store.js';
import { incidentsPagedSince } from '../notify/outbox.store.js';
import { isAvailable, shiftAt, type Availability, type AvailabilityWindow, type Interval } from './availability.js';
import { capsOf, pageRefusal, HOUR_MS } from './caps.js';
import { pickNext, roundRobinOrder, type Candidate } from './round-robin.js';
import * as store from './volunteer.store.js';
import { criticalIncidents, responseSpans, scheduledShifts } from './work.js';
import { say, word, type Wording } from '../lib/i18n/translate.js';

type Db = Kysely<Database>;
const DAY = 86_400_000;

export function availabilityOf(v: Pick<VolunteerTable, 'time_zone' | 'availability'>, unavailable: readonly Pick<VolunteerUnavailabilityTable, 'start' | 'end'>[]): Availability {
  return { timeZone: v.time_zone, windows: JSON.parse(v.availability) as AvailabilityWindow[], unavailable: unavailable.map((u) => ({ start: Number(u.start), end: Number(u.end) })) };
}

export interface MemberStatus extends Candidate {
  name: string;
  qualifies: boolean;
  /** Why not, in words that fit after the name ("is paused"); `why` is the same as a wording, for timelines read in other languages. */
  reason: string | null;
  why: Wording | null;
  shift: Interval | null;
}

/**
 * Every member of the pool with whether they qualify at `now` and why not. Cheap
 * checks first; worked time is read only for those who pass them.
 */
export async function evaluatePool(db: Db, orgId: string, pool: VolunteerPoolTable, now: number): Promise<MemberStatus[]> {
  const members = await store.membersOf(db, orgId, [pool.id]);
  const ids = members.map((m) => m.user_id);
  const [users, profiles, settings, unavailability, last, recent, methods] = await Promise.all([
    getUsers(db, orgId, ids),
    store.getVolunteers(db, orgId, ids),
    store.getSettings(db, orgId),
    store.listUnavailability(db, orgId, ids, now - 2 * DAY, now + 2 * DAY),
    store.lastPages(db, orgId, ids),
    store.pagesSince(db, orgId, ids, now - 2 * DAY),
    listContactMethods(db, orgId, ids),
  ]);
  const user = new Map(users.filter((u) => u.deleted_at === null).map((u) => [u.id, u]));
  const profile = new Map(profiles.map((p) => [p.user_id, p]));
  const required = JSON.parse(pool.required_skills) as string[];
  const termsVersion = settings?.terms_version ?? null;

  const out: MemberStatus[] = [];
  const needWork: MemberStatus[] = [];
  for (const m of members) {
    const u = user.get(m.user_id);
    const v = profile.get(m.user_id);
    const s: MemberStatus = { userId: m.user_id, joinedAt: m.joined_at, lastPagedAt: last.get(m.user_id) ?? null, name: u?.name ?? m.user_id, qualifies: false, reason: null, why: null, shift: null };
    const not = (w: Wording) => void ((s.why = w), (s.reason = word('en', w)));
    out.push(s);
    if (!u) not(say('volunteer.reason.notMember'));
    else if (!v || u.role !== 'volunteer') not(say('volunteer.reason.noProfile'));
    else if (v.status === 'paused') not(say('volunteer.reason.paused'));
    else if (v.consented_at === null || (termsVersion !== null && v.consent_version !== termsVersion)) not(say('volunteer.reason.noConsent', { hasVersion: termsVersion ? 'yes' : 'no', version: termsVersion ?? '' }));
    else if (pool.requires_references && !v.references_checked) not(say('volunteer.reason.noReferences'));
    else if (pool.requires_background_check && !v.background_checked) not(say('volunteer.reason.noBackgroundCheck'));
    else if (required.some((k) => !(JSON.parse(v.skills) as string[]).includes(k))) not(say('volunteer.reason.lacksSkill', { skills: required.filter((k) => !(JSON.parse(v.skills) as string[]).includes(k)).join(', ') }));
    else if (!methods.some((c) => c.user_id === m.user_id && c.verified_at !== null && c.deleted_at === null)) not(say('paging.reason.noVerifiedMethod'));
    else {
      const a = availabilityOf(v, unavailability.filter((x) => x.user_id === m.user_id));
      s.shift = isAvailable(a, now) ? shiftAt(a, now) : null;
      if (!s.shift) not(say('volunteer.reason.outsideAvailability'));
      else needWork.push(s);
    }
  }
  if (needWork.length) {
    const workIds = needWork.map((s) => s.userId);
    const longest = Math.max(8 * DAY, ...workIds.map((id) => (capsOf(profile.get(id)!).cooldownHours * HOUR_MS) + DAY));
    const from = now - longest;
    const [shifts, responses] = await Promise.all([scheduledShifts(db, orgId, workIds, from, now), responseSpans(db, orgId, workIds, from, now)]);
    const critical = await criticalIncidents(db, orgId, [...new Set(responses.map((r) => r.incidentId))]);
    for (const s of needWork) {
      const v = profile.get(s.userId)!;
      const mine = responses.filter((r) => r.userId === s.userId);
      const refusal = pageRefusal(
        {
          at: now,
          timeZone: v.time_zone,
          shift: s.shift!,
          pagesInShift: recent.filter((p) => p.user_id === s.userId && p.paged_at >= s.shift!.start && p.paged_at < s.shift!.end).length,
          worked: [...shifts.filter((x) => x.userId === s.userId), ...mine.map((r) => ({ start: r.start, end: r.end ?? now }))],
          criticalEnds: mine.filter((r) => r.end !== null && critical.has(r.incidentId)).map((r) => r.end!),
        },
        capsOf(v),
      );
      if (refusal) {
        s.reason = refusal.message;
        s.why = refusal.words;
      }
      else s.qualifies = true;
    }
  }
  return out;
}

/**
 * A volunteer reached through a schedule (an open shift they claimed, or a layer they are
 * on): their name and why they must not be paged now (in words that fit after the name),
 * or null (also for anyone who is not a volunteer). Their shift is the schedule's. Pages already made in
 * it are counted from the outbox, whichever path sent them (pool or schedule), one per
 * incident, not counting `incidentId` itself (a policy that loops pages the same incident
 * again). Weekly hours and rest were weighed when the shift was claimed (a refusal) or
 * scheduled (a coordinator warning); what only page time can know is checked here:
 * paused, pages this shift, the cool-down after a critical incident.
 */
export async function scheduledVolunteerRefusal(db: Db, orgId: string, userId: string, shift: Interval, now: number, incidentId: string | null): Promise<{ name: string; reason: Wording } | null> {
  const [u] = await getUsers(db, orgId, [userId]);
  if (!u || u.role !== 'volunteer') return null;
  const v = await store.getVolunteer(db, orgId, userId);
  if (!v) return null;
  if (v.status === 'paused') return { name: u.name, reason: say('volunteer.reason.paused') };
  const pagesInShift = (await incidentsPagedSince(db, orgId, userId, shift.start, now, incidentId)).length;
  const caps = capsOf(v);
  const responses = await responseSpans(db, orgId, [userId], now - caps.cooldownHours * HOUR_MS - DAY, now);
  const critical = await criticalIncidents(db, orgId, [...new Set(responses.map((r) => r.incidentId))]);
  // Worked time is left out on purpose: being on this shift is work, and its hours were weighed when it was claimed or scheduled.
  const refusal = pageRefusal({ at: now, timeZone: v.time_zone, shift, pagesInShift, worked: [], criticalEnds: responses.filter((r) => r.end !== null && critical.has(r.incidentId)).map((r) => r.end!) }, caps);
  return refusal ? { name: u.name, reason: refusal.words } : null;
}

function nobodyReason(pool: VolunteerPoolTable, statuses: MemberStatus[], tried: ReadonlySet<string>): Wording {
  if (statuses.length === 0) return say('timeline.pool.noMembers', { pool: pool.name });
  const why = statuses.map((s) => (tried.has(s.userId) ? say('timeline.pool.alreadyPaged', { name: s.name }) : say('timeline.personReason', { name: s.name, reason: s.why ?? say('timeline.pool.doesNotQualify') })));
  return say('timeline.pool.nobody', { pool: pool.name, why });
}

/**
 * The people a pool target pages now (`all`: every qualifying member, least recently
 * paged first; `round_robin`: the first of them), with a reason when there is nobody.
 * Called through the target registry when a level fires.
 */
export async function resolveVolunteerPool(db: Db, orgId: string, poolId: string, now: number, tried: ReadonlySet<string> = new Set()): Promise<{ users: { userId: string; via: Wording }[]; problems: Wording[] }> {
  const pool = await store.getPool(db, orgId, poolId);
  if (!pool) return { users: [], problems: [say('timeline.pool.gone', { id: poolId })] };
  const statuses = await evaluatePool(db, orgId, pool, now);
  const qualifying = statuses.filter((s) => s.qualifies && !tried.has(s.userId));
  const chosen = pool.strategy === 'round_robin' ? [pickNext(qualifying)].filter((x): x is MemberStatus => x !== null) : roundRobinOrder(qualifying);
  if (!chosen.length) return { users: [], problems: [nobodyReason(pool, statuses, tried)] };
  return { users: chosen.map((s) => ({ userId: s.userId, via: say('timeline.reached.pool', { pool: pool.name }) })), problems: [] };
}

/**
 * After a level fired: remember which volunteers each pool target of the level paged
 * (pages per shift, fairness), and for round-robin pools when to hand over. `next` is
 * where the incident's escalation stands right after this step.
 */
export async function recordPoolPages(db: Db, fired: FiredLevel): Promise<void> {
  const { incident: inc, targets, reached, stepKey, now, next } = fired;
  const poolIds = [...new Set(targets.filter((t) => t.type === 'volunteer_pool_reference').map((t) => t.id))];
  if (!poolIds.length || !reached.length) return;
  const [pools, members] = await Promise.all([store.getPools(db, inc.org_id, poolIds), store.membersOf(db, inc.org_id, poolIds)]);
  const done = new Set<string>();
  for (const pool of poolIds.map((id) => pools.find((p) => p.id === id)).filter((p): p is VolunteerPoolTable => !!p)) {
    const inPool = new Set(members.filter((m) => m.pool_id === pool.id).map((m) => m.user_id));
    for (const userId of reached) {
      if (!inPool.has(userId) || done.has(userId)) continue;
      done.add(userId);
      await insertPage(db, inc, pool, userId, stepKey, now, next);
    }
  }
}

async function insertPage(db: Db, inc: FiredLevel['incident'], pool: VolunteerPoolTable, userId: string, stepKey: string, now: number, next: { level: number; loop: number }): Promise<void> {
  const v = await store.getVolunteer(db, inc.org_id, userId);
  const shift = v ? shiftAt(availabilityOf(v, await store.listUnavailability(db, inc.org_id, [userId], now - 2 * DAY, now + 2 * DAY)), now) : null;
  const row: VolunteerPageTable = {
    org_id: inc.org_id,
    id: newId(now),
    user_id: userId,
    pool_id: pool.id,
    incident_id: inc.id,
    step_key: stepKey,
    paged_at: now,
    shift_start: shift?.start ?? null,
    shift_end: shift?.end ?? null,
    epoch: inc.escalation_epoch,
    next_level: next.level,
    next_loop: next.loop,
    follow_up_at: pool.strategy === 'round_robin' ? now + pool.round_robin_timeout_minutes * 60_000 : null,
    followed_up_at: null,
  };
  await store.insertPage(db, row);
}

/**
 * Round robin: a volunteer paged by a round-robin pool did not acknowledge within the pool's
 * timeout. Whom to page next (the least recently paged qualifying member not yet tried in
 * this step), or why nobody is left; null when the pool no longer exists. The caller has
 * checked that the incident still stands where the step left it.
 */
export async function nextRoundRobin(db: Db, page: VolunteerPageTable, now: number): Promise<{ pool: VolunteerPoolTable; previousName: string; users: { userId: string; via: Wording }[]; problems: Wording[] } | null> {
  const pool = await store.getPool(db, page.org_id, page.pool_id);
  if (!pool) return null;
  const tried = new Set((await store.pagesOfStep(db, page.org_id, page.step_key)).map((p) => p.user_id));
  const [prev] = await getUsers(db, page.org_id, [page.user_id]);
  const { users, problems } = await resolveVolunteerPool(db, page.org_id, pool.id, now, tried);
  return { pool, previousName: prev?.name ?? page.user_id, users, problems };
}

/** After a hand-over reached `userIds`: their pages, for caps, fairness and the next hand-over. */
export async function recordHandOver(db: Db, inc: FiredLevel['incident'], pool: VolunteerPoolTable, page: VolunteerPageTable, userIds: readonly string[], now: number): Promise<void> {
  for (const userId of userIds) await insertPage(db, inc, pool, userId, page.step_key, now, { level: page.next_level, loop: page.next_loop });
}
