/**
 * The impact API on every dialect: the metric resource, impact integrations, POST /v1/impact in
 * its three forms (with counters carried across requests and their resets), bad input answered
 * 400 naming the field (and writing nothing), reports as JSON and CSV, and the detector's
 * statuses: learning, insufficient volume (with the heartbeat suggestion), a watch note that
 * does not page, and a rise that never pages.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { DIALECTS, type TestApp } from '../harness.js';
import { createApp, member, neverIssuedKey, req, type Json } from '../api/helpers.js';
import { engineFor } from '../engine/fixtures.js';
import { Generator, DAY, MIN, sample } from './synthetic.js';

const ZONE = 'America/New_York';
const NOW = DateTime.fromISO('2026-03-16T11:00', { zone: ZONE }).toMillis(); // a Monday (after the March DST change)
const isoAt = (t: number) => new Date(t).toISOString();

describe.each(DIALECTS)('impact API (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let engine: Engine;

  const post = (body: unknown) => t.app.inject({ method: 'POST', url: '/v1/impact', payload: body as Json });
  async function service(name: string, metric: Json | null = { name: 'Applications delivered', unit_label: 'applications', kind: 'contacts', time_zone: ZONE }) {
    const s = await req(t, 'POST', '/api/v1/services', { service: { name } });
    const id = s.json().service.id as string;
    if (metric) {
      const m = await req(t, 'PUT', `/api/v1/services/${id}/impact_metric`, { impact_metric: metric });
      expect(m.statusCode, m.body).toBe(201);
    }
    const i = await req(t, 'POST', `/api/v1/services/${id}/integrations`, { integration: { type: 'impact' } });
    expect(i.statusCode, i.body).toBe(201);
    return { id, key: i.json().integration.integration_key as string };
  }
  const totalOf = async (id: string, since = NOW - 30 * DAY, until = NOW + DAY) =>
    (await req(t, 'GET', `/api/v1/impact/services/${id}/totals?since=${isoAt(since)}&until=${isoAt(until)}`)).json().totals;

  beforeAll(async () => {
    clock = new ManualClock(NOW);
    t = await createApp(dialect, { clock });
    engine = engineFor(t, {});
  }, 60_000);
  afterAll(async () => t?.close());

  it('PUT, GET and DELETE the impact metric; bad settings are 400 naming the field', async () => {
    const { id } = await service('Benefits form', null);
    const url = `/api/v1/services/${id}/impact_metric`;
    expect((await req(t, 'GET', url)).statusCode).toBe(404);
    const body = {
      impact_metric: {
        name: 'Applications delivered',
        unit_label: 'applications',
        kind: 'contacts',
        people_per_unit: 0.9,
        opening_hours: { rules: [{ rrule: 'DTSTART:20260105T080000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', duration_minutes: 600 }] },
        iris_metric_id: 'PI5184',
        detector: { alpha_page: 1e-5, windows: [{ minutes: 30, min_drop: 0.7 }, { minutes: 120, min_drop: 0.4 }], baseline: { weeks: 3 } },
        holidays: [{ date: '2026-12-25', name: 'Christmas' }, { date: '2026-12-31', end_date: '2027-01-01' }],
      },
    };
    const created = await req(t, 'PUT', url, body);
    expect(created.statusCode, created.body).toBe(201);
    const m = created.json().impact_metric;
    expect(m).toMatchObject({ name: 'Applications delivered', kind: 'contacts', label: 'approximate people', people_per_unit: 0.9, time_zone: 'UTC', iris_metric_id: 'PI5184', ingest_url: 'http://vigil.test/v1/impact' });
    expect(m.status.state).toBe('pending');
    expect(m.detector_effective.alphaPage).toBe(1e-5);
    expect(m.detector_effective.alphaWatch).toBe(1e-3);
    expect(m.detector_effective.windows).toEqual([{ minutes: 30, minDrop: 0.7 }, { minutes: 120, minDrop: 0.4 }]);
    expect(m.detector_effective.baseline.weeks).toBe(3);
    expect(m.opening_hours.rules[0].duration_minutes).toBe(600);
    expect(m.holidays).toHaveLength(2);
    const replaced = await req(t, 'PUT', url, { impact_metric: { name: 'People helped', unit_label: 'people', kind: 'people', time_zone: ZONE } });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().impact_metric).toMatchObject({ label: 'people', time_zone: ZONE, people_per_unit: null, opening_hours: null, holidays: [] });
    expect((await req(t, 'GET', url)).json().impact_metric.name).toBe('People helped');

    const bad = async (metric: Json, field: RegExp) => {
      const r = await req(t, 'PUT', url, { impact_metric: { name: 'x', unit_label: 'y', kind: 'contacts', ...metric } });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.errors.join(' | ')).toMatch(field);
    };
    await bad({ time_zone: 'Mars/Olympus' }, /impact_metric\.time_zone: Mars\/Olympus is not an IANA time zone/);
    await bad({ opening_hours: { rules: [{ rrule: 'RRULE:FREQ=SOMETIMES', duration_minutes: 60 }] } }, /impact_metric\.opening_hours\.rules\[0\]/);
    await bad({ detector: { alpha_page: 2 } }, /impact_metric\.detector\.alpha_page/);
    await bad({ detector: { baseline: { weeks: 2, min_clean_weeks: 3 } } }, /impact_metric\.detector: invalid baseline\.minCleanWeeks/);
    await bad({ holidays: [{ date: '2026-12-31', end_date: '2026-12-01' }] }, /impact_metric\.holidays\[0\]\.end_date must not be before date/);
    await bad({ kind: 'hugs' }, /impact_metric\.kind/);
    await bad({ iris_metric_id: 'people' }, /impact_metric\.iris_metric_id/);

    const observer = await member(t, 'observer');
    expect((await req(t, 'GET', url, undefined, observer.auth)).statusCode).toBe(200);
    expect((await req(t, 'PUT', url, body, observer.auth)).statusCode).toBe(403);
    expect((await req(t, 'DELETE', url)).statusCode).toBe(204);
    expect((await req(t, 'GET', url)).statusCode).toBe(404);
    expect((await req(t, 'DELETE', url)).statusCode).toBe(404);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const p of ['/v1/impact', '/api/v1/services/{id}/impact_metric', '/api/v1/incidents/{id}/impact', '/api/v1/impact/services/{id}/series', '/api/v1/impact/services/{id}/totals', '/api/v1/impact/incidents', '/api/v1/impact/totals']) {
      expect(Object.keys(doc.paths), p).toContain(p);
    }
  });

  it('records counts per interval, counters across requests (with a reset and a late sample) and batches', async () => {
    const { id, key } = await service('Referrals');
    const t0 = NOW - 60 * MIN;
    let r = await post({ routing_key: key, count: 12, interval_start: isoAt(t0), interval_seconds: 300, offered: 15, answered: 12 });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toMatchObject({ status: 'success', message: 'Impact counts recorded', samples: 1, ignored: 0, minutes: 5 });
    // A counter: the first sample only sets the starting point; then increases, a reset, a late sample.
    r = await post({ routing_key: key, counter: 1_000, at: isoAt(t0 + 10 * MIN) });
    expect(r.json().minutes).toBe(0);
    r = await post({ routing_key: key, counter: 1_030, at: isoAt(t0 + 15 * MIN) });
    expect(r.json().minutes).toBe(5);
    r = await post({ routing_key: key, counter: 7, at: isoAt(t0 + 20 * MIN) }); // the exporter restarted: 7 since
    expect(r.statusCode).toBe(202);
    r = await post({ routing_key: key, counter: 1_020, at: isoAt(t0 + 12 * MIN) }); // older than the last sample
    expect(r.json()).toMatchObject({ ignored: 1, minutes: 0 });
    expect(r.json().message).toMatch(/ignored/);
    // Batch (backfill) of intervals and counter samples.
    r = await post({
      routing_key: key,
      samples: [
        { count: 5, interval_start: isoAt(t0 - 60 * MIN), interval_seconds: 3600 },
        { counter: 10, at: isoAt(t0 + 25 * MIN) },
        { count: 0, interval_start: isoAt(t0 - 120 * MIN), interval_seconds: 600 },
      ],
    });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json().samples).toBe(3);
    const totals = await totalOf(id);
    expect(totals.count).toBe(12 + 30 + 7 + 5 + 3);
    expect(totals.offered).toBe(15);
    expect(totals.answered).toBe(12);
    expect(totals.people).toBeNull(); // contacts, no factor
    expect(totals.metric.label).toBe('contacts');
  });

  it('answers bad input 400 in the Events API shape, naming the field, and writes nothing', async () => {
    const { id, key } = await service('Chat');
    const ok = { routing_key: key, count: 3, interval_start: isoAt(NOW - 10 * MIN), interval_seconds: 300 };
    const cases: [Json, RegExp][] = [
      [{ ...ok, count: -1 }, /^'count' must not be negative/],
      [{ ...ok, count: 2.5 }, /^'count' must be a whole number/],
      [{ ...ok, count: '3' }, /^'count' must be a number/],
      [{ ...ok, interval_seconds: 90 }, /^'interval_seconds' must be a whole number of minutes/],
      [{ ...ok, interval_seconds: 0 }, /^'interval_seconds' must be a whole number of seconds > 0/],
      [{ ...ok, interval_start: isoAt(NOW - 10 * MIN + 30_000) }, /^'interval_start' must fall on a whole minute/],
      [{ ...ok, interval_start: 'yesterday' }, /^'interval_start' must be an ISO 8601 date-time/],
      [{ ...ok, interval_start: isoAt(NOW + 5 * MIN) }, /^'interval_start' \+ 'interval_seconds' ends in the future/],
      [{ routing_key: key, counter: 5, at: isoAt(NOW + 6 * MIN) }, /^'at' is in the future/],
      [{ routing_key: key, counter: -5, at: isoAt(NOW) }, /^'counter' must not be negative/],
      [{ ...ok, counter: 4, at: isoAt(NOW) }, /^'count' and 'counter' cannot both be given/],
      [{ routing_key: key }, /^'count' \(with 'interval_start' and 'interval_seconds'\) or 'counter' \(with 'at'\) is required/],
      [{ ...ok, offered: 2, answered: 3 }, /^'answered' must not exceed 'offered'/],
      [{ ...ok, routing_key: neverIssuedKey() }, /^'routing_key' is not a known impact integration key/],
      [{ ...ok, routing_key: undefined }, /^'routing_key' is missing or blank/],
      [{ routing_key: key, samples: [{ count: 1, interval_start: isoAt(NOW - 20 * MIN), interval_seconds: 300 }, { count: -2, interval_start: isoAt(NOW - 15 * MIN), interval_seconds: 300 }] }, /^'samples\[1\]\.count' must not be negative/],
      [{ routing_key: key, samples: [] }, /^'samples' must not be empty/],
      [{ routing_key: key, samples: [{ count: 1, interval_start: isoAt(NOW - 20 * MIN), interval_seconds: 300 }], count: 4 }, /^'count' cannot be given next to 'samples'/],
    ];
    for (const [body, field] of cases) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      const json = r.json();
      expect(json.status).toBe('invalid event');
      expect(json.message).toBe('Event object is invalid');
      expect(json.errors[0], JSON.stringify(json)).toMatch(field);
    }
    // Within the allowed skew is fine; a key of another integration type is not an impact key.
    expect((await post({ ...ok, interval_start: isoAt(NOW) })).statusCode).toBe(202);
    const events = await req(t, 'POST', `/api/v1/services/${id}/integrations`, { integration: { type: 'events_v2' } });
    const r = await post({ ...ok, routing_key: events.json().integration.integration_key });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors).toEqual(["'routing_key' is not a known impact integration key"]);
    // Only the accepted sample was written (the batch with one bad sample wrote nothing).
    expect((await totalOf(id)).count).toBe(3);
  });

  it('serves reports per hour, day and month with the expected band, totals and CSV', async () => {
    const { id, key } = await service('Library saves', { name: 'Saves completed', unit_label: 'saves', kind: 'contacts', people_per_unit: 0.5, time_zone: ZONE, iris_metric_id: 'PI5184' });
    const gen = new Generator(ZONE, 120, 3);
    const from = NOW - 5 * 7 * DAY;
    const samples = gen.range(from, NOW).map(sample);
    for (let i = 0; i < samples.length; i += 5000) expect((await post({ routing_key: key, samples: samples.slice(i, i + 5000) })).statusCode).toBe(202);
    const sent = gen.range(from, NOW).reduce((a, iv) => a + iv.count, 0);

    const day = DateTime.fromMillis(NOW, { zone: ZONE }).minus({ days: 1 }).startOf('day');
    const hourly = await req(t, 'GET', `/api/v1/impact/services/${id}/series?since=${day.toISO()}&until=${day.plus({ days: 1 }).toISO()}&granularity=hour`);
    expect(hourly.statusCode, hourly.body).toBe(200);
    const s = hourly.json().impact_series;
    expect(s.buckets).toHaveLength(24);
    expect(s.metric).toMatchObject({ name: 'Saves completed', label: 'approximate people', iris_metric_id: 'PI5184' });
    const dayCount = gen.range(day.toMillis(), day.plus({ days: 1 }).toMillis()).reduce((a, iv) => a + iv.count, 0);
    expect(s.buckets.reduce((a: number, b: Json) => a + b.count, 0)).toBe(dayCount);
    for (const b of s.buckets) {
      expect(b.expected).not.toBeNull();
      expect(b.expected_low).toBeLessThanOrEqual(b.expected);
      expect(b.expected_high).toBeGreaterThanOrEqual(b.expected);
      expect(b.people).toBeCloseTo(b.count * 0.5, 9);
    }
    // The busy hour is expected to be busy.
    const peak = s.buckets.find((b: Json) => DateTime.fromISO(b.start, { zone: ZONE }).hour === 13);
    const night = s.buckets.find((b: Json) => DateTime.fromISO(b.start, { zone: ZONE }).hour === 3);
    expect(peak.expected).toBeGreaterThan(5 * night.expected);

    const daily = (await req(t, 'GET', `/api/v1/impact/services/${id}/series?since=${isoAt(from)}&until=${isoAt(NOW)}&granularity=day`)).json().impact_series;
    expect(daily.buckets.reduce((a: number, b: Json) => a + b.count, 0)).toBe(sent);
    expect(daily.buckets[0].expected).toBeNull(); // still learning in the first weeks
    expect(daily.buckets[daily.buckets.length - 2].expected).not.toBeNull();
    const monthly = (await req(t, 'GET', `/api/v1/impact/services/${id}/series?since=${isoAt(from)}&until=${isoAt(NOW)}&granularity=month`)).json().impact_series;
    expect(monthly.buckets.length).toBe(2);
    expect(monthly.buckets.reduce((a: number, b: Json) => a + b.count, 0)).toBe(sent);

    const csv = await t.app.inject({ method: 'GET', url: `/api/v1/impact/services/${id}/series?since=${day.toISO()}&until=${day.plus({ days: 1 }).toISO()}&granularity=hour`, headers: { ...t.auth, accept: 'text/csv' } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('start,end,count,people,offered,answered,expected,expected_low,expected_high');
    expect(lines).toHaveLength(25);

    const totals = await totalOf(id, from, NOW);
    expect(totals).toMatchObject({ count: sent, incidents: 0, people_affected: 0 });
    expect(totals.people).toBeCloseTo(sent * 0.5, 6);
    const org = (await req(t, 'GET', `/api/v1/impact/totals?since=${isoAt(from)}&until=${isoAt(NOW)}`)).json().totals;
    expect(org.services.find((x: Json) => x.service.id === id).count).toBe(sent);
    expect(org.people).toBeGreaterThanOrEqual(sent * 0.5);
    const orgCsv = await req(t, 'GET', `/api/v1/impact/totals?since=${isoAt(from)}&until=${isoAt(NOW)}&format=csv`);
    expect(orgCsv.body.split('\r\n')[0]).toBe('service_id,service_name,metric,unit_label,label,iris_metric_id,count,people,offered,answered,incidents,people_affected,people_affected_net');
    const incidents = await req(t, 'GET', `/api/v1/impact/incidents?since=${isoAt(from)}&until=${isoAt(NOW)}&format=csv`);
    expect(incidents.statusCode).toBe(200);
    expect(incidents.body.split('\r\n')[0]).toMatch(/^incident_number,incident_id,title/);
    const bad = await req(t, 'GET', `/api/v1/impact/services/${id}/series?since=${isoAt(NOW)}&until=${isoAt(from)}&granularity=day`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors[0]).toMatch(/^until must be after since/);
    const tooMany = await req(t, 'GET', `/api/v1/impact/services/${id}/series?since=${isoAt(NOW - 400 * DAY)}&until=${isoAt(NOW)}&granularity=hour`);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.errors[0]).toMatch(/^until: at most 1488 hour buckets/);
  });

  it('learning, insufficient volume (suggesting a heartbeat), a watch note that does not page, and a rise that never pages', async () => {
    const learning = await service('New service');
    const tiny = await service('Tiny service');
    const watched = await service('Watched service', { name: 'Conversations answered', unit_label: 'conversations', kind: 'contacts', time_zone: ZONE, detector: { consecutive_page: 12 } });
    const send = async (key: string, gen: Generator, from: number, to: number, scale = 1) => {
      const s = gen.range(from, to).map((iv) => ({ ...sample(iv), count: Math.round(iv.count * scale) }));
      for (let i = 0; i < s.length; i += 5000) expect((await post({ routing_key: key, samples: s.slice(i, i + 5000) })).statusCode).toBe(202);
    };
    const big = new Generator(ZONE, 600, 9);
    await send(learning.key, new Generator(ZONE, 600, 1), NOW - 8 * DAY, NOW);
    await send(tiny.key, new Generator(ZONE, 0.5, 2), NOW - 28 * DAY, NOW); // about 4 a day
    await send(watched.key, big, NOW - 28 * DAY, NOW);
    await engine.runUntilIdle(NOW);
    const status = async (id: string) => (await req(t, 'GET', `/api/v1/services/${id}/impact_metric`)).json().impact_metric.status;
    expect(await status(learning.id)).toMatchObject({ state: 'learning', clean_weeks: 1, needed_weeks: 2 });
    expect((await status(learning.id)).summary).toMatch(/has 1 clean week of history so far/);
    const small = await status(tiny.id);
    expect(small.state, JSON.stringify(small)).toBe('insufficient_volume');
    expect(small.suggestion).toMatch(/heartbeat/);
    expect((await status(watched.id)).state).toBe('active');
    for (const id of [learning.id, tiny.id]) expect((await req(t, 'DELETE', `/api/v1/services/${id}/impact_metric`)).statusCode).toBe(204);

    // A rise: three times the usual count for an hour. Nothing pages, nothing is noted.
    let at = NOW;
    for (; at < NOW + 60 * MIN; ) {
      at += 5 * MIN;
      clock.set(at);
      await send(watched.key, big, at - 5 * MIN, at, 3);
      await engine.runUntilIdle(at);
    }
    expect((await status(watched.id)).summary).toMatch(/above the usual level \(rises never page\)/);
    // Then silence: with consecutive_page = 12 the page waits, but the watch note comes at the second breach.
    const silentFrom = at;
    for (; at < silentFrom + 25 * MIN; ) {
      at += 5 * MIN;
      clock.set(at);
      await engine.runUntilIdle(at);
    }
    const notes = (await req(t, 'GET', `/api/v1/log_entries?limit=100`)).json().log_entries.filter((e: Json) => (e.event_details?.vigil_type ?? e.type) === 'impact_watch_log_entry');
    expect(notes).toHaveLength(1);
    expect(notes[0].incident).toBeNull();
    expect(notes[0].service.id).toBe(watched.id);
    expect(notes[0].summary).toMatch(/^Watch \(not paging\): Conversations answered dropped to 0 in the last 15 minutes/);
    expect(notes[0].channel).toMatchObject({ type: 'auto', reason: 'impact watch' });
    const incidents = (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${watched.id}&statuses[]=triggered&statuses[]=resolved`)).json().incidents;
    expect(incidents).toHaveLength(0);
  });
});
