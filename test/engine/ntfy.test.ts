/**
 * ntfy end to end on both dialects: a member adds an ntfy method through the API (a topic
 * with a random suffix is generated on the server they named; their access token is kept
 * write-only), verifies it with the code that arrives through ntfy, is paged at priority 5,
 * and acknowledges from the notification's `http` action, which the phone POSTs to the
 * single-use link. Bad topics, URLs and misplaced fields are 400s naming the field.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { addPolicy, addUser, attachPolicy, engineFor, incident } from './fixtures.js';
import { createIsolatedApp, incidentByNumber, notificationsOf, timelineOf } from './fixtures2.js';
import { startFakeNtfy, type FakeNtfy } from '../channels/fake-ntfy.js';

const TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2';

describe.each(DIALECTS)('ntfy on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let ntfy: FakeNtfy;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    ntfy = await startFakeNtfy();
    t = await createIsolatedApp(dialect, { clock });
    const channels = buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 });
    expect(channels.types()).toContain('ntfy');
    engine = engineFor(t, channels);
  });
  afterEach(async () => {
    await t.close();
    await ntfy.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload === undefined ? {} : { payload: payload as object }) });

  it('Ada adds ntfy with a token, verifies by the code it delivers, is paged at priority 5 and acknowledges from the action button', async () => {
    const ada = await addUser(t, 'Ada');
    const created = await api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method: { type: 'ntfy_contact_method', address: `${ntfy.url}/`, access_token: TOKEN } });
    expect(created.statusCode).toBe(201);
    const cm = created.json().contact_method;
    expect(cm.type).toBe('ntfy_contact_method');
    expect(cm.address).toMatch(new RegExp(`^${ntfy.url}/vigil-ada-[A-Za-z0-9]{14}$`));
    const topic = cm.address.slice(ntfy.url.length + 1);
    ntfy.protect(topic, TOKEN);
    // Write-only: the token is never answered.
    expect(JSON.stringify(created.json())).not.toContain(TOKEN);
    expect(JSON.stringify((await api('GET', `/api/v1/users/${ada}/contact_methods/${cm.id}`)).json())).not.toContain(TOKEN);

    expect((await api('POST', `/api/v1/users/${ada}/contact_methods/${cm.id}/send_verification`)).statusCode).toBe(202);
    await run();
    expect(ntfy.messages).toHaveLength(1);
    expect(ntfy.messages[0]).toMatchObject({ topic, authorization: `Bearer ${TOKEN}`, title: 'Vigil verification code' });
    const code = /(\d{6})/.exec(ntfy.messages[0]!.message)![1]!;
    expect((await api('POST', `/api/v1/users/${ada}/contact_methods/${cm.id}/verify`, { code })).json().contact_method.verified).toBe(true);

    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'chat' }) })).statusCode).toBe(202);
    await run();

    expect(ntfy.messages).toHaveLength(2);
    const page = ntfy.messages[1]!;
    expect(page).toMatchObject({ topic, priority: 5, authorization: `Bearer ${TOKEN}` });
    expect(page.title).toMatch(/^#1 TRIGGERED: /);
    expect(page.message).toContain('Crisis chat');
    expect(page.tags).toContain('rotating_light');
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    expect(page.click).toBe(`http://vigil.test/incidents/${inc.id}`);
    const [ack, resolve, open] = page.actions!;
    expect(ack).toMatchObject({ action: 'http', label: 'Acknowledge', method: 'POST', clear: true });
    expect(resolve).toMatchObject({ action: 'http', label: 'Resolve', method: 'POST' });
    expect(open).toMatchObject({ action: 'view', url: page.click });
    expect(ack!.url).toMatch(/^http:\/\/vigil\.test\/a\/[\w-]{43}$/);
    const [row] = await notificationsOf(t.db.handle.db, inc.id);
    expect(row).toMatchObject({ channel: 'ntfy', status: 'sent', provider_id: page.id });

    // The phone POSTs the action URL, with no body and no session.
    const pressed = await t.app.inject({ method: 'POST', url: new URL(ack!.url).pathname });
    expect(pressed.statusCode).toBe(200);
    expect((await incident(t)).status).toBe('acknowledged');
    const entry = (await timelineOf(t.db.handle.db, inc.id)).find((e) => e.type === 'acknowledge_log_entry')!;
    expect(entry.agent).toMatchObject({ id: ada });
    // Single use.
    expect((await t.app.inject({ method: 'POST', url: new URL(ack!.url).pathname })).statusCode).toBe(410);
  });

  it('a wrong token is a permanent failure on the timeline and the page moves to the next method', async () => {
    const ada = await addUser(t, 'Ada');
    const cm = (await api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method: { type: 'ntfy', address: `${ntfy.url}/ada-pager`, access_token: 'tk_wrong' } })).json().contact_method;
    ntfy.protect('ada-pager', TOKEN);
    await t.db.handle.db.updateTable('contact_methods').set({ verified_at: clock.now() }).where('id', '=', cm.id).execute();
    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'x' }) });
    await run();
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    expect((await notificationsOf(t.db.handle.db, inc.id))[0]).toMatchObject({ channel: 'ntfy', status: 'failed', last_error: 'ntfy_40101' });
    const summaries = (await timelineOf(t.db.handle.db, inc.id)).map((e) => e.summary);
    expect(summaries).toContain('Delivery to Ada by ntfy (ntfy) failed: ntfy_40101');

    // Replacing the token (write-only, through PUT) makes the next page get through.
    expect((await api('PUT', `/api/v1/users/${ada}/contact_methods/${cm.id}`, { contact_method: { access_token: TOKEN } })).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'y' }) });
    await run();
    expect(ntfy.messages.map((m) => m.authorization)).toEqual([`Bearer ${TOKEN}`]);
  });

  it('bad topics, URLs and tokens are 400s naming the field; nothing is stored', async () => {
    const ada = await addUser(t, 'Ada');
    const post = (contact_method: Record<string, unknown>) => api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ type: 'ntfy', address: 'https://ntfy.sh/bad topic' }, /contact_method\.address: topic .* must be 1 to 64 letters/],
      [{ type: 'ntfy', address: `https://ntfy.sh/${'x'.repeat(65)}` }, /contact_method\.address: topic/],
      [{ type: 'ntfy', address: 'ntfy.sh/alerts' }, /contact_method\.address must be the ntfy server URL/],
      [{ type: 'ntfy', address: 'ftp://ntfy.sh/alerts' }, /contact_method\.address: scheme ftp: not allowed/],
      [{ type: 'ntfy', address: 'https://ntfy.sh/', access_token: 'has space' }, /contact_method\.access_token must be/],
      [{ type: 'ntfy' }, /contact_method\.address is required/],
      [{ type: 'email', address: 'ada@example.org', access_token: TOKEN }, /contact_method\.access_token is only for ntfy and matrix methods/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.errors.join(' ')).toMatch(message);
    }
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods).toEqual([]);
  });
});
