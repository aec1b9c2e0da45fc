/**
 * The impact report for boards and funders: one calendar month or quarter (Q1 = January to
 * March) in the organization's zone. People served against expected (per service with an impact metric), the people
 * incidents affected, availability measured in people, how fast pages were answered and
 * incidents resolved, the postmortems published and action items closed, and the volunteer
 * hours given per partner company. Each figure comes from the module that owns it; this file
 * only gathers them (docs/analytics.md defines each).
 */
import type { Kysely } from 'kysely';
import { invalid } from '../errors.js';
import { loadFacts, type AnalyticsQuery } from '../analytics/analytics.service.js';
import { summarize, type Summary } from '../analytics/metrics.js';
import { orgTotals, serviceSeries } from '../impact/report.js';
import { findOrganization } from '../org/org.service.js';
import { actionItemsClosedIn, publishedPostmortemsIn } from '../postmortem/postmortem.service.js';
import type { Database } from '../storage/schema.js';
import { listCompanies } from '../volunteer/company.service.js';
import { computeLedger } from '../volunteer/ledger.service.js';
import { monthRange } from '../volunteer/ledger.js';

type Db = Kysely<Database>;

export interface ServiceImpactLine {
  serviceId: string;
  serviceName: string;
  label: string;
  served: number;
  /** Sum of the expected counts of the month (null while the service is learning). */
  expected: number | null;
  expectedLow: number | null;
  expectedHigh: number | null;
  incidents: number;
  affected: number;
  affectedNet: number;
  /** Sums of the incidents' 90 % interval bounds (a conservative range for the total). */
  affectedLow: number;
  affectedHigh: number;
  /** served / (served + affected): the share of the people who came that were served. */
  availability: number | null;
}

/** A calendar month (YYYY-MM) or quarter (YYYY-Qn) in the organization's zone. */
export type ReportPeriod = { kind: 'month'; month: string } | { kind: 'quarter'; quarter: string };

export interface MonthlyReport {
  /** YYYY-MM or YYYY-Qn. */
  period: string;
  kind: ReportPeriod['kind'];
  /** The months it covers, in order. */
  months: string[];
  timeZone: string;
  since: number;
  until: number;
  services: ServiceImpactLine[];
  incidents: Summary;
  postmortemsPublished: { id: string; title: string; publishedAt: number }[];
  actionItemsClosed: number;
  volunteerHours: { company: string; volunteers: number; onCallHours: number; responseHours: number; totalHours: number }[];
}

const HOUR = 3_600_000;

/** The months of a period, refusing a malformed one naming the field. */
export function monthsOf(p: ReportPeriod): string[] {
  if (p.kind === 'month') {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(p.month)) throw invalid(`month must be a month YYYY-MM, got ${JSON.stringify(p.month).slice(0, 20)}`);
    return [p.month];
  }
  const m = /^(\d{4})-Q([1-4])$/.exec(p.quarter);
  if (!m) throw invalid(`quarter must be a quarter YYYY-Qn (Q1 to Q4), got ${JSON.stringify(p.quarter).slice(0, 20)}`);
  const first = (Number(m[2]) - 1) * 3 + 1;
  return [0, 1, 2].map((i) => `${m[1]}-${String(first + i).padStart(2, '0')}`);
}

export async function monthlyReport(db: Db, now: number, orgId: string, month: string): Promise<MonthlyReport> {
  return impactReport(db, now, orgId, { kind: 'month', month });
}

export async function impactReport(db: Db, now: number, orgId: string, period: ReportPeriod): Promise<MonthlyReport> {
  const months = monthsOf(period);
  const timeZone = (await findOrganization(db, orgId))?.time_zone ?? 'UTC';
  const since = monthRange(months[0]!, timeZone).start;
  const until = monthRange(months.at(-1)!, timeZone).end;
  const q: AnalyticsQuery = { orgId, since, until, timeZone, orgZone: timeZone, aggregateUnit: null, filters: {} };
  const [named, facts, published, closed, ledger, companies] = await Promise.all([
    orgTotals(db, orgId, since, until),
    loadFacts(db, q),
    publishedPostmortemsIn(db, orgId, since, until),
    actionItemsClosedIn(db, orgId, since, until),
    computeLedger(db, orgId, now, months),
    listCompanies(db, orgId),
  ]);
  const services: ServiceImpactLine[] = [];
  for (const { t, s } of named) {
    const { rows } = await serviceSeries(db, t.metric, since, until, 'month');
    const sum = (k: 'expected' | 'expected_low' | 'expected_high') => (rows.every((r) => r[k] !== null) && rows.length ? rows.reduce((a, r) => a + r[k]!, 0) : null);
    const served = t.people ?? t.count;
    services.push({
      serviceId: s.id,
      serviceName: s.name,
      label: t.people !== null ? 'people' : t.metric.unit_label,
      served,
      expected: sum('expected'),
      expectedLow: sum('expected_low'),
      expectedHigh: sum('expected_high'),
      incidents: t.incidents,
      affected: t.peopleAffected,
      affectedNet: t.peopleAffectedNet,
      affectedLow: t.peopleAffectedLow,
      affectedHigh: t.peopleAffectedHigh,
      availability: served + t.peopleAffected > 0 ? served / (served + t.peopleAffected) : null,
    });
  }
  const names = new Map(companies.map((c) => [c.company.id, c.company.name]));
  return {
    period: period.kind === 'month' ? period.month : period.quarter,
    kind: period.kind,
    months,
    timeZone,
    since,
    until,
    services,
    incidents: summarize(facts.facts, timeZone, facts.repeats),
    postmortemsPublished: published.map((p) => ({ id: p.id, title: p.title, publishedAt: p.published_at! })),
    actionItemsClosed: closed,
    volunteerHours: ledger.companies.map((c) => ({
      company: c.companyId ? (names.get(c.companyId) ?? 'a former partner') : 'No partner company',
      volunteers: c.volunteers,
      onCallHours: c.onCallMs / HOUR,
      responseHours: c.responseMs / HOUR,
      totalHours: c.totalMs / HOUR,
    })),
  };
}
