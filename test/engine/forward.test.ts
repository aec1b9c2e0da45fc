/**
 * Running both during a move (issue 16 item 4), on both dialects: an integration forwards
 * every event it accepts, unchanged, to a local PagerDuty Events API v2 receiver (with the
 * forward's own routing key in place of Vigil's) or an Opsgenie Alert API (GenieKey), through
 * the outbox: each event arrives once, a 500 is retried, the outbound address policy refuses
 * a blocked address, failures show in the integration's `forward` health and never touch
 * ingest, the key is never answered, and bad settings are 400s naming the field.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { engineFor } from './fixtures.js';
import { createIsolatedApp } from './fixtures2.js';
import { startFakeEventsApi, type FakeEventsApi } from '../channels/fake-pagerduty-events.js';
import { integrationForward, resealIntegrationForwards } from '../../src/server/service/service.store.js';

const PD_KEY = 'R0UT1NGKEY0FTHE0LDT00L0123456789';
const GENIE_KEY = 'eb243592-faa2-4ba2-a551-1afdf565c889';

describe.each(DIALECTS)('integration forward on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let pd: FakeEventsApi;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    pd = await startFakeEventsApi();
    t = await createIsolatedApp(dialect, { clock });
    engine = engineFor(t, buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 }));
  });
  afterEach(async () => {
    await t.close();
    await pd.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const api = (method: 'GET' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
  const integrationUrl = (svc: { serviceId: string; integrationId: string }) => `/api/v1/services/${svc.serviceId}/integrations/${svc.integrationId}`;
  const enqueue = (payload: object, path = '/v2/enqueue') => t.app.inject({ method: 'POST', url: path, payload });
  const forwardOf = async (svc: { serviceId: string; integrationId: string }) => (await api('GET', integrationUrl(svc))).json().integration.forward;

  it('sends each accepted event once, unchanged but for the routing key, and never answers the key', async () => {
    const svc = await serviceWithKey(t, 'events_v2');
    // A pasted endpoint is cut back to the base URL: each event goes to the path it arrived on.
    const set = await api('PUT', integrationUrl(svc), { integration: { forward: { url: `${pd.url}/v2/enqueue`, kind: 'events_v2', routing_key: PD_KEY } } });
    expect(set.statusCode).toBe(200);
    expect(set.json().integration.forward).toEqual({ url: pd.url, kind: 'events_v2', pending: 0, failed: 0, last_error: null, last_error_at: null, last_sent_at: null });
    expect(set.body).not.toContain(PD_KEY);
    expect((await api('GET', integrationUrl(svc))).body).not.toContain(PD_KEY);
    expect((await api('GET', `/api/v1/services/${svc.serviceId}/integrations`)).body).not.toContain(PD_KEY);
    // Stored sealed, never in the clear.
    const row = await t.db.handle.db.selectFrom('integrations').select('forward_key').where('id', '=', svc.integrationId).executeTakeFirstOrThrow();
    expect(row.forward_key).toMatch(/^vsec1\./);

    const first = trigger(svc.key, { dedup_key: 'chat-queue', client: 'Zabbix', links: [{ href: 'https://zabbix.example/1', text: 'graph' }] }, { custom_details: { waiting: 14 } });
    expect((await enqueue(first)).statusCode).toBe(202);
    const noKey = await enqueue(trigger(svc.key, {}, { summary: 'Disk full' }));
    expect(noKey.statusCode).toBe(202);
    const assigned = noKey.json().dedup_key as string;
    expect((await enqueue({ routing_key: svc.key, event_action: 'resolve', dedup_key: 'chat-queue' })).statusCode).toBe(202);
    expect((await enqueue({ routing_key: svc.key, payload: { summary: 'Deployed chat-gw 2.4', source: 'ci' } }, '/v2/change/enqueue')).statusCode).toBe(202);
    expect(pd.received).toHaveLength(0); // nothing leaves before the engine runs: the copies are outbox rows

    await run();
    await run();
    expect(pd.received.map((r) => [r.path, r.status])).toEqual([
      ['/v2/enqueue', 202],
      ['/v2/enqueue', 202],
      ['/v2/enqueue', 202],
      ['/v2/change/enqueue', 202],
    ]);
    expect(pd.received[0]!.body).toEqual({ ...first, routing_key: PD_KEY });
    // Without a dedup_key, the copy carries the one Vigil answered, so a later resolve reaches the same alert there.
    expect(pd.received[1]!.body).toEqual({ ...trigger(PD_KEY, {}, { summary: 'Disk full' }), dedup_key: assigned });
    expect(pd.received[2]!.body).toEqual({ routing_key: PD_KEY, event_action: 'resolve', dedup_key: 'chat-queue' });
    expect(pd.received[3]!.body).toEqual({ routing_key: PD_KEY, payload: { summary: 'Deployed chat-gw 2.4', source: 'ci' } });
    expect(JSON.stringify(pd.received)).not.toContain(svc.key);
    const health = await forwardOf(svc);
    expect(health).toMatchObject({ pending: 0, failed: 0, last_error: null, last_sent_at: new Date(clock.now()).toISOString() });

    // Changing the URL keeps the write-only key; clearing stops the copies.
    expect((await api('PUT', integrationUrl(svc), { integration: { forward: { url: `${pd.url}/`, kind: 'events_v2' } } })).statusCode).toBe(200);
    expect((await enqueue(trigger(svc.key, { dedup_key: 'second' }))).statusCode).toBe(202);
    await run();
    expect(pd.accepted()).toHaveLength(5);
    expect(pd.received[4]!.body.routing_key).toBe(PD_KEY);
    const cleared = await api('PUT', integrationUrl(svc), { integration: { forward: null } });
    expect(cleared.json().integration.forward).toBeNull();
    expect((await enqueue(trigger(svc.key, { dedup_key: 'third' }))).statusCode).toBe(202);
    await run();
    expect(pd.received).toHaveLength(5);
  });

  it('retries a 500 with backoff until the receiver takes it, and ingest never waits for it', async () => {
    const svc = await serviceWithKey(t, 'events_v2');
    expect((await api('PUT', integrationUrl(svc), { integration: { forward: { url: pd.url, kind: 'events_v2', routing_key: PD_KEY } } })).statusCode).toBe(200);
    pd.failNext(1);
    expect((await enqueue(trigger(svc.key, { dedup_key: 'outage' }))).statusCode).toBe(202);
    await run();
    expect(pd.received.map((r) => r.status)).toEqual([500]);
    const waiting = await forwardOf(svc);
    expect(waiting).toMatchObject({ pending: 1, failed: 0 });
    expect(waiting.last_error).toMatch(/^http_500/);
    // The event itself is in Vigil: its incident opened.
    expect((await api('GET', '/api/v1/incidents')).json().incidents).toHaveLength(1);
    // A later event waits behind the copy still retrying: the other tool sees the trigger before its resolve.
    expect((await enqueue({ routing_key: svc.key, event_action: 'resolve', dedup_key: 'outage' })).statusCode).toBe(202);
    await run();
    expect(pd.received).toHaveLength(1);
    expect(await forwardOf(svc)).toMatchObject({ pending: 2 });

    clock.advanceMinutes(5);
    await run();
    await run();
    expect(pd.received.map((r) => [r.body.event_action, r.status])).toEqual([
      ['trigger', 500],
      ['trigger', 202],
      ['resolve', 202],
    ]);
    expect(pd.received[1]!.body).toEqual(pd.received[0]!.body);
    clock.advanceMinutes(60);
    await run();
    expect(pd.received).toHaveLength(3);
    expect(await forwardOf(svc)).toMatchObject({ pending: 0, failed: 0, last_error: null });
  });

  it('obeys the outbound address policy: a loopback target is refused and shown in the health, ingest unaffected', async () => {
    const strict = engineFor(t, buildChannels({ httpTimeoutMs: 2_000 }));
    const svc = await serviceWithKey(t, 'events_v2');
    expect((await api('PUT', integrationUrl(svc), { integration: { forward: { url: pd.url, kind: 'events_v2', routing_key: PD_KEY } } })).statusCode).toBe(200);
    expect((await enqueue(trigger(svc.key, { dedup_key: 'blocked' }))).statusCode).toBe(202);
    await strict.runUntilIdle(clock.now());
    clock.advanceMinutes(60);
    await strict.runUntilIdle(clock.now());
    expect(pd.received).toHaveLength(0);
    const h = await forwardOf(svc);
    expect(h).toMatchObject({ pending: 0, failed: 1 });
    expect(h.last_error).toMatch(/^outbound_blocked/);
    expect((await api('GET', '/api/v1/incidents')).json().incidents).toHaveLength(1);
  });

  it('forwards an Opsgenie integration\'s alerts and actions with the GenieKey, naming the alert by alias', async () => {
    const svc = await serviceWithKey(t, 'opsgenie');
    expect((await api('PUT', integrationUrl(svc), { integration: { forward: { url: pd.url, kind: 'opsgenie', api_key: GENIE_KEY } } })).statusCode).toBe(200);
    const og = (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: { authorization: `GenieKey ${svc.key}` }, payload });
    const create = { message: 'Chat queue not answering', alias: 'chat-queue', priority: 'P1', details: { waiting: '14' } };
    expect((await og('/v2/alerts', create)).statusCode).toBe(202);
    expect((await og('/v2/alerts/chat-queue/close?identifierType=alias', { source: 'zabbix', note: 'back' })).statusCode).toBe(202);
    await run();
    expect(pd.received.map((r) => [r.path, r.status, r.headers.authorization])).toEqual([
      ['/v2/alerts', 202, `GenieKey ${GENIE_KEY}`],
      ['/v2/alerts/chat-queue/close?identifierType=alias', 202, `GenieKey ${GENIE_KEY}`],
    ]);
    expect(pd.received[0]!.body).toEqual(create);
    expect(pd.received[1]!.body).toEqual({ source: 'zabbix', note: 'back' });
    expect((await api('GET', integrationUrl(svc))).body).not.toContain(GENIE_KEY);
  });

  it('seals a forward key written in plaintext at start-up, and still sends with it', async () => {
    const svc = await serviceWithKey(t, 'events_v2');
    const db = t.db.handle.db;
    await db.updateTable('integrations').set({ forward_url: pd.url, forward_kind: 'events_v2', forward_key: PD_KEY }).where('id', '=', svc.integrationId).execute();
    expect(await resealIntegrationForwards(db)).toBe(1);
    expect(await resealIntegrationForwards(db)).toBe(0);
    const row = await db.selectFrom('integrations').select('forward_key').where('id', '=', svc.integrationId).executeTakeFirstOrThrow();
    expect(row.forward_key).toMatch(/^vsec1\./);
    expect((await integrationForward(db, t.org.org.id, svc.integrationId))?.key).toBe(PD_KEY);
    t.deps.ingest.invalidate();
    expect((await enqueue(trigger(svc.key, { dedup_key: 'sealed' }))).statusCode).toBe(202);
    await run();
    expect(pd.accepted().map((r) => r.body.routing_key)).toEqual([PD_KEY]);
  });

  it('refuses bad settings with a 400 naming the field, and changes nothing', async () => {
    const svc = await serviceWithKey(t, 'events_v2');
    const am = await serviceWithKey(t, 'alertmanager', 'Metrics');
    const bad: [typeof svc, unknown, RegExp][] = [
      [svc, { url: 'not a url', kind: 'events_v2', routing_key: PD_KEY }, /integration\.forward\.url/],
      [svc, { url: 'ftp://example.org', kind: 'events_v2', routing_key: PD_KEY }, /integration\.forward\.url/],
      [svc, { kind: 'events_v2', routing_key: PD_KEY }, /integration\.forward\.url/],
      [svc, { url: pd.url, kind: 'smoke_signals', routing_key: PD_KEY }, /integration\.forward\.kind/],
      [svc, { url: pd.url, kind: 'opsgenie', api_key: GENIE_KEY }, /integration\.forward\.kind/],
      [svc, { url: pd.url, kind: 'events_v2' }, /integration\.forward\.routing_key: is required/],
      [svc, { url: pd.url, kind: 'events_v2', routing_key: 'has spaces in it' }, /integration\.forward\.routing_key/],
      [svc, { url: pd.url, kind: 'events_v2', api_key: GENIE_KEY }, /integration\.forward\.api_key/],
      [svc, { url: pd.url, kind: 'events_v2', routing_key: PD_KEY, retries: 3 }, /integration\.forward\.retries/],
      [svc, 'yes', /integration\.forward/],
      [am, { url: pd.url, kind: 'events_v2', routing_key: PD_KEY }, /alertmanager integration cannot forward/],
    ];
    for (const [s, forward, field] of bad) {
      const r = await api('PUT', integrationUrl(s), { integration: { forward } });
      expect(r.statusCode, JSON.stringify(forward)).toBe(400);
      expect(r.body).toMatch(field);
    }
    const unknown = await api('PUT', integrationUrl(svc), { integration: { type: 'opsgenie' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toMatch(/integration\.type/);
    expect(await forwardOf(svc)).toBeNull();
    expect((await api('GET', integrationUrl(am))).json().integration.forward).toBeUndefined();
  });
});
