/**
 * Every alert of the organization (a Vigil resource: PagerDuty lists alerts per incident
 * only). Suppressed alerts belong to no incident — an event rule or a maintenance window
 * suppressed them, or an organization's router sent them to no service — and this is where
 * they are seen and counted.
 */
import { Type } from 'typebox';
import { PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Alert } from '../../../contract/incident.js';
import { organizationAlerts } from '../../incident/incident-read.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { arr, checkWindow, instant } from '../query.js';

const Status = Type.Union(['triggered', 'acknowledged', 'resolved', 'suppressed'].map((s) => Type.Literal(s)));

export function alertListRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;
  app.get(
    '/api/v1/alerts',
    {
      config: { permission: 'read' },
      schema: {
        summary: "The organization's alerts, newest first, suppressed ones included (Vigil). `unrouted=true`: only events an organization's router sent to no service",
        tags: ['incidents'],
        querystring: Type.Object({
          ...PageQuery,
          'statuses[]': Type.Optional(Type.Array(Status, { maxItems: 4 })),
          'service_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
          unrouted: Type.Optional(Type.Boolean()),
          since: Type.Optional(Type.String({ maxLength: 64 })),
          until: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 200: Type.Object({ alerts: Type.Array(Alert), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const statuses = arr(q['statuses[]']) as ('triggered' | 'acknowledged' | 'resolved' | 'suppressed')[] | undefined;
      const serviceIds = arr(q['service_ids[]']);
      const since = instant(q.since, 'since');
      const until = instant(q.until, 'until');
      const { rows, total, serviceNames } = await organizationAlerts(db, orgId, {
        limit,
        offset,
        ...(statuses ? { statuses } : {}),
        ...(serviceIds ? { serviceIds } : {}),
        ...(q.unrouted ? { unrouted: true } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      });
      return page('alerts', rows.map((a) => p.alert(a, a.service_id ? (serviceNames.get(a.service_id) ?? null) : null, null)), limit, offset, total, q.total);
    },
  );
}
