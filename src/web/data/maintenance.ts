import { api, withQuery } from './client';
import type { MaintenanceWindow, MaintenanceWindowIn } from './types';
import { fmtDateTime, msg } from '../i18n';

export type WindowFilter = 'ongoing' | 'future' | 'past';

export const listWindows = (filter: WindowFilter) =>
  api<{ maintenance_windows: MaintenanceWindow[] }>('GET', withQuery('/api/v1/maintenance_windows', { filter, limit: 100 })).then((r) => r.maintenance_windows);
export const createWindow = (w: MaintenanceWindowIn) => api<{ maintenance_window: MaintenanceWindow }>('POST', '/api/v1/maintenance_windows', { maintenance_window: w }).then((r) => r.maintenance_window);
/** DELETE: a window not begun is deleted; one in progress ends now (a recurring one stops repeating). */
export const endWindow = (id: string) => api<void>('DELETE', `/api/v1/maintenance_windows/${encodeURIComponent(id)}`);

const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

export interface WindowForm {
  serviceIds: string[];
  /** `<input type="datetime-local">` values, read in `timeZone`. */
  start: string;
  end: string;
  description: string;
  weekly: boolean;
  timeZone: string;
}

/**
 * The request for a form: local times are sent without an offset, with the zone they were
 * entered in (the server reads them there); a weekly window repeats on its start's weekday.
 */
export function windowRequest(f: WindowForm): MaintenanceWindowIn {
  const day = new Date(`${f.start.slice(0, 10)}T12:00:00Z`).getUTCDay(); // 0 = Sunday
  return {
    type: 'maintenance_window',
    start_time: f.start,
    end_time: f.end,
    services: f.serviceIds.map((id) => ({ id, type: 'service_reference' })),
    time_zone: f.timeZone,
    ...(f.description.trim() ? { description: f.description.trim() } : {}),
    ...(f.weekly ? { recurrence: `FREQ=WEEKLY;BYDAY=${DAYS[(day + 6) % 7]}` } : {}),
  };
}

/** RRULE's day codes, each with a Monday-based offset: named in the person's language. */
const DAY_OFFSET: Record<string, number> = { MO: 0, TU: 1, WE: 2, TH: 3, FR: 4, SA: 5, SU: 6 };
const weekday = (code: string): string => (code in DAY_OFFSET ? fmtDateTime(Date.UTC(2024, 0, 1 + DAY_OFFSET[code]!), { weekday: 'long', timeZone: 'UTC' }) : code);

/** "Every Sunday" for the rules the form makes; the rule itself otherwise. */
export function recurrenceLabel(rule: string | null): string | null {
  if (!rule) return null;
  const m = /^FREQ=WEEKLY;BYDAY=([A-Z]{2}(?:,[A-Z]{2})*)$/.exec(rule);
  if (m) return msg('data.maintenance.every', { v0: m[1]!.split(',').map((d) => weekday(d)).join(', ') });
  if (rule === 'FREQ=DAILY') return msg('data.maintenance.every_day');
  return rule;
}
