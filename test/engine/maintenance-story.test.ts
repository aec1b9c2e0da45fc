/**
 * A maintenance window, told with the manual clock on both dialects. The chat database is
 * upgraded from 02:00 to 03:00: at 02:00 the engine starts the window and the service's
 * timeline says so; at 02:10 "Chat queue not answering" arrives and is stored suppressed,
 * with no incident and nobody paged; at 03:00 the engine ends the window; at 03:05 the same
 * alert arrives again and this time opens an incident and Ada is paged, through the real
 * webhook channel to a real local receiver. A heartbeat that falls silent in a window is
 * not paged for while it lasts, and is as soon as it ends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { nextDeadline } from '../../src/server/engine/build.js';
import { MaintenanceModule } from '../../src/server/engine/maintenance/module.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, realChannels, startReceiver, type Receiver } from './fixtures.js';

describe.each(DIALECTS)('a maintenance window on the chat service (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hook: Receiver;
  let engine: Engine;
  let ada: string;

  beforeEach(async () => {
    clock = manualClock('2026-03-03T01:50:00Z');
    t = await createTestApp(dialect, { clock });
    hook = await startReceiver();
    engine = engineFor(t, realChannels(null));
    ada = await addUser(t, 'Ada');
    await addRule(t, ada, await addContact(t, ada, 'webhook', hook.url, true, 'ada-secret'), 0);
  });
  afterEach(async () => {
    await t.close();
    await hook.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload ? { payload: payload as object } : {}) });
  const send = (key: string, dedup: string) => t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: dedup }) });
  const incidents = async (serviceId: string) => (await api('GET', `/api/v1/incidents?service_ids[]=${serviceId}`)).json().incidents as { incident_number: number; title: string }[];
  const serviceLog = async (serviceId: string) =>
    ((await api('GET', '/api/v1/log_entries?limit=100')).json().log_entries as { summary: string; type: string; service: { id: string }; incident: unknown }[])
      .filter((e) => e.service.id === serviceId && e.incident === null)
      .map((e) => e.summary)
      .reverse();
  const alerts = (serviceId: string) => t.db.handle.db.selectFrom('alerts').select(['status', 'suppressed_by', 'incident_id', 'count']).where('service_id', '=', serviceId).orderBy('first_seen_at').execute();
  const status = async (serviceId: string) => (await api('GET', `/api/v1/services/${serviceId}`)).json().service.status as string;

  async function chatService() {
    const s = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, s.serviceId, await addPolicy(t, [{ delay: 15, targets: [{ id: ada, type: 'user_reference' }] }]));
    return s;
  }

  it('suppresses the alert during the window and pages for it after', async () => {
    const { serviceId, key } = await chatService();
    const made = await api('POST', '/api/v1/maintenance_windows', {
      maintenance_window: { type: 'maintenance_window', start_time: '2026-03-03T02:00:00Z', end_time: '2026-03-03T03:00:00Z', description: 'Chat database upgrade', services: [{ id: serviceId, type: 'service_reference' }] },
    });
    expect(made.statusCode, made.body).toBe(201);
    await run();
    // The engine wakes exactly at the window's start.
    expect(await nextDeadline(t.db.handle.db)).toBe(Date.parse('2026-03-03T02:00:00Z'));
    expect(await status(serviceId)).toBe('active');

    clock.set('2026-03-03T02:00:00Z');
    await run();
    expect(await serviceLog(serviceId)).toEqual(['Maintenance started: Chat database upgrade until 2026-03-03T03:00:00Z']);
    expect(await status(serviceId)).toBe('maintenance');
    expect(await nextDeadline(t.db.handle.db)).toBe(Date.parse('2026-03-03T03:00:00Z'));

    clock.set('2026-03-03T02:10:00Z');
    expect((await send(key, 'chat-queue')).statusCode).toBe(202);
    expect((await send(key, 'chat-queue')).statusCode).toBe(202);
    await run();
    expect(await incidents(serviceId)).toEqual([]);
    expect(await alerts(serviceId)).toEqual([{ status: 'suppressed', suppressed_by: 'maintenance', incident_id: null, count: 2 }]);
    expect(hook.requests).toHaveLength(0);

    clock.set('2026-03-03T03:00:00Z');
    await run();
    expect(await serviceLog(serviceId)).toEqual([
      'Maintenance started: Chat database upgrade until 2026-03-03T03:00:00Z',
      'Maintenance ended; 1 alert suppressed during it resolved, so the next trigger of its key pages',
    ]);
    expect(await status(serviceId)).toBe('active');
    expect(hook.requests).toHaveLength(0);
    // Running the engine again at the same instant does nothing more.
    expect(await run()).toBe(0);
    expect(await serviceLog(serviceId)).toHaveLength(2);

    clock.set('2026-03-03T03:05:00Z');
    expect((await send(key, 'chat-queue')).statusCode).toBe(202);
    await run();
    expect((await incidents(serviceId)).map((i) => [i.incident_number, i.title])).toEqual([[1, 'Chat queue not answering']]);
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]!.json.event.event_type).toBe('incident.triggered');
    expect(hook.requests[0]!.json.event.data.number).toBe(1);
    expect((await alerts(serviceId)).map((a) => a.status)).toEqual(['resolved', 'triggered']);
  });

  it('ending a window now lets the next event page at once', async () => {
    const { serviceId, key } = await chatService();
    const w = (await api('POST', '/api/v1/maintenance_windows', { maintenance_window: { start_time: '2026-03-03T01:00:00Z', end_time: '2026-03-03T05:00:00Z', services: [{ id: serviceId }] } })).json().maintenance_window;
    await run();
    expect(await serviceLog(serviceId)).toEqual(['Maintenance started: maintenance window #1 until 2026-03-03T05:00:00Z']);
    expect((await send(key, 'chat-queue')).statusCode).toBe(202);
    await run();
    expect(hook.requests).toHaveLength(0);

    clock.set('2026-03-03T02:30:00Z');
    expect((await api('DELETE', `/api/v1/maintenance_windows/${w.id}`)).statusCode).toBe(204);
    // The end takes effect with the DELETE; the engine writes it down.
    expect(await status(serviceId)).toBe('active');
    await run();
    expect((await serviceLog(serviceId)).at(-1)).toBe('Maintenance ended; 1 alert suppressed during it resolved, so the next trigger of its key pages');
    expect((await send(key, 'chat-queue')).statusCode).toBe(202);
    await run();
    expect(await incidents(serviceId)).toHaveLength(1);
    expect(hook.requests).toHaveLength(1);
  });

  it('a weekly window starts and ends every week, on the wall clock of its zone', async () => {
    const { serviceId, key } = await chatService();
    // Tuesdays 03:00–04:00 in Paris (02:00–03:00 UTC in winter).
    const r = await api('POST', '/api/v1/maintenance_windows', {
      maintenance_window: { start_time: '2026-03-03T03:00:00', end_time: '2026-03-03T04:00:00', time_zone: 'Europe/Paris', recurrence: 'FREQ=WEEKLY;BYDAY=TU', description: 'Weekly restart', services: [{ id: serviceId }] },
    });
    expect(r.statusCode, r.body).toBe(201);
    for (const [at, inMaintenance] of [
      ['2026-03-03T02:00:00Z', true],
      ['2026-03-03T03:00:00Z', false],
      ['2026-03-10T02:00:00Z', true],
      ['2026-03-10T03:00:00Z', false],
      // Summer time from 29 March: 03:00 in Paris is 01:00 UTC.
      ['2026-03-31T01:00:00Z', true],
      ['2026-03-31T02:00:00Z', false],
    ] as const) {
      clock.set(at);
      await run();
      expect(await status(serviceId), at).toBe(inMaintenance ? 'maintenance' : 'active');
    }
    expect((await serviceLog(serviceId)).filter((s) => s.startsWith('Maintenance started'))).toEqual([
      'Maintenance started: Weekly restart until 2026-03-03T04:00:00+01:00',
      'Maintenance started: Weekly restart until 2026-03-10T04:00:00+01:00',
      'Maintenance started: Weekly restart until 2026-03-31T04:00:00+02:00',
    ]);
    // The engine slept through 17 and 24 March: it catches up without announcing windows that are over.
    expect((await serviceLog(serviceId)).filter((s) => s === 'Maintenance ended')).toHaveLength(3);
    expect((await send(key, 'after')).statusCode).toBe(202);
    await run();
    expect(hook.requests).toHaveLength(1);
  });

  it('a heartbeat silent during the window pages nobody then, and pages when the window ends', async () => {
    const s = await serviceWithKey(t, 'events_v2', 'Phone line');
    await attachPolicy(t, s.serviceId, await addPolicy(t, [{ delay: 15, targets: [{ id: ada, type: 'user_reference' }] }]));
    const hb = await api('POST', `/api/v1/services/${s.serviceId}/integrations`, { integration: { type: 'heartbeat', heartbeat_interval_seconds: 300 } });
    expect(hb.statusCode, hb.body).toBe(201);
    expect((await api('POST', '/api/v1/maintenance_windows', { maintenance_window: { start_time: '2026-03-03T01:50:00Z', end_time: '2026-03-03T03:00:00Z', services: [{ id: s.serviceId }] } })).statusCode).toBe(201);
    await run();
    clock.set('2026-03-03T02:00:00Z'); // the first ping was due at 01:55
    await run();
    expect(await incidents(s.serviceId)).toEqual([]);
    expect(await alerts(s.serviceId)).toEqual([{ status: 'suppressed', suppressed_by: 'maintenance', incident_id: null, count: 1 }]);
    expect(hook.requests).toHaveLength(0);
    clock.set('2026-03-03T03:00:00Z');
    await run();
    expect((await incidents(s.serviceId)).map((i) => i.title)).toEqual([expect.stringMatching(/^Missed heartbeat: Heartbeat on Phone line/)]);
    expect(hook.requests).toHaveLength(1);
  });

  it('a window whose schedule cannot be read holds back no other window and silences nobody', async () => {
    const chat = await chatService();
    const phones = await serviceWithKey(t, 'events_v2', 'Phone line');
    const mk = async (serviceId: string) =>
      (await api('POST', '/api/v1/maintenance_windows', { maintenance_window: { start_time: '2026-03-03T02:00:00Z', end_time: '2026-03-03T03:00:00Z', services: [{ id: serviceId }] } })).json().maintenance_window.id as string;
    const broken = await mk(chat.serviceId);
    await mk(phones.serviceId);
    clock.set('2026-03-03T02:00:00Z');
    await run();
    expect(await status(chat.serviceId)).toBe('maintenance');
    // The stored rule is damaged behind the API's back (a bad migration, a library change).
    await t.db.handle.db.updateTable('maintenance_windows').set({ recurrence: 'FREQ=WEEKLY;BYDAY=XX', time_zone: 'UTC', next_transition_at: clock.now() }).where('id', '=', broken).execute();
    await t.db.handle.db.updateTable('maintenance_windows').set({ next_transition_at: clock.now() }).execute();
    await expect(new MaintenanceModule(t.db.handle.db).tick(clock.now())).rejects.toThrow(/BYDAY/);
    expect(await status(chat.serviceId)).toBe('active');
    expect(await status(phones.serviceId)).toBe('maintenance');
    expect((await serviceLog(chat.serviceId)).at(-1)).toMatch(/^Maintenance ended early: the window's schedule cannot be read/);
    expect((await send(chat.key, 'chat-queue')).statusCode).toBe(202);
    await run();
    expect(hook.requests).toHaveLength(1);
  });
});
