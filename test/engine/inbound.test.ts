/**
 * Responders answer from where the page reached them, end to end through real local
 * servers: an SMS through a Twilio-shaped provider and a signed inbound reply "1a";
 * a Slack Block Kit message and a signed button press; and a heartbeat that stops
 * and starts again. Plus the operational endpoints a load balancer and Prometheus use.
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, METRICS_AUTH, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { channelsFromConfig } from '../../src/server/main.js';
import { twilioSignature } from '../../src/server/notify/channels/sms/twilio.js';
import { SLACK_ACK_ACTION, SLACK_RESOLVE_ACTION } from '../../src/server/notify/channels/slack/slack.js';
import { addContact, addPolicy, addUser, attachPolicy, engineFor, incident, startReceiver, type Receiver } from './fixtures.js';
import { createIsolatedApp, incidentByNumber, notificationsOf, startFakeTwilio, timelineOf, type FakeTwilio } from './fixtures2.js';

const ACCOUNT_SID = 'AC00000000000000000000000000000001';
const AUTH_TOKEN = 'twilio-auth-token-for-tests';
const FROM = '+15550000000';
const ADA_PHONE = '+15551230001';
const SLACK_SECRET = 'slack-signing-secret-for-tests';
const PUBLIC_URL = 'http://vigil.test';

describe.each(DIALECTS)('responders act from SMS, Slack and heartbeats on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let twilio: FakeTwilio;
  let slack: Receiver;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    twilio = await startFakeTwilio(ACCOUNT_SID, AUTH_TOKEN);
    slack = await startReceiver();
    t = await createIsolatedApp(dialect, {
      clock,
      config: { publicUrl: PUBLIC_URL, twilio: { baseUrl: twilio.url, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM }, slackSigningSecret: SLACK_SECRET },
    });
    // The channels a server builds from this configuration: webhook, Slack, the chat and push channels (no settings needed), and SMS/voice through "Twilio".
    const channels = channelsFromConfig(t.deps.config);
    expect(channels.types().sort()).toEqual(['discord', 'matrix', 'ntfy', 'push', 'slack', 'sms', 'teams', 'telegram', 'voice', 'webhook']);
    engine = engineFor(t, channels);
  });
  afterEach(async () => {
    await t.close();
    await twilio.close();
    await slack.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const db = () => t.db.handle.db;

  /** A service on a one-level policy paging `userId`, and incident #n triggered on it. */
  async function pageOnNewService(userId: string, name: string): Promise<string> {
    const svc = await serviceWithKey(t, 'events_v2', name);
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: userId, type: 'user_reference' }] }], 0, `${name} on-call`));
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: name }) })).statusCode).toBe(202);
    await run();
    return svc.serviceId;
  }

  describe('SMS', () => {
    const smsUrl = `${PUBLIC_URL}/v1/twilio/sms`;
    const inbound = (params: Record<string, string>, signature = twilioSignature(AUTH_TOKEN, smsUrl, params)) =>
      t.app.inject({ method: 'POST', url: '/v1/twilio/sms', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(params).toString() });
    const reply = (body: string, from = ADA_PHONE) => ({ ToCountry: 'US', From: from, To: FROM, Body: body, MessageSid: 'SMinbound0001', AccountSid: ACCOUNT_SID, NumMedia: '0' });

    it('Ada is paged by SMS through the provider and acknowledges by replying "1a"; a forged reply changes nothing', async () => {
      const ada = await addUser(t, 'Ada');
      await addContact(t, ada, 'sms', ADA_PHONE);
      await pageOnNewService(ada, 'Crisis chat');

      expect(twilio.messages).toHaveLength(1);
      const sms = twilio.messages[0]!;
      expect(sms).toMatchObject({ to: ADA_PHONE, from: FROM, statusCallback: `${PUBLIC_URL}/v1/twilio/status` });
      expect(sms.body).toMatch(/^Vigil #1 CRITICAL Crisis chat: /);
      expect(sms.body).toContain('Reply 1a to ack, 1r to resolve.');
      expect(sms.body.length).toBeLessThanOrEqual(160);
      const inc = await incidentByNumber(db(), t.org.org.id, 1);
      const [row] = await notificationsOf(db(), inc.id);
      expect(row).toMatchObject({ channel: 'sms', status: 'sent', provider_id: sms.sid });

      // Forged: signed with the wrong token, or over other parameters than the ones sent.
      const before = await timelineOf(db(), inc.id);
      for (const forged of [inbound(reply('1a'), twilioSignature('not-the-token', smsUrl, reply('1a'))), inbound(reply('1a'), twilioSignature(AUTH_TOKEN, smsUrl, reply('1r'))), inbound(reply('1a'), '')]) {
        const r = await forged;
        expect(r.statusCode).toBe(401);
        expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
        expect(r.json().error).toMatchObject({ code: 2006 });
        expect(JSON.stringify(r.json())).toMatch(/Twilio request signature/);
      }
      expect((await incident(t)).status).toBe('triggered');
      expect(await timelineOf(db(), inc.id)).toEqual(before);

      const ok = await inbound(reply('1a'));
      expect(ok.statusCode).toBe(200);
      expect(String(ok.headers['content-type'])).toMatch(/^text\/xml/);
      expect(ok.body).toContain('<Message>Vigil: incident #1 acknowledged.</Message>');
      const acked = await incident(t);
      expect(acked.status).toBe('acknowledged');
      expect(acked.acknowledgements[0].acknowledger).toMatchObject({ id: ada, type: 'user_reference' });
      const entry = (await timelineOf(db(), inc.id)).find((e) => e.type === 'acknowledge_log_entry')!;
      expect(entry.summary).toBe('Acknowledged by Ada through sms');
      expect(entry.agent).toMatchObject({ id: ada, type: 'user_reference' });
      expect(entry.channel).toMatchObject({ type: 'sms', from: ADA_PHONE });

      // Acknowledging stopped the escalation: nothing more goes out.
      clock.advanceMinutes(60);
      await run();
      expect(twilio.messages).toHaveLength(1);

      // A reply from a number that was never paged acts on nothing.
      const stranger = await inbound(reply('1r', '+15559999999'));
      expect(stranger.statusCode).toBe(200);
      expect(stranger.body).toContain('no incident #1 was paged to this number');
      expect((await incident(t)).status).toBe('acknowledged');
    });

    it('a Spanish-speaking responder gets every answer to her replies in Spanish (help, done, already done, no such incident)', async () => {
      const ada = await addUser(t, 'Ada');
      await addContact(t, ada, 'sms', ADA_PHONE);
      await db().updateTable('users').set({ locale: 'es-MX' }).where('id', '=', ada).execute();
      await pageOnNewService(ada, 'Crisis chat');
      // The page itself is in her language; so are the answers to what she replies.
      expect(twilio.messages[0]!.body).toContain('Responde 1a para reconocer, 1r para resolver.');
      const said = async (body: string) => /<Message>(.*)<\/Message>/.exec((await inbound(reply(body))).body)?.[1];
      expect(await said('ok')).toBe('Vigil: responde con el número del incidente y a para reconocer o r para resolver, p. ej. 42a.');
      expect(await said('1a')).toBe('Vigil: incidente n.º 1 reconocido.');
      expect((await incident(t)).status).toBe('acknowledged');
      expect(await said('1a')).toBe('Vigil: el incidente n.º 1 ya estaba reconocido.');
      expect(await said('1r')).toBe('Vigil: incidente n.º 1 resuelto.');
      expect(await said('1r')).toBe('Vigil: el incidente n.º 1 ya está resuelto.');
      expect(await said('7a')).toBe('Vigil: no se envió ningún incidente n.º 7 a este número.');
      // A number nobody verified hears English.
      expect((await inbound(reply('hello', '+15559999999'))).body).toContain('<Message>Vigil: reply with the incident number and a to acknowledge or r to resolve, e.g. 42a.</Message>');
    });

    it('a signed status callback records the carrier’s failure on the notification; an unsigned one is refused', async () => {
      const ada = await addUser(t, 'Ada');
      await addContact(t, ada, 'sms', ADA_PHONE);
      await pageOnNewService(ada, 'Crisis chat');
      const sid = twilio.messages[0]!.sid;
      const statusUrl = `${PUBLIC_URL}/v1/twilio/status`;
      const params = { MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30003', AccountSid: ACCOUNT_SID, To: ADA_PHONE };
      const post = (signature: string) =>
        t.app.inject({ method: 'POST', url: '/v1/twilio/status', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(params).toString() });
      expect((await post('bm90IGEgc2lnbmF0dXJl')).statusCode).toBe(403);
      const inc = await incidentByNumber(db(), t.org.org.id, 1);
      expect((await notificationsOf(db(), inc.id))[0]!.last_error).toBeNull();
      expect((await post(twilioSignature(AUTH_TOKEN, statusUrl, params))).statusCode).toBe(204);
      expect((await notificationsOf(db(), inc.id))[0]!.last_error).toBe('carrier reported undelivered');
    });
  });

  describe('Slack', () => {
    const sign = (body: string, ts: number, secret = SLACK_SECRET) => 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex');
    const press = (value: string, actionId: string, opts: { ts?: number; secret?: string } = {}) => {
      const payload = {
        type: 'block_actions',
        user: { id: 'U0ADA', username: 'ada', name: 'ada', team_id: 'T0HARBOR' },
        api_app_id: 'A0VIGIL',
        container: { type: 'message', message_ts: '1772442000.000100', channel_id: 'C0ONCALL' },
        response_url: 'https://hooks.slack.com/actions/T0HARBOR/1/xyz',
        actions: [{ type: 'button', action_id: actionId, block_id: 'vigil_incident_x', value, action_ts: '1772442001.000200' }],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const ts = opts.ts ?? Math.floor(clock.now() / 1000);
      return t.app.inject({ method: 'POST', url: '/v1/slack/actions', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(body, ts, opts.secret) }, payload: body });
    };

    it('Ada is paged in Slack with Block Kit buttons; pressing Acknowledge acknowledges; the same button again is refused', async () => {
      const ada = await addUser(t, 'Ada');
      await addContact(t, ada, 'slack', slack.url);
      await pageOnNewService(ada, 'Crisis chat');

      expect(slack.requests).toHaveLength(1);
      const msg = slack.requests[0]!.json;
      expect(msg.text).toContain('#1');
      const buttons = (msg.blocks as any[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements as any[]);
      const ack = buttons.find((b) => b.action_id === SLACK_ACK_ACTION);
      const resolve = buttons.find((b) => b.action_id === SLACK_RESOLVE_ACTION);
      expect(ack?.value).toMatch(/^[\w-]+\.[\w-]+$/);
      expect(resolve?.value).toBe(ack.value);

      // Forged or replayed presses are refused before anything happens.
      expect((await press(ack.value, SLACK_ACK_ACTION, { secret: 'wrong-secret' })).statusCode).toBe(401);
      expect((await press(ack.value, SLACK_ACK_ACTION, { ts: Math.floor(clock.now() / 1000) - 6 * 60 })).statusCode).toBe(401);
      expect((await incident(t)).status).toBe('triggered');

      const ok = await press(ack.value, SLACK_ACK_ACTION);
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ response_type: 'in_channel', text: 'Incident #1 acknowledged by ada' });
      expect((await incident(t)).status).toBe('acknowledged');
      const inc = await incidentByNumber(db(), t.org.org.id, 1);
      const entry = (await timelineOf(db(), inc.id)).find((e) => e.type === 'acknowledge_log_entry')!;
      expect(entry.summary).toBe('Acknowledged by Ada through chat');
      expect(entry.channel).toMatchObject({ type: 'chat', chat_user: 'ada' });

      const again = await press(ack.value, SLACK_ACK_ACTION);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ response_type: 'ephemeral' });
      expect(again.json().text).toContain('can no longer be used');

      // The Resolve button of the same message still works (its own single-use token).
      const res = await press(resolve.value, SLACK_RESOLVE_ACTION);
      expect(res.json()).toMatchObject({ response_type: 'in_channel', text: 'Incident #1 resolved by ada' });
      expect((await incident(t)).status).toBe('resolved');
    });
  });

  describe('heartbeat', () => {
    it('a heartbeat that misses its interval opens "Missed heartbeat"; the next ping resolves it', async () => {
      const svc = await serviceWithKey(t, 'events_v2', 'Night batch');
      const created = await t.app.inject({ method: 'POST', url: `/api/v1/services/${svc.serviceId}/integrations`, headers: t.auth, payload: { integration: { type: 'heartbeat', heartbeat_interval_seconds: 60 } } });
      expect(created.statusCode).toBe(201);
      const hbKey = created.json().integration.integration_key as string;
      const ping = () => t.app.inject({ method: 'POST', url: `/v1/heartbeat/${hbKey}` });
      const openIncidents = async () => (await t.app.inject({ method: 'GET', url: `/api/v1/incidents?service_ids[]=${svc.serviceId}&statuses[]=triggered&statuses[]=acknowledged`, headers: t.auth })).json().incidents as any[];

      const first = await ping();
      expect(first.statusCode).toBe(202);
      expect(first.json()).toMatchObject({ status: 'success', message: 'Heartbeat received', next_due_at: new Date(clock.now() + 60_000).toISOString() });

      clock.advance(59_000);
      await run();
      expect(await openIncidents()).toHaveLength(0);
      // A ping in time moves the deadline.
      expect((await ping()).statusCode).toBe(202);
      clock.advance(59_000);
      await run();
      expect(await openIncidents()).toHaveLength(0);

      clock.advance(2_000);
      await run();
      const open = await openIncidents();
      expect(open).toHaveLength(1);
      expect(open[0].title).toMatch(/^Missed heartbeat: Heartbeat on Night batch expected a ping every 60 s/);
      // One incident however long the silence.
      clock.advanceMinutes(10);
      await run();
      expect(await openIncidents()).toHaveLength(1);

      const back = await ping();
      expect(back.statusCode).toBe(202);
      expect(back.json().message).toBe('Heartbeat received; the missed-heartbeat alert is resolved');
      expect(await openIncidents()).toHaveLength(0);
      const resolved = await incident(t, String(open[0].incident_number));
      expect(resolved.status).toBe('resolved');

      // Unknown keys are refused.
      expect((await t.app.inject({ method: 'POST', url: `/v1/heartbeat/${'x'.repeat(32)}` })).statusCode).toBe(400);
    });
  });

  describe('operations', () => {
    it('/healthz and /readyz answer 200; /metrics exposes ingest, outbox depth, deliveries and engine lag', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready' });

      const ada = await addUser(t, 'Ada');
      await addContact(t, ada, 'sms', ADA_PHONE);
      // Bo's Slack page waits behind a 5-minute rule, so the outbox is not empty when scraped.
      await pageOnNewService(ada, 'Crisis chat');
      const bo = await addUser(t, 'Bo');
      const boSlack = await addContact(t, bo, 'slack', slack.url);
      await t.db.handle.db.insertInto('notification_rules').values({ org_id: t.org.org.id, id: 'RULEBO5', user_id: bo, contact_method_id: boSlack, start_delay_in_minutes: 5, urgency: 'high', created_at: clock.now() }).execute();
      await pageOnNewService(bo, 'Benefits portal');

      const m = await t.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH });
      expect(m.statusCode).toBe(200);
      expect(String(m.headers['content-type'])).toMatch(/^text\/plain/);
      const text = m.body;
      expect(text).toMatch(/^vigil_ingest_events_total\{result="accepted",kind="[^"]+"\} [1-9]/m);
      expect(text).toMatch(/^vigil_outbox_depth\{status="pending"\} 1$/m);
      expect(text).toMatch(/^vigil_deliveries_total\{channel="sms",outcome="sent",reason=""\} 1$/m);
      expect(text).toMatch(/^vigil_delivery_latency_seconds_count\{channel="sms"\} 1$/m);
      for (const module of ['escalate', 'deliver', 'heartbeat', 'ack_timeout', 'auto_resolve', 'cleanup']) expect(text).toMatch(new RegExp(`^vigil_engine_lag_seconds\\{module="${module}"\\} [0-9.e+-]+$`, 'm'));
    });
  });
});
