/**
 * Support hours with the manual clock on both dialects. The chat service's support hours are
 * 09:00–17:00 in New York, Monday to Friday: alerts outside them open low-urgency incidents,
 * which reach Ada through her low-urgency rule only (a webhook to one receiver); when support
 * hours begin the engine raises every open low-urgency incident to high and Ada is paged
 * again through her high-urgency rule (a webhook to another receiver). Across both
 * daylight-saving changes of New York and of Paris the change happens at 09:00 local, on the
 * right UTC instant. A new alert's urgency depends on whether it arrives during them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { nextDeadline } from '../../src/server/engine/build.js';
import { UrgencyChangeModule } from '../../src/server/engine/urgency-change/module.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, incident, realChannels, startReceiver, timeline, type Receiver } from './fixtures.js';

const RAISE = [{ type: 'urgency_change', at: { type: 'named_time', name: 'support_hours_start' }, to_urgency: 'high' }];
const WEEKDAYS = [1, 2, 3, 4, 5];
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

describe.each(DIALECTS)('support hours raise low urgency to high (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let high: Receiver;
  let low: Receiver;
  let engine: Engine;
  let ada: string;

  beforeEach(async () => {
    // Monday 2 March 2026, 22:00 in New York (EST, UTC−5).
    clock = manualClock('2026-03-03T03:00:00Z');
    t = await createTestApp(dialect, { clock });
    high = await startReceiver();
    low = await startReceiver();
    engine = engineFor(t, realChannels(null));
    ada = await addUser(t, 'Ada');
    await addRule(t, ada, await addContact(t, ada, 'webhook', high.url, true, 'ada-secret'), 0, 'high');
    await addRule(t, ada, await addContact(t, ada, 'webhook', low.url, true, 'ada-secret'), 0, 'low');
  });
  afterEach(async () => {
    await t.close();
    await high.close();
    await low.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload ? { payload: payload as object } : {}) });
  const send = (key: string, dedup: string, payload: Record<string, unknown> = {}) => t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: dedup }, payload) });
  const changeAt = async (serviceId: string) => {
    const r = await t.db.handle.db.selectFrom('services').select('urgency_change_at').where('id', '=', serviceId).executeTakeFirstOrThrow();
    return r.urgency_change_at === null ? null : new Date(Number(r.urgency_change_at)).toISOString();
  };

  async function chatService(time_zone = 'America/New_York', days_of_week = WEEKDAYS, extra: Record<string, unknown> = {}) {
    const s = await serviceWithKey(t, 'events_v2', 'Crisis chat', t.auth, {
      incident_urgency_rule: { type: 'use_support_hours', during_support_hours: { type: 'constant', urgency: 'high' }, outside_support_hours: { type: 'constant', urgency: 'low' } },
      support_hours: { type: 'fixed_time_per_day', time_zone, days_of_week, start_time: '09:00:00', end_time: '17:00:00' },
      scheduled_actions: RAISE,
      ...extra,
    });
    await attachPolicy(t, s.serviceId, await addPolicy(t, [{ delay: 15, targets: [{ id: ada, type: 'user_reference' }] }]));
    return s;
  }

  it('a low-urgency incident opened at night follows the low-urgency rules, then becomes high and pages at 09:00 New York time', async () => {
    const { serviceId, key } = await chatService();
    expect(await changeAt(serviceId)).toBe('2026-03-03T14:00:00.000Z');
    expect((await send(key, 'chat-queue')).statusCode).toBe(202);
    await run();
    expect((await incident(t, '1')).urgency).toBe('low');
    // Item 2 of the issue: a low-urgency incident reaches Ada through her low-urgency rule only.
    expect(low.requests).toHaveLength(1);
    expect(high.requests).toHaveLength(0);
    // The engine's next wake-up is 09:00 in New York (EST), 14:00 UTC.
    expect(await nextDeadline(t.db.handle.db)).toBe(Date.parse('2026-03-03T14:00:00Z'));

    clock.set('2026-03-03T13:59:59Z');
    await run();
    expect((await incident(t, '1')).urgency).toBe('low');
    expect(high.requests).toHaveLength(0);

    clock.set('2026-03-03T14:00:00Z');
    await run();
    const inc = await incident(t, '1');
    expect(inc.urgency).toBe('high');
    expect(inc.status).toBe('triggered');
    expect(high.requests).toHaveLength(1);
    expect(high.requests[0]!.json.event.event_type).toBe('incident.triggered');
    expect(high.requests[0]!.json.event.data.urgency).toBe('high');
    expect(low.requests).toHaveLength(1);
    expect(await timeline(t, '1')).toContain('Urgency raised to high: support hours began (09:00 America/New_York); level 1 of Chat on-call is paged again at high urgency');
    // The next change is Wednesday's start; running again changes nothing.
    expect(await changeAt(serviceId)).toBe('2026-03-04T14:00:00.000Z');
    expect(await new UrgencyChangeModule(t.db.handle.db, () => {}).tick(clock.now())).toBe(0);
    await run();
    expect(high.requests).toHaveLength(1);
    // Friday 17:00 to Monday 09:00: no change at the weekend.
    clock.set('2026-03-06T14:00:00Z');
    await run();
    expect(await changeAt(serviceId)).toBe('2026-03-09T13:00:00.000Z'); // Monday 9 March is EDT (UTC−4): DST began on the 8th.
  });

  it('an acknowledged low-urgency incident becomes high but stays acknowledged; a paused one pages at high urgency when its pause ends', async () => {
    const { key } = await chatService('America/New_York', WEEKDAYS, { auto_pause_notifications_parameters: { enabled: true, timeout: 300 } });
    expect((await send(key, 'a')).statusCode).toBe(202);
    await run();
    clock.set('2026-03-03T03:10:00Z');
    await run();
    expect(low.requests).toHaveLength(1);
    expect((await api('PUT', '/api/v1/incidents/1', { incident: { type: 'incident_reference', status: 'acknowledged' } })).statusCode).toBe(200);
    // 08:58 New York: a second alert, paused for five minutes past 09:00.
    clock.set('2026-03-03T13:58:00Z');
    expect((await send(key, 'b', { summary: 'SMS replies slow' })).statusCode).toBe(202);
    await run();
    expect((await incident(t, '2')).urgency).toBe('low');

    clock.set('2026-03-03T14:00:00Z');
    await run();
    const one = await incident(t, '1');
    expect([one.urgency, one.status]).toEqual(['high', 'acknowledged']);
    expect(await timeline(t, '1')).toContain('Urgency raised to high: support hours began (09:00 America/New_York); it stays acknowledged, so nobody is paged again for it now');
    expect((await incident(t, '2')).urgency).toBe('high');
    expect(await timeline(t, '2')).toContain('Urgency raised to high: support hours began (09:00 America/New_York); notifications stay paused until 14:03 UTC, then page at high urgency');
    expect(high.requests).toHaveLength(0);

    clock.set('2026-03-03T14:03:00Z');
    await run();
    expect(high.requests.map((r) => r.json.event.data.number)).toEqual([2]);
    expect(low.requests).toHaveLength(1);
  });

  // Every day 09:00–17:00; an incident opened the evening before each change.
  const DST_CASES = [
    ['America/New_York', 'spring forward (8 March)', '2026-03-07T23:00:00Z', '2026-03-08T13:00:00Z'],
    ['America/New_York', 'fall back (1 November)', '2026-10-31T23:00:00Z', '2026-11-01T14:00:00Z'],
    ['Europe/Paris', 'spring forward (29 March)', '2026-03-28T20:00:00Z', '2026-03-29T07:00:00Z'],
    ['Europe/Paris', 'fall back (25 October)', '2026-10-24T20:00:00Z', '2026-10-25T08:00:00Z'],
  ] as const;

  it.each(DST_CASES)('%s, %s: the change happens at 09:00 local', async (zone, _label, evening, nineLocal) => {
    clock.set(evening);
    const { serviceId, key } = await chatService(zone, EVERY_DAY);
    expect(await changeAt(serviceId)).toBe(new Date(nineLocal).toISOString());
    expect((await send(key, 'night')).statusCode).toBe(202);
    await run();
    expect((await incident(t, '1')).urgency).toBe('low');
    clock.set(Date.parse(nineLocal) - 1000);
    await run();
    expect((await incident(t, '1')).urgency).toBe('low');
    clock.set(nineLocal);
    await run();
    expect((await incident(t, '1')).urgency).toBe('high');
    expect(high.requests).toHaveLength(1);
    expect(await timeline(t, '1')).toContain(`Urgency raised to high: support hours began (09:00 ${zone}); level 1 of Chat on-call is paged again at high urgency`);
    // The next change is 09:00 local the day after, 24 hours later (no DST change between).
    expect(await changeAt(serviceId)).toBe(new Date(Date.parse(nineLocal) + 86_400_000).toISOString());
  });

  it('a new alert is high during support hours and low outside them', async () => {
    const { key } = await chatService();
    const cases: [string, 'high' | 'low'][] = [
      ['2026-03-03T13:59:59Z', 'low'], // Tuesday 08:59:59 EST
      ['2026-03-03T14:00:00Z', 'high'], // 09:00 EST
      ['2026-03-03T21:59:59Z', 'high'], // 16:59:59 EST
      ['2026-03-03T22:00:00Z', 'low'], // 17:00 EST: the end is outside
      ['2026-03-07T15:00:00Z', 'low'], // Saturday 10:00 EST
      ['2026-03-09T13:00:00Z', 'high'], // Monday 09:00 EDT
      ['2026-03-09T12:59:59Z', 'low'], // Monday 08:59:59 EDT (09:59:59 UTC−5 would have been inside)
    ];
    for (const [i, [at, urgency]] of cases.entries()) {
      clock.set(at);
      expect((await send(key, `k${i}`)).statusCode).toBe(202);
      const n = String(i + 1);
      expect([at, (await incident(t, n)).urgency]).toEqual([at, urgency]);
    }
  });

  it('two engine nodes at the same instant raise and page once', async () => {
    const a = await chatService();
    expect((await send(a.key, 'x')).statusCode).toBe(202);
    await run();
    clock.set('2026-03-03T14:00:00Z');
    const nodes = [new UrgencyChangeModule(t.db.handle.db, () => {}), new UrgencyChangeModule(t.db.handle.db, () => {})];
    const claimed = await Promise.all(nodes.map((m) => m.tick(clock.now())));
    expect(claimed.reduce((x, y) => x + y, 0)).toBe(1);
    await run();
    expect((await timeline(t, '1')).filter((s) => s.startsWith('Urgency raised to high'))).toHaveLength(1);
    expect(high.requests).toHaveLength(1);
  });

  it('changing or removing support hours moves or clears the change; a deleted service stops waking the engine', async () => {
    const { serviceId } = await chatService();
    const put = (service: unknown) => api('PUT', `/api/v1/services/${serviceId}`, { service });
    expect((await put({ support_hours: { type: 'fixed_time_per_day', time_zone: 'Europe/Paris', days_of_week: WEEKDAYS, start_time: '08:30:00', end_time: '18:00:00' } })).statusCode).toBe(200);
    expect(await changeAt(serviceId)).toBe('2026-03-03T07:30:00.000Z');
    expect((await put({ scheduled_actions: [] })).statusCode).toBe(200);
    expect(await changeAt(serviceId)).toBe(null);
    expect((await put({ scheduled_actions: RAISE })).statusCode).toBe(200);
    expect((await api('PUT', `/api/v1/services/${serviceId}`, {})).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/services/${serviceId}`, headers: t.auth })).statusCode).toBe(204);
    clock.set('2026-03-03T07:30:00Z');
    await run();
    expect(await changeAt(serviceId)).toBe(null);
    expect(await nextDeadline(t.db.handle.db)).toBe(null);
  });
});
