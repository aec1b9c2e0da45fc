/**
 * Incident analytics: PagerDuty's `POST /analytics/metrics/incidents/{all,services,teams}`
 * and `POST /analytics/raw/incidents`, and Vigil's `POST /analytics/insights/incidents`
 * (busiest hours, services breaking most, repeats). Each answers CSV with `?format=csv`
 * or `Accept: text/csv`. The analytics service checks the body and names what it refuses.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { AnalyticsInsights, AnalyticsMetricsAnswer, AnalyticsMetricsRequest, AnalyticsRawAnswer, AnalyticsRawIncident, AnalyticsRawRequest, MonthlyImpactReport, QuarterlyImpactReport, ResponderLoadAnswer, ResponderLoadRequest, ResponderTeamsAnswer } from '../../../contract/analytics.js';
import { impactReport, type ReportPeriod } from '../../report/impact-report.service.js';
import { pdfRenderer } from '../../report/pdf.js';
import { impactReportPdf } from '../../report/report-pdf.service.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkResponderRequest, responderLoadReport } from '../../analytics/responder-load.service.js';
import { incidentInsights, incidentMetrics, parseAnalyticsQuery, rawIncident, rawIncidents, type AnalyticsQuery, type MetricsGrouping } from '../../analytics/analytics.service.js';
import { invalid } from '../../errors.js';
import type { App, AppDeps } from '../deps.js';
import { sendCsv, wantsCsv } from '../csv.js';
import { sendPdf, wantsPdf } from '../pdf.js';
import { principalOf } from '../plugins/auth.js';
import { metricsCsv, monthlyReportCsv, presentInsights, presentMonthlyReport, presentMetricRow, presentRawIncident, presentRawPage, presentResponderLoad, rawCsv, responderLoadCsv } from '../presenters/analytics.js';

const Format = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv: the data rows as CSV (also with Accept: text/csv)' })) });

const ReportFormat = Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('pdf')], { description: 'csv: one CSV of section, item, figure, value (also with Accept: text/csv); pdf: the printable report (also with Accept: application/pdf)' });

const echo = (q: AnalyticsQuery) => ({ filters: q.filters, time_zone: q.timeZone, ...(q.aggregateUnit ? { aggregate_unit: q.aggregateUnit } : {}) });

export function analyticsRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;

  const SUMMARIES: Record<MetricsGrouping, string> = {
    all: 'Incident metrics of the organization (per day, week or month in a zone): counts, time to acknowledge and to resolve (mean, median, p90), escalations, sleep-hour and repeat incidents',
    services: 'Incident metrics per service',
    'services/all': 'Incident metrics across all services (the same rows as /all)',
    teams: 'Incident metrics per team: Vigil has no teams, so no rows',
    'teams/all': 'Incident metrics across all teams: Vigil has no teams, so no rows',
    escalation_policies: 'Incident metrics per escalation policy (the policy each incident was last assigned to)',
    'escalation_policies/all': 'Incident metrics across the incidents assigned to an escalation policy',
  };
  for (const by of Object.keys(SUMMARIES) as MetricsGrouping[]) {
    app.post(
      `/api/v1/analytics/metrics/incidents/${by}`,
      {
        config: { permission: 'read', query: true },
        schema: {
          summary: SUMMARIES[by],
          tags: ['analytics'],
          querystring: Format,
          body: AnalyticsMetricsRequest,
          response: { 200: AnalyticsMetricsAnswer, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { orgId } = principalOf(request);
        const q = await parseAnalyticsQuery(db, orgId, request.body as Record<string, unknown>);
        const data = (await incidentMetrics(db, q, by)).map((r) => presentMetricRow(r, q.timeZone));
        if (wantsCsv(request)) return sendCsv(reply, `incident-metrics-${by.replace('/', '-')}.csv`, metricsCsv(data, by === 'services' ? 'service' : by === 'escalation_policies' ? 'escalation_policy' : null));
        return { ...echo(q), data } as never;
      },
    );
  }

  rawIncidentAndResponderTeamRoutes(app, deps);

  app.post(
    '/api/v1/analytics/raw/incidents',
    {
      config: { permission: 'read', query: true },
      schema: {
        summary: 'Incidents one by one with their figures, ordered by creation or time to resolve, paged by cursor',
        tags: ['analytics'],
        querystring: Format,
        body: AnalyticsRawRequest,
        response: { 200: AnalyticsRawAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const body = request.body as Record<string, unknown>;
      const q = await parseAnalyticsQuery(db, orgId, body, ['order', 'order_by', 'limit', 'starting_after', 'ending_before']);
      const page = presentRawPage(await rawIncidents(db, q, body), q.timeZone);
      if (wantsCsv(request)) return sendCsv(reply, 'incidents-raw.csv', rawCsv(page.data));
      return { ...page, filters: q.filters, time_zone: q.timeZone } as never;
    },
  );

  app.post(
    '/api/v1/analytics/insights/incidents',
    {
      config: { permission: 'read', query: true },
      schema: {
        summary: 'Busiest hours and weekdays, the services that break most, and repeated incidents (same service and title within 7 days)',
        tags: ['analytics'],
        body: AnalyticsMetricsRequest,
        response: { 200: AnalyticsInsights, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const body = request.body as Record<string, unknown>;
      if (body.aggregate_unit != null) throw invalid('aggregate_unit: insights cover the whole range; leave it out');
      const q = await parseAnalyticsQuery(db, orgId, body);
      return { ...presentInsights(await incidentInsights(db, q), q.timeZone), filters: q.filters, time_zone: q.timeZone } as never;
    },
  );

  app.post(
    '/api/v1/analytics/metrics/responders/all',
    {
      config: { permission: 'read', query: true },
      schema: {
        summary:
          'Responder load per person: pages, night pages (22:00–07:00 in their zone), weekend pages, time on call, incidents handled, time since the last night page; with the spread across each rotation. Owners and admins see everyone, anyone else only themselves',
        tags: ['analytics'],
        querystring: Format,
        body: ResponderLoadRequest,
        response: { 200: ResponderLoadAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, userId, role } = principalOf(request);
      const out = presentResponderLoad(await responderLoadReport(db, deps.clock.now(), { orgId, userId, role }, request.body as Record<string, unknown>));
      if (wantsCsv(request)) return sendCsv(reply, 'responder-load.csv', responderLoadCsv(out.data as Record<string, unknown>[]));
      return out as never;
    },
  );

  const report = async (request: FastifyRequest, reply: FastifyReply, period: ReportPeriod) => {
    const { orgId } = principalOf(request);
    const r = await impactReport(db, deps.clock.now(), orgId, period);
    if (wantsPdf(request)) return sendPdf(reply, `impact-report-${r.period}.pdf`, await impactReportPdf(db, pdfRenderer(deps.config.chromiumPath), orgId, r));
    const out = presentMonthlyReport(r);
    if (wantsCsv(request)) return sendCsv(reply, `impact-report-${r.period}.csv`, monthlyReportCsv(out));
    return out as never;
  };
  const figures =
    'people served against expected, people affected with intervals, availability in people, time to acknowledge and resolve, postmortems published, action items closed, volunteer hours per partner company. As CSV with ?format=csv, as PDF with ?format=pdf (503 when the server has no Chromium)';

  app.get(
    '/api/v1/analytics/reports/monthly',
    {
      config: { permission: 'read' },
      schema: {
        summary: `The monthly impact report (a calendar month in the organization’s zone): ${figures}`,
        tags: ['analytics'],
        querystring: Type.Object({ month: Type.String({ maxLength: 7, description: 'YYYY-MM' }), format: Type.Optional(ReportFormat) }),
        response: { 200: MonthlyImpactReport, ...errorResponses },
      },
    },
    async (request, reply) => report(request, reply, { kind: 'month', month: request.query.month }),
  );

  app.get(
    '/api/v1/analytics/reports/quarterly',
    {
      config: { permission: 'read' },
      schema: {
        summary: `The quarterly impact report (Q1 = January to March, in the organization’s zone): ${figures}`,
        tags: ['analytics'],
        querystring: Type.Object({ quarter: Type.String({ maxLength: 7, description: 'YYYY-Qn, e.g. 2026-Q1' }), format: Type.Optional(ReportFormat) }),
        response: { 200: QuarterlyImpactReport, ...errorResponses },
      },
    },
    async (request, reply) => report(request, reply, { kind: 'quarter', quarter: request.query.quarter }),
  );
}

/** PagerDuty's GET /analytics/raw/incidents/{id} and POST /analytics/metrics/responders/teams. */
function rawIncidentAndResponderTeamRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;
  app.get(
    '/api/v1/analytics/raw/incidents/:id',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'One incident with its figures (as a row of POST /analytics/raw/incidents), times in the organization’s zone',
        tags: ['analytics'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: AnalyticsRawIncident, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const { row, timeZone } = await rawIncident(db, orgId, request.params.id);
      return presentRawIncident(row, timeZone) as never;
    },
  );

  app.post(
    '/api/v1/analytics/metrics/responders/teams',
    {
      config: { permission: 'read', query: true },
      schema: {
        summary: 'Responder metrics per team: Vigil has no teams, so no rows (the request is checked as for /responders/all)',
        tags: ['analytics'],
        body: ResponderLoadRequest,
        response: { 200: ResponderTeamsAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId, userId, role } = principalOf(request);
      const r = await checkResponderRequest(db, { orgId, userId, role }, request.body as Record<string, unknown>);
      return { filters: r.filters, time_zone: r.timeZone, data: [] } as never;
    },
  );
}
