/**
 * What a new alert will do, decided before it reaches the incidents (the rules stage of
 * the pipeline): its urgency, how it groups, whether it is suppressed, whether its page
 * waits, its priority and the notes it adds. Event rules decide what they match; the
 * service's own settings decide the rest.
 */
import type { ServiceTable } from '../storage/schema.js';
import { loadGrouping, type AlertGrouping } from '../service/alert-grouping.js';
import { urgencyAt, type SupportHours, type UrgencyRule } from '../service/support-hours.js';
import { say, type Wording } from '../lib/i18n/translate.js';

export interface RuleMatch {
  set: string;
  rule: string | null;
  label: string | null;
}

export interface AlertPlan {
  urgency: 'high' | 'low';
  grouping: AlertGrouping;
  /** Stored and shown, in no incident, nobody paged. */
  suppressed: 'rule' | 'maintenance' | null;
  /** Nobody is paged unless the alert is still open after this many seconds (0: page at once). */
  pauseSeconds: number;
  /** Who paused it, for the timeline ("event rule Flapping gateway", "the service's auto-pause"). */
  pausedBy: Wording | null;
  priorityId: string | null;
  notes: string[];
  ruleMatch: RuleMatch[] | null;
}

export type PlannedService = Pick<ServiceTable, 'urgency_rule' | 'urgency_during' | 'urgency_outside' | 'support_hours' | 'alert_grouping' | 'auto_pause'>;

/** PagerDuty's recommended auto-pause when the timeout is 0. */
export const RECOMMENDED_PAUSE_S = 300;

export function urgencyRuleOf(s: Pick<ServiceTable, 'urgency_rule' | 'urgency_during' | 'urgency_outside'>): UrgencyRule {
  if (s.urgency_rule === 'use_support_hours') return { type: 'use_support_hours', during: s.urgency_during ?? 'high', outside: s.urgency_outside ?? 'low' };
  return { type: 'constant', urgency: s.urgency_rule };
}

export function supportHoursOf(s: Pick<ServiceTable, 'support_hours'>): SupportHours | null {
  return s.support_hours ? (JSON.parse(s.support_hours) as SupportHours) : null;
}

export function autoPauseSeconds(s: Pick<ServiceTable, 'auto_pause'>): number {
  if (!s.auto_pause) return 0;
  const p = JSON.parse(s.auto_pause) as { enabled: boolean; timeout: number };
  return p.enabled ? p.timeout || RECOMMENDED_PAUSE_S : 0;
}

/** The plan of an alert no event rule touched: the service's urgency rule at `now`, its grouping and auto-pause. */
export function servicePlan(service: PlannedService, severity: string, now: number): AlertPlan {
  const pause = autoPauseSeconds(service);
  return {
    urgency: urgencyAt(urgencyRuleOf(service), supportHoursOf(service), severity, now),
    grouping: loadGrouping(service.alert_grouping),
    suppressed: null,
    pauseSeconds: pause,
    pausedBy: pause ? say('timeline.pausedBy.autoPause') : null,
    priorityId: null,
    notes: [],
    ruleMatch: null,
  };
}
