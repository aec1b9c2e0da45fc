import type { Static } from 'typebox';
import type * as paging from '../../contract/paging-path';
import { api, withQuery } from './client';

export type PagingPath = Static<typeof paging.PagingPath>;

/** Who an alert on the service would page at `at` (an ISO instant; default now). */
export const getPagingPath = (serviceId: string, q: { at?: string; urgency?: 'high' | 'low' }) =>
  api<{ paging_path: PagingPath }>('GET', withQuery(`/api/v1/services/${encodeURIComponent(serviceId)}/paging_path`, q)).then((r) => r.paging_path);

export type EventRulesVerdict = Static<typeof paging.EventRulesVerdict>;
export type PagingSample = Static<typeof paging.PagingPathSample>;

/** The same for a sample event (Events API v2 shape), after the event rules; paging_path is null when nothing would page. */
export const samplePagingPath = (serviceId: string, body: PagingSample) =>
  api<{ event_rules: EventRulesVerdict; paging_path: PagingPath | null }>('POST', `/api/v1/services/${encodeURIComponent(serviceId)}/paging_path`, body);
