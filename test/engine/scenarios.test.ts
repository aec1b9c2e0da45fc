/**
 * The engine, told as stories with a manual clock (STYLE.md habit 10). Every
 * message goes through a real channel to a real local server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { verifySignature } from '../../src/server/notify/channels/webhook/webhook.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, incident, realChannels, startReceiver, startSmtp, timeline, type Mailbox, type Receiver } from './fixtures.js';
import { createHmac } from 'node:crypto';

describe.each(DIALECTS)('engine stories on %s', (dialect) => {
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
    ({ key, serviceId } = await serviceWithKey(t));
  });
  afterEach(async () => {
    await t.close();
    await hook.close();
    await smtp.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const send = (extra: Record<string, unknown> = {}) => t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, extra) });

  it('trigger → webhook to Ada → 5 minutes → email to Bo → Bo acknowledges by link → nothing more', async () => {
    const ada = await addUser(t, 'Ada');
    const bo = await addUser(t, 'Bo');
    await addContact(t, ada, 'webhook', hook.url, true, 'ada-secret');
    await addContact(t, bo, 'email', 'bo@harbor.example');
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 5, targets: [{ id: ada, type: 'user_reference' }] }, { delay: 5, targets: [{ id: bo, type: 'user_reference' }] }]));

    expect((await send({ dedup_key: 'chat-down' })).statusCode).toBe(202);
    await run();
    expect(hook.requests).toHaveLength(1);
    const req = hook.requests[0]!;
    expect(req.json.event.event_type).toBe('incident.triggered');
    expect(req.json.event.data.number).toBe(1);
    // Read for the message beside the incident: its service's name and who the step assigned.
    expect(req.json.event.data.service).toMatchObject({ id: serviceId, summary: 'Crisis chat' });
    expect(req.json.event.data.assignees).toMatchObject([{ id: ada, type: 'user_reference', summary: 'Ada' }]);
    // The receiver checks our signature with the secret it was given.
    const expected = 'v1=' + createHmac('sha256', 'ada-secret').update(req.body).digest('hex');
    expect(req.headers['x-vigil-signature']).toContain(expected);
    expect(verifySignature(req.body, req.headers['x-vigil-signature'] as string, ['ada-secret'])).toBe(true);
    expect(smtp.messages).toHaveLength(0);

    clock.advanceMinutes(4);
    await run();
    expect(smtp.messages).toHaveLength(0);
    clock.advanceMinutes(1);
    await run();
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.subject).toContain('#1');
    const ackLink = /https?:\/\/\S+\/a\/[A-Za-z0-9_-]+/.exec(String(mail.text))?.[0];
    expect(ackLink).toBeTruthy();
    const path = new URL(ackLink!).pathname;

    // A link-preview bot fetches the link: nothing happens.
    const preview = await t.app.inject({ method: 'GET', url: path });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('<form method="post">');
    expect((await incident(t)).status).toBe('triggered');

    const press = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(press.statusCode).toBe(200);
    expect((await incident(t)).status).toBe('acknowledged');
    // Single use.
    expect((await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })).statusCode).toBe(410);

    clock.advanceMinutes(30);
    await run();
    expect(hook.requests).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    const tl = await timeline(t);
    expect(tl.some((s) => /Notified Ada by webhook/.test(s))).toBe(true);
    expect(tl.some((s) => /Escalated to level 2: Bo/.test(s))).toBe(true);
    expect(tl.some((s) => /Acknowledged by Bo through email/.test(s))).toBe(true);
  });

  it('repeats the policy num_loops times, then stops', async () => {
    const ada = await addUser(t, 'Ada');
    await addContact(t, ada, 'webhook', hook.url);
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 10, targets: [{ id: ada, type: 'user_reference' }] }], 2));
    await send();
    await run();
    for (let i = 0; i < 5; i++) {
      clock.advanceMinutes(10);
      await run();
    }
    // First pass plus two loops: three pages, then nothing.
    expect(hook.requests).toHaveLength(3);
    expect((await timeline(t)).filter((s) => /repeat/.test(s))).toHaveLength(2);
  });

  it('an acknowledged incident re-triggers after the acknowledgement timeout and escalates again', async () => {
    const ada = await addUser(t, 'Ada');
    await addContact(t, ada, 'webhook', hook.url);
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]), { acknowledgement_timeout: 600 });
    await send({ dedup_key: 'x' });
    await run();
    expect(hook.requests).toHaveLength(1);
    await t.app.inject({ method: 'PUT', url: '/api/v1/incidents/1', headers: t.auth, payload: { incident: { type: 'incident_reference', status: 'acknowledged' } } });
    clock.advanceMinutes(9);
    await run();
    expect((await incident(t)).status).toBe('acknowledged');
    clock.advanceMinutes(1);
    await run();
    expect((await incident(t)).status).toBe('triggered');
    expect(hook.requests).toHaveLength(2);
    expect((await timeline(t)).some((s) => /Unacknowledged/.test(s))).toBe(true);
  });

  it('an empty schedule pages the owners and admins, and says so', async () => {
    const admin = await addUser(t, 'Ari Admin', 'admin');
    await addContact(t, admin, 'webhook', hook.url);
    const sched = await t.db.handle.db
      .insertInto('schedules')
      .values({ org_id: t.org.org.id, id: 'SCHEDEMPTY', name: 'Nights', description: null, time_zone: 'UTC', layers: '[]', created_at: clock.now(), updated_at: clock.now(), deleted_at: null })
      .execute();
    expect(sched).toBeTruthy();
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 5, targets: [{ id: 'SCHEDEMPTY', type: 'schedule_reference' }] }]));
    await send();
    await run();
    expect(hook.requests).toHaveLength(1);
    const tl = await timeline(t);
    expect(tl.some((s) => /Nobody reachable at level 1 \(nobody is on call in schedule Nights\)/.test(s))).toBe(true);
  });

  it('a person with only an unverified method is skipped and flagged; the next level still fires', async () => {
    const ada = await addUser(t, 'Ada');
    const bo = await addUser(t, 'Bo');
    await addContact(t, ada, 'webhook', hook.url, false);
    await addContact(t, bo, 'webhook', hook.url);
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 5, targets: [{ id: ada, type: 'user_reference' }, { id: bo, type: 'user_reference' }] }]));
    await send();
    await run();
    expect(hook.requests).toHaveLength(1);
    const tl = await timeline(t);
    expect(tl.some((s) => /Ada has no verified contact method: skipped/.test(s))).toBe(true);
    expect(tl.some((s) => /Notified Bo/.test(s))).toBe(true);
  });

  it('notification rules delay a method; acknowledging cancels what has not gone out', async () => {
    const ada = await addUser(t, 'Ada');
    const wh = await addContact(t, ada, 'webhook', hook.url);
    const em = await addContact(t, ada, 'email', 'ada@harbor.example');
    await addRule(t, ada, wh, 0);
    await addRule(t, ada, em, 3);
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    await send();
    await run();
    expect(hook.requests).toHaveLength(1);
    expect(smtp.messages).toHaveLength(0);
    await t.app.inject({ method: 'POST', url: '/api/v1/incidents/1/acknowledge', headers: t.auth });
    clock.advanceMinutes(5);
    await run();
    expect(smtp.messages).toHaveLength(0);
  });

  it('several incidents for one person arriving together go out as one message', async () => {
    const ada = await addUser(t, 'Ada');
    await addContact(t, ada, 'email', 'ada@harbor.example');
    const policy = await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]);
    await attachPolicy(t, serviceId, policy);
    const second = await serviceWithKey(t, 'events_v2', 'Benefits portal');
    await attachPolicy(t, second.serviceId, policy);
    await send();
    await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(second.key) });
    await run();
    expect(smtp.messages).toHaveLength(1);
    expect(String(smtp.messages[0]!.text)).toMatch(/#1[\s\S]*#2|#2[\s\S]*#1/);
  });

  it('webhook subscriptions hear every status change, signed', async () => {
    const sub = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhook_subscriptions',
      headers: t.auth,
      payload: { webhook_subscription: { type: 'webhook_subscription', events: ['incident.triggered', 'incident.acknowledged', 'incident.resolved', 'incident.annotated'], filter: { type: 'account_reference' }, delivery_method: { type: 'http_delivery_method', url: hook.url } } },
    });
    expect(sub.statusCode).toBe(201);
    const secret = sub.json().webhook_subscription.delivery_method.secret as string;
    await send({ dedup_key: 'k' });
    await run();
    await t.app.inject({ method: 'POST', url: '/api/v1/incidents/1/notes', headers: t.auth, payload: { note: { content: 'Looking' } } });
    await t.app.inject({ method: 'POST', url: '/api/v1/incidents/1/acknowledge', headers: t.auth });
    await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: { routing_key: key, event_action: 'resolve', dedup_key: 'k' } });
    await run();
    const types = hook.requests.map((r) => r.json.event.event_type);
    expect(types).toEqual(expect.arrayContaining(['incident.triggered', 'incident.annotated', 'incident.acknowledged', 'incident.resolved']));
    for (const r of hook.requests) expect(verifySignature(r.body, r.headers['x-vigil-signature'] as string, [secret])).toBe(true);
    const note = hook.requests.find((r) => r.json.event.event_type === 'incident.annotated')!;
    expect(note.json.event.data.content).toBe('Looking');
  });
});
