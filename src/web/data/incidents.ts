import { api, withQuery } from './client';
import type { Alert, Incident, IncidentDetail, IncidentEscalated, IncidentStatus, LogEntry, Page, PublicUpdate, Urgency } from './types';

export interface IncidentFilter {
  statuses: IncidentStatus[];
  urgencies?: Urgency[];
  serviceIds?: string[];
  limit?: number;
}

export const listIncidents = (f: IncidentFilter) =>
  api<{ incidents: Incident[] } & Page>(
    'GET',
    withQuery('/api/v1/incidents', { 'statuses[]': f.statuses, 'urgencies[]': f.urgencies, 'service_ids[]': f.serviceIds, sort_by: 'created_at:desc', limit: f.limit ?? 50, total: true, date_range: 'all' }),
  );

export const getIncident = (id: string) => api<{ incident: IncidentDetail }>('GET', `/api/v1/incidents/${encodeURIComponent(id)}`).then((r) => r.incident);
export const incidentAlerts = (id: string) => api<{ alerts: Alert[] }>('GET', withQuery(`/api/v1/incidents/${encodeURIComponent(id)}/alerts`, { limit: 100 })).then((r) => r.alerts);
export const incidentLog = (id: string) => api<{ log_entries: LogEntry[] }>('GET', withQuery(`/api/v1/incidents/${encodeURIComponent(id)}/log_entries`, { limit: 100 })).then((r) => r.log_entries);

export const acknowledge = (id: string) => api<{ incident: Incident }>('POST', `/api/v1/incidents/${encodeURIComponent(id)}/acknowledge`);
export const resolve = (id: string) => api<{ incident: Incident }>('POST', `/api/v1/incidents/${encodeURIComponent(id)}/resolve`);
export const reassign = (id: string, userIds: string[]) =>
  api<{ incident: Incident }>('PUT', `/api/v1/incidents/${encodeURIComponent(id)}`, { incident: { assignments: userIds.map((u) => ({ assignee: { id: u, type: 'user_reference' } })) } });
export const addNote = (id: string, content: string) => api('POST', `/api/v1/incidents/${encodeURIComponent(id)}/notes`, { note: { content } });

export const publicUpdates = (id: string) => api<{ public_updates: PublicUpdate[] }>('GET', `/api/v1/incidents/${encodeURIComponent(id)}/public_updates`).then((r) => r.public_updates);
export const postPublicUpdate = (id: string, status: string, message: string) => api('POST', `/api/v1/incidents/${encodeURIComponent(id)}/public_updates`, { public_update: { status, message } });

/** Words a person reads on a log entry, newest first. */
export function describeEntry(e: LogEntry): string {
  return e.type === 'annotate_log_entry' ? `Note: ${e.note ?? e.summary}` : e.summary;
}

/** Page the pending level of the incident's policy at once (or `level`, 1-based); an acknowledged incident is triggered again. */
export const escalateNow = (id: string, level?: number) =>
  api<IncidentEscalated>('POST', `/api/v1/incidents/${encodeURIComponent(id)}/escalate`, level ? { escalation_level: level } : {});
