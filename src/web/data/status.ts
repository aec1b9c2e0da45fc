import { msg, type MessageId } from '../i18n';
import { api } from './client';
import type { PublicStatusPage, StatusPagePatch, StatusPageSettings, StatusSubscriber } from './types';

export const publicStatus = (slug: string) => api<PublicStatusPage>('GET', `/api/v1/public/status/${encodeURIComponent(slug)}`, undefined, { quietAuth: true });
export const statusSettings = () => api<{ status_page: StatusPageSettings }>('GET', '/api/v1/status_page').then((r) => r.status_page);
export const saveStatusSettings = (s: StatusPagePatch) => api<{ status_page: StatusPageSettings }>('PUT', '/api/v1/status_page', { status_page: s }).then((r) => r.status_page);

const pub = (slug: string) => `/api/v1/public/status/${encodeURIComponent(slug)}`;
/** The page is read in `lang`: the subscriber's mails will be in it. */
export const subscribeToStatus = (slug: string, email: string, componentIds: string[], lang: string) => api<unknown>('POST', `${pub(slug)}/subscriptions?lang=${encodeURIComponent(lang)}`, { email, ...(componentIds.length ? { component_ids: componentIds } : {}) }, { quietAuth: true });
export const confirmStatusSubscription = (slug: string, token: string) => api<unknown>('POST', `${pub(slug)}/subscriptions/confirm`, { token }, { quietAuth: true });
export const unsubscribeFromStatus = (slug: string, token: string) => api<unknown>('POST', `${pub(slug)}/unsubscribe?token=${encodeURIComponent(token)}`, {}, { quietAuth: true });
export const statusFeedUrl = (slug: string, format: 'atom' | 'rss') => `${pub(slug)}/feed.${format}`;
export const listStatusSubscribers = (offset = 0) => api<{ subscribers: StatusSubscriber[]; more: boolean; total: number | null; offset: number; limit: number }>('GET', `/api/v1/status_page/subscribers?limit=100&offset=${offset}&total=true`);
export const removeStatusSubscriber = (id: string) => api<unknown>('DELETE', `/api/v1/status_page/subscribers/${encodeURIComponent(id)}`);

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
