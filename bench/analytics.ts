/**
 * Incident analytics over a seeded history: 100,000 incidents over a year on 20 services,
 * each with about ten log entries (about 1,000,000 in all: trigger, assignment,
 * notifications, escalation, acknowledgement, a note, resolution), written through the
 * incident store. Times what each route does short of the socket (the service as the route
 * calls it, the route's presenter, and JSON.stringify of the answer): POST
 * /analytics/metrics/incidents/all for a year by month, .../services for a month by week,
 * the insights of a year, the first page of POST /analytics/raw/incidents (a month by time
 * to resolve, and a year by creation), and the responder load of a year. Each figure is p50
 * and max of `runs` runs (5 unless given) after a warm-up.
 *
 *   npm run bench:build && node dist/bench/bench/analytics.js [sqlite|postgres] [incidents] [runs]
 */
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { incidentInsights, incidentMetrics, parseAnalyticsQuery, rawIncidents } from '../src/server/analytics/analytics.service.js';
import { fillIncidentFacts } from '../src/server/analytics/facts.service.js';
import { responderLoadReport } from '../src/server/analytics/responder-load.service.js';
import { presentInsights, presentMetricRow, presentRawPage, presentResponderLoad } from '../src/server/http/presenters/analytics.js';
import { insertIncident } from '../src/server/incident/incident.store.js';
import { insertLogEntries } from '../src/server/incident/log-entry.store.js';
import { systemClock } from '../src/server/lib/clock.js';
import { newId } from '../src/server/lib/ids.js';
import { initOrganization } from '../src/server/org/org.service.js';
import { createService } from '../src/server/service/service.service.js';
import type { DbHandle, DialectName } from '../src/server/storage/dialect.js';
import type { IncidentTable, LogEntryTable } from '../src/server/storage/schema.js';
import { createBenchDb, tempRoot } from './lib/seed.js';

const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;
const SERVICES = 20;
const TYPES = ['trigger_log_entry', 'assign_log_entry', 'notify_log_entry', 'notify_log_entry', 'escalate_log_entry', 'notify_log_entry', 'acknowledge_log_entry', 'annotate_log_entry', 'notify_log_entry', 'resolve_log_entry'];

export interface AnalyticsFigure {
  name: string;
  /** Median of the runs (the lower middle one of an even count). */
  ms: number;
  maxMs: number;
  runs: number[];
}

async function time(name: string, runCount: number, fn: () => Promise<unknown>): Promise<AnalyticsFigure> {
  JSON.stringify(await fn());
  const runs: number[] = [];
  for (let i = 0; i < runCount; i++) {
    const start = performance.now();
    JSON.stringify(await fn());
    runs.push(performance.now() - start);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { name, ms: sorted[Math.ceil(sorted.length / 2) - 1]!, maxMs: sorted.at(-1)!, runs };
}

/**
 * An organization with `incidents` resolved incidents over 2025 on 20 services, each with
 * about ten log entries, written through the incident store in transactions of 2,000
 * (also the start-up bench's database: bench/startup.ts).
 */
export async function seedIncidentHistory(h: DbHandle, incidents: number, log: (s: string) => void = () => {}): Promise<{ init: Awaited<ReturnType<typeof initOrganization>>; entries: number }> {
  const init = await initOrganization(h.db, systemClock, { orgName: 'Analytics Bench', email: 'owner@analytics.example', userName: 'Olive' });
  const orgId = init.org.id;
  const services: { id: string; name: string }[] = [];
  for (let i = 0; i < SERVICES; i++) services.push(await createService(h.db, systemClock, orgId, { name: `Service ${i}` }));
  let entries = 0;
  const BATCH = 2_000;
  for (let b = 0; b < incidents; b += BATCH) {
    await h.db.transaction().execute(async (trx) => {
      const logs: LogEntryTable[] = [];
      for (let i = b; i < Math.min(incidents, b + BATCH); i++) {
        const created = YEAR_START + Math.floor((i / incidents) * YEAR_MS);
        const s = services[(i * 7) % SERVICES]!;
        const id = newId(created);
        const resolved = created + (300 + (i % 97) * 60) * 1000;
        const row: IncidentTable = {
          org_id: orgId, id, number: i + 1, service_id: s.id, title: `Check ${i % 50} failing`, status: 'resolved', urgency: i % 4 ? 'high' : 'low', incident_key: null, open_group: null, group_until: null, group_fields: null,
          priority_id: null, snoozed_until: null, paused_until: null, body: null, created_at: created, updated_at: resolved, last_status_change_at: resolved, last_status_change_by: null, acknowledged_at: null,
          acknowledged_by: null, resolved_at: resolved, resolved_by: null, assigned_via: 'escalation_policy', escalation_policy_id: null, escalation_snapshot: null, escalation_level: 0, escalation_loop: 0, next_step_at: null, escalation_epoch: 0,
        };
        await insertIncident(trx, row);
        TYPES.forEach((type, k) => {
          if (type === 'acknowledge_log_entry' && i % 10 === 0) return;
          const at = created + k * 20_000;
          logs.push({ org_id: orgId, id: newId(at), incident_id: id, service_id: s.id, type, created_at: at, agent: null, channel: '{"type":"auto"}', summary: type, details: type === 'escalate_log_entry' ? '{"level":2,"loop":0}' : null, wording: null });
        });
      }
      entries += logs.length;
      await insertLogEntries(trx, logs);
    });
    if ((b / BATCH) % 10 === 0) log(`${b.toLocaleString('en')} incidents`);
  }
  return { init, entries };
}

export async function benchAnalytics(dialect: DialectName, incidents = 100_000, log: (s: string) => void = () => {}, runCount = 5): Promise<{ figures: AnalyticsFigure[]; seedSeconds: number; backfillSeconds: number; logEntries: number }> {
  const tmp = tempRoot();
  const bdb = await createBenchDb(dialect, tmp);
  const h = bdb.open();
  try {
    const seedStart = performance.now();
    const { init, entries } = await seedIncidentHistory(h, incidents, (s) => log(`analytics seed (${dialect}): ${s}`));
    const orgId = init.org.id;
    const seedSeconds = (performance.now() - seedStart) / 1000;
    // The seed writes resolved incidents through the store, as migration 0031 finds an
    // existing database: the analytics-facts engine module's passes are the backfill.
    const fillStart = performance.now();
    while ((await fillIncidentFacts(h.db)) > 0);
    const backfillSeconds = (performance.now() - fillStart) / 1000;
    log(`analytics backfill (${dialect}): ${incidents.toLocaleString('en')} incidents' facts in ${backfillSeconds.toFixed(1)} s`);
    await sql`ANALYZE`.execute(h.db);
    const year = { created_at_start: '2025-01-01T00:00:00Z', created_at_end: '2026-01-01T00:00:00Z' };
    const month = { created_at_start: '2025-06-01T00:00:00Z', created_at_end: '2025-07-01T00:00:00Z' };
    const q = (filters: Record<string, unknown>, extra: Record<string, unknown> = {}) => parseAnalyticsQuery(h.db, orgId, { filters, time_zone: 'America/New_York', ...extra });
    const viewer = { orgId, userId: init.user.id, role: init.user.role };
    const all = (body: Record<string, unknown>) => async () => {
      const query = await q(body.filters as Record<string, unknown>, { aggregate_unit: body.aggregate_unit });
      // The route answers each row through its presenter; the bench does the same.
      return (await incidentMetrics(h.db, query, body.by as 'all' | 'services')).map((r) => presentMetricRow(r, query.timeZone));
    };
    const raw = (filters: Record<string, unknown>, page: Record<string, unknown>) => async () => {
      const query = await parseAnalyticsQuery(h.db, orgId, { filters, time_zone: 'America/New_York', ...page }, ['order', 'order_by', 'limit', 'starting_after', 'ending_before']);
      return presentRawPage(await rawIncidents(h.db, query, page), query.timeZone);
    };
    const figures: AnalyticsFigure[] = [];
    const add = async (name: string, fn: () => Promise<unknown>) => {
      figures.push(await time(name, runCount, fn));
      log(`analytics (${dialect}): ${name}: p50 ${figures.at(-1)!.ms.toFixed(0)} ms, max ${figures.at(-1)!.maxMs.toFixed(0)} ms`);
    };
    await add(`Analytics: metrics/incidents/all, a year of ${incidents.toLocaleString('en')} incidents by month`, all({ filters: year, aggregate_unit: 'month', by: 'all' }));
    await add('Analytics: metrics/incidents/services, a month by week', all({ filters: month, aggregate_unit: 'week', by: 'services' }));
    await add('Analytics: insights of a year (busiest hours, services, repeats)', async () => {
      const query = await q(year);
      return presentInsights(await incidentInsights(h.db, query), query.timeZone);
    });
    await add('Analytics: raw/incidents, first page of a month by time to resolve', raw(month, { order_by: 'seconds_to_resolve', limit: 100 }));
    await add('Analytics: raw/incidents, first page of a year by creation', raw(year, { limit: 20 }));
    await add('Analytics: responder load of a year', async () =>
      presentResponderLoad(await responderLoadReport(h.db, Date.parse('2026-01-01T00:00:00Z'), viewer, { filters: { date_range_start: year.created_at_start, date_range_end: year.created_at_end }, time_zone: 'America/New_York' })),
    );
    return { figures, seedSeconds, backfillSeconds, logEntries: entries };
  } finally {
    await h.close();
    await bdb.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dialect = (process.argv[2] ?? 'sqlite') as DialectName;
  const n = Number(process.argv[3] ?? 100_000);
  const runs = Number(process.argv[4] ?? 5);
  benchAnalytics(dialect, n, (s) => process.stderr.write(`${s}\n`), runs).then(
    (r) => {
      process.stdout.write(`${dialect}: seeded ${n.toLocaleString('en')} incidents and ${r.logEntries.toLocaleString('en')} log entries in ${r.seedSeconds.toFixed(1)} s; backfilled their facts in ${r.backfillSeconds.toFixed(1)} s\n`);
      for (const f of r.figures) process.stdout.write(`${f.name}: p50 ${f.ms.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms (${f.runs.map((x) => x.toFixed(0)).join(', ')})\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
