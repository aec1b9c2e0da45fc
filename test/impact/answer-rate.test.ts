/**
 * The answered/offered watch end to end (RESEARCH §1.2: abandoned contacts are people not
 * served): a week of 5-minute reports with `offered` and `answered` (about 85 % answered) is
 * backfilled, the sender keeps reporting while the engine runs every 5 minutes, then only 40 %
 * get answered while as many are offered. One non-paging watch note is posted on the service's
 * timeline, saying the rate, the counts and the usual rate; nothing pages; after recovery a
 * second episode gets its own note. A service that reports no offered/answered gets none.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { DIALECTS, type TestApp } from '../harness.js';
import { createApp, req } from '../api/helpers.js';
import { engineFor } from '../engine/fixtures.js';
import { DAY, MIN, mulberry32, poisson } from './synthetic.js';

const ZONE = 'America/New_York';
const T0 = DateTime.fromISO('2026-03-02T10:00', { zone: ZONE }).toMillis(); // a Monday morning

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(DIALECTS)('answered/offered watch (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let engine: Engine;
  const rand = mulberry32(7);
  /** One 5-minute report: about 8 offered, each answered with probability `rate`. */
  const report = (start: number, rate: number, withRatio = true) => {
    const offered = poisson(rand, 8);
    let answered = 0;
    for (let i = 0; i < offered; i++) if (rand() < rate) answered++;
    return { count: answered, interval_start: new Date(start).toISOString(), interval_seconds: 300, ...(withRatio ? { offered, answered } : {}) };
  };
  const services: { id: string; key: string; withRatio: boolean }[] = [];
  const send = async (key: string, body: Record<string, unknown>) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/impact', payload: { routing_key: key, ...body } });
    expect(r.statusCode, r.body).toBe(202);
  };
  const notes = async () =>
    ((await req(t, 'GET', '/api/v1/log_entries?limit=100')).json().log_entries as Json[]).filter((e) => (e.event_details?.vigil_type ?? e.type) === 'impact_watch_log_entry');
  /** Run 5-minute steps from `from` (exclusive) to `to` with every service answering at `rate`. */
  const run = async (from: number, to: number, rate: number) => {
    for (let at = from + 5 * MIN; at <= to; at += 5 * MIN) {
      clock.set(at);
      for (const s of services) await send(s.key, report(at - 5 * MIN, rate, s.withRatio));
      await engine.runUntilIdle(at);
    }
    return to;
  };

  beforeAll(async () => {
    clock = new ManualClock(T0);
    t = await createApp(dialect, { clock });
    for (const [name, withRatio] of [
      ['Crisis line', true],
      ['Counts only', false],
    ] as const) {
      const s = await req(t, 'POST', '/api/v1/services', { service: { name } });
      const id = s.json().service.id as string;
      expect((await req(t, 'PUT', `/api/v1/services/${id}/impact_metric`, { impact_metric: { name: 'Calls answered', unit_label: 'calls', kind: 'contacts', time_zone: ZONE } })).statusCode).toBe(201);
      const key = (await req(t, 'POST', `/api/v1/services/${id}/integrations`, { integration: { type: 'impact' } })).json().integration.integration_key as string;
      services.push({ id, key, withRatio });
    }
    engine = engineFor(t, {});
  }, 60_000);
  afterAll(async () => t?.close());

  it('notes a drop of the answer rate once per episode, without paging, even while the count detector is still learning', async () => {
    // A week of history at 85 % (one clean week: the count detector is learning).
    for (const s of services) {
      const samples = [];
      for (let at = T0 - 7 * DAY; at < T0; at += 5 * MIN) samples.push(report(at, 0.85, s.withRatio));
      for (let i = 0; i < samples.length; i += 5000) await send(s.key, { samples: samples.slice(i, i + 5000) });
    }
    let at = await run(T0, T0 + 90 * MIN, 0.85);
    expect(await notes()).toHaveLength(0);
    const status = (await req(t, 'GET', `/api/v1/services/${services[0]!.id}/impact_metric`)).json().impact_metric.status;
    expect(status.state).toBe('learning');

    // 40 % answered for 45 minutes: the last hour's rate falls well below 85 %.
    const dropFrom = at;
    at = await run(at, at + 45 * MIN, 0.4);
    let got = await notes();
    expect(got).toHaveLength(1);
    expect(got[0].service.id).toBe(services[0]!.id);
    expect(got[0].incident).toBeNull();
    expect(got[0].channel).toMatchObject({ type: 'auto', reason: 'impact answer rate' });
    expect(got[0].summary).toMatch(
      /^Watch \(not paging\): Answer rate dropped to \d+% in the last hour \(\d+ of \d+ offered\) against the usual 8\d% of the 7 days before; a drop this large happens by chance (about once in [\d.,]+ (thousand |million |billion )?hours|practically never)\.$/,
    );
    console.log(`[${dialect}] ${(Date.parse(got[0].created_at) - dropFrom) / MIN} minutes into the drop: ${got[0].summary}`);
    const rate = Number(/dropped to (\d+)%/.exec(got[0].summary)![1]);
    expect(rate).toBeLessThanOrEqual(64); // at least 25 % below the usual ≈ 85 %

    // Recovery, then a second episode: its own note. Nothing ever paged.
    at = await run(at, at + 120 * MIN, 0.85);
    expect(await notes()).toHaveLength(1);
    at = await run(at, at + 45 * MIN, 0.4);
    got = await notes();
    expect(got).toHaveLength(2);
    expect(got.every((n) => n.service.id === services[0]!.id)).toBe(true);
    const incidents = (await req(t, 'GET', '/api/v1/incidents?statuses[]=triggered&statuses[]=acknowledged&statuses[]=resolved')).json().incidents;
    expect(incidents).toHaveLength(0);
  }, 120_000);
});
