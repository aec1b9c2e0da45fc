/**
 * Web Push end to end on both dialects, against a local push service that verifies the
 * VAPID JWT and decrypts the aes128gcm payload with its own code (test/channels/fake-push.ts).
 * A member's device subscribes with the organization's VAPID key, becomes a
 * push_notification contact method, verifies with the code the push carries, is paged with
 * Urgency: high and Acknowledge / Resolve / Open actions, and acknowledges with the action's
 * single-use link. A subscription the push service answers 410 for is removed and the
 * person's next method is paged at once, with the reason on the timeline.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { channelsFromConfig } from '../../src/server/main.js';
import { addPolicy, addRule, addUser, attachPolicy, engineFor, incident } from './fixtures.js';
import { createIsolatedApp, incidentByNumber, notificationsOf, timelineOf } from './fixtures2.js';
import { startFakePushService, type FakePushService, type TestSubscription } from '../channels/fake-push.js';
import { startFakeNtfy, type FakeNtfy } from '../channels/fake-ntfy.js';

describe.each(DIALECTS)('Web Push on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let push: FakePushService;
  let ntfy: FakeNtfy;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    push = await startFakePushService();
    ntfy = await startFakeNtfy();
    t = await createIsolatedApp(dialect, { clock });
    expect(t.deps.config.vapidSubject).toBe('mailto:vigil@vigil.test');
    const channels = channelsFromConfig(t.deps.config);
    expect(channels.types()).toContain('push');
    engine = engineFor(t, channels);
  });
  afterEach(async () => {
    await t.close();
    await push.close();
    await ntfy.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const db = () => t.db.handle.db;
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
  const vapidKey = async () => {
    const r = await api('GET', '/api/v1/push/vapid_key');
    expect(r.statusCode).toBe(200);
    return r.json().vapid_key.public_key as string;
  };

  /** The device subscribes with the server's key and registers itself; verified with the code the push brings. */
  async function subscribeDevice(userId: string): Promise<{ sub: TestSubscription; cmId: string }> {
    const sub = push.subscribe(await vapidKey());
    const created = await api('POST', `/api/v1/users/${userId}/contact_methods`, { contact_method: { type: 'push_notification_contact_method', label: 'Pixel 8', subscription: sub.json } });
    expect(created.statusCode).toBe(201);
    const cm = created.json().contact_method;
    expect(cm).toMatchObject({ type: 'push_notification_contact_method', address: sub.json.endpoint, label: 'Pixel 8', verified: false });
    // The keys are write-only.
    expect(JSON.stringify(created.json())).not.toContain(sub.json.keys.auth);
    expect(JSON.stringify((await api('GET', `/api/v1/users/${userId}/contact_methods`)).json())).not.toContain(sub.json.keys.auth);
    const before = push.delivered.length;
    expect((await api('POST', `/api/v1/users/${userId}/contact_methods/${cm.id}/send_verification`)).statusCode).toBe(202);
    await run();
    const delivered = push.delivered[before]!;
    expect(delivered.payload).toMatchObject({ title: 'Vigil verification code', urgency: 'low', requireInteraction: false, actions: [] });
    const code = /(\d{6})/.exec(delivered.payload.body)![1]!;
    expect((await api('POST', `/api/v1/users/${userId}/contact_methods/${cm.id}/verify`, { code })).json().contact_method.verified).toBe(true);
    return { sub, cmId: cm.id };
  }

  async function page(userId: string, dedup: string): Promise<void> {
    const svc = await serviceWithKey(t, 'events_v2', `Crisis chat ${dedup}`);
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: userId, type: 'user_reference' }] }], 0, `on-call ${dedup}`));
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: dedup }) })).statusCode).toBe(202);
    await run();
  }

  it('the VAPID key is created once, answered without its private half, and rotatable by admins', async () => {
    const first = await vapidKey();
    expect(Buffer.from(first, 'base64url')).toHaveLength(65);
    expect(await vapidKey()).toBe(first);
    const rotated = await api('POST', '/api/v1/push/vapid_key/rotate');
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().vapid_key.public_key).not.toBe(first);
    expect(Object.keys(rotated.json().vapid_key).sort()).toEqual(['created_at', 'public_key']);
    expect(await vapidKey()).toBe(rotated.json().vapid_key.public_key);
  });

  it('Ada’s phone is paged with Urgency: high and lock-screen actions; Acknowledge works once; after a key rotation the old subscription still gets pushes', async () => {
    const ada = await addUser(t, 'Ada');
    const { sub } = await subscribeDevice(ada);
    await page(ada, 'chat');

    expect(push.rejected).toEqual([]);
    const d = push.delivered.at(-1)!;
    expect(d.subscription).toBe(sub.id);
    expect(d.urgency).toBe('high');
    expect(d.ttl).toBeGreaterThan(0);
    expect(d.claims).toMatchObject({ aud: push.url, sub: 'mailto:vigil@vigil.test' });
    const inc = await incidentByNumber(db(), t.org.org.id, 1);
    const p = d.payload;
    expect(p).toMatchObject({ v: 1, urgency: 'high', requireInteraction: true, renotify: true, tag: `vigil-incident-${inc.id}`, url: `http://vigil.test/incidents/${inc.id}` });
    expect(p.title).toMatch(/^#1 TRIGGERED: /);
    expect(p.body).toContain('Crisis chat chat · high urgency');
    expect(p.actions.map((a: any) => [a.action, a.title])).toEqual([
      ['ack', 'Acknowledge'],
      ['resolve', 'Resolve'],
      ['open', 'Open'],
    ]);
    const [row] = await notificationsOf(db(), inc.id);
    expect(row).toMatchObject({ channel: 'push', status: 'sent' });
    expect(row!.provider_id).toMatch(new RegExp(`^${push.url}/message/`));

    // The service worker POSTs the action's link (no session, no body).
    const ackPath = new URL(p.actions[0].url).pathname;
    expect((await t.app.inject({ method: 'POST', url: ackPath })).statusCode).toBe(200);
    expect((await incident(t)).status).toBe('acknowledged');
    expect((await t.app.inject({ method: 'POST', url: ackPath })).statusCode).toBe(410);

    // Rotation: the subscription made with the old key is still sent with it (k = the old key).
    const oldKey = sub.applicationServerKey;
    expect((await api('POST', '/api/v1/push/vapid_key/rotate')).statusCode).toBe(200);
    await page(ada, 'second');
    expect(push.rejected).toEqual([]);
    expect(push.delivered.at(-1)!.vapidKey).toBe(oldKey);
  });

  it('a subscription the push service answers 410 for is removed and the next method is paged at once, with the reason on the timeline', async () => {
    const ada = await addUser(t, 'Ada');
    const { sub, cmId } = await subscribeDevice(ada);
    const ntfyCm = (await api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method: { type: 'ntfy', address: `${ntfy.url}/ada-pager` } })).json().contact_method;
    await db().updateTable('contact_methods').set({ verified_at: clock.now() }).where('id', '=', ntfyCm.id).execute();
    // Ada's rules page only her phone; ntfy is her verified fallback.
    await addRule(t, ada, cmId, 0);
    push.gone(sub.id);

    await page(ada, 'gone');
    expect(push.rejected.at(-1)).toMatchObject({ status: 410 });
    // The next method went out at once.
    expect(ntfy.messages).toHaveLength(1);
    expect(ntfy.messages[0]!.priority).toBe(5);
    const inc = await incidentByNumber(db(), t.org.org.id, 1);
    const rows = await notificationsOf(db(), inc.id);
    expect(rows.find((r) => r.channel === 'push')).toMatchObject({ status: 'failed', last_error: 'push_subscription_expired' });
    const summaries = (await timelineOf(db(), inc.id)).map((e) => e.summary);
    expect(summaries).toContain('Delivery to Ada by push notification (Pixel 8) failed: push_subscription_expired (the contact method was removed)');
    expect(summaries.some((s) => s.startsWith('Notified Ada by ntfy'))).toBe(true);
    const methods = (await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods.map((m: any) => m.id);
    expect(methods).toEqual([ntfyCm.id]);
  });

  it('invalid subscriptions are 400s naming the field; nothing is stored', async () => {
    const ada = await addUser(t, 'Ada');
    const good = push.subscribe(await vapidKey()).json;
    const post = (contact_method: Record<string, unknown>) => api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ type: 'push_notification' }, /contact_method\.subscription is required/],
      [{ type: 'push_notification', subscription: { ...good, endpoint: 'http://push.example.com/x' } }, /contact_method\.subscription\.endpoint must be an https URL/],
      [{ type: 'push_notification', subscription: { ...good, endpoint: 'nope' } }, /contact_method\.subscription\.endpoint must be an absolute https URL/],
      [{ type: 'push_notification', subscription: { ...good, keys: { p256dh: good.keys.p256dh.slice(0, 40), auth: good.keys.auth } } }, /contact_method\.subscription\.keys\.p256dh must decode to 65 bytes/],
      [{ type: 'push_notification', subscription: { ...good, keys: { p256dh: good.keys.p256dh, auth: 'not base64!' } } }, /contact_method\.subscription\.keys\.auth must be a base64url string/],
      [{ type: 'push_notification', subscription: { ...good, keys: undefined } }, /contact_method\.subscription\.keys must be an object/],
      [{ type: 'push_notification', subscription: { ...good, extra: 1 } }, /contact_method\.subscription\.extra is not a subscription field/],
      [{ type: 'push_notification', subscription: { ...good, expirationTime: clock.now() - 1 } }, /expirationTime is in the past/],
      [{ type: 'push_notification', address: 'https://elsewhere.example/x', subscription: good }, /contact_method\.address, when given, must equal/],
      [{ type: 'email', address: 'ada@example.org', subscription: good }, /contact_method\.subscription is only for push_notification methods/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.errors.join(' ')).toMatch(message);
    }
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods).toEqual([]);
  });
});
