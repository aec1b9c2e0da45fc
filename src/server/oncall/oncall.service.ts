/**
 * Who is on call, across escalation policies and schedules (PagerDuty's /oncalls), and
 * who is about to be on call but could not be paged (on-call readiness). Reads both
 * domains; decides nothing that escalation or notify decide differently: readiness asks
 * notify's planUserNotifications, so this list and the engine agree.
 */
import type { Kysely } from 'kysely';
import { allPolicies } from '../escalation/policy.service.js';
import { getPolicies, type PolicyRow } from '../escalation/policy.store.js';
import { listContactMethods, listNotificationRules } from '../notify/contact.store.js';
import { planUserNotifications } from '../notify/plan.js';
import { methodStandings, testPageSettings, type MethodTestStanding } from '../notify/test-page.service.js';
import { getUsers } from '../org/org.store.js';
import { shiftsOverlapping } from '../schedule/schedule.service.js';
import { allSchedules, getSchedules, type ScheduleRow } from '../schedule/schedule.store.js';
import type { ContactMethodTable, Database, UserTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const DAY_MS = 86_400_000;

export interface OnCall {
  userId: string;
  scheduleId: string | null;
  policyId: string | null;
  /** 1-based; null for a schedule that no policy uses. */
  level: number | null;
  /** null for a direct user target (permanently on call). */
  start: number | null;
  end: number | null;
}

export interface OnCallQuery {
  since: number;
  until: number;
  scheduleIds?: string[];
  policyIds?: string[];
  userIds?: string[];
  earliest?: boolean;
}

export const MAX_ONCALL_RANGE_MS = 90 * DAY_MS;

/**
 * PagerDuty's on-calls: for each escalation policy, level and target, who is on
 * call in [since, until] (an instant when equal). A user target is on call
 * permanently (start and end null); a schedule target yields its final shifts.
 * Asking by schedule_ids[] also answers schedules no policy uses, with
 * escalation_policy and escalation_level null.
 */
export async function listOnCalls(db: Db, orgId: string, q: OnCallQuery): Promise<{ oncalls: OnCall[]; users: UserTable[]; policies: PolicyRow[]; schedules: ScheduleRow[] }> {
  const policies = q.policyIds ? (await getPolicies(db, orgId, q.policyIds)).filter((p) => p.deleted_at === null) : await allPolicies(db, orgId);
  const scheduleFilter = q.scheduleIds ? new Set(q.scheduleIds) : null;
  const wanted = new Set<string>();
  for (const p of policies) for (const r of p.rules) for (const t of r.targets) if (t.type === 'schedule_reference' && (!scheduleFilter || scheduleFilter.has(t.id))) wanted.add(t.id);
  const unused = q.scheduleIds && !q.policyIds ? q.scheduleIds.filter((id) => !wanted.has(id)) : [];
  const schedules = await getSchedules(db, orgId, [...wanted, ...unused]);
  const shifts = await shiftsOverlapping(db, orgId, schedules, q.since, q.until);

  let out: OnCall[] = [];
  for (const p of policies) {
    p.rules.forEach((r, i) => {
      for (const t of r.targets) {
        if (t.type === 'user_reference' && !scheduleFilter) out.push({ userId: t.id, scheduleId: null, policyId: p.id, level: i + 1, start: null, end: null });
        if (t.type === 'schedule_reference' && (!scheduleFilter || scheduleFilter.has(t.id))) {
          for (const e of shifts.get(t.id) ?? []) out.push({ userId: e.userId!, scheduleId: t.id, policyId: p.id, level: i + 1, start: e.start, end: e.end });
        }
      }
    });
  }
  for (const id of unused) for (const e of shifts.get(id) ?? []) out.push({ userId: e.userId!, scheduleId: id, policyId: null, level: null, start: e.start, end: e.end });

  const users = (await getUsers(db, orgId, [...new Set(out.map((o) => o.userId))])).filter((u) => u.deleted_at === null);
  const live = new Set(users.map((u) => u.id));
  const userFilter = q.userIds ? new Set(q.userIds) : null;
  const seen = new Set<string>();
  out = out.filter((o) => {
    if (!live.has(o.userId) || (userFilter && !userFilter.has(o.userId))) return false;
    const key = `${o.userId}|${o.scheduleId}|${o.policyId}|${o.level}|${o.start}|${o.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const policyName = new Map(policies.map((p) => [p.id, p.name]));
  const userName = new Map(users.map((u) => [u.id, u.name]));
  out.sort(
    (a, b) =>
      (policyName.get(a.policyId ?? '') ?? '\uffff').localeCompare(policyName.get(b.policyId ?? '') ?? '\uffff') ||
      (a.policyId ?? '').localeCompare(b.policyId ?? '') ||
      (a.level ?? 0) - (b.level ?? 0) ||
      (a.start ?? -Infinity) - (b.start ?? -Infinity) ||
      (userName.get(a.userId) ?? '').localeCompare(userName.get(b.userId) ?? '') ||
      a.userId.localeCompare(b.userId),
  );
  if (q.earliest) {
    const first = new Set<string>();
    out = out.filter((o) => {
      const key = `${o.policyId}|${o.level}|${o.userId}|${o.policyId === null ? o.scheduleId : ''}`;
      if (first.has(key)) return false;
      first.add(key);
      return true;
    });
  }
  return { oncalls: out, users, policies, schedules };
}

export type ReadinessReason = 'no_contact_method' | 'no_verified_contact_method' | 'no_notification_rule';

export interface ReadinessVia {
  scheduleId: string | null;
  policyId: string | null;
  level: number | null;
}

export interface ReadinessItem {
  user: UserTable;
  onCallNow: boolean;
  firstShiftStart: number;
  /** null: a direct policy target, on call permanently. */
  firstShiftEnd: number | null;
  reason: ReadinessReason;
  detail: string;
  via: ReadinessVia[];
  methods: { total: number; verified: number };
}

/** A verified contact method of someone on call in the window whose scheduled test was not confirmed within 31 days, or never. */
export interface UnconfirmedMethod {
  user: UserTable;
  method: ContactMethodTable;
  standing: MethodTestStanding;
}

/**
 * Users on call now or within `days` days, through any schedule (used by a
 * policy or not) or as a direct target of a policy, whom the engine could not
 * page at high urgency: planUserNotifications (notify/plan.ts) decides,
 * so this list and the engine agree. Sorted by first shift start.
 */
export async function oncallReadiness(db: Db, orgId: string, now: number, days: number): Promise<{ since: number; until: number; items: ReadinessItem[]; unconfirmed: UnconfirmedMethod[] }> {
  const until = now + days * 86_400_000;
  const [schedules, policies] = await Promise.all([allSchedules(db, orgId), allPolicies(db, orgId)]);
  const shifts = await shiftsOverlapping(db, orgId, schedules, now, until);

  const usedBy = new Map<string, ReadinessVia[]>();
  for (const p of policies) {
    p.rules.forEach((r, i) => {
      for (const t of r.targets) if (t.type === 'schedule_reference') usedBy.set(t.id, [...(usedBy.get(t.id) ?? []), { scheduleId: t.id, policyId: p.id, level: i + 1 }]);
    });
  }

  const found = new Map<string, { start: number; end: number | null; via: ReadinessVia[] }>();
  const add = (userId: string, start: number, end: number | null, via: ReadinessVia[]) => {
    const f = found.get(userId);
    if (!f) return void found.set(userId, { start, end, via: [...via] });
    if (start < f.start || (start === f.start && end === null)) Object.assign(f, { start, end });
    for (const v of via) if (!f.via.some((x) => x.scheduleId === v.scheduleId && x.policyId === v.policyId && x.level === v.level)) f.via.push(v);
  };
  for (const s of schedules) {
    const via = usedBy.get(s.id) ?? [{ scheduleId: s.id, policyId: null, level: null }];
    for (const e of shifts.get(s.id) ?? []) add(e.userId!, e.start, e.end, via);
  }
  for (const p of policies) {
    p.rules.forEach((r, i) => {
      for (const t of r.targets) if (t.type === 'user_reference') add(t.id, now, null, [{ scheduleId: null, policyId: p.id, level: i + 1 }]);
    });
  }

  const users = (await getUsers(db, orgId, [...found.keys()])).filter((u) => u.deleted_at === null);
  const ids = users.map((u) => u.id);
  const [methods, rules] = await Promise.all([listContactMethods(db, orgId, ids), listNotificationRules(db, orgId, ids)]);
  const items: ReadinessItem[] = [];
  for (const user of users) {
    const mine = methods.filter((m) => m.user_id === user.id);
    const { plan, reason } = planUserNotifications(
      mine,
      rules.filter((r) => r.user_id === user.id),
      'high',
    );
    if (plan.length > 0) continue;
    const verified = mine.filter((m) => m.verified_at !== null).length;
    const f = found.get(user.id)!;
    items.push({
      user,
      onCallNow: f.start <= now,
      firstShiftStart: f.start,
      firstShiftEnd: f.end,
      reason: mine.length === 0 ? 'no_contact_method' : verified === 0 ? 'no_verified_contact_method' : 'no_notification_rule',
      detail: `${user.name} ${reason ?? 'cannot be paged'}`,
      via: f.via,
      methods: { total: mine.length, verified },
    });
  }
  items.sort((a, b) => a.firstShiftStart - b.firstShiftStart || a.user.name.localeCompare(b.user.name));
  return { since: now, until, items, unconfirmed: await unconfirmedMethods(db, orgId, users, methods, now) };
}

/** With scheduled test pages on: each verified method of these people not confirmed within 31 days (or never), by name. */
async function unconfirmedMethods(db: Db, orgId: string, users: UserTable[], methods: ContactMethodTable[], now: number): Promise<UnconfirmedMethod[]> {
  if (!(await testPageSettings(db, orgId)).enabled) return [];
  const verified = methods.filter((m) => m.verified_at !== null && m.deleted_at === null);
  const standings = new Map((await methodStandings(db, orgId, verified, now)).map((s) => [s.contactMethodId, s]));
  const byId = new Map(users.map((u) => [u.id, u]));
  return verified
    .flatMap((method) => {
      const standing = standings.get(method.id)!;
      return standing.problem ? [{ user: byId.get(method.user_id)!, method, standing }] : [];
    })
    .sort((a, b) => a.user.name.localeCompare(b.user.name) || a.method.label.localeCompare(b.method.label));
}

/** oncallReadiness with the schedules and policies its answers go through, for their names. */
export async function readinessReport(db: Db, orgId: string, now: number, days: number): Promise<{ since: number; until: number; items: ReadinessItem[]; unconfirmed: UnconfirmedMethod[]; schedules: ScheduleRow[]; policies: PolicyRow[] }> {
  const { since, until, items, unconfirmed } = await oncallReadiness(db, orgId, now, days);
  const scheduleIds = [...new Set(items.flatMap((i) => i.via.flatMap((v) => (v.scheduleId ? [v.scheduleId] : []))))];
  const policyIds = [...new Set(items.flatMap((i) => i.via.flatMap((v) => (v.policyId ? [v.policyId] : []))))];
  const [schedules, policies] = await Promise.all([getSchedules(db, orgId, scheduleIds), getPolicies(db, orgId, policyIds)]);
  return { since, until, items, unconfirmed, schedules, policies };
}
