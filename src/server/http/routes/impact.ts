/**
 * Impact (issue 5, DESIGN §8): a service's impact metric, counts in (`POST /v1/impact`, in the
 * Events API's answer shape), the people affected by an incident, and reports of people served
 * with the expected band, as JSON or CSV (`?format=csv` or `Accept: text/csv`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { EventsError, IdParams, Nullable, Pagination, errorResponses } from '../../../contract/common.js';
import { ImpactIncidentRow, ImpactMetric, ImpactMetricIn, ImpactSeries, IncidentImpact, OrgTotals, RangeQuery, ServiceTotals } from '../../../contract/impact.js';
import { VigilError, invalid, notFound } from '../../errors.js';
import { iso, isoOrNull } from '../../lib/clock.js';
import { requireIncident } from '../../incident/incident.service.js';
import { incidentSummary } from '../../incident/incident.js';
import { getOrganization } from '../../org/org.store.js';
import { getService, getServicesByIds } from '../../service/service.store.js';
import type { ImpactMetricTable, IncidentTable, ServiceTable } from '../../storage/schema.js';
import { validateImpactBody } from '../../impact/ingest.js';
import * as store from '../../impact/impact.store.js';
import { presentIncidentImpact, presentMetric, putMetric, recordSamples, type ImpactMetricInput } from '../../impact/impact.service.js';
import { metricSummary, serviceSeries, toCsv, totals, type Granularity, type TotalsRow } from '../../impact/report.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { instant } from '../query.js';

/** Up to 10,000 samples of about 100 bytes each. */
export const IMPACT_BODY_LIMIT = 4 * 1024 * 1024;
/** Longest range a totals or incidents report may cover. */
const MAX_RANGE_MS = 10 * 366 * 86_400_000;

const Recorded = Type.Object({ status: Type.String(), message: Type.String(), samples: Type.Integer(), ignored: Type.Integer(), minutes: Type.Integer() });
const skipValidation = () => () => true;

const ImpactSampleDoc = Type.Object({
  routing_key: Type.String({ description: 'The key of an impact integration' }),
  count: Type.Optional(Type.Integer({ minimum: 0, description: 'Units completed in the interval' })),
  interval_start: Type.Optional(Type.String({ description: 'ISO 8601, on a whole minute' })),
  interval_seconds: Type.Optional(Type.Integer({ minimum: 60, multipleOf: 60 })),
  counter: Type.Optional(Type.Integer({ minimum: 0, description: 'A monotonic counter (resets are detected)' })),
  at: Type.Optional(Type.String({ description: 'When the counter was read' })),
  offered: Type.Optional(Type.Integer({ minimum: 0 })),
  answered: Type.Optional(Type.Integer({ minimum: 0 })),
  samples: Type.Optional(Type.Array(Type.Any(), { maxItems: 10_000, description: 'Batch form (backfill): samples without routing_key' })),
});

function wantsCsv(request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format === 'csv') return true;
  if (format === 'json') return false;
  return /\btext\/csv\b/i.test(String(request.headers.accept ?? ''));
}

function sendCsv(reply: FastifyReply, filename: string, body: string): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(body);
}

function range(q: { since: string; until: string }): { since: number; until: number } {
  const since = instant(q.since, 'since');
  const until = instant(q.until, 'until');
  if (since === undefined) throw invalid('since is required');
  if (until === undefined) throw invalid('until is required');
  if (!(until > since)) throw invalid('until must be after since');
  if (until - since > MAX_RANGE_MS) throw invalid('until: a report may cover at most ten years');
  return { since: Math.floor(since / 60_000) * 60_000, until: Math.ceil(until / 60_000) * 60_000 };
}

export function impactRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const serviceRef = (s: Pick<ServiceTable, 'id' | 'name'>) => p.ref('service_reference', s.id, s.name, 'services');
  const incidentRef = (i: Pick<IncidentTable, 'id' | 'number' | 'title'>) => p.ref('incident_reference', i.id, incidentSummary(Number(i.number), i.title), 'incidents');

  async function requireService(orgId: string, id: string): Promise<ServiceTable> {
    const s = await getService(db, orgId, id);
    if (!s) throw notFound(`service ${id}`);
    return s;
  }

  async function requireMetric(orgId: string, serviceId: string): Promise<ImpactMetricTable> {
    const m = await store.getMetric(db, orgId, serviceId);
    if (!m) throw notFound(`impact metric of service ${serviceId}`);
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // The metric

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
      const s = await requireService(orgId, request.params.id);
      const org = await getOrganization(db, orgId);
      const { row, created } = await putMetric(db, clock, orgId, s, org?.time_zone ?? 'UTC', request.body.impact_metric as ImpactMetricInput);
      return reply.code(created ? 201 : 200).send({ impact_metric: presentMetric(row, serviceRef(s), p.ingestUrl('impact')) as never });
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
      const s = await requireService(orgId, request.params.id);
      const m = await requireMetric(orgId, s.id);
      return { impact_metric: presentMetric(m, serviceRef(s), p.ingestUrl('impact')) as never };
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
      const s = await requireService(orgId, request.params.id);
      if (!(await store.deleteMetric(db, orgId, s.id))) throw notFound(`impact metric of service ${s.id}`);
      return reply.code(204).send(undefined as never);
    },
  );

  // ---------------------------------------------------------------------------------------------
  // Counts in

  app.post(
    '/v1/impact',
    {
      bodyLimit: IMPACT_BODY_LIMIT,
      config: { errorStyle: 'events', permission: 'public' },
      validatorCompiler: skipValidation,
      schema: {
        summary:
          'Send impact counts: {count, interval_start, interval_seconds} per interval, or {counter, at} from a monotonic counter, optionally with offered/answered; or {samples: [...]} to backfill history. Only counts are stored.',
        tags: ['ingest'],
        body: ImpactSampleDoc,
        response: { 202: Recorded, 400: EventsError, 413: EventsError, 429: EventsError },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const v = validateImpactBody(request.body, now);
      if (!v.ok) {
        deps.ingest.count('rejected', 'invalid');
        throw new VigilError('invalid_input', v.errors);
      }
      const target = await deps.ingest.resolveKey(v.routingKey, 'impact');
      if (!target) {
        deps.ingest.count('rejected', 'invalid');
        throw new VigilError('invalid_input', ["'routing_key' is not a known impact integration key"]);
      }
      deps.ingest.admit(target.integration.id);
      const r = await recordSamples(db, now, target.integration, v.samples);
      deps.ingest.count('accepted', 'impact');
      const message = r.ignored > 0 ? `Impact counts recorded; ${r.ignored} counter samples were not newer than the last one and were ignored` : 'Impact counts recorded';
      return reply.code(202).send({ status: 'success', message, samples: r.samples, ignored: r.ignored, minutes: r.minutes });
    },
  );

  // ---------------------------------------------------------------------------------------------
  // People affected by an incident

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
      const inc = await requireIncident(db, orgId, request.params.id);
      const [row, metric, service] = await Promise.all([store.getIncidentImpact(db, orgId, inc.id), store.getMetric(db, orgId, inc.service_id), getService(db, orgId, inc.service_id)]);
      if (!row || row.estimate === null) {
        const reason = !metric && !row ? 'the service has no impact metric' : !row ? 'not computed yet: the detector computes it at its next evaluation' : 'the service is still learning its baseline';
        return { impact: null, reason };
      }
      return { impact: presentIncidentImpact(row, { incident: incidentRef(inc), service: serviceRef(service ?? { id: inc.service_id, name: '' }) }, metric) as never, reason: null };
    },
  );

  // ---------------------------------------------------------------------------------------------
  // Reports

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
      const s = await requireService(orgId, request.params.id);
      const m = await requireMetric(orgId, s.id);
      const { since, until } = range(request.query);
      const g = (request.query.granularity ?? 'day') as Granularity;
      const { config, rows } = await serviceSeries(db, m, since, until, g);
      if (wantsCsv(request)) {
        return sendCsv(
          reply,
          `impact-${s.id}-${g}.csv`,
          toCsv(
            ['start', 'end', 'count', 'people', 'offered', 'answered', 'expected', 'expected_low', 'expected_high'],
            rows.map((r) => [iso(r.start), iso(r.end), r.count, r.people, r.offered, r.answered, r.expected, r.expected_low, r.expected_high]),
          ),
        );
      }
      return {
        impact_series: {
          service: serviceRef(s),
          metric: metricSummary(m),
          time_zone: config.timeZone,
          granularity: g,
          since: iso(rows[0]?.start ?? since),
          until: iso(rows[rows.length - 1]?.end ?? until),
          buckets: rows.map((r) => ({ ...r, start: iso(r.start), end: iso(r.end) })),
        },
      };
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
      const wanted = request.query['service_ids[]'];
      const metrics = await store.listMetrics(db, orgId, wanted);
      const csv = wantsCsv(request);
      const limit = csv ? 10_000 : (request.query.limit ?? 100);
      const offset = csv ? 0 : (request.query.offset ?? 0);
      const { rows, total } = await store.incidentsInRange(db, orgId, metrics.map((m) => m.service_id), since, until, limit, offset);
      const [impacts, services] = await Promise.all([store.incidentImpacts(db, orgId, rows.map((r) => r.id)), getServicesByIds(db, orgId, metrics.map((m) => m.service_id))]);
      const byService = new Map(services.map((s) => [s.id, s]));
      const byMetric = new Map(metrics.map((m) => [m.service_id, m]));
      const items = rows.map((inc) => {
        const s = byService.get(inc.service_id) ?? { id: inc.service_id, name: '' };
        const row = impacts.get(inc.id);
        return {
          inc,
          s,
          row: row && row.estimate !== null ? row : null,
          out: {
            incident: incidentRef(inc),
            incident_number: Number(inc.number),
            title: inc.title,
            status: inc.status,
            service: serviceRef(s),
            created_at: iso(Number(inc.created_at)),
            resolved_at: isoOrNull(inc.resolved_at === null ? null : Number(inc.resolved_at)),
            impact: row && row.estimate !== null ? presentIncidentImpact(row, { incident: incidentRef(inc), service: serviceRef(s) }, byMetric.get(inc.service_id)) : null,
          },
        };
      });
      if (csv) {
        return sendCsv(
          reply,
          'impact-incidents.csv',
          toCsv(
            ['incident_number', 'incident_id', 'title', 'status', 'service_id', 'service_name', 'created_at', 'resolved_at', 'window_start', 'window_end', 'label', 'shortfall', 'shortfall_low', 'shortfall_high', 'net', 'net_low', 'net_high', 'frozen'],
            items.map(({ inc, s, row, out }) => [
              Number(inc.number),
              inc.id,
              inc.title,
              inc.status,
              s.id,
              s.name,
              out.created_at,
              out.resolved_at,
              row ? iso(Number(row.window_start)) : null,
              row && row.window_end !== null ? iso(Number(row.window_end)) : null,
              row?.label ?? null,
              row?.estimate ?? null,
              row?.low ?? null,
              row?.high ?? null,
              row?.net ?? null,
              row?.net_low ?? null,
              row?.net_high ?? null,
              row ? Number(row.frozen) === 1 : null,
            ]),
          ),
        );
      }
      return { incidents: items.map((i) => i.out as never), limit, offset, more: offset + items.length < total, total };
    },
  );

  function totalsRow(t: TotalsRow, s: Pick<ServiceTable, 'id' | 'name'>) {
    return {
      service: serviceRef(s),
      metric: metricSummary(t.metric),
      count: t.count,
      people: t.people,
      offered: t.offered,
      answered: t.answered,
      incidents: t.incidents,
      people_affected: t.peopleAffected,
      people_affected_net: t.peopleAffectedNet,
    };
  }

  const totalsCsvHeader = ['service_id', 'service_name', 'metric', 'unit_label', 'label', 'iris_metric_id', 'count', 'people', 'offered', 'answered', 'incidents', 'people_affected', 'people_affected_net'];
  const totalsCsvRow = (t: TotalsRow, s: Pick<ServiceTable, 'id' | 'name'>) => {
    const m = metricSummary(t.metric);
    return [s.id, s.name, m.name, m.unit_label, m.label, m.iris_metric_id, t.count, t.people, t.offered, t.answered, t.incidents, t.peopleAffected, t.peopleAffectedNet];
  };

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
      const s = await requireService(orgId, request.params.id);
      const m = await requireMetric(orgId, s.id);
      const { since, until } = range(request.query);
      const [t] = await totals(db, orgId, [m], since, until);
      if (wantsCsv(request)) return sendCsv(reply, `impact-${s.id}-totals.csv`, toCsv(totalsCsvHeader, [totalsCsvRow(t!, s)]));
      return { totals: totalsRow(t!, s), since: iso(since), until: iso(until) };
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
      const metrics = await store.listMetrics(db, orgId);
      const services = new Map((await getServicesByIds(db, orgId, metrics.map((m) => m.service_id))).map((s) => [s.id, s]));
      const live = metrics.filter((m) => services.has(m.service_id));
      const rows = await totals(db, orgId, live, since, until);
      const named = rows.map((t) => ({ t, s: services.get(t.metric.service_id)! }));
      if (wantsCsv(request)) return sendCsv(reply, 'impact-totals.csv', toCsv(totalsCsvHeader, named.map(({ t, s }) => totalsCsvRow(t, s))));
      const inPeople = rows.filter((t) => t.people !== null);
      const people = inPeople.reduce((a, t) => a + t.people!, 0);
      const affected = inPeople.reduce((a, t) => a + t.peopleAffectedNet, 0);
      return {
        totals: {
          since: iso(since),
          until: iso(until),
          services: named.map(({ t, s }) => totalsRow(t, s)),
          people,
          people_affected: affected,
          services_counted_in_contacts: rows.filter((t) => t.people === null).map((t) => t.metric.service_id),
        },
      };
    },
  );
}
