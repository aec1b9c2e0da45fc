/**
 * Incident analytics over a seeded history: 100,000 incidents over a year on 20 services,
 * each with about ten log entries (about 1,000,000 in all: trigger, assignment,
 * notifications, escalation, acknowledgement, a note, resolution), written through the
 * incident store. Times the analytics service as the routes call it: a year's metrics by
 * month, a month by week per service, the insights of a year, and the first page of raw
 * incidents of a month by time to resolve. Each figure is the median of 3 runs after a warm-up.
 *
 *   npm run bench:build && node dist/bench/bench/analytics.js [sqlite|postgres] [incidents]
 */
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { incidentInsights, incidentMetrics, parseAnalyticsQuery, rawIncidents } from '../src/server/analytics/analytics.service.js';
import { insertIncident, insertLogEntries } from '../src/server/incident/incident.store.js';
import { systemClock } from '../src/server/lib/clock.js';
import { newId } from '../src/server/lib/ids.js';
import { initOrganization } from '../src/server/org/org.service.js';
import { createService } from '../src/server/service/service.service.js';
import type { DialectName } from '../src/server/storage/dialect.js';
import type { IncidentTable, LogEntryTable } from '../src/server/storage/schema.js';
import { createBenchDb, tempRoot } from './lib/seed.js';

const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;
const SERVICES = 20;
const TYPES = ['trigger_log_entry', 'assign_log_entry', 'notify_log_entry', 'notify_log_entry', 'escalate_log_entry', 'notify_log_entry', 'acknowledge_log_entry', 'annotate_log_entry', 'notify_log_entry', 'resolve_log_entry'];

export interface AnalyticsFigure {
  name: string;
  ms: number;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await fn();
    runs.push(performance.now() - start);
  }
  return runs.sort((a, b) => a - b)[1]!;
}

export async function benchAnalytics(dialect: DialectName, incidents = 100_000, log: (s: string) => void = () => {}): Promise<{ figures: AnalyticsFigure[]; seedSeconds: number; logEntries: number }> {
  const tmp = tempRoot();
  const bdb = await createBenchDb(dialect, tmp);
  const h = bdb.open();
  try {
    const init = await initOrganization(h.db, systemClock, { orgName: 'Analytics Bench', email: 'owner@analytics.example', userName: 'Olive' });
    const orgId = init.org.id;
    const services: { id: string; name: string }[] = [];
    for (let i = 0; i < SERVICES; i++) services.push(await createService(h.db, systemClock, orgId, { name: `Service ${i}` }));
    const seedStart = performance.now();
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
            logs.push({ org_id: orgId, id: newId(at), incident_id: id, service_id: s.id, type, created_at: at, agent: null, channel: '{"type":"auto"}', summary: type, details: type === 'escalate_log_entry' ? '{"level":2,"loop":0}' : null });
          });
        }
        entries += logs.length;
        await insertLogEntries(trx, logs);
      });
      if ((b / BATCH) % 10 === 0) log(`analytics seed (${dialect}): ${b.toLocaleString('en')} incidents`);
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    await sql`ANALYZE`.execute(h.db);
    const year = { created_at_start: '2025-01-01T00:00:00Z', created_at_end: '2026-01-01T00:00:00Z' };
    const month = { created_at_start: '2025-06-01T00:00:00Z', created_at_end: '2025-07-01T00:00:00Z' };
    const q = (filters: Record<string, unknown>, extra: Record<string, unknown> = {}) => parseAnalyticsQuery(h.db, orgId, { filters, time_zone: 'America/New_York', ...extra });
    const figures: AnalyticsFigure[] = [
      { name: `Analytics: a year of ${incidents.toLocaleString('en')} incidents by month`, ms: await time(async () => incidentMetrics(h.db, await q(year, { aggregate_unit: 'month' }), 'all')) },
      { name: 'Analytics: a month by week, per service', ms: await time(async () => incidentMetrics(h.db, await q(month, { aggregate_unit: 'week' }), 'services')) },
      { name: 'Analytics: insights of a year (busiest hours, services, repeats)', ms: await time(async () => incidentInsights(h.db, await q(year))) },
      { name: 'Analytics: raw incidents of a month, first page by time to resolve', ms: await time(async () => rawIncidents(h.db, await q(month), { order_by: 'seconds_to_resolve', limit: 100 })) },
    ];
    return { figures, seedSeconds, logEntries: entries };
  } finally {
    await h.close();
    await bdb.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dialect = (process.argv[2] ?? 'sqlite') as DialectName;
  const n = Number(process.argv[3] ?? 100_000);
  benchAnalytics(dialect, n, (s) => process.stderr.write(`${s}\n`)).then(
    (r) => {
      process.stdout.write(`${dialect}: seeded ${n.toLocaleString('en')} incidents and ${r.logEntries.toLocaleString('en')} log entries in ${r.seedSeconds.toFixed(1)} s\n`);
      for (const f of r.figures) process.stdout.write(`${f.name}: ${f.ms.toFixed(0)} ms\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
