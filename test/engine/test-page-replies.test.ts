/**
 * Scheduled test pages confirmed without the link (issue 18), end to end on both dialects,
 * with the manual clock: the engine sends the tests through local servers implementing
 * Twilio's Messages and Calls APIs (and acting as the phone network) or an organization's
 * own android-sms-gateway; the person answers as they would.
 *
 * - SMS through the instance's Twilio: a reply "OK" (or yes, any case, with spaces) from the
 *   number the test went to, signed as Twilio signs, confirms that person's latest
 *   outstanding test and is answered in their language; a forged reply changes nothing; a
 *   second OK, or one from a number with no test waiting, gets the usual help answer.
 * - SMS through the organization's own provider (signed `sms:received`): confirms only in
 *   the provider's organization, even when another organization's member has the same number.
 * - A test call: the call asks for a key; pressing one confirms (once); pressing nothing does
 *   not; through the organization's own Twilio-compatible provider, only that provider's route
 *   (signed with its token) confirms, never another organization's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { channelsFromConfig } from '../../src/server/main.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { isConfirmReply } from '../../src/server/notify/test-page.service.js';
import { localPolicy } from '../outbound-allow.js';
import { addContact, addUser, engineFor } from './fixtures.js';
import { createIsolatedApp, seedContact, seedUser } from './fixtures2.js';
import { req, secondOrg } from '../api/helpers.js';
import { createSchedule } from '../oncall/fixtures.js';
import { startFakeTwilioVoice, type FakeTwilioVoice } from '../channels/fake-twilio-voice.js';
import { startFakeSmsGateway, type FakeSmsGateway } from '../channels/fake-sms-gateway.js';

const ACCOUNT_SID = 'AC00000000000000000000000000000018';
const AUTH_TOKEN = 'twilio-auth-token-for-test-pages';
const FROM = '+15550000000';
const PUBLIC_URL = 'https://vigil.test';
const ADA = '+15551230001';
const BEA = '+15551230002';
const CAL = '+15551230003';
const DAN = '+15551230004';

it('the confirm words: OK and yes in any case, with spaces and a trailing stop; nothing else', () => {
  for (const w of ['OK', 'ok', ' Ok. ', 'YES', 'yes!', 'y', 'Oui', 'sí', 'SI']) expect(isConfirmReply(w), w).toBe(true);
  for (const w of ['', 'okay then', '1a', 'no', 'STOP', 'o k']) expect(isConfirmReply(w), w).toBe(false);
});

const db = (t: TestApp) => t.db.handle.db;
const testsOf = async (t: TestApp, userId: string) => db(t).selectFrom('contact_method_tests').select(['id', 'confirmed_at']).where('user_id', '=', userId).execute();
const confirmedAt = async (t: TestApp, userId: string) => (await testsOf(t, userId)).map((r) => (r.confirmed_at === null ? null : new Date(Number(r.confirmed_at)).toISOString()));

/** Hourly turns from 12:00Z, so everyone is on call within the 24-hour lead at 05:00Z. */
async function rotation(t: TestApp, users: string[]) {
  await createSchedule(t, 'Night line', 'UTC', [{ start: '2026-03-02T12:00:00Z', rotation_turn_length_seconds: 3600, users }]);
  expect((await req(t, 'PUT', '/api/v1/test_page_settings', { test_page_settings: { enabled: true, lead_time_hours: 24 } })).statusCode).toBe(200);
}

describe.each(DIALECTS)('test pages confirmed by SMS reply and keypress through Twilio on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let twilio: FakeTwilioVoice;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T05:00:00Z');
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

  const smsUrl = `${PUBLIC_URL}/v1/twilio/sms`;
  const reply = (from: string, body: string, signature?: string) => {
    const params = { ToCountry: 'US', From: from, To: FROM, Body: body, MessageSid: `SMreply${from.slice(-4)}`, AccountSid: ACCOUNT_SID, NumMedia: '0' };
    return t.app.inject({ method: 'POST', url: '/v1/twilio/sms', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature ?? twilio.sign(smsUrl, params) }, payload: new URLSearchParams(params).toString() });
  };
  const HELP = '<Message>Vigil: reply with the incident number and a to acknowledge or r to resolve, e.g. 42a.</Message>';

  it('"OK" from the number a test SMS went to confirms that person’s test, answered in their language; forged, repeated or stray replies confirm nothing', async () => {
    const ada = await addUser(t, 'Ada');
    const bea = await addUser(t, 'Béa');
    await db(t).updateTable('users').set({ locale: 'fr' }).where('id', '=', bea).execute();
    await addContact(t, ada, 'sms', ADA);
    await addContact(t, bea, 'sms', BEA);
    await rotation(t, [ada, bea]);
    await engine.runUntilIdle(clock.now());

    const texts = new Map(twilio.messages.map((m) => [m.to, m.body]));
    expect(texts.get(ADA)).toMatch(/^Vigil test for .+\. Tap or reply OK to confirm: https:\/\/vigil\.test\/t\/[\w-]{43}$/);
    expect(texts.get(ADA)!.length).toBeLessThanOrEqual(160);
    expect(texts.get(BEA)).toMatch(/^Test Vigil pour .+\. Touchez ou répondez OK pour confirmer : https:\/\/vigil\.test\/t\/[\w-]{43}$/);
    expect(await confirmedAt(t, ada)).toEqual([null]);

    // Forged: signed with another token. Refused, nothing confirmed.
    const forged = await reply(ADA, 'OK', twilio.sign(smsUrl, { From: ADA, Body: 'OK' }, 'not-the-token'));
    expect(forged.statusCode).toBe(401);
    expect(await confirmedAt(t, ada)).toEqual([null]);

    clock.advanceMinutes(3);
    const ok = await reply(ADA, '  ok. ');
    expect(ok.statusCode).toBe(200);
    expect(String(ok.headers['content-type'])).toMatch(/^text\/xml/);
    expect(ok.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Vigil: test page confirmed. This number reaches you.</Message></Response>');
    expect(await confirmedAt(t, ada)).toEqual(['2026-03-02T05:03:00.000Z']);
    expect(await confirmedAt(t, bea)).toEqual([null]); // only the sender's

    // Nothing outstanding any more: the usual help answer, nothing changes.
    expect((await reply(ADA, 'OK')).body).toContain(HELP);
    expect(await confirmedAt(t, ada)).toEqual(['2026-03-02T05:03:00.000Z']);
    expect((await reply('+15559999999', 'yes')).body).toContain(HELP);

    // Béa answers YES: confirmed, in French.
    const oui = await reply(BEA, 'YES');
    expect(oui.body).toContain('<Message>Vigil : test confirmé. Ce numéro vous joint.</Message>');
    expect(await confirmedAt(t, bea)).toEqual(['2026-03-02T05:03:00.000Z']);
    expect((await req(t, 'GET', '/api/v1/oncall-readiness')).json().unconfirmed_contact_methods).toEqual([]);
  });

  it('a test call asks for a key: pressing one confirms, once; pressing nothing does not', async () => {
    const cal = await addUser(t, 'Cal');
    const dan = await addUser(t, 'Dan');
    await addContact(t, cal, 'phone', CAL);
    await addContact(t, dan, 'phone', DAN);
    // Dan reads French: what his call says back is French, in a French voice.
    await db(t).updateTable('users').set({ locale: 'fr-FR' }).where('id', '=', dan).execute();
    await rotation(t, [cal, dan]);
    twilio.callee(CAL, { answer: 'pick-up', press: '1' });
    await engine.runUntilIdle(clock.now());

    expect(twilio.calls.map((c) => c.to).sort()).toEqual([CAL, DAN]);
    const call = twilio.calls.find((c) => c.to === CAL)!;
    expect(call.twiml).toContain('This is a test call from Vigil for');
    expect(call.twiml).toContain('Press any key to confirm that it reached you.');
    expect(call.gather).toMatchObject({ numDigits: '1', method: 'POST', action: expect.stringMatching(/^https:\/\/vigil\.test\/v1\/twilio\/voice\?c=[\w-]{43}$/) });

    await twilio.ringAll();
    expect(call.keypressReply).toEqual({ status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thank you: test call confirmed. This number reaches you. Goodbye.</Say><Hangup/></Response>' });
    expect(await confirmedAt(t, cal)).toEqual(['2026-03-02T05:00:00.000Z']);
    const silent = twilio.calls.find((c) => c.to === DAN)!;
    expect(silent.keypressReply!.body).toContain('<Say language="fr-FR">Aucune touche n’a été pressée : le test n’est pas confirmé. Au revoir.</Say>');
    expect(await confirmedAt(t, dan)).toEqual([null]);

    // The same key again, correctly signed (a replay): already confirmed, nothing changes.
    const params = { AccountSid: ACCOUNT_SID, CallSid: call.sid, From: FROM, To: CAL, CallStatus: 'in-progress', Digits: '1' };
    const u = new URL(call.gather!.action);
    const again = await t.app.inject({ method: 'POST', url: u.pathname + u.search, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.sign(call.gather!.action, params) }, payload: new URLSearchParams(params).toString() });
    expect(again.body).toContain('<Say>This test call can no longer be confirmed. Goodbye.</Say>');
    // Forged keypress: refused before anything is read.
    const forged = await t.app.inject({ method: 'POST', url: `/v1/twilio/voice?c=${u.searchParams.get('c')}`, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.sign(call.gather!.action, params, 'wrong') }, payload: new URLSearchParams(params).toString() });
    expect(forged.statusCode).toBe(403);
    // Readiness: Dan's method, tested and not confirmed.
    const ready = (await req(t, 'GET', '/api/v1/oncall-readiness')).json().unconfirmed_contact_methods;
    expect(ready.map((r: any) => [r.user.summary, r.status])).toEqual([['Dan', 'unconfirmed']]);
  });

  it('a test call through the organization’s own Twilio-compatible provider: a key confirms through that provider’s route; another organization’s provider cannot', async () => {
    const ORG_SID = `AC${'7f'.repeat(16)}`;
    const ORG_TOKEN = 'b2'.repeat(16);
    const OTHER_SID = `AC${'3c'.repeat(16)}`;
    const OTHER_TOKEN = 'c3'.repeat(16);
    const deliver = async (url: string, headers: Record<string, string>, body: string) => {
      const u = new URL(url);
      const r = await t.app.inject({ method: 'POST', url: u.pathname + u.search, headers, payload: body });
      return { status: r.statusCode, body: r.body };
    };
    const [own, others] = [await startFakeTwilioVoice(ORG_SID, ORG_TOKEN, deliver), await startFakeTwilioVoice(OTHER_SID, OTHER_TOKEN, deliver)];
    try {
      const provider = (auth: Record<string, string>, sid: string, token: string, url: string) =>
        t.app.inject({ method: 'POST', url: '/api/v1/sms_providers', headers: auth, payload: { sms_provider: { type: 'twilio', name: 'Org line', from: '+15550000099', base_url: url, credentials: { account_sid: sid, auth_token: token }, cost_per_message: 0.01 } } });
      const mine = (await provider(t.auth, ORG_SID, ORG_TOKEN, own.url)).json().sms_provider;
      const riverside = await secondOrg(t);
      const theirs = await provider(riverside.auth, OTHER_SID, OTHER_TOKEN, others.url);
      expect(theirs.statusCode, theirs.body).toBe(201);
      const cal = await addUser(t, 'Cal');
      await addContact(t, cal, 'phone', CAL);
      await rotation(t, [cal]);
      await engine.runUntilIdle(clock.now());
      expect(twilio.calls).toHaveLength(0);
      const call = own.calls[0]!;
      expect(call.gather!.action).toMatch(new RegExp(`^https://vigil\\.test/v1/sms_providers/${mine.id}/voice\\?c=[\\w-]{43}$`));

      // The same token posted to the other organization's provider route, signed with its token: refused, nothing confirmed.
      const c = new URL(call.gather!.action).searchParams.get('c')!;
      const otherUrl = `${PUBLIC_URL}/v1/sms_providers/${theirs.json().sms_provider.id}/voice?c=${c}`;
      const params = { AccountSid: OTHER_SID, CallSid: 'CAother', From: '+15550000099', To: CAL, CallStatus: 'in-progress', Digits: '1' };
      const stray = await t.app.inject({ method: 'POST', url: new URL(otherUrl).pathname + new URL(otherUrl).search, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': others.sign(otherUrl, params) }, payload: new URLSearchParams(params).toString() });
      expect(stray.statusCode).toBe(200);
      expect(stray.body).toContain('<Say>This test call can no longer be confirmed. Goodbye.</Say>');
      expect(await confirmedAt(t, cal)).toEqual([null]);

      own.callee(CAL, { answer: 'pick-up', press: '5' });
      await own.ringAll();
      expect(call.keypressReply!.body).toContain('<Say>Thank you: test call confirmed. This number reaches you. Goodbye.</Say>');
      expect(await confirmedAt(t, cal)).toEqual(['2026-03-02T05:00:00.000Z']);
    } finally {
      await Promise.all([own.close(), others.close()]);
    }
  });
});

describe.each(DIALECTS)('test pages confirmed by SMS reply through the organization’s own provider on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let gateway: FakeSmsGateway;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T05:00:00Z');
    gateway = await startFakeSmsGateway();
    t = await createIsolatedApp(dialect, { clock, config: { publicUrl: 'http://vigil.test' } });
  });
  afterEach(async () => {
    await t.close();
    await gateway.close();
  });

  it('a signed "OK" confirms the test in the provider’s organization only, never another organization’s member with the same number', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/sms_providers', headers: t.auth, payload: { sms_provider: { type: 'android_gateway', name: 'Office phone', base_url: gateway.url, credentials: { username: gateway.username, password: gateway.password, webhook_signing_key: 'gw-signing-key' }, cost_per_message: 0 } } });
    expect(created.statusCode, created.body).toBe(201);
    const phone = created.json().sms_provider;
    const ada = await addUser(t, 'Ada');
    await addContact(t, ada, 'sms', ADA);
    await rotation(t, [ada]);
    // Another organization's member with the same number, with a test of their own waiting.
    const other = await secondOrg(t);
    const seed = { db: db(t), orgId: other.org.org.id, clock };
    const rita = await seedUser(seed, 'Rita');
    const ritaSms = await seedContact(seed, rita, 'sms', ADA);
    await db(t).insertInto('contact_method_tests').values({ org_id: other.org.org.id, id: 'riverside-test', user_id: rita, contact_method_id: ritaSms, reason: 'monthly', claim_key: 'monthly:x', sent_at: clock.now(), token_hash: null, token_expires_at: null, confirmed_at: null }).execute();

    await engineFor(t, buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 })).runUntilIdle(clock.now());
    expect(gateway.texts.map((x) => x.to)).toEqual([ADA]);
    expect(gateway.texts[0]!.text).toContain('reply OK to confirm');

    const post = (cb: { url: string; headers: Record<string, string>; body: string }) => t.app.inject({ method: 'POST', url: new URL(cb.url).pathname, headers: cb.headers, payload: cb.body });
    clock.advanceMinutes(2);
    // Signed with another key: refused.
    expect((await post(gateway.reply(phone.inbound_url, ADA, 'OK', 'wrong-key', clock.now()))).statusCode).toBe(401);
    expect(await confirmedAt(t, ada)).toEqual([null]);

    const ok = await post(gateway.reply(phone.inbound_url, ADA, 'Ok', 'gw-signing-key', clock.now()));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ ok: true, result: 'test page confirmed', reply: 'Vigil: test page confirmed. This number reaches you.' });
    expect(await confirmedAt(t, ada)).toEqual(['2026-03-02T05:02:00.000Z']);
    expect(await confirmedAt(t, rita)).toEqual([null]);

    // Again: nothing waits in this organization; the other organization's test stays unconfirmed.
    expect((await post(gateway.reply(phone.inbound_url, ADA, 'OK', 'gw-signing-key', clock.now()))).json()).toEqual({ ok: true, result: 'ignored: not a reply to a page (e.g. 42a)' });
    expect(await confirmedAt(t, rita)).toEqual([null]);
  });
});
