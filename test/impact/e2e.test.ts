/**
 * End to end ("What must be shown"): four weeks of synthetic 5-minute counts with a
 * daily cycle are backfilled through POST /v1/impact (batch form); then the sender keeps
 * reporting every 5 minutes while the engine runs every 5 simulated minutes; then it stops
 * for the busy hour. An impact-drop incident opens with its one-sentence explanation, and its
 * people-affected figure matches the shortfall computed here, independently, from what the
 * sender did not send and from the generator's true means.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { DIALECTS, type TestApp } from '../harness.js';
import { createApp, req } from '../api/helpers.js';
import { engineFor } from '../engine/fixtures.js';
import { Generator, MIN, DAY, sample } from './synthetic.js';

const ZONE = 'America/New_York';
const T0 = DateTime.fromISO('2026-02-16T12:00', { zone: ZONE }).toMillis(); // a Monday, noon
const OUTAGE_START = T0 + 60 * MIN; // 13:00, the busiest hour
const OUTAGE_END = OUTAGE_START + 60 * MIN;
const PEAK = 600; // per hour

describe.each(DIALECTS)('impact end to end (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let engine: Engine;
  let serviceId: string;
  let key: string;
  const gen = new Generator(ZONE, PEAK, 20260216);
  const log: string[] = [];

  const send = async (body: Record<string, unknown>) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/impact', payload: { routing_key: key, ...body } });
    expect(r.statusCode, r.body).toBe(202);
    return r.json();
  };
  const incidents = async () => (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${serviceId}&statuses[]=triggered&statuses[]=acknowledged&statuses[]=resolved&limit=100`)).json().incidents as any[];
  /** Advance to `at` on the 5-minute grid, report the interval that just ended (unless silent), run the engine. */
  const step = async (at: number, silent: boolean) => {
    clock.set(at);
    if (!silent) await send(sample(gen.interval(at - 5 * MIN)));
    await engine.runUntilIdle(at);
  };

  beforeAll(async () => {
    clock = new ManualClock(T0);
    t = await createApp(dialect, { clock });
    const s = await req(t, 'POST', '/api/v1/services', { service: { name: 'Crisis chat' } });
    serviceId = s.json().service.id;
    const m = await req(t, 'PUT', `/api/v1/services/${serviceId}/impact_metric`, {
      impact_metric: { name: 'Conversations answered', unit_label: 'conversations', kind: 'contacts', time_zone: ZONE, iris_metric_id: 'PI5184' },
    });
    expect(m.statusCode, m.body).toBe(201);
    const i = await req(t, 'POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'impact' } });
    expect(i.statusCode, i.body).toBe(201);
    expect(i.json().integration.ingest_url).toBe('http://vigil.test/v1/impact');
    key = i.json().integration.integration_key;
    engine = engineFor(t, {});
  }, 60_000);
  afterAll(async () => t?.close());

  it('backfills four weeks in batches, learns, opens one impact-drop incident in the busy hour and measures its shortfall', async () => {
    const started = Date.now();
    // 1. Backfill: four weeks of 5-minute counts, a week per request.
    const history = gen.range(T0 - 28 * DAY, T0);
    for (let i = 0; i < history.length; i += 2016) {
      const r = await send({ samples: history.slice(i, i + 2016).map(sample) });
      expect(r.samples).toBe(2016);
    }
    const backfilled = Date.now();

    // 2. The detector is active at once (4 clean weeks), and quiet while counts flow normally.
    await engine.runUntilIdle(T0);
    const status = (await req(t, 'GET', `/api/v1/services/${serviceId}/impact_metric`)).json().impact_metric.status;
    expect(status.state, JSON.stringify(status)).toBe('active');
    expect(status.summary).toMatch(/^Conversations answered stayed at [\d,]+ in the last .+ against [\d,]+ expected .*within the usual range\.$/);
    for (let at = T0 + 5 * MIN; at <= OUTAGE_START; at += 5 * MIN) await step(at, false);
    expect(await incidents()).toHaveLength(0);

    // 3. Silence during the busy hour: the incident opens at the second consecutive breach (13:20).
    let openedAt: number | null = null;
    for (let at = OUTAGE_START + 5 * MIN; at <= OUTAGE_END; at += 5 * MIN) {
      await step(at, true);
      if (openedAt === null && (await incidents()).length > 0) openedAt = at;
    }
    expect(openedAt).toBe(OUTAGE_START + 20 * MIN);
    const [inc] = await incidents();
    expect(inc.title).toMatch(/^Conversations answered dropped to 0 in the last 15 minutes against [\d,]+ expected \(median of the weeks of .+\); a drop this large happens by chance .+\.$/);
    log.push(`summary: ${inc.title}`);
    const alerts = (await req(t, 'GET', `/api/v1/incidents/${inc.id}/alerts`)).json().alerts;
    expect(alerts).toHaveLength(1);
    expect(alerts[0].alert_key).toBe('impact-drop');
    expect(alerts[0].severity).toBe('critical');

    // While it is open the figure is already there and growing.
    const open = (await req(t, 'GET', `/api/v1/incidents/${inc.id}/impact`)).json();
    expect(open.impact, JSON.stringify(open)).not.toBeNull();
    expect(open.impact.window_start).toBe(new Date(OUTAGE_START).toISOString());
    expect(open.impact.frozen).toBe(false);

    // 4. Counts flow again; after three calm evaluations the alert resolves itself.
    let resolvedAt: number | null = null;
    for (let at = OUTAGE_END + 5 * MIN; at <= OUTAGE_END + 6 * 60 * MIN && resolvedAt === null; at += 5 * MIN) {
      await step(at, false);
      const now = (await req(t, 'GET', `/api/v1/incidents/${inc.id}`)).json().incident;
      if (now.status === 'resolved') resolvedAt = at;
    }
    expect(resolvedAt).not.toBeNull();
    const resolved = (await req(t, 'GET', `/api/v1/incidents/${inc.id}/impact`)).json().impact;
    const windowStart = Date.parse(resolved.window_start);
    const windowEnd = Date.parse(resolved.window_end);
    expect(windowStart).toBe(OUTAGE_START);
    expect(windowEnd).toBe(resolvedAt);
    // The incident's own detail carries the figure too.
    const detail = (await req(t, 'GET', `/api/v1/incidents/${inc.id}`)).json().incident;
    expect(detail.impact).toMatchObject({ label: 'contacts', unit_label: 'conversations', shortfall: resolved.shortfall, frozen: false, self: `http://vigil.test/api/v1/incidents/${inc.id}/impact` });

    // 5. The shortfall, computed independently: (a) what the sender did not send during the
    //    outage; (b) Σ(true mean − observed) over the reported window.
    const lost = gen.range(OUTAGE_START, OUTAGE_END).reduce((a, iv) => a + iv.count, 0);
    const inWindow = gen.range(windowStart, windowEnd);
    const trueShortfall = inWindow.reduce((a, iv) => a + iv.mean - (iv.start >= OUTAGE_START && iv.start < OUTAGE_END ? 0 : iv.count), 0);
    const sh = resolved.shortfall;
    log.push(
      `window ${resolved.window_start} → ${resolved.window_end}; expected ${resolved.expected.toFixed(1)}, observed ${resolved.observed}; ` +
        `shortfall ${sh.estimate.toFixed(1)} [${sh.low.toFixed(1)}, ${sh.high.toFixed(1)}] ${resolved.label}; not sent ${lost}; true shortfall ${trueShortfall.toFixed(1)}`,
    );
    expect(resolved.label).toBe('contacts');
    expect(resolved.unit_label).toBe('conversations');
    expect(resolved.iris_metric_id).toBe('PI5184');
    expect(lost).toBeGreaterThanOrEqual(sh.low);
    expect(lost).toBeLessThanOrEqual(sh.high);
    expect(trueShortfall).toBeGreaterThanOrEqual(sh.low);
    expect(trueShortfall).toBeLessThanOrEqual(sh.high);
    expect(Math.abs(sh.estimate - lost) / lost).toBeLessThan(0.15);
    // Observed over the window is exactly what was sent.
    expect(resolved.observed).toBe(inWindow.reduce((a, iv) => a + (iv.start >= OUTAGE_START && iv.start < OUTAGE_END ? 0 : iv.count), 0));

    // 6. A day later (the sender kept reporting, nobody came back for a second try) the figure freezes.
    const later = resolvedAt! + DAY + 10 * MIN;
    clock.set(later);
    await send({ samples: gen.range(resolvedAt!, later).map(sample) });
    await engine.runUntilIdle(later);
    const frozen = (await req(t, 'GET', `/api/v1/incidents/${inc.id}/impact`)).json().impact;
    expect(frozen.frozen).toBe(true);
    expect(frozen.catch_up_complete).toBe(true);
    expect(frozen.net.estimate).toBeLessThanOrEqual(frozen.shortfall.estimate);
    // Recomputed a day later (the level factor moved on a little), still the same shortfall.
    expect(Math.abs(frozen.shortfall.estimate - sh.estimate) / sh.estimate).toBeLessThan(0.05);
    expect(lost).toBeGreaterThanOrEqual(frozen.shortfall.low);
    expect(lost).toBeLessThanOrEqual(frozen.shortfall.high);
    log.push(`frozen: shortfall ${frozen.shortfall.estimate.toFixed(1)}, net of catch-up ${frozen.net.estimate.toFixed(1)} [${frozen.net.low.toFixed(1)}, ${frozen.net.high.toFixed(1)}], catch-up ${frozen.catch_up.toFixed(1)}`);
    // Frozen means frozen: a late report for the window changes nothing.
    await send({ count: 40, interval_start: new Date(OUTAGE_START).toISOString(), interval_seconds: 300 });
    clock.set(later + 5 * MIN);
    await engine.runUntilIdle(later + 5 * MIN);
    expect((await req(t, 'GET', `/api/v1/incidents/${inc.id}/impact`)).json().impact.shortfall.estimate).toBe(frozen.shortfall.estimate);

    // Only one incident, ever.
    expect(await incidents()).toHaveLength(1);
    log.push(`backfill ${backfilled - started} ms, whole story ${Date.now() - started} ms`);
    console.log(`[${dialect}] impact e2e\n  ${log.join('\n  ')}`);
  }, 120_000);
});
