import { api } from './client';
import type { PublicStatusPage, StatusPagePatch, StatusPageSettings } from './types';

export const publicStatus = (slug: string) => api<PublicStatusPage>('GET', `/api/v1/public/status/${encodeURIComponent(slug)}`, undefined, { quietAuth: true });
export const statusSettings = () => api<{ status_page: StatusPageSettings }>('GET', '/api/v1/status_page').then((r) => r.status_page);
export const saveStatusSettings = (s: StatusPagePatch) => api<{ status_page: StatusPageSettings }>('PUT', '/api/v1/status_page', { status_page: s }).then((r) => r.status_page);

export const STATE_LABEL: Record<string, string> = {
  operational: 'Operational',
  degraded: 'Degraded performance',
  outage: 'Outage',
  maintenance: 'Under maintenance',
};

export const OVERALL_LABEL: Record<string, string> = {
  operational: 'All systems operational',
  degraded: 'Some services are degraded',
  outage: 'Some services are down',
  maintenance: 'Maintenance in progress',
};
