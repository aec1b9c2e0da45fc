/**
 * A service's alert grouping and urgency as the settings form edits them, and the PUT body
 * that saves them, in PagerDuty's shapes (alert_grouping_parameters, incident_urgency_rule,
 * support_hours, scheduled_actions). The server checks everything; this only translates.
 */
import type { Service, ServicePatch } from './types';

export type Urgency = 'high' | 'low' | 'severity_based';

export interface SettingsDraft {
  grouping: 'none' | 'time' | 'content_based';
  /** Time grouping: minutes after the incident opened (0: until it resolves). */
  timeout: string;
  aggregate: 'all' | 'any';
  /** Content grouping: fields, comma-separated ("source, custom_details.region"). */
  fields: string;
  /** Content grouping: minutes since the last alert grouped (0: the recommended window). */
  windowMinutes: string;
  urgency: Urgency | 'use_support_hours';
  during: Urgency;
  outside: Urgency;
  timeZone: string;
  /** 1 (Monday) … 7 (Sunday). */
  days: number[];
  /** "HH:MM", local. */
  start: string;
  end: string;
  /** The scheduled action: open low-urgency incidents become high when support hours begin. */
  raiseAtStart: boolean;
}

export const WEEKDAYS: [number, string][] = [
  [1, 'Mon'],
  [2, 'Tue'],
  [3, 'Wed'],
  [4, 'Thu'],
  [5, 'Fri'],
  [6, 'Sat'],
  [7, 'Sun'],
];

const RAISE = { type: 'urgency_change' as const, at: { type: 'named_time' as const, name: 'support_hours_start' as const }, to_urgency: 'high' as const };

const asUrgency = (u: unknown): Urgency => (u === 'low' || u === 'severity_based' ? u : 'high');

export function draftOf(s: Service, browserZone = 'UTC'): SettingsDraft {
  const g = s.alert_grouping_parameters;
  const cfg = (g.config ?? {}) as { timeout?: number; aggregate?: string; fields?: string[]; time_window?: number };
  const rule = s.incident_urgency_rule;
  const sh = s.support_hours;
  return {
    grouping: g.type === 'time' ? 'time' : g.type === 'content_based' ? 'content_based' : 'none',
    timeout: String(cfg.timeout ?? 0),
    aggregate: cfg.aggregate === 'any' ? 'any' : 'all',
    fields: (cfg.fields ?? ['source']).join(', '),
    windowMinutes: String(Math.round((cfg.time_window ?? 0) / 60)),
    urgency: rule.type === 'use_support_hours' ? 'use_support_hours' : asUrgency(rule.urgency),
    during: asUrgency(rule.during_support_hours?.urgency ?? 'high'),
    outside: asUrgency(rule.outside_support_hours?.urgency ?? 'low'),
    timeZone: sh?.time_zone ?? browserZone,
    days: sh?.days_of_week ?? [1, 2, 3, 4, 5],
    start: (sh?.start_time ?? '09:00:00').slice(0, 5),
    end: (sh?.end_time ?? '17:00:00').slice(0, 5),
    raiseAtStart: rule.type === 'use_support_hours' ? s.scheduled_actions.length > 0 : true,
  };
}

/** A whole number from a text field, or the text itself (the server names the field when it is not a number). */
const num = (v: string): unknown => (/^\s*\d+\s*$/.test(v) ? Number(v) : v);

export function patchOf(d: SettingsDraft): ServicePatch {
  const grouping =
    d.grouping === 'time'
      ? { type: 'time', config: { timeout: num(d.timeout) } }
      : d.grouping === 'content_based'
        ? {
            type: 'content_based',
            config: {
              aggregate: d.aggregate,
              fields: d.fields
                .split(',')
                .map((f) => f.trim())
                .filter(Boolean),
              time_window: typeof num(d.windowMinutes) === 'number' ? (num(d.windowMinutes) as number) * 60 : d.windowMinutes,
            },
          }
        : { type: null };
  if (d.urgency !== 'use_support_hours') {
    // Support hours and their action go with the rule that used them.
    return { alert_grouping_parameters: grouping, incident_urgency_rule: { type: 'constant', urgency: d.urgency }, scheduled_actions: [], support_hours: null };
  }
  return {
    alert_grouping_parameters: grouping,
    incident_urgency_rule: { type: 'use_support_hours', during_support_hours: { type: 'constant', urgency: d.during }, outside_support_hours: { type: 'constant', urgency: d.outside } },
    support_hours: { type: 'fixed_time_per_day', time_zone: d.timeZone.trim(), days_of_week: [...d.days].sort((a, b) => a - b), start_time: `${d.start}:00`, end_time: `${d.end}:00` },
    scheduled_actions: d.raiseAtStart ? [RAISE] : [],
  };
}
