/**
 * Support hours and the urgency they decide, without I/O (PagerDuty's support_hours,
 * incident_urgency_rule of type use_support_hours, and scheduled_actions). Hours are read
 * in the support hours' own IANA zone, so "09:00 to 17:00, Monday to Friday" keeps its
 * wall-clock meaning across daylight-saving changes: a start that falls in a spring-forward
 * gap happens at the first instant after it.
 */
import { DateTime, IANAZone } from 'luxon';

export type UrgencyChoice = 'high' | 'low' | 'severity_based';

export interface SupportHours {
  time_zone: string;
  /** 1 (Monday) … 7 (Sunday). */
  days_of_week: number[];
  /** "HH:MM:SS", local. */
  start_time: string;
  end_time: string;
}

export type UrgencyRule = { type: 'constant'; urgency: UrgencyChoice } | { type: 'use_support_hours'; during: UrgencyChoice; outside: UrgencyChoice };

export interface ScheduledAction {
  type: 'urgency_change';
  at: { type: 'named_time'; name: 'support_hours_start' };
  to_urgency: 'high';
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Seconds after local midnight, or null for an impossible time ("25:00", "9am"). */
export function secondsOfDay(t: string): number | null {
  const m = TIME_RE.exec(t);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0) : null;
}

export function validateSupportHours(input: unknown, path: string): { value: SupportHours | null; errors: string[] } {
  if (input === null || input === undefined) return { value: null, errors: [] };
  if (typeof input !== 'object' || Array.isArray(input)) return { value: null, errors: [`${path} must be an object with time_zone, days_of_week, start_time and end_time`] };
  const errors: string[] = [];
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['type', 'time_zone', 'days_of_week', 'start_time', 'end_time'].includes(k)) errors.push(`${path}.${k} is not a field of support_hours`);
  if (o['type'] !== undefined && o['type'] !== 'fixed_time_per_day') errors.push(`${path}.type must be "fixed_time_per_day"`);
  const zone = o['time_zone'];
  if (typeof zone !== 'string' || !IANAZone.isValidZone(zone)) errors.push(`${path}.time_zone must be an IANA time zone such as "America/Lima", got ${JSON.stringify(zone ?? null).slice(0, 60)}`);
  const days = o['days_of_week'];
  if (!Array.isArray(days) || days.length === 0 || days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) errors.push(`${path}.days_of_week must list days from 1 (Monday) to 7 (Sunday)`);
  else if (new Set(days).size !== days.length) errors.push(`${path}.days_of_week lists a day twice`);
  const start = typeof o['start_time'] === 'string' ? secondsOfDay(o['start_time']) : null;
  const end = typeof o['end_time'] === 'string' ? secondsOfDay(o['end_time']) : null;
  if (start === null) errors.push(`${path}.start_time must be a time of day "HH:MM:SS" from 00:00:00 to 23:59:59`);
  if (end === null) errors.push(`${path}.end_time must be a time of day "HH:MM:SS" from 00:00:00 to 23:59:59`);
  if (start !== null && end !== null && end <= start) errors.push(`${path}.end_time must be after start_time (support hours end on the day they start)`);
  if (errors.length) return { value: null, errors };
  const pad = (s: number) => `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return { value: { time_zone: zone as string, days_of_week: [...(days as number[])].sort((a, b) => a - b), start_time: pad(start!), end_time: pad(end!) }, errors };
}

/** Whether `at` falls inside support hours. */
export function inSupportHours(sh: SupportHours, at: number): boolean {
  const local = DateTime.fromMillis(at, { zone: sh.time_zone });
  if (!sh.days_of_week.includes(local.weekday)) return false;
  const s = local.hour * 3600 + local.minute * 60 + local.second;
  return s >= secondsOfDay(sh.start_time)! && s < secondsOfDay(sh.end_time)!;
}

/** The first start of support hours strictly after `after` (within the next two weeks; there is always one). */
export function nextSupportHoursStart(sh: SupportHours, after: number): number {
  return nextBoundary(sh, after, secondsOfDay(sh.start_time)!);
}

export function nextSupportHoursEnd(sh: SupportHours, after: number): number {
  return nextBoundary(sh, after, secondsOfDay(sh.end_time)!);
}

function nextBoundary(sh: SupportHours, after: number, secs: number): number {
  const day0 = DateTime.fromMillis(after, { zone: sh.time_zone }).startOf('day');
  for (let i = 0; i <= 14; i++) {
    const day = day0.plus({ days: i });
    if (!sh.days_of_week.includes(day.weekday)) continue;
    // Wall-clock arithmetic: luxon moves a time inside a spring-forward gap to just after it.
    const at = day.set({ hour: Math.floor(secs / 3600), minute: Math.floor((secs % 3600) / 60), second: secs % 60 }).toMillis();
    if (at > after) return at;
  }
  throw new Error('support hours without a day');
}

/** The urgency of a new alert of `severity` arriving at `at`. */
export function urgencyAt(rule: UrgencyRule, supportHours: SupportHours | null, severity: string, at: number): 'high' | 'low' {
  const choice = rule.type === 'constant' ? rule.urgency : supportHours && inSupportHours(supportHours, at) ? rule.during : rule.outside;
  if (choice === 'high' || choice === 'low') return choice;
  return severity === 'critical' || severity === 'error' ? 'high' : 'low';
}

/** When the next scheduled urgency change is due (support hours start), or null when none is configured. */
export function nextUrgencyChange(actions: readonly ScheduledAction[], supportHours: SupportHours | null, after: number): number | null {
  if (!supportHours || !actions.some((a) => a.type === 'urgency_change' && a.at.name === 'support_hours_start')) return null;
  return nextSupportHoursStart(supportHours, after);
}

/**
 * What the engine does when a service's urgency change falls due (`services.urgency_change_at`):
 * whether its open low-urgency incidents are raised to high, and when the next change is due
 * (null: none). A service whose settings no longer ask for the change (or that was deleted)
 * raises nothing and has no next change; one whose change is late (the engine was down) still
 * raises: the incidents should have been high since support hours began.
 */
export function planUrgencyChange(s: { urgencyRule: string; supportHours: SupportHours | null; actions: readonly ScheduledAction[]; deleted: boolean }, now: number): { raise: boolean; next: number | null } {
  if (s.deleted || s.urgencyRule !== 'use_support_hours') return { raise: false, next: null };
  const next = nextUrgencyChange(s.actions, s.supportHours, now);
  return { raise: next !== null, next };
}

/** An instant as the support hours' wall clock shows it, for the timeline: "09:00 America/New_York". */
export function localTimeWords(sh: SupportHours, at: number): string {
  return `${DateTime.fromMillis(at, { zone: sh.time_zone }).toFormat('HH:mm')} ${sh.time_zone}`;
}
