/**
 * Targets → people, at the moment a level fires (schedules answer with who is on
 * call now), and people → the notifications their rules ask for. Reads rows;
 * the decisions are in the pure functions `planUserNotifications` and `whoIsOnCall`.
 */
import type { Kysely } from 'kysely';
import type { ContactMethodTable, ContactMethodType, Database, NotificationRuleTable } from '../storage/schema.js';
import type { Layer, Schedule } from '../schedule/schedule.js';
import { whoIsOnCall } from '../schedule/on-call.js';
import type { Target } from './policy.js';
import { listContactMethods, listNotificationRules } from '../notify/contact.store.js';
import { resolveVolunteerPool, scheduledVolunteerRefusal } from '../volunteer/pool.service.js';

type Db = Kysely<Database>;

export interface ResolvedTarget {
  userId: string;
  via: string;
}

export interface TargetProblem {
  target: Target;
  reason: string;
  /** A volunteer held back by their care limits: the level is handed back (skipped), not a gap to page admins about. */
  handedBack?: boolean;
}

export async function loadSchedule(db: Db, orgId: string, id: string, around: number): Promise<{ name: string; schedule: Schedule } | undefined> {
  const row = await db.selectFrom('schedules').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (!row) return undefined;
  const overrides = await db
    .selectFrom('schedule_overrides')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('schedule_id', '=', id)
    .where('end', '>', around - 90 * 86_400_000)
    .where('start', '<', around + 90 * 86_400_000)
    .orderBy('created_at')
    .execute();
  return {
    name: row.name,
    schedule: {
      timeZone: row.time_zone,
      layers: JSON.parse(row.layers) as Layer[],
      overrides: overrides.map((o) => ({ id: o.id, userId: o.user_id, start: Number(o.start), end: Number(o.end) })),
    },
  };
}

/** `incidentId`: the incident being paged for, so a volunteer's pages this shift do not count it twice. */
export async function resolveTargets(db: Db, orgId: string, targets: Target[], now: number, incidentId: string | null = null): Promise<{ users: ResolvedTarget[]; problems: TargetProblem[] }> {
  const users: ResolvedTarget[] = [];
  const problems: TargetProblem[] = [];
  for (const t of targets) {
    if (t.type === 'user_reference') users.push({ userId: t.id, via: 'direct' });
    else if (t.type === 'schedule_reference') {
      const s = await loadSchedule(db, orgId, t.id, now);
      if (!s) problems.push({ target: t, reason: `schedule ${t.id} no longer exists` });
      else {
        const shift = whoIsOnCall(s.schedule, now);
        // A volunteer on call here keeps their care limits (issue 8): past them, the level is
        // handed back like a pool's (a problem; with nobody else, the next level fires at once).
        const refusal = shift ? await scheduledVolunteerRefusal(db, orgId, shift.userId, shift, now, incidentId) : null;
        if (refusal) problems.push({ target: t, reason: `${refusal.name}, the volunteer on call in schedule ${s.name}, ${refusal.reason}`, handedBack: true });
        else if (shift) users.push({ userId: shift.userId, via: `schedule ${s.name}` });
        else problems.push({ target: t, reason: `nobody is on call in schedule ${s.name}` });
      }
    } else if (t.type === 'volunteer_pool_reference') {
      // Volunteer pools (issue 8): the members who qualify now (volunteer/pool.service.ts).
      const pool = await resolveVolunteerPool(db, orgId, t.id, now);
      users.push(...pool.users);
      problems.push(...pool.problems.map((reason) => ({ target: t, reason })));
    } else problems.push({ target: t, reason: `${(t as Target).type} targets are not supported yet` });
  }
  // One person reached through two targets is paged once.
  const seen = new Set<string>();
  return { users: users.filter((u) => (seen.has(u.userId) ? false : (seen.add(u.userId), true))), problems };
}

export const CHANNEL_OF: Record<ContactMethodType, 'email' | 'sms' | 'voice' | 'webhook' | 'slack'> = {
  email: 'email',
  sms: 'sms',
  phone: 'voice',
  webhook: 'webhook',
  slack: 'slack',
};

export interface PlannedNotification {
  contactMethod: ContactMethodTable;
  delayMinutes: number;
  ruleId: string | null;
}

/**
 * Which verified methods to use, and after how long, for one person and urgency.
 * A person with verified methods and no rules at all is paged on every verified
 * method at once (a safe default: never silent). Returns a reason when nothing fits.
 */
export function planUserNotifications(methods: ContactMethodTable[], rules: NotificationRuleTable[], urgency: 'high' | 'low'): { plan: PlannedNotification[]; reason: string | null } {
  const verified = methods.filter((m) => m.verified_at !== null && m.deleted_at === null);
  if (verified.length === 0) return { plan: [], reason: methods.length ? 'has no verified contact method' : 'has no contact method' };
  const byId = new Map(verified.map((m) => [m.id, m]));
  if (rules.length === 0) return { plan: verified.map((m) => ({ contactMethod: m, delayMinutes: 0, ruleId: null })), reason: null };
  const plan = rules
    .filter((r) => r.urgency === urgency && byId.has(r.contact_method_id))
    .map((r) => ({ contactMethod: byId.get(r.contact_method_id)!, delayMinutes: r.start_delay_in_minutes, ruleId: r.id }));
  if (plan.length === 0) return { plan: [], reason: `has no notification rule for ${urgency} urgency using a verified method` };
  return { plan, reason: null };
}

export async function contactsOf(db: Db, orgId: string, userIds: string[]) {
  const [methods, rules] = await Promise.all([listContactMethods(db, orgId, userIds), listNotificationRules(db, orgId, userIds)]);
  return {
    methods: (u: string) => methods.filter((m) => m.user_id === u),
    rules: (u: string) => rules.filter((r) => r.user_id === u),
  };
}
