/**
 * Incident rules with no I/O: urgency from severity, which status changes are
 * allowed, and the shapes of the agents and channels recorded on the timeline.
 */
import type { IncidentStatus, IncidentTable } from '../storage/schema.js';
import { say, type Wording } from '../lib/i18n/translate.js';

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type UrgencyRule = 'high' | 'low' | 'severity_based';

/** PagerDuty's "based on alert severity" rule: critical and error page at high urgency. */
export function urgencyFor(rule: UrgencyRule, severity: string): 'high' | 'low' {
  if (rule === 'high' || rule === 'low') return rule;
  return severity === 'critical' || severity === 'error' ? 'high' : 'low';
}

/** Who did something: a user, or an integration acting for a service. Stored as JSON on log entries. */
export interface AgentRef {
  id: string;
  type: 'user_reference' | 'service_reference' | 'integration_reference';
  summary: string;
}

/** How it was done. */
export type ChannelType = 'api' | 'web_ui' | 'events_api_v2' | 'alertmanager' | 'opsgenie' | 'email' | 'sms' | 'voice' | 'chat' | 'telegram' | 'matrix' | 'link' | 'auto' | 'timeout';

export interface Channel {
  type: ChannelType;
  [k: string]: unknown;
}

export type Transition = { ok: true; changed: boolean } | { ok: false; reason: 'incident_already_resolved' | 'invalid_status' };

/**
 * Allowed moves: triggered → acknowledged → resolved, acknowledged → triggered
 * (un-acknowledge, e.g. the acknowledgement timeout), anything open → resolved.
 * A resolved incident is never reopened (PagerDuty semantics); a new trigger opens a new one.
 */
export function transition(from: IncidentStatus, to: IncidentStatus): Transition {
  if (from === 'resolved') return to === 'resolved' ? { ok: true, changed: false } : { ok: false, reason: 'incident_already_resolved' };
  if (from === to) return { ok: true, changed: false };
  return { ok: true, changed: true };
}

export function incidentSummary(number: number, title: string): string {
  return `[#${number}] ${title}`;
}

/**
 * What a new alert joining an open incident does (never silent): one of high urgency
 * re-triggers an acknowledged or low-urgency incident; anything else is told to the
 * assignees. While notifications are paused nobody has been paged yet: nothing to re-page.
 */
export function joinEffect(i: Pick<IncidentTable, 'status' | 'urgency' | 'paused_until'>, alertUrgency: 'high' | 'low', now: number): 'retrigger' | 'notify' {
  if (i.paused_until !== null && Number(i.paused_until) > now) return 'notify';
  if (alertUrgency === 'high' && (i.status === 'acknowledged' || i.urgency === 'low')) return 'retrigger';
  return 'notify';
}

/** PagerDuty's longest snooze: a week, in seconds. */
export const MAX_SNOOZE_SECONDS = 604_800;

/** A snooze's length in words for the timeline: "45 min", "4 h", "1 h 30 min", "2 d" (French "2 j"). */
export function durationWords(seconds: number): Wording {
  const total = Math.round(seconds / 60);
  if (seconds < 60) return say('timeline.duration', { unit: 's', seconds, days: 0, hours: 0, minutes: 0, sep1: 'no', sep2: 'no' });
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  return say('timeline.duration', { unit: 'dhm', seconds, days, hours, minutes, sep1: days && (hours || minutes) ? 'yes' : 'no', sep2: hours && minutes ? 'yes' : 'no' });
}
