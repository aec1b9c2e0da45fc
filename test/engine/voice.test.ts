/**
 * Voice pages answered on the keypad, end to end on both dialects, through a local server
 * that implements Twilio's Calls API and then acts as the phone network: it reads the
 * TwiML Vigil gave, posts the key pressed to the <Gather> action and the call's final
 * status to the StatusCallback, both signed as Twilio signs.
 *
 * Ada is called: the call says what, where and how many people are affected and asks
 * "press 1 to acknowledge, 2 to escalate". Key 1 acknowledges as Ada (timeline: through a
 * phone call); key 2 escalates to the next level, which is paged. A keypress or status
 * callback with a wrong signature is refused with 403 and changes nothing. A call nobody
 * answers is a failed delivery: the timeline says so and Ada's next method is paged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { channelsFromConfig } from '../../src/server/main.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, incident } from './fixtures.js';
import { createIsolatedApp, incidentByNumber, notificationsOf, timelineOf } from './fixtures2.js';
import { startFakeTwilioVoice, type FakeTwilioVoice } from '../channels/fake-twilio-voice.js';

const ACCOUNT_SID = 'AC00000000000000000000000000000007';
const AUTH_TOKEN = 'twilio-auth-token-for-voice-tests';
const FROM = '+15550000000';
const ADA_PHONE = '+15551230001';
const BOB_PHONE = '+15551230002';
const PUBLIC_URL = 'https://vigil.test';

describe.each(DIALECTS)('voice pages answered by keypress on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let twilio: FakeTwilioVoice;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    // Twilio's callbacks reach Vigil at its public URL; here straight into the app.
    twilio = await startFakeTwilioVoice(ACCOUNT_SID, AUTH_TOKEN, async (url, headers, body) => {
      const u = new URL(url);
      const r = await t.app.inject({ method: 'POST', url: u.pathname + u.search, headers, payload: body });
      return { status: r.statusCode, body: r.body };
    });
    t = await createIsolatedApp(dialect, { clock, config: { publicUrl: PUBLIC_URL, twilio: { baseUrl: twilio.url, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM } } });
    engine = engineFor(t, channelsFromConfig(t.deps.config));
  });
  afterEach(async () => {
    await t.close();
    await twilio.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const db = () => t.db.handle.db;
  const post = (url: string, params: Record<string, string>, signature: string) => {
    const u = new URL(url);
    return t.app.inject({ method: 'POST', url: u.pathname + u.search, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, payload: new URLSearchParams(params).toString() });
  };

  /** Incident #1 on a service whose policy pages Ada (phone), then Bob after 30 minutes. */
  async function pageAda(levels = 1, adaLocale: string | null = null) {
    const ada = await addUser(t, 'Ada');
    await db().updateTable('users').set({ locale: adaLocale }).where('id', '=', ada).execute();
    const bob = await addUser(t, 'Bob');
    await addContact(t, ada, 'phone', ADA_PHONE);
    await addContact(t, bob, 'sms', BOB_PHONE);
    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    const policyLevels = [{ delay: 30, targets: [{ id: ada, type: 'user_reference' as const }] }, { delay: 30, targets: [{ id: bob, type: 'user_reference' as const }] }].slice(0, levels);
    await attachPolicy(t, svc.serviceId, await addPolicy(t, policyLevels));
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'chat' }, { summary: 'Chat queue stalled' }) })).statusCode).toBe(202);
    await run();
    return { ada, bob, inc: await incidentByNumber(db(), t.org.org.id, 1) };
  }

  it('the call asks for a key; 1 acknowledges as Ada through a phone call; the status callback is on the timeline; the key works once', async () => {
    twilio.callee(ADA_PHONE, { answer: 'pick-up', press: '1' });
    const { ada, inc } = await pageAda();
    expect(twilio.calls).toHaveLength(1);
    const call = twilio.calls[0]!;
    expect(call).toMatchObject({ to: ADA_PHONE, from: FROM, statusCallback: `${PUBLIC_URL}/v1/twilio/status` });
    expect(call.twiml).toContain('Incident 1, on Crisis chat: Chat queue stalled.');
    expect(call.twiml).toContain('Press 1 to acknowledge, 2 to escalate.');
    expect(call.gather).toMatchObject({ numDigits: '1', method: 'POST', action: expect.stringMatching(/^https:\/\/vigil\.test\/v1\/twilio\/voice\?t=[\w-]{43}$/) });
    expect(call.twiml).toMatch(/<Gather input="dtmf" numDigits="1" timeout="10" actionOnEmptyResult="true" method="POST" action="https:\/\/vigil\.test\/v1\/twilio\/voice\?t=[\w-]{43}"><Say>/);
    const [row] = await notificationsOf(db(), inc.id);
    expect(row).toMatchObject({ channel: 'voice', status: 'sent', provider_id: call.sid });
    // The token is for the keypad only: as a one-click link it is unknown.
    const token = new URL(call.gather!.action).searchParams.get('t')!;
    expect((await t.app.inject({ method: 'GET', url: `/a/${token}` })).statusCode).toBe(404);

    await twilio.ringAll();
    expect(call.keypressReply!.status).toBe(200);
    expect(call.keypressReply!.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Incident 1 acknowledged. Goodbye.</Say><Hangup/></Response>');
    const acked = await incident(t);
    expect(acked.status).toBe('acknowledged');
    expect(acked.acknowledgements[0].acknowledger).toMatchObject({ id: ada, type: 'user_reference' });
    const timeline = await timelineOf(db(), inc.id);
    const entry = timeline.find((e) => e.type === 'acknowledge_log_entry')!;
    expect(entry.summary).toBe('Acknowledged by Ada through a phone call');
    expect(entry.channel).toMatchObject({ type: 'voice', call_sid: call.sid });
    // The final status is recorded.
    expect(call.statusReply!.status).toBe(204);
    expect(timeline.map((e) => e.summary)).toContain('Phone call to Ada (phone): answered (call completed)');

    // The same key again, correctly signed (a replay): the token is spent, nothing more happens.
    const params = { AccountSid: ACCOUNT_SID, CallSid: call.sid, From: FROM, To: ADA_PHONE, CallStatus: 'in-progress', Digits: '1' };
    const again = await post(call.gather!.action, params, twilio.sign(call.gather!.action, params));
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('<Say>The keys of this call can no longer be used: a key was already pressed. Goodbye.</Say>');
    expect((await timelineOf(db(), inc.id)).filter((e) => e.type === 'acknowledge_log_entry')).toHaveLength(1);

    // Acknowledged: the escalation stopped, no second call.
    clock.advanceMinutes(60);
    await run();
    expect(twilio.calls).toHaveLength(1);
  });

  it("through the organization's own Twilio-compatible provider: its number calls, keys and statuses come back to its routes signed with its token; the instance's number is not used", async () => {
    const ORG_SID = `AC${'5e'.repeat(16)}`;
    const ORG_TOKEN = 'a1'.repeat(16);
    const orgTwilio = await startFakeTwilioVoice(ORG_SID, ORG_TOKEN, async (url, headers, body) => {
      const u = new URL(url);
      const r = await t.app.inject({ method: 'POST', url: u.pathname + u.search, headers, payload: body });
      return { status: r.statusCode, body: r.body };
    });
    try {
      // An SMS-only provider first: calls skip it and go through the Twilio-compatible one.
      const add = async (sms_provider: Record<string, unknown>) => (await t.app.inject({ method: 'POST', url: '/api/v1/sms_providers', headers: t.auth, payload: { sms_provider } })).json().sms_provider;
      await add({ type: 'plivo', name: 'Texts', from: '+15550000098', credentials: { auth_id: 'MAODUZYTGXNDUXYWEXAM', auth_token: 'plivo-token' }, cost_per_message: 0.01 });
      const own = await add({ type: 'twilio', name: 'Org line', from: '+15550000099', base_url: orgTwilio.url, credentials: { account_sid: ORG_SID, auth_token: ORG_TOKEN }, cost_per_message: 0.01 });
      orgTwilio.callee(ADA_PHONE, { answer: 'pick-up', press: '1' });
      const { ada, inc } = await pageAda();
      expect(twilio.calls).toHaveLength(0);
      expect(orgTwilio.calls).toHaveLength(1);
      const call = orgTwilio.calls[0]!;
      expect(call).toMatchObject({ to: ADA_PHONE, from: '+15550000099', statusCallback: `${PUBLIC_URL}/v1/sms_providers/${own.id}/voice/status` });
      expect(call.gather).toMatchObject({ numDigits: '1', action: expect.stringMatching(new RegExp(`^https://vigil\\.test/v1/sms_providers/${own.id}/voice\\?t=[\\w-]{43}$`)) });
      expect((await timelineOf(db(), inc.id)).map((e) => e.summary)).toContain('Notified Ada by phone call (phone) through Org line (Twilio)');

      // Signed with the instance's token (or any other): 403, nothing happens; the status route likewise.
      const params = { AccountSid: ORG_SID, CallSid: call.sid, From: '+15550000099', To: ADA_PHONE, CallStatus: 'in-progress', Digits: '1' };
      expect((await post(call.gather!.action, params, twilio.sign(call.gather!.action, params))).statusCode).toBe(403);
      const status = { AccountSid: ORG_SID, CallSid: call.sid, CallStatus: 'no-answer' };
      expect((await post(call.statusCallback!, status, twilio.sign(call.statusCallback!, status))).statusCode).toBe(403);
      expect((await incident(t)).status).toBe('triggered');
      expect((await notificationsOf(db(), inc.id))[0]).toMatchObject({ status: 'sent' });
      // The instance's own keypress route does not take this provider's calls either.
      const instanceUrl = `${PUBLIC_URL}/v1/twilio/voice${new URL(call.gather!.action).search}`;
      expect((await post(instanceUrl, params, orgTwilio.sign(instanceUrl, params))).statusCode).toBe(403);

      await orgTwilio.ringAll();
      expect(call.keypressReply).toEqual({ status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Incident 1 acknowledged. Goodbye.</Say><Hangup/></Response>' });
      expect(call.statusReply!.status).toBe(204);
      const acked = await incident(t);
      expect(acked.status).toBe('acknowledged');
      expect(acked.acknowledgements[0].acknowledger).toMatchObject({ id: ada });
      expect((await timelineOf(db(), inc.id)).map((e) => e.summary)).toEqual(expect.arrayContaining(['Acknowledged by Ada through a phone call', 'Phone call to Ada (phone): answered (call completed)']));
    } finally {
      await orgTwilio.close();
    }
  });

  it('2 escalates to the next level at once: Bob is paged', async () => {
    twilio.callee(ADA_PHONE, { answer: 'pick-up', press: '2' });
    const { ada, inc } = await pageAda(2);
    expect(await notificationsOf(db(), inc.id)).toHaveLength(1);
    await twilio.ringAll();
    expect(twilio.calls[0]!.keypressReply!.body).toContain('<Say>Incident 1 escalated: level 2 is paged. Goodbye.</Say>');
    const entry = (await timelineOf(db(), inc.id)).find((e) => e.type === 'escalate_log_entry' && e.summary.startsWith('Escalated now'))!;
    expect(entry.summary).toBe('Escalated now by Ada through a phone call: level 2 of Chat on-call is paged');
    expect(entry.agent).toMatchObject({ id: ada });
    // Level 2 fires without waiting its 30 minutes.
    await run();
    const rows = await notificationsOf(db(), inc.id);
    expect(rows.map((r) => [r.channel, r.status])).toEqual([
      ['voice', 'sent'],
      ['sms', 'sent'],
    ]);
    expect(twilio.messages.map((m) => m.to)).toEqual([BOB_PHONE]);
    expect((await incident(t)).status).toBe('triggered');
  });

  it('a key pressed other than 1 or 2 asks again; silence changes nothing', async () => {
    twilio.callee(ADA_PHONE, { answer: 'pick-up', press: '7' });
    const { inc } = await pageAda();
    await twilio.ringAll();
    const call = twilio.calls[0]!;
    expect(call.keypressReply!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" timeout="10" actionOnEmptyResult="true" method="POST" action="${call.gather!.action}"><Say>Press 1 to acknowledge, 2 to escalate.</Say></Gather></Response>`);
    const silent = { AccountSid: ACCOUNT_SID, CallSid: call.sid, From: FROM, To: ADA_PHONE, CallStatus: 'in-progress', Digits: '' };
    expect((await post(call.gather!.action, silent, twilio.sign(call.gather!.action, silent))).body).toContain('No key was pressed. The page stands. Goodbye.');
    expect((await incident(t)).status).toBe('triggered');
    // The token was not spent by either: 1 still acknowledges.
    const one = { ...silent, Digits: '1' };
    expect((await post(call.gather!.action, one, twilio.sign(call.gather!.action, one))).body).toContain('Incident 1 acknowledged.');
    expect((await incidentByNumber(db(), t.org.org.id, 1)).status).toBe('acknowledged');
    expect(inc.status).toBe('triggered');
  });

  it('a French-speaking Ada hears every answer to her keys in French, in a French voice (<Say language="fr-FR">)', async () => {
    twilio.callee(ADA_PHONE, { answer: 'pick-up', press: '7' });
    await pageAda(1, 'fr-FR');
    await twilio.ringAll();
    const call = twilio.calls[0]!;
    expect(call.twiml).toContain('<Say language="fr-FR">Ici Vigil');
    expect(call.keypressReply!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" timeout="10" actionOnEmptyResult="true" method="POST" action="${call.gather!.action}"><Say language="fr-FR">Tapez 1 pour prendre en charge, 2 pour escalader.</Say></Gather></Response>`);
    const key = (digits: string) => {
      const params = { AccountSid: ACCOUNT_SID, CallSid: call.sid, From: FROM, To: ADA_PHONE, CallStatus: 'in-progress', Digits: digits };
      return post(call.gather!.action, params, twilio.sign(call.gather!.action, params)).then((r) => r.body);
    };
    expect(await key('')).toContain('<Say language="fr-FR">Aucune touche n’a été tapée. L’alerte reste active. Au revoir.</Say><Hangup/>');
    expect(await key('1')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say language="fr-FR">Incident 1 pris en charge. Au revoir.</Say><Hangup/></Response>');
    expect((await incident(t)).status).toBe('acknowledged');
    // Spent: the refusal is in French too.
    expect(await key('2')).toContain('<Say language="fr-FR">Les touches de cet appel ne peuvent plus servir : une touche a déjà été tapée. Au revoir.</Say>');
  });

  it('a keypress or status callback with a wrong signature is refused with 403 and changes nothing', async () => {
    const { inc } = await pageAda();
    const call = twilio.calls[0]!;
    const action = call.gather!.action;
    const params = { AccountSid: ACCOUNT_SID, CallSid: call.sid, From: FROM, To: ADA_PHONE, CallStatus: 'in-progress', Digits: '1' };
    const status = { AccountSid: ACCOUNT_SID, CallSid: call.sid, From: FROM, To: ADA_PHONE, CallStatus: 'no-answer' };
    const statusUrl = `${PUBLIC_URL}/v1/twilio/status`;
    const before = await timelineOf(db(), inc.id);
    const forged = [
      post(action, params, twilio.sign(action, params, 'not-the-token')),
      post(action, params, twilio.sign(action, { ...params, Digits: '2' })),
      post(action, params, twilio.sign(action.replace(/t=[\w-]+/, 't=another'), params)),
      post(action, params, ''),
      post(statusUrl, status, twilio.sign(statusUrl, status, 'not-the-token')),
      post(statusUrl, status, twilio.sign(statusUrl, { ...status, CallStatus: 'completed' })),
    ];
    for (const r of await Promise.all(forged)) {
      expect(r.statusCode).toBe(403);
      expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
      expect(r.json().error.errors).toEqual(['Twilio request signature does not match']);
    }
    expect((await incident(t)).status).toBe('triggered');
    expect(await timelineOf(db(), inc.id)).toEqual(before);
    expect((await notificationsOf(db(), inc.id)).map((r) => r.status)).toEqual(['sent']);
    // The token was not spent: the real keypress still acknowledges.
    expect((await post(action, params, twilio.sign(action, params))).body).toContain('Incident 1 acknowledged.');
  });

  it('a call nobody answers is a failed delivery: on the timeline, and Ada’s next method is paged', async () => {
    twilio.callee(ADA_PHONE, { answer: 'no-answer' });
    const ada = await addUser(t, 'Ada');
    const phone = await addContact(t, ada, 'phone', ADA_PHONE);
    await addContact(t, ada, 'sms', ADA_PHONE);
    // Ada's rule calls; her SMS is the verified fallback.
    await addRule(t, ada, phone, 0);
    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'chat' }) })).statusCode).toBe(202);
    await run();
    const inc = await incidentByNumber(db(), t.org.org.id, 1);
    expect((await notificationsOf(db(), inc.id)).map((r) => r.channel)).toEqual(['voice']);
    await twilio.ringAll();
    const call = twilio.calls[0]!;
    expect(call.keypressReply).toBeNull();
    expect(call.statusReply!.status).toBe(204);
    expect(await notificationsOf(db(), inc.id)).toMatchObject([{ channel: 'voice', status: 'failed', last_error: 'call_no_answer' }, { channel: 'sms', status: 'pending' }]);
    expect((await timelineOf(db(), inc.id)).map((e) => e.summary)).toContain('Phone call to Ada (phone) failed: nobody answered');
    await run();
    expect((await notificationsOf(db(), inc.id)).map((r) => [r.channel, r.status])).toEqual([
      ['voice', 'failed'],
      ['sms', 'sent'],
    ]);
    // Twilio may post the same status again: recorded as such, no second fallback.
    const status = { AccountSid: ACCOUNT_SID, CallSid: call.sid, From: FROM, To: ADA_PHONE, CallStatus: 'no-answer' };
    const statusUrl = `${PUBLIC_URL}/v1/twilio/status`;
    expect((await post(statusUrl, status, twilio.sign(statusUrl, status))).statusCode).toBe(204);
    expect(await notificationsOf(db(), inc.id)).toHaveLength(2);
    expect((await timelineOf(db(), inc.id)).map((e) => e.summary)).toContain('Phone call to Ada (phone) failed: nobody answered (reported again)');
  });
});
