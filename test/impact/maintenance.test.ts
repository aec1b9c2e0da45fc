/**
 * A planned silence is not a silent drop: four weeks of synthetic counts are backfilled,
 * then the chat service goes quiet for its busiest hour inside a maintenance window. The
 * engine runs every 5 simulated minutes; no impact-drop incident opens and no watch note is
 * written, the detector says why it cannot test, and once counts flow again nothing is
 * raised either. The window's hours are kept out of the service's later baselines.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { maintenanceOf } from '../../src/server/maintenance/maintenance.service.js';
import { DIALECTS, type TestApp } from '../harness.js';
import { createApp, req } from '../api/helpers.js';
import { engineFor } from '../engine/fixtures.js';
import { Generator, MIN, DAY, sample } from './synthetic.js';

const ZONE = 'America/New_York';
const T0 = DateTime.fromISO('2026-02-16T12:00', { zone: ZONE }).toMillis(); // a Monday, noon
const WINDOW_START = T0 + 60 * MIN; // 13:00, the busiest hour
const WINDOW_END = WINDOW_START + 60 * MIN;

describe.each(DIALECTS)('impact detection around a maintenance window (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let engine: Engine;
  let serviceId: string;
  let key: string;
  const gen = new Generator(ZONE, 600, 20260216);

  const send = async (body: Record<string, unknown>) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/impact', payload: { routing_key: key, ...body } });
    expect(r.statusCode, r.body).toBe(202);
  };
  const step = async (at: number, silent: boolean) => {
    clock.set(at);
    if (!silent) await send(sample(gen.interval(at - 5 * MIN)));
    await engine.runUntilIdle(at);
  };
  const incidents = async () => (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${serviceId}&statuses[]=triggered&statuses[]=acknowledged&statuses[]=resolved`)).json().incidents as unknown[];
  const watchNotes = async () => ((await req(t, 'GET', '/api/v1/log_entries?limit=100')).json().log_entries as { type: string; event_details?: Record<string, string> }[]).filter((e) => (e.event_details?.vigil_type ?? e.type) === 'impact_watch_log_entry');

  beforeAll(async () => {
    clock = new ManualClock(T0);
    t = await createApp(dialect, { clock });
    serviceId = (await req(t, 'POST', '/api/v1/services', { service: { name: 'Crisis chat' } })).json().service.id;
    const m = await req(t, 'PUT', `/api/v1/services/${serviceId}/impact_metric`, { impact_metric: { name: 'Conversations answered', unit_label: 'conversations', kind: 'contacts', time_zone: ZONE } });
    expect(m.statusCode, m.body).toBe(201);
    key = (await req(t, 'POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'impact' } })).json().integration.integration_key;
    engine = engineFor(t, {});
    const history = gen.range(T0 - 28 * DAY, T0);
    for (let i = 0; i < history.length; i += 2016) await send({ samples: history.slice(i, i + 2016).map(sample) });
  }, 60_000);
  afterAll(async () => t?.close());

  it('opens nothing and notes nothing for a silence inside the window, and says why', async () => {
    const w = await req(t, 'POST', '/api/v1/maintenance_windows', {
      maintenance_window: { start_time: new Date(WINDOW_START).toISOString(), end_time: new Date(WINDOW_END).toISOString(), description: 'Chat platform upgrade', services: [{ id: serviceId, type: 'service_reference' }] },
    });
    expect(w.statusCode, w.body).toBe(201);
    await engine.runUntilIdle(T0);
    for (let at = T0 + 5 * MIN; at <= WINDOW_START; at += 5 * MIN) await step(at, false);
    for (let at = WINDOW_START + 5 * MIN; at <= WINDOW_END; at += 5 * MIN) await step(at, true);
    const status = (await req(t, 'GET', `/api/v1/services/${serviceId}/impact_metric`)).json().impact_metric.status;
    expect(status.summary).toBe('Conversations answered cannot be tested for a silent drop right now: a maintenance window covers the recent minutes.');
    for (let at = WINDOW_END + 5 * MIN; at <= WINDOW_END + 3 * 60 * MIN; at += 5 * MIN) await step(at, false);
    expect(await incidents()).toEqual([]);
    expect(await watchNotes()).toEqual([]);
    expect(await maintenanceOf(t.db.handle.db, t.org.org.id, serviceId, T0, WINDOW_END + DAY)).toEqual([{ start: WINDOW_START, end: WINDOW_END }]);
  }, 120_000);

  it('the same silence without a window opens an incident (the control)', async () => {
    const monday = WINDOW_START + 7 * DAY;
    for (let at = WINDOW_END + 3 * 60 * MIN + 5 * MIN; at <= monday; at += 60 * MIN) {
      clock.set(at);
      await send({ samples: gen.range(at - 60 * MIN, at).map(sample) });
    }
    await engine.runUntilIdle(monday);
    for (let at = monday + 5 * MIN; at <= monday + 30 * MIN; at += 5 * MIN) await step(at, true);
    expect(await incidents()).toHaveLength(1);
  }, 120_000);
});
