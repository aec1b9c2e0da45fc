/**
 * A service's impact metric: what it counts, its opening hours and holidays, and the
 * detector's settings and status (DESIGN §8).
 */
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { ImpactMetric, ImpactMetricIn } from '../../../contract/impact.js';
import { removeMetric, requireServiceMetric, setMetric, type ImpactMetricInput } from '../../impact/impact.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

export function impactMetricRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.put(
    '/api/v1/services/:id/impact_metric',
    {
      schema: {
        summary: "Set the service's impact metric (what it counts, opening hours, holidays, detector settings). Replaces the whole metric.",
        tags: ['impact'],
        params: IdParams,
        body: ImpactMetricIn,
        response: { 200: Type.Object({ impact_metric: ImpactMetric }), 201: Type.Object({ impact_metric: ImpactMetric }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const { row, created, service } = await setMetric(db, clock, orgId, request.params.id, request.body.impact_metric as ImpactMetricInput);
      return reply.code(created ? 201 : 200).send({ impact_metric: p.impactMetric(row, service) as never });
    },
  );

  app.get(
    '/api/v1/services/:id/impact_metric',
    {
      config: { permission: 'read' },
      schema: {
        summary: "The service's impact metric and the detector's status (learning, active, insufficient volume)",
        tags: ['impact'],
        params: IdParams,
        response: { 200: Type.Object({ impact_metric: ImpactMetric }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const { service, metric } = await requireServiceMetric(db, orgId, request.params.id);
      return { impact_metric: p.impactMetric(metric, service) as never };
    },
  );

  app.delete(
    '/api/v1/services/:id/impact_metric',
    {
      schema: {
        summary: 'Remove the impact metric (detection stops; the stored counts and incident figures stay)',
        tags: ['impact'],
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await removeMetric(db, orgId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );
}
