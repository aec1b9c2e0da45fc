/**
 * Incident analytics on the wire (src/contract/analytics.ts): PagerDuty's field names, times
 * in the request's zone, and the same rows as CSV. Figures that do not exist for a row (no
 * incident was acknowledged, so no mean time to acknowledge) are left out, as PagerDuty's
 * integer fields cannot be null.
 */
import { DateTime } from 'luxon';
import type { Insights, MetricRow, RawIncident, RawPage } from '../../analytics/analytics.service.js';
import type { ResponderLoadAnswer } from '../../analytics/responder-load.service.js';
import type { MonthlyReport } from '../../report/impact-report.service.js';
import { acknowledgedAtFirstLevel, type Summary } from '../../analytics/metrics.js';
import { toCsv } from '../../impact/report.js';

export const zoned = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;

const opt = (k: string, v: number | null): Record<string, number> => (v === null ? {} : { [k]: v });

export function presentSummary(s: Summary): Record<string, unknown> {
  return {
    total_incident_count: s.incidents,
    total_alert_count: s.alerts,
    total_incidents_acknowledged: s.acknowledged,
    total_incidents_resolved: s.resolved,
    ...opt('mean_seconds_to_first_ack', s.secondsToAck.mean),
    ...opt('p50_seconds_to_first_ack', s.secondsToAck.p50),
    ...opt('p90_seconds_to_first_ack', s.secondsToAck.p90),
    ...opt('mean_seconds_to_resolve', s.secondsToResolve.mean),
    ...opt('p50_seconds_to_resolve', s.secondsToResolve.p50),
    ...opt('p90_seconds_to_resolve', s.secondsToResolve.p90),
    total_escalation_count: s.escalations,
    total_incidents_manual_escalated: s.manuallyEscalatedIncidents,
    total_incidents_timeout_escalated: s.timeoutEscalatedIncidents,
    total_incidents_escalated: s.escalatedIncidents,
    total_incidents_acknowledged_first_level: s.acknowledgedAtFirstLevel,
    total_sleep_hour_incidents: s.sleepHourIncidents,
    total_repeat_incidents: s.repeatIncidents,
  };
}

export function presentMetricRow(r: MetricRow, zone: string): Record<string, unknown> {
  return {
    ...(r.rangeStart !== null ? { range_start: zoned(r.rangeStart, zone) } : {}),
    ...(r.serviceId ? { service_id: r.serviceId, service_name: r.serviceName } : {}),
    ...(r.escalationPolicyId ? { escalation_policy_id: r.escalationPolicyId, escalation_policy_name: r.escalationPolicyName } : {}),
    ...presentSummary(r.summary),
  };
}

const METRIC_COLUMNS = [
  'total_incident_count',
  'total_alert_count',
  'total_incidents_acknowledged',
  'total_incidents_resolved',
  'mean_seconds_to_first_ack',
  'p50_seconds_to_first_ack',
  'p90_seconds_to_first_ack',
  'mean_seconds_to_resolve',
  'p50_seconds_to_resolve',
  'p90_seconds_to_resolve',
  'total_escalation_count',
  'total_incidents_manual_escalated',
  'total_incidents_timeout_escalated',
  'total_incidents_escalated',
  'total_incidents_acknowledged_first_level',
  'total_sleep_hour_incidents',
  'total_repeat_incidents',
];

/** One CSV row per answer row; the columns are the JSON fields, empty where a figure does not exist. */
export function metricsCsv(rows: Record<string, unknown>[], by: 'service' | 'escalation_policy' | null): string {
  const header = ['range_start', ...(by ? [`${by}_id`, `${by}_name`] : []), ...METRIC_COLUMNS];
  return toCsv(header, rows.map((r) => header.map((h) => r[h] ?? null)));
}

export function presentRawIncident(r: RawIncident, zone: string): Record<string, unknown> {
  const f = r.fact;
  return {
    id: f.id,
    incident_number: f.number,
    description: f.title,
    status: f.status,
    urgency: f.urgency,
    created_at: zoned(f.createdAt, zone),
    ...(f.resolvedAt !== null ? { resolved_at: zoned(f.resolvedAt, zone) } : {}),
    service_id: f.serviceId,
    service_name: r.serviceName,
    priority_id: r.priority?.id ?? null,
    priority_name: r.priority?.name ?? null,
    // PagerDuty: higher is more severe; Vigil's rank 1 is the most severe.
    priority_order: r.priority ? 1000 - r.priority.rank : null,
    team_id: null,
    team_name: null,
    ...opt('seconds_to_first_ack', r.secondsToAck),
    ...opt('seconds_to_resolve', r.secondsToResolve),
    escalation_count: f.escalations,
    manual_escalation_count: f.manualEscalations,
    timeout_escalation_count: f.escalations - f.manualEscalations,
    alert_count: f.alerts,
    acknowledged_first_level: acknowledgedAtFirstLevel(f),
    sleep_hour: r.sleepHour,
    repeat: r.repeat,
  };
}

const RAW_COLUMNS = [
  'id',
  'incident_number',
  'description',
  'status',
  'urgency',
  'created_at',
  'resolved_at',
  'service_id',
  'service_name',
  'priority_name',
  'seconds_to_first_ack',
  'seconds_to_resolve',
  'escalation_count',
  'manual_escalation_count',
  'timeout_escalation_count',
  'alert_count',
  'acknowledged_first_level',
  'sleep_hour',
  'repeat',
];

export function rawCsv(rows: Record<string, unknown>[]): string {
  return toCsv(RAW_COLUMNS, rows.map((r) => RAW_COLUMNS.map((h) => r[h] ?? null)));
}

export function presentRawPage(page: RawPage, zone: string): { first: string; last: string; limit: number; more: boolean; order: string; order_by: string; data: Record<string, unknown>[] } {
  return {
    first: page.rows[0]?.fact.id ?? '',
    last: page.rows.at(-1)?.fact.id ?? '',
    limit: page.limit,
    more: page.more,
    order: page.order,
    order_by: page.orderBy,
    data: page.rows.map((r) => presentRawIncident(r, zone)),
  };
}

export function presentInsights(i: Insights, zone: string): Record<string, unknown> {
  return {
    totals: presentSummary(i.summary),
    busiest_hours: i.byHour,
    busiest_weekdays: i.byWeekday,
    services: i.services.map((s) => ({ service_id: s.serviceId, service_name: s.serviceName, incident_count: s.incidents, repeat_count: s.repeats })),
    repeats: i.repeatGroups.map((g) => ({ service_id: g.serviceId, service_name: g.serviceName, title: g.title, incident_count: g.incidents, repeat_count: g.repeats, last_created_at: zoned(g.lastAt, zone) })),
  };
}

export function presentResponderLoad(a: ResponderLoadAnswer): Record<string, unknown> {
  return {
    filters: a.filters,
    time_zone: a.timeZone,
    data: a.people.map((p) => ({
      responder_id: p.userId,
      responder_name: p.name,
      time_zone: p.zone,
      total_notifications: p.pages,
      total_night_pages: p.nightPages,
      total_weekend_pages: p.weekendPages,
      total_seconds_on_call: p.secondsOnCall,
      total_incidents_handled: p.incidentsHandled,
      ...(p.lastNightPageAt !== null ? { last_night_page_at: zoned(p.lastNightPageAt, a.timeZone) } : {}),
      ...opt('seconds_since_last_night_page', p.secondsSinceLastNightPage),
    })),
    ...(a.rotations
      ? {
          rotations: a.rotations.map((r) => ({
            schedule_id: r.scheduleId,
            schedule_name: r.scheduleName,
            responder_ids: r.people,
            notifications: r.pages,
            night_pages: r.nightPages,
            seconds_on_call: r.secondsOnCall,
          })),
        }
      : {}),
  };
}

const LOAD_COLUMNS = ['responder_id', 'responder_name', 'time_zone', 'total_notifications', 'total_night_pages', 'total_weekend_pages', 'total_seconds_on_call', 'total_incidents_handled', 'last_night_page_at', 'seconds_since_last_night_page'];

export function responderLoadCsv(rows: Record<string, unknown>[]): string {
  return toCsv(LOAD_COLUMNS, rows.map((r) => LOAD_COLUMNS.map((h) => r[h] ?? null)));
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function presentMonthlyReport(r: MonthlyReport): Record<string, unknown> {
  return {
    ...(r.kind === 'month' ? { month: r.period } : { quarter: r.period, months: r.months }),
    time_zone: r.timeZone,
    since: zoned(r.since, r.timeZone),
    until: zoned(r.until, r.timeZone),
    services: r.services.map((s) => ({
      service_id: s.serviceId,
      service_name: s.serviceName,
      label: s.label,
      served: round(s.served),
      expected: s.expected === null ? null : round(s.expected),
      expected_low: s.expectedLow === null ? null : round(s.expectedLow),
      expected_high: s.expectedHigh === null ? null : round(s.expectedHigh),
      incidents: s.incidents,
      people_affected: round(s.affected),
      people_affected_net: round(s.affectedNet),
      people_affected_low: round(s.affectedLow),
      people_affected_high: round(s.affectedHigh),
      availability: s.availability === null ? null : round(s.availability, 5),
    })),
    incidents: presentSummary(r.incidents),
    postmortems_published: r.postmortemsPublished.map((p) => ({ id: p.id, title: p.title, published_at: zoned(p.publishedAt, r.timeZone) })),
    action_items_closed: r.actionItemsClosed,
    volunteer_hours: r.volunteerHours.map((v) => ({ company: v.company, volunteers: v.volunteers, on_call_hours: round(v.onCallHours), response_hours: round(v.responseHours), total_hours: round(v.totalHours) })),
  };
}

/** The report as one CSV of (section, item, figure, value) rows: a spreadsheet sorts and filters it. */
export function monthlyReportCsv(out: Record<string, any>): string {
  const rows: unknown[][] = [];
  for (const s of out.services as Record<string, unknown>[]) for (const k of ['served', 'expected', 'expected_low', 'expected_high', 'incidents', 'people_affected', 'people_affected_low', 'people_affected_high', 'people_affected_net', 'availability']) rows.push(['impact', s.service_name, k, s[k]]);
  for (const [k, v] of Object.entries(out.incidents as Record<string, unknown>)) rows.push(['incidents', 'all services', k, v]);
  rows.push(['postmortems', 'published', 'count', (out.postmortems_published as unknown[]).length]);
  rows.push(['action items', 'closed', 'count', out.action_items_closed]);
  for (const v of out.volunteer_hours as Record<string, unknown>[]) for (const k of ['volunteers', 'on_call_hours', 'response_hours', 'total_hours']) rows.push(['volunteer hours', v.company, k, v[k]]);
  return toCsv(['section', 'item', 'figure', out.month ?? out.quarter], rows);
}
