import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { serviceChangeEvents } from '../../incident/incident-read.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';

export function changeEventRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;

  app.get(
    '/api/v1/services/:id/change_events',
    {
      config: { permission: 'read' },
      schema: {
        summary: "The service's change events (deploys and the like), newest first",
        tags: ['services'],
        params: IdParams,
        querystring: Type.Object(PageQuery),
        response: {
          200: Type.Object({
            change_events: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), summary: Type.String(), source: Type.Union([Type.String(), Type.Null()]), timestamp: Type.String(), custom_details: Type.Any(), links: Type.Array(Type.Any()) })),
            ...Pagination,
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const { rows, total } = await serviceChangeEvents(db, orgId, request.params.id, limit, offset);
      return page('change_events', rows.map((r) => p.changeEvent(r)), limit, offset, total, request.query.total);
    },
  );
}
