/**
 * Snooze and priority as stories, with a manual clock and real channels to local servers
 * (STYLE.md habit 10): a snoozed incident waits out its acknowledgement timeout, triggers
 * again when the snooze ends and pages the first level again, then escalates on; a
 * high-urgency alert ends a snooze early; a priority change reaches a webhook subscription
 * as `incident.priority_updated`, signed, with the priority in `data.priority`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, GROUP_UNTIL_RESOLVED, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { nextDeadline } from '../../src/server/engine/build.js';
import { verifySignature } from '../../src/server/notify/channels/webhook/webhook.js';
import { addContact, addPolicy, addUser, attachPolicy, engineFor, incident, realChannels, startReceiver, startSmtp, timeline, type Mailbox, type Receiver } from './fixtures.js';

describe.each(DIALECTS)('snooze and priority stories on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hook: Receiver;
  let smtp: Mailbox;
  let engine: Engine;
  let key: string;
  let serviceId: string;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createTestApp(dialect, { clock });
    hook = await startReceiver();
    smtp = await startSmtp();
    engine = engineFor(t, realChannels(smtp.port));
    ({ key, serviceId } = await serviceWithKey(t, 'events_v2', 'Crisis chat', t.auth, GROUP_UNTIL_RESOLVED));
  });
  afterEach(async () => {
    await t.close();
    await hook.close();
    await smtp.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const send = (extra: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) => t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, extra, payload) });
  const api = (method: 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload === undefined ? {} : { payload: payload as object }) });

  it('snooze 1 h → the ack timeout waits → the snooze ends: triggered, Ada paged again → 5 minutes → Bo', async () => {
    const ada = await addUser(t, 'Ada');
    const bo = await addUser(t, 'Bo');
    await addContact(t, ada, 'webhook', hook.url, true, 'ada-secret');
    await addContact(t, bo, 'email', 'bo@harbor.example');
    // A 30-minute acknowledgement timeout, which a one-hour snooze suspends.
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 5, targets: [{ id: ada, type: 'user_reference' }] }, { delay: 5, targets: [{ id: bo, type: 'user_reference' }] }]), { acknowledgement_timeout: 1800 });

    expect((await send({ dedup_key: 'chat-down' })).statusCode).toBe(202);
    await run();
    expect(hook.requests.map((r) => r.json.event.event_type)).toEqual(['incident.triggered']);
    expect((await api('POST', '/api/v1/incidents/1/acknowledge')).statusCode).toBe(200);
    const snoozed = await api('POST', '/api/v1/incidents/1/snooze', { duration: 3600 });
    expect(snoozed.statusCode, snoozed.body).toBe(201);
    await run();
    // The engine wakes for the snooze's end: it is the next deadline in the rows.
    expect(await nextDeadline(t.db.handle.db)).toBe(Date.parse('2026-03-02T10:00:00Z'));

    clock.advanceMinutes(59);
    await run();
    expect((await incident(t)).status).toBe('acknowledged');
    expect(hook.requests).toHaveLength(1);

    clock.advanceMinutes(1);
    await run();
    const inc = await incident(t);
    expect(inc.status).toBe('triggered');
    expect(inc.pending_actions).toEqual([]);
    expect((await timeline(t)).filter((s) => /Snooze|Snoozed/.test(s))).toEqual([
      'Snoozed for 1 h by Olive Owner through the API: triggers again at 2026-03-02 10:00 UTC unless resolved',
      'Snooze ended: re-triggered',
    ]);
    // From the first level: Ada again, not Bo.
    expect(hook.requests.map((r) => r.json.event.event_type)).toEqual(['incident.triggered', 'incident.triggered']);
    expect(verifySignature(hook.requests[1]!.body, hook.requests[1]!.headers['x-vigil-signature'] as string, ['ada-secret'])).toBe(true);
    expect(smtp.messages).toHaveLength(0);
    // Nothing more to do at the same instant (idempotent).
    expect(await engine.runOnce(clock.now())).toBe(0);

    clock.advanceMinutes(5);
    await run();
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.subject).toContain('#1');
  });

  it('a high-urgency alert joining a snoozed incident ends the snooze and pages at once', async () => {
    const ada = await addUser(t, 'Ada');
    await addContact(t, ada, 'webhook', hook.url, true, 'ada-secret');
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 5, targets: [{ id: ada, type: 'user_reference' }] }]));
    await send({ dedup_key: 'a' }, { severity: 'warning' });
    await run();
    await api('POST', '/api/v1/incidents/1/acknowledge');
    expect((await api('POST', '/api/v1/incidents/1/snooze', { duration: 4 * 3600 })).statusCode).toBe(201);
    clock.advanceMinutes(10);
    expect((await send({ dedup_key: 'b' }, { severity: 'critical' })).statusCode).toBe(202);
    await run();
    expect((await incident(t)).status).toBe('triggered');
    expect((await incident(t)).pending_actions).toEqual([]);
    expect(hook.requests).toHaveLength(2);
    // The snooze's end passes without a second re-trigger.
    clock.advanceMinutes(4 * 60);
    await run();
    expect((await timeline(t)).some((s) => s.startsWith('Snooze ended'))).toBe(false);
  });

  it('a priority change reaches a webhook subscription as incident.priority_updated, signed', async () => {
    const sub = await api('POST', '/api/v1/webhook_subscriptions', {
      webhook_subscription: { type: 'webhook_subscription', events: ['incident.priority_updated'], filter: { type: 'account_reference' }, delivery_method: { type: 'http_delivery_method', url: hook.url } },
    });
    expect(sub.statusCode, sub.body).toBe(201);
    const secret = sub.json().webhook_subscription.delivery_method.secret as string;
    const p1 = (await t.app.inject({ method: 'GET', url: '/api/v1/priorities', headers: t.auth })).json().priorities[0];
    await send({ dedup_key: 'k' });
    await run();
    expect(hook.requests).toHaveLength(0);
    expect((await api('PUT', '/api/v1/incidents/1', { incident: { type: 'incident_reference', priority: { id: p1.id, type: 'priority_reference' } } })).statusCode).toBe(200);
    await run();
    expect(hook.requests).toHaveLength(1);
    const r = hook.requests[0]!;
    expect(verifySignature(r.body, r.headers['x-vigil-signature'] as string, [secret])).toBe(true);
    expect(r.json.event).toMatchObject({ event_type: 'incident.priority_updated', resource_type: 'incident', agent: { type: 'user_reference', summary: 'Olive Owner' } });
    expect(r.json.event.data).toMatchObject({ type: 'incident', number: 1, priority: { id: p1.id, type: 'priority_reference', summary: 'P1', self: `http://vigil.test/api/v1/priorities/${p1.id}` } });
    // Removing it is a change too: data.priority is null.
    await api('PUT', '/api/v1/incidents/1', { incident: { priority: null } });
    await run();
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests[1]!.json.event.data.priority).toBeNull();
  });
});
