/**
 * How a person is reached, decided without I/O: which of their verified contact methods
 * their notification rules use for an urgency, and after how long. Escalation decides who
 * is paged; this decides how.
 */
import type { ChannelName, ContactMethodTable, ContactMethodType, NotificationRuleTable } from '../storage/schema.js';
import { say, word, type Wording } from '../lib/i18n/translate.js';

/** The channel that carries each contact method type (a phone method is called: voice). */
export const CHANNEL_OF: Record<ContactMethodType, ChannelName> = {
  email: 'email',
  sms: 'sms',
  phone: 'voice',
  webhook: 'webhook',
  slack: 'slack',
  ntfy: 'ntfy',
  push_notification: 'push',
  discord: 'discord',
  teams: 'teams',
  matrix: 'matrix',
  telegram: 'telegram',
};

export interface PlannedNotification {
  contactMethod: ContactMethodTable;
  delayMinutes: number;
  ruleId: string | null;
}

/** A person's plan for one urgency, or why they cannot be reached ("has no verified contact method"). */
export interface ContactPlan {
  plan: PlannedNotification[];
  reason: string | null;
  /** Why nothing fits, as a code (the timeline words it in each reader's language). */
  code?: 'no_contact_method' | 'no_verified_method' | 'no_rule';
  /** With `no_rule`: the urgency no rule covers. */
  urgency?: string;
}

/** Why a person cannot be paged, with their name (`Ana has no verified contact method`), worded when read. */
export function unreachableWording(name: string, plan: ContactPlan | undefined): Wording {
  return plan ? say('timeline.personReason', { name, reason: unreachableReason(plan) }) : say('timeline.person.cannotBePaged', { name });
}

/** Why a person cannot be paged, in words after their name (`has no verified contact method`). */
export function unreachableReason(plan: ContactPlan): Wording | string {
  if (plan.code === 'no_rule') return say('paging.reason.noRule', { urgency: plan.urgency ?? '' });
  if (plan.code === 'no_contact_method') return say('paging.reason.noContactMethod');
  if (plan.code === 'no_verified_method') return say('paging.reason.noVerifiedMethod');
  return plan.reason ?? '';
}

/**
 * Which verified methods to use, and after how long, for one person and urgency.
 * A person with verified methods and no rules at all is paged on every verified
 * method at once (a safe default: never silent). Returns a reason when nothing fits.
 */
export function planUserNotifications(methods: ContactMethodTable[], rules: NotificationRuleTable[], urgency: 'high' | 'low'): ContactPlan {
  const verified = methods.filter((m) => m.verified_at !== null && m.deleted_at === null);
  if (verified.length === 0) return unreachable(methods.length ? { code: 'no_verified_method' } : { code: 'no_contact_method' });
  const byId = new Map(verified.map((m) => [m.id, m]));
  if (rules.length === 0) return { plan: verified.map((m) => ({ contactMethod: m, delayMinutes: 0, ruleId: null })), reason: null };
  const plan = rules
    .filter((r) => r.urgency === urgency && byId.has(r.contact_method_id))
    .map((r) => ({ contactMethod: byId.get(r.contact_method_id)!, delayMinutes: r.start_delay_in_minutes, ruleId: r.id }));
  if (plan.length === 0) return unreachable({ code: 'no_rule', urgency });
  return { plan, reason: null };
}

/** A plan that reaches nobody: its code, and the English of why (`reason`, for API answers and logs). */
function unreachable(why: Required<Pick<ContactPlan, 'code'>> & Pick<ContactPlan, 'urgency'>): ContactPlan {
  const plan: ContactPlan = { plan: [], reason: null, ...why };
  const reason = unreachableReason(plan);
  return { ...plan, reason: typeof reason === 'string' ? reason : word('en', reason) };
}

/**
 * Through the channels that still work (the "Vigil health" service, while a self-check finds a
 * channel failing): leave out methods of a failing channel when another method remains; a
 * person with only failing channels keeps them all (a failing channel may still deliver).
 */
export function preferWorkingMethods<M extends { type: string }>(methods: readonly M[], failing: ReadonlySet<string>, channelOf: (type: M['type']) => string): M[] {
  const working = methods.filter((m) => !failing.has(channelOf(m.type)));
  return working.length ? working : [...methods];
}

/**
 * planUserNotifications around failing channels: the person's own rules over their working
 * verified methods; when those rules use only failing channels, every working verified method
 * at once (never silent); `avoided` names the channels left out.
 */
export function planAvoiding(methods: ContactMethodTable[], rules: NotificationRuleTable[], urgency: 'high' | 'low', failing: ReadonlySet<string>): ContactPlan & { avoided: ChannelName[] } {
  const verified = verifiedMethods(methods);
  const kept = preferWorkingMethods(verified, failing, (t) => CHANNEL_OF[t]);
  if (!failing.size || kept.length === verified.length) return { ...planUserNotifications(methods, rules, urgency), avoided: [] };
  const avoided = [...new Set(verified.filter((m) => !kept.includes(m)).map((m) => CHANNEL_OF[m.type]))];
  const own = planUserNotifications(kept, rules, urgency);
  return { ...(own.plan.length ? own : planUserNotifications(kept, [], urgency)), avoided };
}

/** The methods a last-resort page uses: every verified one, at once. */
export function verifiedMethods(methods: readonly ContactMethodTable[]): ContactMethodTable[] {
  return methods.filter((m) => m.verified_at !== null && m.deleted_at === null);
}
