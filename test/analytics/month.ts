/**
 * A hand-computed month for the analytics tests: March 2026 in America/New_York, with the
 * DST change (Sunday 8 March, 02:00 EST → 03:00 EDT) inside the week of 2 March, incidents
 * that span midnight (and one that spans the DST change), repeats (one of them repeating an
 * incident of February), sleep-hour incidents on both sides of the 07:00 edge, escalations by
 * timeout and by hand, and open incidents. Rows are written through the incident store, as
 * the trigger path writes them. The expected figures are in analytics.test.ts, worked by hand.
 */
import { DateTime } from 'luxon';
import { insertIncident } from '../../src/server/incident/incident.store.js';
import { upsertOpenAlerts } from '../../src/server/incident/alert.store.js';
import { insertLogEntry } from '../../src/server/incident/log-entry.store.js';
import type { Database, IncidentTable } from '../../src/server/storage/schema.js';
import type { Kysely } from 'kysely';

export const ZONE = 'America/New_York';

export interface MonthIncident {
  n: number;
  service: 'A' | 'B';
  title: string;
  /** Local time in ZONE. */
  at: string;
  ack?: number;
  resolve?: number;
  /** Seconds after creation; manual: escalated by hand. */
  escalations?: { after: number; manual?: boolean }[];
  alerts: number;
  urgency?: 'low';
}

/** Incident 0 is in February: only a repeat's predecessor. */
export const MONTH: MonthIncident[] = [
  { n: 0, service: 'A', title: 'Chat queue down', at: '2026-02-27T10:00', ack: 60, resolve: 600, alerts: 1 },
  { n: 1, service: 'A', title: 'Chat queue down', at: '2026-03-02T09:00', ack: 120, resolve: 1800, alerts: 1 },
  { n: 2, service: 'A', title: 'Chat  queue DOWN', at: '2026-03-05T23:30', ack: 600, resolve: 5400, escalations: [{ after: 300 }], alerts: 3 },
  { n: 3, service: 'B', title: 'SMS delivery failing', at: '2026-03-07T22:15', ack: 60, resolve: 14_400, alerts: 2 },
  { n: 4, service: 'A', title: 'Chat queue down', at: '2026-03-08T03:30', resolve: 900, escalations: [{ after: 300 }, { after: 600, manual: true }], alerts: 1 },
  { n: 5, service: 'B', title: 'SMS delivery failing', at: '2026-03-09T10:00', ack: 30, resolve: 600, alerts: 1, urgency: 'low' },
  { n: 6, service: 'A', title: 'Login errors', at: '2026-03-14T12:00', ack: 240, resolve: 7200, alerts: 1 },
  { n: 7, service: 'A', title: 'Chat queue down', at: '2026-03-16T06:59', ack: 45, alerts: 1 },
  { n: 8, service: 'B', title: 'Disk full', at: '2026-03-20T07:00', escalations: [{ after: 300 }, { after: 600 }], alerts: 2 },
  { n: 9, service: 'A', title: 'Chat queue down', at: '2026-03-22T14:00', ack: 90, resolve: 300, alerts: 1 },
  { n: 10, service: 'B', title: 'SMS delivery failing', at: '2026-03-31T23:59:30', ack: 60, resolve: 120, alerts: 1 },
];

export const local = (s: string): number => DateTime.fromISO(s, { zone: ZONE }).toMillis();

export const RANGE = { created_at_start: '2026-03-01T00:00:00-05:00', created_at_end: '2026-04-01T00:00:00-04:00' };

/** Write the month for an organization; returns the incident id of each n. */
export async function seedMonth(db: Kysely<Database>, orgId: string, services: Record<'A' | 'B', { id: string; integrationId: string }>, list: MonthIncident[] = MONTH): Promise<Map<number, string>> {
  const ids = new Map<number, string>();
  let seq = 0;
  const id = (p: string) => `${p}${String(++seq).padStart(6, '0')}`;
  for (const m of list) {
    const created = local(m.at);
    const s = services[m.service];
    const incidentId = id('INC');
    ids.set(m.n, incidentId);
    const ackAt = m.ack === undefined ? null : created + m.ack * 1000;
    const resolvedAt = m.resolve === undefined ? null : created + m.resolve * 1000;
    const status = resolvedAt !== null ? 'resolved' : ackAt !== null ? 'acknowledged' : 'triggered';
    const row: IncidentTable = {
      org_id: orgId, id: incidentId, number: 100 + m.n, service_id: s.id, title: m.title, status, urgency: m.urgency ?? 'high',
      incident_key: null, open_group: null, group_until: null, group_fields: null, priority_id: null, snoozed_until: null, paused_until: null, body: null,
      created_at: created, updated_at: resolvedAt ?? ackAt ?? created, last_status_change_at: resolvedAt ?? ackAt ?? created, last_status_change_by: null,
      acknowledged_at: status === 'acknowledged' ? ackAt : null, acknowledged_by: null, resolved_at: resolvedAt, resolved_by: null,
      assigned_via: 'escalation_policy', escalation_policy_id: null, escalation_snapshot: null, escalation_level: 0, escalation_loop: 0, next_step_at: null, escalation_epoch: 0,
    };
    await insertIncident(db, row);
    const log = async (type: string, at: number, details?: unknown) =>
      insertLogEntry(db, { org_id: orgId, id: id('LOG'), incident_id: incidentId, service_id: s.id, type, created_at: at, agent: null, channel: '{"type":"auto"}', summary: type, details: details === undefined ? null : JSON.stringify(details) });
    await log('trigger_log_entry', created);
    await log('assign_log_entry', created, { level: 1 });
    for (const [i, e] of (m.escalations ?? []).entries()) await log('escalate_log_entry', created + e.after * 1000, e.manual ? { level: i + 2, manual: true } : { level: i + 2, loop: 0 });
    if (ackAt !== null) await log('acknowledge_log_entry', ackAt);
    if (resolvedAt !== null) await log('resolve_log_entry', resolvedAt);
    for (let a = 0; a < m.alerts; a++) {
      await upsertOpenAlerts(db, [
        {
          org_id: orgId, id: id('ALR'), integration_id: s.integrationId, service_id: s.id, incident_id: incidentId, dedup_key: `${incidentId}-${a}`, open: resolvedAt === null ? 1 : null,
          status: resolvedAt === null ? 'triggered' : 'resolved', severity: 'critical', summary: m.title, source: null, details: '{}', count: 1,
          first_seen_at: created, last_seen_at: created, resolved_at: resolvedAt, suppressed_by: null, rule_match: null,
        },
      ]);
    }
  }
  return ids;
}
