/**
 * impact.store round trips on every dialect: upsert-add with roll-ups kept in step, sums over
 * any range from the coarsest roll-up, counter samples, claims with leases, frozen figures,
 * and the hybrid minute/hour loader giving the very same evaluation as reading every minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import type { Kysely } from 'kysely';
import { DIALECTS, type TestDb } from '../harness.js';
import { createIsolatedDb } from '../api/helpers.js';
import type { Database, ImpactMetricTable, IncidentTable } from '../../src/server/storage/schema.js';
import * as store from '../../src/server/impact/impact.store.js';
import { configOf, impactRow, loadServiceData } from '../../src/server/impact/impact.service.js';
import { estimatePeopleAffected, evaluateImpact, INITIAL_DETECTOR_STATE } from '../../src/server/impact/impact.js';
import { Generator, mulberry32, DAY, HOUR, MIN } from './synthetic.js';

const ORG = 'org_store_test';

function metricRow(serviceId: string, zone: string, now: number): ImpactMetricTable {
  return {
    org_id: ORG,
    service_id: serviceId,
    name: 'Applications delivered',
    unit_label: 'applications',
    kind: 'contacts',
    people_per_unit: null,
    time_zone: zone,
    opening_hours: null,
    iris_metric_id: null,
    detector: '{}',
    holidays: '[]',
    created_at: now,
    updated_at: now,
    next_eval_at: now,
    state: JSON.stringify(INITIAL_DETECTOR_STATE),
    episode_start: null,
    status: 'pending',
    last_evaluation: null,
    evaluated_at: null,
  };
}

function incidentRow(id: string, serviceId: string, number: number, createdAt: number, resolvedAt: number | null): IncidentTable {
  return {
    org_id: ORG,
    id,
    number,
    service_id: serviceId,
    title: 'Applications stopped',
    status: resolvedAt === null ? 'triggered' : 'resolved',
    urgency: 'high',
    incident_key: null,
    open_group: null,
    body: null,
    created_at: createdAt,
    updated_at: createdAt,
    last_status_change_at: createdAt,
    last_status_change_by: null,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: resolvedAt,
    resolved_by: null,
    assigned_via: 'escalation_policy',
    escalation_policy_id: null,
    escalation_snapshot: null,
    escalation_level: 0,
    escalation_loop: 0,
    next_step_at: null,
    escalation_epoch: 0,
  };
}

describe.each(DIALECTS)('impact store (%s)', (dialect) => {
  let t: TestDb;
  let db: Kysely<Database>;
  beforeAll(async () => {
    t = await createIsolatedDb(dialect);
    db = t.handle.db;
  }, 60_000);
  afterAll(async () => t?.drop());

  it('adds counts (upsert-add) and keeps the hourly and daily roll-ups equal to the minute sums', async () => {
    const rand = mulberry32(7);
    const start = Date.UTC(2026, 0, 10, 22, 0);
    const buckets: store.CountBucket[] = [];
    for (let m = 0; m < 6 * 60; m += 1 + Math.floor(rand() * 4)) {
      buckets.push({ minute: start + m * MIN, count: Math.floor(rand() * 9), offered: m % 3 === 0 ? 10 : null, answered: m % 3 === 0 ? 7 : null });
    }
    await db.transaction().execute((trx) => store.addCounts(trx, ORG, 'svc_a', buckets));
    await db.transaction().execute((trx) => store.addCounts(trx, ORG, 'svc_a', buckets)); // a repeated report adds up
    const minutes = await db.selectFrom('impact_minutes').selectAll().where('org_id', '=', ORG).where('service_id', '=', 'svc_a').orderBy('minute').execute();
    expect(minutes).toHaveLength(buckets.length);
    minutes.forEach((row, i) => {
      expect(Number(row.count)).toBe(2 * buckets[i]!.count);
      expect(row.offered === null ? null : Number(row.offered)).toBe(buckets[i]!.offered === null ? null : 20);
    });
    const total = buckets.reduce((a, b) => a + b.count, 0) * 2;
    const hours = await db.selectFrom('impact_hours').selectAll().where('org_id', '=', ORG).where('service_id', '=', 'svc_a').execute();
    const days = await db.selectFrom('impact_days').selectAll().where('org_id', '=', ORG).where('service_id', '=', 'svc_a').execute();
    expect(hours).toHaveLength(6);
    expect(days).toHaveLength(2); // 22:00 → 04:00 UTC crosses midnight
    expect(hours.reduce((a, h) => a + Number(h.count), 0)).toBe(total);
    expect(days.reduce((a, d) => a + Number(d.count), 0)).toBe(total);
    for (const h of hours) {
      const inHour = minutes.filter((m) => Number(m.minute) >= Number(h.hour) && Number(m.minute) < Number(h.hour) + HOUR);
      expect(Number(h.count)).toBe(inHour.reduce((a, m) => a + Number(m.count), 0));
      expect(Number(h.offered)).toBe(inHour.reduce((a, m) => a + Number(m.offered ?? 0), 0));
    }
  });

  it('sums any range from the coarsest roll-ups, equal to the brute-force minute sum', async () => {
    const rand = mulberry32(11);
    const start = Date.UTC(2026, 1, 1);
    const buckets: store.CountBucket[] = [];
    for (let m = 0; m < 5 * 24 * 60; m += 7) buckets.push({ minute: start + m * MIN, count: 1 + Math.floor(rand() * 5), offered: null, answered: null });
    await db.transaction().execute((trx) => store.addCounts(trx, ORG, 'svc_b', buckets));
    // Ranges are the buckets of one report, so they never overlap; each call checks one shape.
    const shapes = [
      [{ start: start, end: start + 5 * DAY }], // whole days
      [{ start: start + 37 * MIN, end: start + 3 * DAY + 5 * HOUR + 11 * MIN }], // minutes, hours, days, hours, minutes
      [{ start: start + DAY + 10 * MIN, end: start + DAY + 50 * MIN }, { start: start + 2 * HOUR, end: start + 9 * HOUR }], // inside one hour; hours only
      Array.from({ length: 5 }, (_, d) => ({ start: start + d * DAY + 5 * HOUR, end: start + (d + 1) * DAY + 5 * HOUR })).slice(0, 4), // local days (UTC−5)
    ];
    expect(store.decompose(start + 37 * MIN, start + 3 * DAY + 5 * HOUR + 11 * MIN)).toEqual({
      minutes: [[start + 37 * MIN, start + HOUR], [start + 3 * DAY + 5 * HOUR, start + 3 * DAY + 5 * HOUR + 11 * MIN]],
      hours: [[start + HOUR, start + DAY], [start + 3 * DAY, start + 3 * DAY + 5 * HOUR]],
      days: [[start + DAY, start + 3 * DAY]],
    });
    await expect(store.sumRanges(db, ORG, ['svc_b'], [shapes[0]![0]!, shapes[1]![0]!])).rejects.toThrow(/overlap/);
    for (const ranges of shapes) {
      const sums = await store.sumRanges(db, ORG, ['svc_b', 'svc_none'], ranges);
      ranges.forEach((r, i) => {
        const brute = buckets.filter((b) => b.minute >= r.start && b.minute < r.end).reduce((a, b) => a + b.count, 0);
        expect(sums.get('svc_b')![i]!.count).toBe(brute);
        expect(sums.get('svc_b')![i]!.offered).toBeNull();
        expect(sums.get('svc_none')![i]!.count).toBe(0);
      });
    }
  });

  it('keeps the last counter sample per integration', async () => {
    expect(await db.transaction().execute((trx) => store.lockCounter(trx, ORG, 'int_1'))).toBeUndefined();
    const row = { org_id: ORG, integration_id: 'int_1', at: Date.UTC(2026, 1, 1, 10), counter: 123_456_789_012, offered: 5, answered: null, updated_at: 1 };
    await db.transaction().execute((trx) => store.saveCounter(trx, row));
    await db.transaction().execute((trx) => store.saveCounter(trx, { ...row, at: row.at + 5 * MIN, counter: row.counter + 40 }));
    const back = await db.transaction().execute((trx) => store.lockCounter(trx, ORG, 'int_1'));
    expect(back).toMatchObject({ at: row.at + 5 * MIN, counter: row.counter + 40, offered: 5, answered: null });
  });

  it('claims due metrics under a lease, once', async () => {
    const now = Date.UTC(2026, 1, 2, 9);
    await store.insertMetric(db, metricRow('svc_claim', 'UTC', now));
    const first = await store.claimDueMetrics(db, now, now + 120_000, 10);
    expect(first.map((m) => m.service_id)).toContain('svc_claim');
    expect((await store.claimDueMetrics(db, now, now + 120_000, 10)).map((m) => m.service_id)).not.toContain('svc_claim');
    expect((await store.claimDueMetrics(db, now + 120_000, now + 240_000, 10)).map((m) => m.service_id)).toContain('svc_claim');
    expect(await store.deleteMetric(db, ORG, 'svc_claim')).toBe(true);
    expect(await store.getMetric(db, ORG, 'svc_claim')).toBeUndefined();
  });

  it('never changes a frozen figure', async () => {
    const cfg = configOf(metricRow('svc_f', 'UTC', 0));
    const base = impactRow(ORG, 'svc_f', 'inc_f', { start: 0, end: HOUR }, null, cfg, HOUR, false);
    await db.transaction().execute((trx) => store.saveIncidentImpact(trx, { ...base, estimate: 10 }));
    await db.transaction().execute((trx) => store.saveIncidentImpact(trx, { ...base, estimate: 12, frozen: 1 }));
    await db.transaction().execute((trx) => store.saveIncidentImpact(trx, { ...base, estimate: 99 }));
    const row = await store.getIncidentImpact(db, ORG, 'inc_f');
    expect(Number(row!.estimate)).toBe(12);
    expect(Number(row!.frozen)).toBe(1);
  });

  it('the hybrid minute/hour loader gives exactly the evaluation and figures of reading every minute', async () => {
    const zone = 'America/New_York';
    const now = DateTime.fromISO('2025-11-10T14:37', { zone }).toMillis(); // history crosses the November fall-back
    const first = now - 9 * 7 * DAY + 23 * MIN; // the first report lands mid-hour
    const gen = new Generator(zone, 300, 5);
    const outage = { start: now - 50 * MIN, end: now - 10 * MIN };
    const buckets: store.CountBucket[] = gen
      .range(Math.ceil(first / (5 * MIN)) * 5 * MIN, now)
      .filter((iv) => iv.start < outage.start || iv.start >= outage.end)
      .map((iv) => ({ minute: iv.start + 2 * MIN, count: iv.count, offered: null, answered: null }));
    await db.transaction().execute((trx) => store.addCounts(trx, ORG, 'svc_h', buckets));
    await store.insertMetric(db, metricRow('svc_h', zone, now));
    // An older, resolved incident and the open one.
    await db.insertInto('incidents').values(incidentRow('inc_h1', 'svc_h', 1, now - 3 * DAY - 17 * MIN, now - 3 * DAY + 71 * MIN)).execute();
    await db.insertInto('incidents').values(incidentRow('inc_h2', 'svc_h', 2, outage.start + 20 * MIN, null)).execute();
    const config = configOf((await store.getMetric(db, ORG, 'svc_h'))!);
    const hybrid = await loadServiceData(db, config, now);
    const full = await loadServiceData(db, config, now, { allMinutes: true });
    const input = (d: typeof hybrid) => ({ series: d.series, timeZone: zone, excluded: d.excluded, now, metricName: config.name });
    const a = evaluateImpact(input(hybrid));
    const b = evaluateImpact(input(full));
    expect(a.mode).toBe('active');
    expect(a).toEqual(b);
    for (const inc of [
      { start: now - 3 * DAY - 17 * MIN, end: now - 3 * DAY + 71 * MIN },
      { start: outage.start, end: now },
    ]) {
      const pa = estimatePeopleAffected({ ...input(hybrid), incident: inc });
      const pb = estimatePeopleAffected({ ...input(full), incident: inc });
      expect(pa).not.toBeNull();
      expect(pa).toEqual(pb);
    }
  });
});
