/**
 * Issue 14 item 5, on both dialects: observers and responders could read every member's
 * contact addresses, Slack incoming-webhook URLs (bearer secrets) and webhook
 * subscription URLs. Now people see their own methods in full, others see the type and
 * a masked hint, and Slack URLs and subscription URLs, header values and secrets are
 * write-only after creation for everyone, the owner included.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { member, req, type Json } from './helpers.js';
import { openSecret } from '../../src/server/lib/secret-box.js';

const ADDRESSES = {
  email: 'ada.lovelace@harbor.example',
  sms: '+14155550123',
  webhook: 'https://hooks.harbor.example/pager?token=wh-path-secret',
  slack: 'https://hooks.slack.example/services/T000/B000/slack-bearer-secret',
};

describe.each(DIALECTS)('who reads contact addresses and webhook URLs on %s', (dialect) => {
  let t: TestApp;
  let ada: Awaited<ReturnType<typeof member>>;
  const ids: Record<string, string> = {};

  beforeEach(async () => {
    t = await createTestApp(dialect);
    ada = await member(t, 'responder');
    for (const [type, address] of Object.entries(ADDRESSES)) {
      const r = await req(t, 'POST', '/api/v1/users/me/contact_methods', { contact_method: { type, address } }, ada.auth);
      expect(r.statusCode, r.body).toBe(201);
      ids[type] = r.json().contact_method.id;
    }
  });
  afterEach(() => t.close());

  const byType = (methods: Json[]) => Object.fromEntries(methods.map((m) => [m.type.replace(/_contact_method$/, ''), m.address]));
  const leaks = (body: string) => ['ada.lovelace', '4155550', 'wh-path-secret', 'slack-bearer-secret'].filter((marker) => body.includes(marker));

  it.each(['observer', 'responder', 'admin', 'owner'] as const)("%s reading another member's methods sees the type and a masked hint only", async (role) => {
    const reader = role === 'owner' ? { auth: t.auth } : await member(t, role);
    const list = await req(t, 'GET', `/api/v1/users/${ada.user.id}/contact_methods`, undefined, reader.auth);
    expect(list.statusCode, list.body).toBe(200);
    expect(byType(list.json().contact_methods)).toEqual({
      email: '•••@harbor.example',
      sms: '••••••0123',
      webhook: 'https://hooks.harbor.example/•••',
      slack: 'https://hooks.slack.example/•••',
    });
    expect(leaks(list.body)).toEqual([]);
    for (const id of Object.values(ids)) {
      const one = await req(t, 'GET', `/api/v1/users/${ada.user.id}/contact_methods/${id}`, undefined, reader.auth);
      expect(one.statusCode).toBe(200);
      expect(leaks(one.body)).toEqual([]);
    }
  });

  it('a member sees their own methods in full, except the Slack URL, which is write-only', async () => {
    const list = await req(t, 'GET', '/api/v1/users/me/contact_methods', undefined, ada.auth);
    expect(byType(list.json().contact_methods)).toEqual({ email: ADDRESSES.email, sms: ADDRESSES.sms.replace(/^\+1/, ''), webhook: ADDRESSES.webhook, slack: 'https://hooks.slack.example/•••' });
    expect(list.body).not.toContain('slack-bearer-secret');
  });

  it('sending a masked hint back changes nothing (a client that round-trips what it read)', async () => {
    const observer = await member(t, 'observer');
    for (const type of ['slack', 'email', 'sms'] as const) {
      const read = (await req(t, 'GET', `/api/v1/users/${ada.user.id}/contact_methods/${ids[type]}`, undefined, type === 'slack' ? ada.auth : observer.auth)).json().contact_method;
      const put = await req(t, 'PUT', `/api/v1/users/${ada.user.id}/contact_methods/${ids[type]}`, { contact_method: { address: read.address, label: 'Renamed' } }, type === 'slack' ? ada.auth : t.auth);
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().contact_method.label).toBe('Renamed');
    }
    const own = byType((await req(t, 'GET', '/api/v1/users/me/contact_methods', undefined, ada.auth)).json().contact_methods);
    expect(own.email).toBe(ADDRESSES.email);
    const row = await t.db.handle.db.selectFrom('contact_methods').select('address').where('id', '=', ids.slack!).executeTakeFirstOrThrow();
    // Sealed at rest; it opens to the URL as first given.
    expect(row.address).toMatch(/^vsec1\./);
    expect(openSecret(row.address)).toBe(ADDRESSES.slack);
  });

  it('webhook subscription URLs, header values and secrets are write-only for everyone', async () => {
    const url = 'https://hooks.partner.example/vigil/sub-path-secret?key=q-secret';
    const made = await req(t, 'POST', '/api/v1/webhook_subscriptions', { webhook_subscription: { events: ['incident.triggered'], filter: { type: 'account_reference' }, delivery_method: { url, custom_headers: [{ name: 'Authorization', value: 'Bearer header-secret' }] } } });
    expect(made.statusCode, made.body).toBe(201);
    const created = made.json().webhook_subscription;
    expect(created.delivery_method.url).toBe(url);
    expect(created.delivery_method.secret).toEqual(expect.any(String));
    const readers = [{ auth: t.auth }, await member(t, 'admin'), await member(t, 'responder'), await member(t, 'observer')];
    for (const reader of readers) {
      for (const path of ['/api/v1/webhook_subscriptions', `/api/v1/webhook_subscriptions/${created.id}`]) {
        const r = await req(t, 'GET', path, undefined, reader.auth);
        expect(r.statusCode).toBe(200);
        for (const secret of ['sub-path-secret', 'q-secret', 'header-secret', created.delivery_method.secret]) expect(r.body).not.toContain(secret);
        const s = path.endsWith('subscriptions') ? r.json().webhook_subscriptions[0] : r.json().webhook_subscription;
        expect(s.delivery_method.url).toBe('https://hooks.partner.example/•••');
        expect(s.delivery_method.custom_headers).toEqual([{ name: 'Authorization', value: null }]);
        expect(s.delivery_method.secret).toBeNull();
      }
    }
  });

  it('a CR or LF in a custom header value is refused with 400, and nothing is saved', async () => {
    for (const value of ['ok\r\nX-Injected: 1', 'line\nbreak', 'cr\ronly']) {
      const r = await req(t, 'POST', '/api/v1/webhook_subscriptions', { webhook_subscription: { events: ['incident.triggered'], filter: { type: 'account_reference' }, delivery_method: { url: 'https://hooks.partner.example/x', custom_headers: [{ name: 'X-Fine', value: 'fine' }, { name: 'X-Bad', value }] } } });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.errors).toEqual(['webhook_subscription.delivery_method.custom_headers[1].value must not contain CR, LF or NUL characters']);
    }
    expect((await req(t, 'GET', '/api/v1/webhook_subscriptions')).json().webhook_subscriptions).toEqual([]);
  });
});
