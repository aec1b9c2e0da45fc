/**
 * "Who gets paged?": for a service at a moment ("Sunday 03:00"), the path an alert would
 * take — the urgency the service gives it then, each level of the escalation policy
 * with the time it would fire, the people each target resolves to at that time (the
 * same target resolvers and volunteer gates the engine uses), how each person would be
 * reached (notify's planUserNotifications, as the engine plans it), and every gap: a
 * service in maintenance, without a policy, a level that reaches nobody, a person who
 * cannot be reached. Read only: nothing is paged, nothing recorded.
 */
import type { Kysely } from 'kysely';
import { getPolicies } from '../escalation/policy.store.js';
import type { Target } from '../escalation/policy.js';
import type { TargetRegistry } from '../escalation/targets.js';
import { maintenanceOf } from '../maintenance/maintenance.service.js';
import { listContactMethods, listNotificationRules } from '../notify/contact.store.js';
import { CHANNEL_OF, planUserNotifications, unreachableReason, unreachableWording } from '../notify/plan.js';
import { getUsers } from '../org/org.store.js';
import { getService } from '../service/service.store.js';
import { supportHoursOf, urgencyRuleOf } from '../incident/alert-plan.js';
import { urgencyAt } from '../service/support-hours.js';
import type { Database, ServiceTable } from '../storage/schema.js';
import { say, type Wording } from '../lib/i18n/translate.js';

type Db = Kysely<Database>;

export interface PathNotification {
  at: number;
  contactMethod: { id: string; type: string; label: string };
  channel: string;
}

export interface PathPerson {
  user: { id: string; name: string };
  via: Wording;
  notifications: PathNotification[];
  /** Why this person would not be reached, in words after their name, or null. */
  problem: Wording | string | null;
}

export interface PathLevel {
  /** 1-based, as people count levels. */
  level: number;
  at: number;
  escalationDelayMinutes: number;
  targets: { target: Target; summary: string; problems: (Wording | string)[] }[];
  people: PathPerson[];
}

export interface PagingPath {
  service: ServiceTable;
  at: number;
  urgency: 'high' | 'low';
  /** The maintenance occurrence in force at `at`, if any: then nobody is paged. */
  maintenance: { start: number; end: number } | null;
  policy: { id: string; name: string; numLoops: number } | null;
  levels: PathLevel[];
  /** Every gap, in words (worded when read): what a coordinator should fix before that moment. */
  gaps: (Wording | string)[];
}

export async function pagingPath(db: Db, targets: TargetRegistry, orgId: string, serviceId: string, at: number, opts: { severity?: string; urgency?: 'high' | 'low' } = {}): Promise<PagingPath | null> {
  const service = await getService(db, orgId, serviceId);
  if (!service) return null;
  const urgency = opts.urgency ?? urgencyAt(urgencyRuleOf(service), supportHoursOf(service), opts.severity ?? 'critical', at);
  const gaps: (Wording | string)[] = [];
  const inMaintenance = (await maintenanceOf(db, orgId, serviceId, at, at + 1))[0] ?? null;
  if (inMaintenance) gaps.push(say('paging.gap.maintenance', { service: service.name, until: new Date(inMaintenance.end).toISOString() }));
  const [policy] = service.escalation_policy_id ? await getPolicies(db, orgId, [service.escalation_policy_id]) : [];
  if (!policy) {
    gaps.push(say('paging.gap.noPolicy', { service: service.name }));
    return { service, at, urgency, maintenance: inMaintenance, policy: null, levels: [], gaps };
  }
  const levels: PathLevel[] = [];
  let firesAt = at;
  for (const [i, rule] of policy.rules.entries()) {
    const resolved = await targets.resolve(db, { orgId, now: firesAt, incidentId: null }, rule.targets);
    const users = new Map((await getUsers(db, orgId, resolved.users.map((u) => u.userId))).map((u) => [u.id, u]));
    const ids = resolved.users.map((u) => u.userId);
    const [methods, rules] = ids.length ? await Promise.all([listContactMethods(db, orgId, ids), listNotificationRules(db, orgId, ids)]) : [[], []];
    const people: PathPerson[] = resolved.users.map((r) => {
      const plan = planUserNotifications(
        methods.filter((m) => m.user_id === r.userId),
        rules.filter((x) => x.user_id === r.userId),
        urgency,
      );
      const name = users.get(r.userId)?.name ?? r.userId;
      if (plan.reason) gaps.push(say('paging.gap.level', { level: i + 1, problem: unreachableWording(name, plan) }));
      return {
        user: { id: r.userId, name },
        via: r.via,
        notifications: plan.plan.map((n) => ({ at: firesAt + n.delayMinutes * 60_000, contactMethod: { id: n.contactMethod.id, type: n.contactMethod.type, label: n.contactMethod.label }, channel: CHANNEL_OF[n.contactMethod.type] })),
        problem: plan.reason ? unreachableReason(plan) : null,
      };
    });
    const levelTargets = resolved.outcomes.map((o) => ({ target: o.target, summary: `${targets.noun(o.target.type)} ${o.target.id}`, problems: o.problems }));
    for (const o of resolved.outcomes) for (const p of o.problems) gaps.push(say('paging.gap.level', { level: i + 1, problem: p }));
    if (!people.length && !resolved.outcomes.some((o) => o.problems.length)) gaps.push(say('paging.gap.empty', { level: i + 1, next: i + 1 < policy.rules.length ? 'yes' : 'no' }));
    else if (people.length && people.every((p) => p.problem)) gaps.push(say('paging.gap.nobodyPageable', { level: i + 1 }));
    levels.push({ level: i + 1, at: firesAt, escalationDelayMinutes: rule.escalation_delay_in_minutes, targets: levelTargets, people });
    firesAt += rule.escalation_delay_in_minutes * 60_000;
  }
  return { service, at, urgency, maintenance: inMaintenance, policy: { id: policy.id, name: policy.name, numLoops: policy.num_loops }, levels, gaps };
}
