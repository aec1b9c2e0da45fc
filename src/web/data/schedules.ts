import { api, optional, withQuery } from './client';
import type { CalendarFeed, CapWarning, EscalationPolicy, EscalationRule, RenderedEntry, Schedule, ScheduleLayerIn } from './types';

export const listSchedules = () => optional(api<{ schedules: Schedule[] }>('GET', withQuery('/api/v1/schedules', { limit: 100 })).then((r) => r.schedules));
export const getSchedule = (id: string, since: Date, until: Date) =>
  api<{ schedule: Schedule }>('GET', withQuery(`/api/v1/schedules/${encodeURIComponent(id)}`, { since: since.toISOString(), until: until.toISOString() })).then((r) => r.schedule);
export const createOverride = (scheduleId: string, userId: string, start: string, end: string) =>
  api('POST', `/api/v1/schedules/${encodeURIComponent(scheduleId)}/overrides`, { override: { start, end, user: { id: userId, type: 'user_reference' } } });

export const getPolicy = (id: string) => api<{ escalation_policy: EscalationPolicy }>('GET', `/api/v1/escalation_policies/${encodeURIComponent(id)}`).then((r) => r.escalation_policy);
export const listPolicies = () => optional(api<{ escalation_policies: EscalationPolicy[] }>('GET', withQuery('/api/v1/escalation_policies', { limit: 100 })).then((r) => r.escalation_policies));
/** A policy as the editor holds it: a level added in the form has no id until the policy is saved. */
export type PolicyDraft = Omit<EscalationPolicy, 'escalation_rules'> & { escalation_rules: (Omit<EscalationRule, 'id'> & { id?: string })[] };

export const savePolicy = (p: PolicyDraft) =>
  api('PUT', `/api/v1/escalation_policies/${encodeURIComponent(p.id)}`, {
    escalation_policy: { name: p.name, num_loops: p.num_loops, escalation_rules: p.escalation_rules.map((r) => ({ ...(r.id ? { id: r.id } : {}), escalation_delay_in_minutes: r.escalation_delay_in_minutes, targets: r.targets.map((t) => ({ id: t.id, type: t.type })) })) },
  });

export const createPolicy = (name: string, userId: string) =>
  api<{ escalation_policy: EscalationPolicy }>('POST', '/api/v1/escalation_policies', {
    escalation_policy: { name, num_loops: 1, escalation_rules: [{ escalation_delay_in_minutes: 15, targets: [{ id: userId, type: 'user_reference' }] }] },
  }).then((r) => r.escalation_policy);

export interface Segment {
  left: number;
  width: number;
  entry: RenderedEntry;
  gap: boolean;
}

/**
 * Lay rendered entries on a [since, until) bar as percentages; uncovered time
 * becomes explicit gap segments (shown in red), so a hole is never just blank.
 */
export function layout(entries: RenderedEntry[], since: number, until: number): Segment[] {
  const span = until - since;
  const sorted = entries.map((e) => ({ e, s: Math.max(Date.parse(e.start), since), t: Math.min(Date.parse(e.end), until) })).filter((x) => x.t > x.s).sort((a, b) => a.s - b.s);
  const out: Segment[] = [];
  let cursor = since;
  const push = (s: number, t: number, entry: RenderedEntry, gap: boolean) => out.push({ left: ((s - since) / span) * 100, width: ((t - s) / span) * 100, entry, gap });
  for (const x of sorted) {
    if (x.s > cursor) push(cursor, x.s, { start: new Date(cursor).toISOString(), end: new Date(x.s).toISOString(), user: null }, true);
    push(x.s, x.t, x.e, x.e.user === null);
    cursor = Math.max(cursor, x.t);
  }
  if (cursor < until) push(cursor, until, { start: new Date(cursor).toISOString(), end: new Date(until).toISOString(), user: null }, true);
  return out;
}

/** A secret iCalendar URL (shown once; a new one revokes the previous one). */
export const scheduleFeed = (scheduleId: string) => api<{ calendar_feed: CalendarFeed }>('POST', `/api/v1/schedules/${encodeURIComponent(scheduleId)}/calendar_feed`).then((r) => r.calendar_feed);
export const myFeed = () => api<{ calendar_feed: CalendarFeed }>('POST', '/api/v1/users/me/calendar_feed').then((r) => r.calendar_feed);

/** The same feed as a webcal: link, which calendar apps open as a subscription. */
export const webcal = (url: string) => url.replace(/^https?:/, 'webcal:');

/** Replace the layers (the layer editor sends every layer back). */
export const saveLayers = (id: string, layers: ScheduleLayerIn[]) =>
  api<{ schedule: Schedule; warnings?: CapWarning[] }>('PUT', `/api/v1/schedules/${encodeURIComponent(id)}`, { schedule: { schedule_layers: layers } });

export const createSchedule = (name: string, timeZone: string, userId: string, start: string) =>
  api<{ schedule: Schedule }>('POST', '/api/v1/schedules', {
    schedule: {
      type: 'schedule',
      name,
      time_zone: timeZone,
      schedule_layers: [{ name: 'Layer 1', start, rotation_virtual_start: start, rotation_turn_length: { unit: 'weeks', count: 1 }, users: [{ user: { id: userId, type: 'user_reference' } }] }],
    },
  }).then((r) => r.schedule);
