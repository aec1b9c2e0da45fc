/**
 * People affected and people served: an incident's figure, and reports with the expected
 * band, as JSON or CSV (`?format=csv` or `Accept: text/csv`).
 */
import { Type } from 'typebox';
import { IdParams, Nullable, Pagination, errorResponses } from '../../../contract/common.js';
import { ImpactIncidentRow, ImpactSeries, IncidentImpact, OrgTotals, RangeQuery, ServiceTotals } from '../../../contract/impact.js';
import { invalid } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import { impactIncidents, incidentImpact, requireServiceMetric } from '../../impact/impact.service.js';
import { orgTotals, serviceSeries, totals, type Granularity } from '../../impact/report.js';
import type { App, AppDeps } from '../deps.js';
import { sendCsv, wantsCsv } from '../csv.js';
import { principalOf } from '../plugins/auth.js';
import { impactIncidentsCsv, impactSeriesCsv, totalsCsv } from '../presenters/impact.js';
import { instant } from '../query.js';

/** Longest range a totals or incidents report may cover. */
const MAX_RANGE_MS = 10 * 366 * 86_400_000;

function range(q: { since: string; until: string }): { since: number; until: number } {
  const since = instant(q.since, 'since');
  const until = instant(q.until, 'until');
  if (since === undefined) throw invalid('since is required');
  if (until === undefined) throw invalid('until is required');
  if (!(until > since)) throw invalid('until must be after since');
  if (until - since > MAX_RANGE_MS) throw invalid('until: a report may cover at most ten years');
  return { since: Math.floor(since / 60_000) * 60_000, until: Math.ceil(until / 60_000) * 60_000 };
}

export function impactReportRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;

  app.get(
    '/api/v1/incidents/:id/impact',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'People affected by an incident: the shortfall against the expected count over its window, with a 90 % interval, and net of catch-up in the following 24 hours',
        tags: ['impact'],
        params: IdParams,
        response: { 200: Type.Object({ impact: Nullable(IncidentImpact), reason: Nullable(Type.String()) }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      return p.incidentImpact(await incidentImpact(db, orgId, request.params.id)) as never;
    },
  );

  const Format = { format: RangeQuery.format };

  app.get(
    '/api/v1/impact/services/:id/series',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Served per hour, day or month (local to the metric time zone) with the expected count and its 5 %–95 % band',
        tags: ['impact'],
        params: IdParams,
        querystring: Type.Object({ ...RangeQuery, granularity: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('month')], { default: 'day' })) }),
        response: { 200: Type.Object({ impact_series: ImpactSeries }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const { service: s, metric: m } = await requireServiceMetric(db, orgId, request.params.id);
      const { since, until } = range(request.query);
      const g = (request.query.granularity ?? 'day') as Granularity;
      const { config, rows } = await serviceSeries(db, m, since, until, g);
      if (wantsCsv(request)) return sendCsv(reply, `impact-${s.id}-${g}.csv`, impactSeriesCsv(rows));
      return { impact_series: p.impactSeries(s, m, config.timeZone, g, since, until, rows) };
    },
  );

  app.get(
    '/api/v1/impact/incidents',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Incidents created in a range on services with an impact metric, with the people they affected',
        tags: ['impact'],
        querystring: Type.Object({
          ...RangeQuery,
          'service_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        }),
        response: { 200: Type.Object({ incidents: Type.Array(ImpactIncidentRow), ...Pagination }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const { since, until } = range(request.query);
      const csv = wantsCsv(request);
      const limit = csv ? 10_000 : (request.query.limit ?? 100);
      const offset = csv ? 0 : (request.query.offset ?? 0);
      const found = await impactIncidents(db, orgId, { serviceIds: request.query['service_ids[]'], since, until, limit, offset });
      const items = p.impactIncidents(found);
      if (csv) return sendCsv(reply, 'impact-incidents.csv', impactIncidentsCsv(items));
      return { incidents: items.map((i) => i.out as never), limit, offset, more: offset + items.length < found.total, total: found.total };
    },
  );

  app.get(
    '/api/v1/impact/services/:id/totals',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Totals of one service for any range: served, offered/answered, incidents and the people they affected',
        tags: ['impact'],
        params: IdParams,
        querystring: Type.Object(RangeQuery),
        response: { 200: Type.Object({ totals: ServiceTotals, since: Type.String(), until: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const { service: s, metric: m } = await requireServiceMetric(db, orgId, request.params.id);
      const { since, until } = range(request.query);
      const [t] = await totals(db, orgId, [m], since, until);
      if (wantsCsv(request)) return sendCsv(reply, `impact-${s.id}-totals.csv`, totalsCsv([{ t: t!, s }]));
      return { totals: p.impactTotals(t!, s), since: iso(since), until: iso(until) };
    },
  );

  app.get(
    '/api/v1/impact/totals',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Totals of the organization for any range, per service and overall (people where the units are people)',
        tags: ['impact'],
        querystring: Type.Object({ ...RangeQuery, ...Format }),
        response: { 200: Type.Object({ totals: OrgTotals }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const { since, until } = range(request.query);
      const named = await orgTotals(db, orgId, since, until);
      if (wantsCsv(request)) return sendCsv(reply, 'impact-totals.csv', totalsCsv(named));
      return { totals: p.orgImpactTotals(since, until, named) };
    },
  );
}
