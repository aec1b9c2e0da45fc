/**
 * Generates docs/impact-week.png from real output of the code: five weeks of synthetic history
 * and a week with a partial silent failure go through POST /v1/impact, the engine's
 * impact-detect module runs every 5 minutes around the failure, and the week's hourly series
 * with its expected band comes from GET /api/v1/impact/services/:id/series. The SVG is turned
 * into a PNG by headless Chromium (playwright-core).
 *
 *   IMPACT_CHART=1 npx vitest run test/impact/chart.test.ts      (IMPACT_CHART_TRACE=1 also prints each evaluation)
 *
 * Skipped otherwise (it needs /usr/bin/chromium and writes into docs/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/server/lib/clock.js';
import type { TestApp } from '../harness.js';
import { createApp, req } from '../api/helpers.js';
import { engineFor } from '../engine/fixtures.js';
import { renderChart } from './chart.js';
import { Generator, DAY, MIN, sample } from './synthetic.js';

const ZONE = 'America/New_York';
const WEEK_START = DateTime.fromISO('2026-02-16T00:00', { zone: ZONE }).toMillis(); // Monday
const WEEK_END = WEEK_START + 7 * DAY;
const FAIL_START = DateTime.fromISO('2026-02-18T13:00', { zone: ZONE }).toMillis(); // Wednesday
const FAIL_END = FAIL_START + 90 * MIN;
const OUT = path.resolve('docs/impact-week.png');

describe.skipIf(!process.env.IMPACT_CHART)('docs/impact-week.png', () => {
  let t: TestApp;
  const clock = new ManualClock(WEEK_START);
  beforeAll(async () => {
    t = await createApp('sqlite', { clock });
  }, 60_000);
  afterAll(async () => t?.close());

  it('renders a week of served counts with the expected band and an impact-drop incident', async () => {
    const s = await req(t, 'POST', '/api/v1/services', { service: { name: 'Crisis text line' } });
    const serviceId = s.json().service.id as string;
    await req(t, 'PUT', `/api/v1/services/${serviceId}/impact_metric`, { impact_metric: { name: 'Conversations answered', unit_label: 'conversations', kind: 'contacts', time_zone: ZONE, iris_metric_id: 'PI5184' } });
    const key = (await req(t, 'POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'impact' } })).json().integration.integration_key as string;
    const gen = new Generator(ZONE, 240, 42);
    // During the failure only a quarter of the conversations get through.
    const counts = (from: number, to: number) =>
      gen.range(from, to).map((iv) => ({ ...sample(iv), count: iv.start >= FAIL_START && iv.start < FAIL_END ? Math.round(iv.count * 0.25) : iv.count }));
    const send = async (samples: ReturnType<typeof counts>) => {
      for (let i = 0; i < samples.length; i += 5000) {
        const r = await t.app.inject({ method: 'POST', url: '/v1/impact', payload: { routing_key: key, samples: samples.slice(i, i + 5000) } });
        expect(r.statusCode, r.body).toBe(202);
      }
    };
    const engine = engineFor(t, {});
    const evalFrom = FAIL_START - 60 * MIN;
    clock.set(evalFrom);
    await send(counts(WEEK_START - 5 * 7 * DAY, evalFrom));
    for (let at = evalFrom; at <= FAIL_END + 4 * 60 * MIN; at += 5 * MIN) {
      clock.set(at);
      if (at > evalFrom) await send(counts(at - 5 * MIN, at));
      await engine.runUntilIdle(at);
      if (process.env.IMPACT_CHART_TRACE && at >= FAIL_START) {
        const st = (await req(t, 'GET', `/api/v1/services/${serviceId}/impact_metric`)).json().impact_metric.status;
        console.log(DateTime.fromMillis(at, { zone: ZONE }).toFormat('HH:mm'), st.summary);
      }
    }
    const later = WEEK_END + DAY;
    clock.set(later);
    await send(counts(FAIL_END + 4 * 60 * MIN, later));
    await engine.runUntilIdle(later);

    const incidents = (await req(t, 'GET', `/api/v1/impact/incidents?since=${new Date(WEEK_START).toISOString()}&until=${new Date(WEEK_END).toISOString()}`)).json().incidents;
    expect(incidents).toHaveLength(1);
    const impact = incidents[0].impact;
    const series = (await req(t, 'GET', `/api/v1/impact/services/${serviceId}/series?since=${new Date(WEEK_START).toISOString()}&until=${new Date(WEEK_END).toISOString()}&granularity=hour`)).json().impact_series;
    expect(series.buckets).toHaveLength(168);
    const round = (v: number) => Math.round(v).toLocaleString('en-US');
    const label = `#${incidents[0].incident_number}: ≈ ${round(impact.shortfall.estimate)} ${impact.label} affected (90 %: ${round(impact.shortfall.low)}–${round(impact.shortfall.high)})`;
    const { svg, width, height } = renderChart(series.buckets, {
      title: `Conversations answered per hour, week of ${DateTime.fromMillis(WEEK_START, { zone: ZONE }).toFormat('d LLLL yyyy')}`,
      subtitle: `Synthetic counts sent through POST /v1/impact. Expected: median of the same local hour in 4 clean weeks × level factor; band: 5 %–95 % (${ZONE}).`,
      timeZone: ZONE,
      unit: 'Conversations',
      marks: [{ start: impact.window_start, end: impact.window_end, label }],
    });
    const served = series.buckets.reduce((a: number, b: { count: number }) => a + b.count, 0);
    const expected = series.buckets.reduce((a: number, b: { expected: number | null }) => a + (b.expected ?? 0), 0);
    console.log(
      JSON.stringify(
        {
          incident: { created_at: incidents[0].created_at, resolved_at: incidents[0].resolved_at, title: incidents[0].title, window: [impact.window_start, impact.window_end], expected: impact.expected, observed: impact.observed, shortfall: impact.shortfall, net: impact.net, catch_up: impact.catch_up, frozen: impact.frozen },
          week: { served, expected: Math.round(expected) },
          wednesday: series.buckets.filter((b: { start: string }) => Date.parse(b.start) >= FAIL_START - 60 * MIN && Date.parse(b.start) < FAIL_START + 4 * 60 * MIN).map((b: { start: string; count: number; expected: number; expected_low: number; expected_high: number }) => [b.start.slice(11, 16), b.count, Math.round(b.expected), b.expected_low, b.expected_high]),
        },
        null,
        2,
      ),
    );
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
      await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
      await page.screenshot({ path: OUT, clip: { x: 0, y: 0, width, height } });
    } finally {
      await browser.close();
    }
    expect(fs.statSync(OUT).size).toBeGreaterThan(10_000);
  }, 300_000);
});
