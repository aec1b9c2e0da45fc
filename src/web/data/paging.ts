import type { Static } from 'typebox';
import type * as paging from '../../contract/paging-path';
import { api, withQuery } from './client';

export type PagingPath = Static<typeof paging.PagingPath>;

/** Who an alert on the service would page at `at` (an ISO instant; default now). */
export const getPagingPath = (serviceId: string, q: { at?: string; urgency?: 'high' | 'low' }) =>
  api<{ paging_path: PagingPath }>('GET', withQuery(`/api/v1/services/${encodeURIComponent(serviceId)}/paging_path`, q)).then((r) => r.paging_path);
