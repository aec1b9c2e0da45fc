/**
 * Impact resources: a service's metric with the detector's status, the people an incident
 * affected, report series and totals, and the CSV form of each report.
 */
import { iso, isoOrNull } from '../../lib/clock.js';
import { resolveSettings } from '../../impact/impact.js';
import { configOf, labelOf, type LastEvaluation } from '../../impact/impact.service.js';
import { metricSummary, toCsv, type Granularity, type SeriesRow, type TotalsRow } from '../../impact/report.js';
import type { ImpactMetricTable, IncidentImpactTable, IncidentTable, ServiceTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';
import { incidentRef } from './incident.js';
import { ingestUrl, serviceRef } from './service.js';

type NamedService = Pick<ServiceTable, 'id' | 'name'>;

export function presentImpactMetric(p: BasePresenter, row: ImpactMetricTable, service: NamedService) {
  const c = configOf(row);
  const last = row.last_evaluation ? (JSON.parse(row.last_evaluation) as LastEvaluation) : null;
  let effective: unknown = null;
  try {
    effective = resolveSettings(c.settings);
  } catch {
    effective = null;
  }
  return {
    type: 'impact_metric' as const,
    service: serviceRef(p, service),
    name: c.name,
    unit_label: c.unitLabel,
    kind: c.kind,
    label: labelOf(c.kind, c.peoplePerUnit),
    people_per_unit: c.peoplePerUnit,
    time_zone: c.timeZone,
    opening_hours: c.openingHours ? { rules: c.openingHours.rules.map((r) => ({ rrule: r.rrule, duration_minutes: r.durationMinutes })) } : null,
    iris_metric_id: c.irisMetricId,
    detector: c.overrides,
    detector_effective: effective,
    holidays: c.holidays,
    status: {
      state: row.status,
      summary: last?.summary ?? null,
      suggestion: last?.suggestion ?? null,
      clean_weeks: last?.clean_weeks ?? null,
      needed_weeks: last?.needed_weeks ?? null,
      level: last?.level ?? null,
      phi: last?.phi ?? null,
      evaluated_at: isoOrNull(row.evaluated_at === null ? null : Number(row.evaluated_at)),
      next_evaluation_at: iso(Number(row.next_eval_at)),
      first_data_at: isoOrNull(last?.first_data_at ?? null),
    },
    ingest_url: ingestUrl(p, 'impact'),
    created_at: iso(Number(row.created_at)),
    updated_at: iso(Number(row.updated_at)),
  };
}

/** The people an incident affected: shortfall and net of catch-up, each with its 90 % interval. */
export function presentIncidentImpact(
  row: IncidentImpactTable,
  refs: { incident: unknown; service: unknown },
  metric: Pick<ImpactMetricTable, 'unit_label' | 'iris_metric_id'> | undefined,
) {
  const n = (v: number | null) => (v === null ? 0 : Number(v));
  return {
    type: 'incident_impact' as const,
    incident: refs.incident,
    service: refs.service,
    label: row.label ?? 'contacts',
    unit_label: metric?.unit_label ?? '',
    iris_metric_id: metric?.iris_metric_id ?? null,
    window_start: iso(Number(row.window_start)),
    window_end: iso(Number(row.window_end ?? row.computed_at ?? row.window_start)),
    shortfall: { estimate: n(row.estimate), low: n(row.low), high: n(row.high) },
    net: { estimate: n(row.net), low: n(row.net_low), high: n(row.net_high) },
    expected: n(row.expected),
    observed: n(row.observed),
    catch_up: n(row.catch_up),
    catch_up_complete: Number(row.catch_up_complete) === 1,
    complete: Number(row.complete) === 1,
    computed_at: iso(Number(row.computed_at ?? 0)),
    frozen: Number(row.frozen) === 1,
  };
}

/** The short form shown inside an incident's detail, or null (no metric, or not computed yet). */
export function presentImpactBrief(p: BasePresenter, incidentId: string, figure: { row: IncidentImpactTable; metric: ImpactMetricTable | undefined } | null) {
  if (!figure) return null;
  const full = presentIncidentImpact(figure.row, { incident: null, service: null }, figure.metric);
  return {
    label: full.label,
    unit_label: full.unit_label,
    shortfall: full.shortfall,
    net: full.net,
    window_start: full.window_start,
    window_end: full.window_end,
    frozen: full.frozen,
    self: `${p.baseUrl}/api/v1/incidents/${incidentId}/impact`,
  };
}

/** GET /incidents/{id}/impact: the figure, or why there is none. */
export function presentIncidentImpactAnswer(
  p: BasePresenter,
  f: { incident: IncidentTable; row: IncidentImpactTable | undefined; metric: ImpactMetricTable | undefined; service: NamedService | undefined },
) {
  if (!f.row || f.row.estimate === null) {
    const reason = !f.metric && !f.row ? 'the service has no impact metric' : !f.row ? 'not computed yet: the detector computes it at its next evaluation' : 'the service is still learning its baseline';
    return { impact: null, reason };
  }
  return { impact: presentIncidentImpact(f.row, { incident: incidentRef(p, f.incident), service: serviceRef(p, f.service ?? { id: f.incident.service_id, name: '' }) }, f.metric), reason: null };
}

export function presentImpactSeries(p: BasePresenter, service: NamedService, metric: ImpactMetricTable, timeZone: string, g: Granularity, since: number, until: number, rows: SeriesRow[]) {
  return {
    service: serviceRef(p, service),
    metric: metricSummary(metric),
    time_zone: timeZone,
    granularity: g,
    since: iso(rows[0]?.start ?? since),
    until: iso(rows[rows.length - 1]?.end ?? until),
    buckets: rows.map((r) => ({ ...r, start: iso(r.start), end: iso(r.end) })),
  };
}

export function impactSeriesCsv(rows: SeriesRow[]): string {
  return toCsv(
    ['start', 'end', 'count', 'people', 'offered', 'answered', 'expected', 'expected_low', 'expected_high'],
    rows.map((r) => [iso(r.start), iso(r.end), r.count, r.people, r.offered, r.answered, r.expected, r.expected_low, r.expected_high]),
  );
}

/** One incident of the impact report, with the figure shown only once it is estimated. */
export interface ImpactIncidentItem {
  inc: IncidentTable;
  s: NamedService;
  row: IncidentImpactTable | null;
  out: ReturnType<typeof presentImpactIncident>;
}

function presentImpactIncident(p: BasePresenter, inc: IncidentTable, s: NamedService, row: IncidentImpactTable | null, metric: ImpactMetricTable | undefined) {
  return {
    incident: incidentRef(p, inc),
    incident_number: Number(inc.number),
    title: inc.title,
    status: inc.status,
    service: serviceRef(p, s),
    created_at: iso(Number(inc.created_at)),
    resolved_at: isoOrNull(inc.resolved_at === null ? null : Number(inc.resolved_at)),
    impact: row ? presentIncidentImpact(row, { incident: incidentRef(p, inc), service: serviceRef(p, s) }, metric) : null,
  };
}

export function impactIncidentItems(
  p: BasePresenter,
  f: { rows: IncidentTable[]; impacts: Map<string, IncidentImpactTable>; services: NamedService[]; metrics: ImpactMetricTable[] },
): ImpactIncidentItem[] {
  const byService = new Map(f.services.map((s) => [s.id, s]));
  const byMetric = new Map(f.metrics.map((m) => [m.service_id, m]));
  return f.rows.map((inc) => {
    const s = byService.get(inc.service_id) ?? { id: inc.service_id, name: '' };
    const found = f.impacts.get(inc.id);
    const row = found && found.estimate !== null ? found : null;
    return { inc, s, row, out: presentImpactIncident(p, inc, s, row, byMetric.get(inc.service_id)) };
  });
}

export function impactIncidentsCsv(items: ImpactIncidentItem[]): string {
  return toCsv(
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
  );
}

export function presentTotals(p: BasePresenter, t: TotalsRow, s: NamedService) {
  return {
    service: serviceRef(p, s),
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

export function totalsCsv(named: { t: TotalsRow; s: NamedService }[]): string {
  const header = ['service_id', 'service_name', 'metric', 'unit_label', 'label', 'iris_metric_id', 'count', 'people', 'offered', 'answered', 'incidents', 'people_affected', 'people_affected_net'];
  return toCsv(
    header,
    named.map(({ t, s }) => {
      const m = metricSummary(t.metric);
      return [s.id, s.name, m.name, m.unit_label, m.label, m.iris_metric_id, t.count, t.people, t.offered, t.answered, t.incidents, t.peopleAffected, t.peopleAffectedNet];
    }),
  );
}

/** The organization's totals: per service, and people overall where the units are people. */
export function presentOrgTotals(p: BasePresenter, since: number, until: number, named: { t: TotalsRow; s: NamedService }[]) {
  const rows = named.map((x) => x.t);
  const inPeople = rows.filter((t) => t.people !== null);
  return {
    since: iso(since),
    until: iso(until),
    services: named.map(({ t, s }) => presentTotals(p, t, s)),
    people: inPeople.reduce((a, t) => a + t.people!, 0),
    people_affected: inPeople.reduce((a, t) => a + t.peopleAffectedNet, 0),
    services_counted_in_contacts: rows.filter((t) => t.people === null).map((t) => t.metric.service_id),
  };
}
