/**
 * Matrix replies end to end on both dialects, through a local homeserver that implements the
 * client-server API's send and /sync (since tokens, long poll, filter): an admin sets the
 * organization's Matrix sync (the bot's token write-only, sealed at rest); Ada's matrix
 * method names her Matrix user; she is paged in the room and types "ack 1": the incident is
 * acknowledged as Ada (timeline: through Matrix) and the bot confirms in the room. A bare
 * "ack" in reply to the page works too. Someone else in the room, a person not paged for the
 * incident, and chatter change nothing; messages written before the sync was set are never
 * acted on; a batch read twice acts and confirms once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { buildEngine } from '../../src/server/engine/build.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { addPolicy, addUser, attachPolicy, incident } from './fixtures.js';
import { updateUser } from '../../src/server/org/org.store.js';
import { createIsolatedApp, incidentByNumber, timelineOf } from './fixtures2.js';
import { startFakeMatrix, type FakeMatrix } from '../channels/fake-matrix.js';

const BOT = '@vigil:vigil.test';
const ADA = '@ada:vigil.test';

describe.each(DIALECTS)('Matrix replies on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hs: FakeMatrix;
  let engine: Engine;
  let token: string;
  let room: string;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    hs = await startFakeMatrix();
    token = hs.addBot(BOT);
    room = hs.addRoom([BOT, ADA, '@mallory:vigil.test', '@bob:vigil.test']);
    t = await createIsolatedApp(dialect, { clock });
    const channels = buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 });
    // No long poll in tests: each engine run reads what is there and returns.
    engine = buildEngine(t.deps, channels, { error: () => {}, warn: () => {}, info: () => {} }, { deliver: { random: () => 0.5 }, matrixSync: { longPollMs: 0, retryMs: 30_000 } });
  });
  afterEach(async () => {
    await t.close();
    await hs.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const db = () => t.db.handle.db;
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload === undefined ? {} : { payload: payload as object }) });

  /** A verified matrix method in the room for `userId`, linked to `matrixUser`. */
  async function matrixMethod(userId: string, matrixUser: string | undefined) {
    const created = await api('POST', `/api/v1/users/${userId}/contact_methods`, { contact_method: { type: 'matrix', address: hs.url, room_id: room, access_token: token, ...(matrixUser ? { matrix_user_id: matrixUser } : {}) } });
    expect(created.statusCode, created.body).toBe(201);
    const cm = created.json().contact_method;
    expect((await api('POST', `/api/v1/users/${userId}/contact_methods/${cm.id}/send_verification`)).statusCode).toBe(202);
    await run();
    const code = /(\d{6})/.exec(hs.events.at(-1)!.content.body)![1]!;
    expect((await api('POST', `/api/v1/users/${userId}/contact_methods/${cm.id}/verify`, { code })).json().contact_method.verified).toBe(true);
    return cm;
  }

  async function setSync() {
    const put = await api('PUT', '/api/v1/matrix_sync', { matrix_sync: { homeserver: hs.url, access_token: token, bot_user_id: BOT } });
    expect(put.statusCode, put.body).toBe(200);
    return put.json().matrix_sync;
  }

  async function pageOn(userId: string, dedup: string, name = 'Crisis chat') {
    const svc = await serviceWithKey(t, 'events_v2', name);
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: userId, type: 'user_reference' }] }], 0, `${name} on-call`));
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: dedup }) })).statusCode).toBe(202);
    await run();
  }

  it('the admin sets the sync; Ada types "ack 1" in the room: acknowledged as Ada through Matrix, and the bot confirms', async () => {
    const ada = await addUser(t, 'Ada');
    // Bad input is refused by field, nothing is stored.
    const bad = await api('PUT', '/api/v1/matrix_sync', { matrix_sync: { homeserver: 'ftp://x', access_token: 'a b', bot_user_id: 'vigil' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors).toEqual([
      'matrix_sync.homeserver must be the homeserver URL, such as https://matrix.example.org (no credentials, query or fragment)',
      'matrix_sync.access_token must be 8 to 256 printable characters without spaces (the bot account access token, such as syt_...)',
      'matrix_sync.bot_user_id must be a Matrix user id such as @vigil:example.org',
    ]);
    expect((await api('PUT', '/api/v1/matrix_sync', { matrix_sync: { homeserver: hs.url } })).json().error.errors).toEqual(['matrix_sync.access_token is required', 'matrix_sync.bot_user_id is required']);
    expect((await api('PUT', '/api/v1/matrix_sync', { matrix_sync: { homeserver: hs.url, access_token: token, bot_user_id: BOT, since: 's0' } })).json().error.errors).toEqual(['matrix_sync.since: unknown field']);
    expect(await db().selectFrom('matrix_syncs').selectAll().execute()).toEqual([]);
    expect((await api('GET', '/api/v1/matrix_sync')).statusCode).toBe(404);
    // The web settings page asks with allow_unset: "off" is a 200 with null, not a 404.
    const unset = await api('GET', '/api/v1/matrix_sync?allow_unset=true');
    expect([unset.statusCode, unset.json()]).toEqual([200, { matrix_sync: null }]);
    const badUser = await api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method: { type: 'matrix', address: hs.url, room_id: room, access_token: token, matrix_user_id: 'ada' } });
    expect(badUser.json().error.errors).toEqual(['contact_method.matrix_user_id must be a Matrix user id such as @ada:example.org']);
    expect((await api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method: { type: 'sms', address: '+15551230001', matrix_user_id: ADA } })).json().error.errors).toEqual(['contact_method.matrix_user_id is only for matrix methods, not sms']);

    const cm = await matrixMethod(ada, ADA);
    expect(cm.matrix_user_id).toBe(ADA);
    // Said before the sync existed: never acted on.
    hs.say(room, ADA, 'ack 1');
    const view = await setSync();
    expect(view).toMatchObject({ type: 'matrix_sync', homeserver: hs.url, bot_user_id: BOT, access_token_hint: `${token.slice(0, 4)}••••${token.slice(-4)}`, last_sync_at: null, last_error: null });
    expect(JSON.stringify(view)).not.toContain(token);
    const stored = await db().selectFrom('matrix_syncs').selectAll().executeTakeFirstOrThrow();
    expect(stored.access_token.startsWith('vsec1.')).toBe(true);

    await pageOn(ada, 'chat');
    const inc = await incidentByNumber(db(), t.org.org.id, 1);
    const pageEvent = hs.events.at(-1)!;
    expect(pageEvent.content.body).toMatch(/^#1 /);
    // Ada is mentioned, so her client notifies with sound (the default push rule for user mentions).
    expect(pageEvent.content['m.mentions']).toEqual({ user_ids: [ADA] });
    // The first sync only took the position: the old "ack 1" did nothing.
    expect(hs.syncs[0]).toMatchObject({ since: null, status: 200 });
    expect((await incident(t)).status).toBe('triggered');

    // Chatter, someone not linked, and Ada saying something else: nothing happens.
    hs.say(room, '@mallory:vigil.test', 'ack 1');
    hs.say(room, ADA, 'looking into it');
    await run();
    expect((await incident(t)).status).toBe('triggered');
    const refusal = hs.events.at(-1)!;
    expect(refusal.content).toMatchObject({ msgtype: 'm.notice', body: 'Only the person paged in this room can acknowledge here (@mallory:vigil.test is not linked to a Vigil contact method of this room).' });

    const said = hs.say(room, ADA, 'ack 1');
    await run();
    expect(hs.syncs.at(-1)!.since).toMatch(/^s\d+$/);
    const acked = await incident(t);
    expect(acked.status).toBe('acknowledged');
    expect(acked.acknowledgements[0].acknowledger).toMatchObject({ id: ada, type: 'user_reference' });
    const entry = (await timelineOf(db(), inc.id)).find((e) => e.type === 'acknowledge_log_entry')!;
    expect(entry.summary).toBe('Acknowledged by Ada through Matrix');
    expect(entry.channel).toMatchObject({ type: 'matrix', sender: ADA, room_id: room, event_id: said.event_id });
    const confirm = hs.events.at(-1)!;
    expect(confirm).toMatchObject({ room_id: room, sender: BOT, content: { msgtype: 'm.notice', body: 'Incident #1 acknowledged by Ada.', 'm.relates_to': { 'm.in_reply_to': { event_id: said.event_id } } } });

    // The same batch read again (a node died before recording its position): acts and confirms once.
    const row = await db().selectFrom('matrix_syncs').selectAll().executeTakeFirstOrThrow();
    const sends = hs.events.length;
    await db().updateTable('matrix_syncs').set({ since: `s${Number(row.since!.slice(1)) - 2}` }).execute();
    await run();
    expect((await timelineOf(db(), inc.id)).filter((e) => e.type === 'acknowledge_log_entry')).toHaveLength(1);
    expect(hs.events).toHaveLength(sends);
    expect((await api('GET', '/api/v1/matrix_sync')).json().matrix_sync).toMatchObject({ last_sync_at: '2026-03-02T09:00:00.000Z', last_error: null });
  });

  it('a bare "ack" in reply to the page acknowledges that page’s incident; a person not paged for an incident cannot', async () => {
    const ada = await addUser(t, 'Ada');
    const bob = await addUser(t, 'Bob');
    await matrixMethod(ada, ADA);
    await matrixMethod(bob, '@bob:vigil.test');
    await setSync();
    await pageOn(ada, 'chat');
    const page = hs.events.at(-1)!;
    await run();

    // Bob is linked in this room but was never paged for #1 and is not assigned.
    hs.say(room, '@bob:vigil.test', 'ack 1');
    await run();
    expect(hs.events.at(-1)!.content.body).toBe('Bob is not assigned to incident #1 and was not paged for it.');
    expect((await incident(t)).status).toBe('triggered');
    // The bot answers each person in their language.
    await updateUser(db(), t.org.org.id, bob, { locale: 'fr-FR' });
    hs.say(room, '@bob:vigil.test', 'ack 1');
    await run();
    expect(hs.events.at(-1)!.content.body).toBe('Bob n’est pas assigné·e à l’incident n°1 et n’a pas été alerté·e pour lui.');

    hs.say(room, ADA, `> <${BOT}> ${page.content.body.split('\n')[0]}\n\nack`, page.event_id);
    await run();
    expect((await incident(t)).status).toBe('acknowledged');
    expect(hs.events.at(-1)!.content.body).toBe('Incident #1 acknowledged by Ada.');
  });

  it('a revoked token is recorded as the last error and retried later; deleting the sync stops reading', async () => {
    const ada = await addUser(t, 'Ada');
    await matrixMethod(ada, ADA);
    await api('PUT', '/api/v1/matrix_sync', { matrix_sync: { homeserver: hs.url, access_token: 'syt_revoked_token_123', bot_user_id: BOT } });
    await run();
    expect((await api('GET', '/api/v1/matrix_sync')).json().matrix_sync).toMatchObject({ last_error: 'matrix_M_UNKNOWN_TOKEN' });
    const count = hs.syncs.length;
    await run();
    expect(hs.syncs).toHaveLength(count);
    clock.advance(31_000);
    // The right token: reading starts afresh.
    await api('PUT', '/api/v1/matrix_sync', { matrix_sync: { access_token: token } });
    await run();
    expect((await api('GET', '/api/v1/matrix_sync')).json().matrix_sync).toMatchObject({ last_error: null });
    expect((await api('DELETE', '/api/v1/matrix_sync')).statusCode).toBe(204);
    const after = hs.syncs.length;
    clock.advance(60_000);
    await run();
    expect(hs.syncs).toHaveLength(after);
  });
});
