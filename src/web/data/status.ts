import { msg, type MessageId } from '../i18n';
import { api } from './client';
import type { PublicStatusPage, StatusPagePatch, StatusPageSettings } from './types';

export const publicStatus = (slug: string) => api<PublicStatusPage>('GET', `/api/v1/public/status/${encodeURIComponent(slug)}`, undefined, { quietAuth: true });
export const statusSettings = () => api<{ status_page: StatusPageSettings }>('GET', '/api/v1/status_page').then((r) => r.status_page);
export const saveStatusSettings = (s: StatusPagePatch) => api<{ status_page: StatusPageSettings }>('PUT', '/api/v1/status_page', { status_page: s }).then((r) => r.status_page);

const STATE_IDS: Record<string, MessageId> = {
  operational: 'status.state.operational',
  degraded: 'status.state.degraded',
  outage: 'status.state.outage',
  maintenance: 'status.state.maintenance',
};

const OVERALL_IDS: Record<string, MessageId> = {
  operational: 'status.overall.operational',
  degraded: 'status.overall.degraded',
  outage: 'status.overall.outage',
  maintenance: 'status.overall.maintenance',
};

/** A component's state in the current language (an unknown state as the server sent it). */
export const stateLabel = (state: string): string => (STATE_IDS[state] ? msg(STATE_IDS[state]) : state);
/** The page's overall state in the current language. */
export const overallLabel = (state: string): string => (OVERALL_IDS[state] ? msg(OVERALL_IDS[state]) : state);
