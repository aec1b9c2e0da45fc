import { api, withQuery } from './client';
import type { Alert, Incident, IncidentDetail, IncidentEscalated, IncidentStatus, LogEntry, Page, Priority, PublicUpdate, UpdateTemplate, Urgency } from './types';
import { msg } from '../i18n';

export interface IncidentFilter {
  statuses: IncidentStatus[];
  urgencies?: Urgency[];
  serviceIds?: string[];
  /** Priority ids (Vigil's `priorities[]` filter). */
  priorityIds?: string[];
  limit?: number;
}

export const listIncidents = (f: IncidentFilter) =>
  api<{ incidents: Incident[] } & Page>(
    'GET',
    withQuery('/api/v1/incidents', { 'statuses[]': f.statuses, 'urgencies[]': f.urgencies, 'service_ids[]': f.serviceIds, 'priorities[]': f.priorityIds, sort_by: 'created_at:desc', limit: f.limit ?? 50, total: true, date_range: 'all' }),
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
export const postPublicUpdate = (id: string, status: string, message: string, people?: { language: 'en' | 'fr' | 'es' }) =>
  api('POST', `/api/v1/incidents/${encodeURIComponent(id)}/public_updates`, { public_update: { status, message, ...(people ? { show_people_affected: true, language: people.language } : {}) } });
/** Plain-language templates, filled from the incident. */
export const updateTemplates = (id: string, lang: 'en' | 'fr' | 'es') =>
  api<{ update_templates: UpdateTemplate[] }>('GET', `/api/v1/status_page/update_templates?lang=${lang}&incident_id=${encodeURIComponent(id)}`).then((r) => r.update_templates);

/** Words a person reads on a log entry, newest first. */
export function describeEntry(e: LogEntry): string {
  return e.type === 'annotate_log_entry' ? msg('data.incidents.note', { v0: e.note ?? e.summary }) : e.summary;
}

/** Page the pending level of the incident's policy at once (or `level`, 1-based); an acknowledged incident is triggered again. */
export const escalateNow = (id: string, level?: number) =>
  api<IncidentEscalated>('POST', `/api/v1/incidents/${encodeURIComponent(id)}/escalate`, level ? { escalation_level: level } : {});

/** The organization's priorities, most severe first. */
export const listPriorities = () => api<{ priorities: Priority[] }>('GET', withQuery('/api/v1/priorities', { limit: 100 })).then((r) => r.priorities);
/** Give the incident a priority, or none (null). */
export const setPriority = (id: string, priorityId: string | null) =>
  api<{ incident: Incident }>('PUT', `/api/v1/incidents/${encodeURIComponent(id)}`, { incident: { type: 'incident_reference', priority: priorityId ? { id: priorityId, type: 'priority_reference' } : null } });
/** Snooze an acknowledged incident: it triggers again after `seconds`. */
export const snooze = (id: string, seconds: number) => api<{ incident: Incident }>('POST', `/api/v1/incidents/${encodeURIComponent(id)}/snooze`, { duration: seconds });
/** Merge these open incidents into `id`: their alerts move there and they resolve. */
export const merge = (id: string, sourceIds: string[]) =>
  api<{ incident: Incident }>('PUT', `/api/v1/incidents/${encodeURIComponent(id)}/merge`, { source_incidents: sourceIds.map((s) => ({ id: s, type: 'incident_reference' })) });

/** When a snoozed incident triggers again (its pending unacknowledge), or null. */
export const snoozedUntil = (i: Pick<Incident, 'status' | 'pending_actions'>): string | null =>
  i.status === 'acknowledged' ? (i.pending_actions.find((a) => a.type === 'unacknowledge')?.at ?? null) : null;
