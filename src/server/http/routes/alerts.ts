import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Alert } from '../../../contract/incident.js';
import { incidentAlerts } from '../../incident/incident-read.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';

export function alertRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;

  app.get(
    '/api/v1/incidents/:id/alerts',
    { config: { permission: 'read' }, schema: { summary: "An incident's alerts", tags: ['incidents'], params: IdParams, querystring: Type.Object(PageQuery), response: { 200: Type.Object({ alerts: Type.Array(Alert), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const { rows, total, serviceName } = await incidentAlerts(db, orgId, request.params.id, limit, offset);
      return page('alerts', rows.map((a) => p.alert(a, serviceName, null)), limit, offset, total, request.query.total);
    },
  );
}
