/**
 * Issue 14 item 3, reproduced through the API on both dialects: any member (an observer
 * here) could point a webhook contact method at loopback, link-local or private
 * addresses and make the server request it with send_verification; admins the same with
 * webhook subscriptions. With the default policy (no VIGIL_OUTBOUND_ALLOW) the API
 * refuses such URLs, and a method stored before the policy existed is refused when
 * delivered: the timeline says "blocked by the outbound policy", never which port.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelsFromConfig } from '../../src/server/main.js';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { startServer, reply, type TestServer } from '../channels/helpers.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, timeline } from '../engine/fixtures.js';
import { member, req } from './helpers.js';

const BLOCKED = 'blocked by the outbound policy';

describe.each(DIALECTS)('outbound address policy through the API on %s', (dialect) => {
  let t: TestApp;
  let rx: TestServer;
  beforeEach(async () => {
    // The default policy: the harness's loopback allowance is removed.
    t = await createTestApp(dialect, { clock: manualClock(), config: { outboundAllow: [] } });
    rx = await startServer(reply(200, 'ok'));
  });
  afterEach(async () => {
    await t.close();
    await rx.close();
  });

  it.each([
    ['loopback', () => `${rx.url}/hook`],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a private address', () => 'http://10.0.0.1/'],
    ['IPv6 loopback', () => `http://[::1]:${rx.port}/`],
    ['a name resolving to loopback', () => `http://localhost:${rx.port}/`],
  ])('an observer cannot add a webhook method aimed at %s', async (_what, address) => {
    const observer = await member(t, 'observer');
    const r = await req(t, 'POST', '/api/v1/users/me/contact_methods', { contact_method: { type: 'webhook_contact_method', address: address() } }, observer.auth);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.errors).toEqual([`contact_method.address: ${BLOCKED}`]);
    expect(r.body).not.toContain(String(rx.port));
    const list = await req(t, 'GET', '/api/v1/users/me/contact_methods', undefined, observer.auth);
    expect(list.json().contact_methods).toHaveLength(0);
  });

  it('an address cannot be changed to an internal one, nor a Slack URL set to one', async () => {
    const responder = await member(t, 'responder');
    const made = await req(t, 'POST', '/api/v1/users/me/contact_methods', { contact_method: { type: 'slack', address: 'https://hooks.slack.invalid/services/T/B/x' } }, responder.auth);
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json().contact_method.id;
    const put = await req(t, 'PUT', `/api/v1/users/me/contact_methods/${id}`, { contact_method: { address: 'http://192.168.1.1/' } }, responder.auth);
    expect(put.statusCode, put.body).toBe(400);
    expect(put.json().error.errors).toEqual([`contact_method.address: ${BLOCKED}`]);
  });

  it('send_verification to a method stored before the policy is refused, and nothing reaches the target', async () => {
    const observer = await member(t, 'observer');
    const cm = await addContact(t, observer.user.id, 'webhook', `${rx.url}/hook`, false);
    const r = await req(t, 'POST', `/api/v1/users/me/contact_methods/${cm}/send_verification`, undefined, observer.auth);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error.errors).toEqual([`contact_method.address: ${BLOCKED}`]);
    await engineFor(t, channelsFromConfig(t.deps.config)).runUntilIdle(t.clock.now());
    expect(rx.received).toHaveLength(0);
  });

  it('an admin cannot subscribe an internal URL', async () => {
    const admin = await member(t, 'admin');
    for (const url of [`${rx.url}/hook`, 'http://169.254.169.254/', 'http://172.16.0.1/x']) {
      const r = await req(t, 'POST', '/api/v1/webhook_subscriptions', { webhook_subscription: { events: ['incident.triggered'], filter: { type: 'account_reference' }, delivery_method: { url } } }, admin.auth);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.errors).toEqual([`webhook_subscription.delivery_method.url: ${BLOCKED}`]);
    }
  });

  it('a page to a stored internal webhook is refused at delivery: the timeline says so, without the port', async () => {
    const svc = await serviceWithKey(t);
    const ada = await addUser(t, 'Ada');
    const wh = await addContact(t, ada, 'webhook', `${rx.url}/hook`, true, 'secret');
    await addRule(t, ada, wh, 0);
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'd1' }) })).statusCode).toBe(202);
    await engineFor(t, channelsFromConfig(t.deps.config)).runUntilIdle(t.clock.now());
    const lines = await timeline(t);
    expect(lines).toContain(`Delivery to Ada by webhook (webhook) failed: ${BLOCKED}`);
    expect(lines.join('\n')).not.toContain(String(rx.port));
    expect(rx.received).toHaveLength(0);
  });
});
