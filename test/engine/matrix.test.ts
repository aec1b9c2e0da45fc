/**
 * Matrix end to end on both dialects: a member adds a Matrix room as a contact method through
 * the API (homeserver URL, room id, and the bot's access token: write-only, sealed at rest),
 * verifies it with the code the bot posts in the room, is paged with an m.text message whose
 * Acknowledge link acknowledges the incident. M_LIMIT_EXCEEDED is retried no sooner than its
 * Retry-After, with the same transaction id; a room the homeserver no longer knows removes the
 * method and the page moves on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, incident } from './fixtures.js';
import { createIsolatedApp, incidentByNumber, notificationsOf, timelineOf } from './fixtures2.js';
import { startFakeMatrix, type FakeMatrix } from '../channels/fake-matrix.js';

describe.each(DIALECTS)('Matrix on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hs: FakeMatrix;
  let engine: Engine;
  let bot: string;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    hs = await startFakeMatrix();
    bot = hs.addBot('@vigil:vigil.test');
    t = await createIsolatedApp(dialect, { clock });
    const channels = buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 });
    expect(channels.types()).toContain('matrix');
    engine = engineFor(t, channels);
  });
  afterEach(async () => {
    await t.close();
    await hs.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
  const page = async (svcKey: string, dedup: string) => expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svcKey, { dedup_key: dedup }) })).statusCode).toBe(202);

  it('Ada adds a Matrix room, verifies it, is paged, a rate limit is honoured, and she acknowledges from the link', async () => {
    const ada = await addUser(t, 'Ada');
    const room = hs.addRoom(['@vigil:vigil.test', '@ada:vigil.test']);
    const created = await api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method: { type: 'matrix_contact_method', address: hs.url, room_id: room, access_token: bot } });
    expect(created.statusCode).toBe(201);
    const cm = created.json().contact_method;
    expect(cm).toMatchObject({ type: 'matrix_contact_method', address: `${hs.url}/#${room}` });
    // The token is write-only and sealed at rest.
    expect(JSON.stringify(created.json())).not.toContain(bot);
    expect(JSON.stringify((await api('GET', `/api/v1/users/${ada}/contact_methods/${cm.id}`)).json())).not.toContain(bot);
    const stored = await t.db.handle.db.selectFrom('contact_methods').select('secret').where('id', '=', cm.id).executeTakeFirstOrThrow();
    expect(stored.secret).not.toContain(bot);

    expect((await api('POST', `/api/v1/users/${ada}/contact_methods/${cm.id}/send_verification`)).statusCode).toBe(202);
    await run();
    const code = /(\d{6})/.exec(hs.events[0]!.content.body)![1]!;
    expect((await api('POST', `/api/v1/users/${ada}/contact_methods/${cm.id}/verify`, { code })).json().contact_method.verified).toBe(true);

    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    hs.rateLimitNext(40_000);
    await page(svc.key, 'chat');
    await run();
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    expect(hs.events).toHaveLength(1);
    const [waiting] = await notificationsOf(t.db.handle.db, inc.id);
    expect(waiting).toMatchObject({ channel: 'matrix', status: 'pending', last_error: 'matrix_M_LIMIT_EXCEEDED' });
    expect(waiting!.next_attempt_at).toBeGreaterThanOrEqual(clock.now() + 40_000);
    clock.advance(30_000);
    await run();
    expect(hs.events).toHaveLength(1);
    clock.advance(11_000);
    await run();
    expect(hs.events).toHaveLength(2);

    const ev = hs.events[1]!;
    expect(ev).toMatchObject({ room_id: room, sender: '@vigil:vigil.test' });
    expect(ev.content).toMatchObject({ msgtype: 'm.text', format: 'org.matrix.custom.html' });
    expect(ev.content.body).toMatch(/^#1 TRIGGERED: /);
    expect(ev.content.body).toContain('Crisis chat · high urgency · triggered');
    const ackUrl = /<a href="(http:\/\/vigil\.test\/a\/[\w-]{43})">Acknowledge<\/a>/.exec(ev.content.formatted_body!)![1]!;
    expect(ev.content.body).toContain(`Acknowledge: ${ackUrl}`);
    expect((await notificationsOf(t.db.handle.db, inc.id))[0]).toMatchObject({ status: 'sent', provider_id: ev.event_id });

    expect((await t.app.inject({ method: 'GET', url: new URL(ackUrl).pathname })).statusCode).toBe(200);
    expect((await incident(t)).status).toBe('triggered');
    expect((await t.app.inject({ method: 'POST', url: new URL(ackUrl).pathname })).statusCode).toBe(200);
    expect((await incident(t)).status).toBe('acknowledged');
    expect((await timelineOf(t.db.handle.db, inc.id)).find((e) => e.type === 'acknowledge_log_entry')!.agent).toMatchObject({ id: ada });
  });

  it('a room the homeserver no longer knows removes the method and the page moves on; a wrong token fails for good', async () => {
    const ada = await addUser(t, 'Ada');
    const gone = hs.addRoom(['@vigil:vigil.test']);
    const spare = hs.addRoom(['@vigil:vigil.test']);
    const first = await addContact(t, ada, 'matrix', `${hs.url}/#${gone}`, true, bot);
    const second = await addContact(t, ada, 'matrix', `${hs.url}/#${spare}`, true, bot);
    await addRule(t, ada, first, 0);
    hs.removeRoom(gone);
    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    await page(svc.key, 'x');
    await run();
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    const rows = await notificationsOf(t.db.handle.db, inc.id);
    expect(rows.find((r) => r.contact_method_id === first)).toMatchObject({ status: 'failed', last_error: 'matrix_M_NOT_FOUND' });
    expect(rows.find((r) => r.contact_method_id === second)).toMatchObject({ status: 'sent' });
    expect(hs.events.map((e) => e.room_id)).toEqual([spare]);
    const summaries = (await timelineOf(t.db.handle.db, inc.id)).map((e) => e.summary);
    expect(summaries).toContain('Delivery to Ada by Matrix (matrix) failed: matrix_M_NOT_FOUND (the contact method was removed)');
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods.map((m: { id: string }) => m.id)).toEqual([second]);

    // A token the homeserver does not know: permanent, the method stays (it is the person's to fix).
    expect((await api('PUT', `/api/v1/users/${ada}/contact_methods/${second}`, { contact_method: { access_token: 'syt_not_a_real_token' } })).statusCode).toBe(200);
    await page(svc.key, 'y');
    await run();
    const inc2 = await incidentByNumber(t.db.handle.db, t.org.org.id, 2);
    expect((await notificationsOf(t.db.handle.db, inc2.id))[0]).toMatchObject({ status: 'failed', last_error: 'matrix_M_UNKNOWN_TOKEN' });
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods).toHaveLength(1);
  });

  it('missing or misplaced fields are 400s naming the field; nothing is stored', async () => {
    const ada = await addUser(t, 'Ada');
    const room = hs.addRoom(['@vigil:vigil.test']);
    const post = (contact_method: Record<string, unknown>) => api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ type: 'matrix', address: hs.url, room_id: room }, /contact_method\.access_token is required for a matrix method/],
      [{ type: 'matrix', address: hs.url, access_token: bot }, /contact_method\.room_id is required/],
      [{ type: 'matrix', address: hs.url, room_id: '#alerts:vigil.test', access_token: bot }, /contact_method\.room_id: room id/],
      [{ type: 'matrix', address: hs.url, room_id: room, access_token: 'has space' }, /contact_method\.access_token must be/],
      [{ type: 'matrix', address: hs.url, room_id: room, access_token: null }, /contact_method\.access_token cannot be removed/],
      [{ type: 'ntfy', address: 'https://ntfy.sh/x', room_id: room }, /contact_method\.room_id is only for matrix methods/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.errors.join(' ')).toMatch(message);
    }
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods).toEqual([]);

    // A valid one; then PUT with only room_id moves it to another room (to be verified again), and the
    // hint an admin reads (or the full address its owner reads) sent back keeps it.
    const cm = (await post({ type: 'matrix', address: hs.url, room_id: room, access_token: bot })).json().contact_method;
    const stored = async () => (await t.db.handle.db.selectFrom('contact_methods').select('address').where('id', '=', cm.id).executeTakeFirstOrThrow()).address;
    const other = hs.addRoom(['@vigil:vigil.test']);
    const moved = await api('PUT', `/api/v1/users/${ada}/contact_methods/${cm.id}`, { contact_method: { room_id: other } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().contact_method).toMatchObject({ address: `${hs.url}/•••`, verified: false });
    expect(await stored()).toBe(`${hs.url}/#${other}`);
    expect((await api('PUT', `/api/v1/users/${ada}/contact_methods/${cm.id}`, { contact_method: { address: moved.json().contact_method.address, label: 'Alerts room' } })).json().contact_method).toMatchObject({ label: 'Alerts room' });
    expect((await api('PUT', `/api/v1/users/${ada}/contact_methods/${cm.id}`, { contact_method: { address: `${hs.url}/#${other}` } })).statusCode).toBe(200);
    expect(await stored()).toBe(`${hs.url}/#${other}`);
  });
});
