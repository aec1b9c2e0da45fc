/**
 * Issue 15, item 7: "Would this wake me at 3 a.m.?" and "Send me a test", on both dialects.
 * GET /api/v1/users/{id}/wake_check answers which methods a high- (and low-) urgency page
 * would use, in order, loud / quiet / unverified, with a verdict in words; only the person
 * or an admin may read it. POST .../contact_methods/{id}/test sends a test through the
 * outbox; the deliver module takes it to a real local receiver of every channel (SMTP,
 * Twilio-shaped SMS and calls, webhook, Slack, ntfy, Web Push, Telegram) and the result is
 * read back, sent or failed with its stable reason code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { member, ok, req, onCallApp } from './fixtures.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { engineFor, startReceiver, startSmtp, type Mailbox, type Receiver } from '../engine/fixtures.js';
import { startFakeTwilio, type FakeTwilio } from '../engine/fixtures2.js';
import { startFakeNtfy, type FakeNtfy } from '../channels/fake-ntfy.js';
import { startFakePushService, type FakePushService } from '../channels/fake-push.js';
import { startFakeTelegram, type FakeTelegram } from '../channels/fake-telegram.js';
import { startFakeDiscord, type FakeDiscord } from '../channels/fake-discord.js';
import { startFakeTeams, type FakeTeams } from '../channels/fake-teams.js';
import { startFakeMatrix, type FakeMatrix } from '../channels/fake-matrix.js';
import type { Engine } from '../../src/server/engine/engine.js';

const SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-auth-token-0123456789';
const ADA_CHAT = 4_242_077;

describe.each(DIALECTS)('wake check and test sends (%s)', (dialect) => {
  let t: TestApp;
  const clock = manualClock('2026-03-02T09:00:00Z');
  let smtp: Mailbox;
  let twilio: FakeTwilio;
  let hook: Receiver;
  let slack: Receiver;
  let ntfy: FakeNtfy;
  let push: FakePushService;
  let tg: FakeTelegram;
  let discord: FakeDiscord;
  let teams: FakeTeams;
  let hs: FakeMatrix;
  let engine: Engine;

  beforeAll(async () => {
    [smtp, twilio, hook, slack, ntfy, push] = await Promise.all([startSmtp(), startFakeTwilio(SID, AUTH_TOKEN), startReceiver(), startReceiver(), startFakeNtfy(), startFakePushService()]);
    [discord, teams, hs] = await Promise.all([startFakeDiscord(), startFakeTeams(), startFakeMatrix()]);
    tg = await startFakeTelegram(async (url, headers, body) => {
      const r = await t.app.inject({ method: 'POST', url: new URL(url).pathname, headers, payload: body });
      return { status: r.statusCode, body: r.body };
    });
    t = await onCallApp(dialect, { clock, config: { publicUrl: 'https://vigil.test' } });
    const channels = buildChannels({
      policy: localPolicy,
      httpTimeoutMs: 2_000,
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, from: 'Vigil <vigil@harbor.example>', connectionTimeoutMs: 2_000, greetingTimeoutMs: 2_000, socketTimeoutMs: 5_000 },
      twilio: { accountSid: SID, authToken: AUTH_TOKEN, from: '+15005550006', baseUrl: twilio.url },
      push: { subject: 'mailto:vigil@vigil.test', baseUrl: 'https://vigil.test' },
    });
    engine = engineFor(t, channels);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([smtp?.close(), twilio?.close(), hook?.close(), slack?.close(), ntfy?.close(), push?.close(), tg?.close(), discord?.close(), teams?.close(), hs?.close()]);
  });
  afterEach(() => clock.advance(120_000));

  const run = () => engine.runUntilIdle(clock.now());
  const markVerified = (id: string) => t.db.handle.db.updateTable('contact_methods').set({ verified_at: clock.now() }).where('id', '=', id).execute();
  async function method(userId: string, auth: Record<string, string>, contact_method: Record<string, unknown>, verified = true): Promise<{ id: string }> {
    const cm = (await ok(req(t, 'POST', `/api/v1/users/${userId}/contact_methods`, { contact_method }, auth), 201)).contact_method;
    if (verified) await markVerified(cm.id);
    return cm;
  }
  const rule = (userId: string, auth: Record<string, string>, cmId: string, delay: number, urgency = 'high') =>
    ok(req(t, 'POST', `/api/v1/users/${userId}/notification_rules`, { notification_rule: { start_delay_in_minutes: delay, urgency, contact_method: { id: cmId, type: 'contact_method_reference' } } }, auth), 201);
  const wake = async (userId: string, auth: Record<string, string>) => (await ok(req(t, 'GET', `/api/v1/users/${userId}/wake_check`, undefined, auth))).wake_check;

  it('only email: would not wake, and says so; a verified SMS method wakes; an unverified phone is listed and skipped; a rule delay shows', async () => {
    const ada = await member(t, 'Ada');
    await ok(req(t, 'PUT', `/api/v1/users/${ada.id}`, { user: { time_zone: 'Europe/Berlin' } }), 200);
    const email = await method(ada.id, ada.auth, { type: 'email', address: 'ada@harbor.example' });

    let w = await wake(ada.id, ada.auth);
    expect(w.time_zone).toBe('Europe/Berlin');
    expect(w.at).toBe('2026-03-03T03:00:00.000+01:00');
    expect(w.high_urgency.would_wake).toBe(false);
    expect(w.high_urgency.reason).toBe('only email would be sent at 3 a.m.: add a phone (SMS or voice), push, ntfy or Telegram method and verify it');
    // The same verdict as a code and what it names, for clients that word it in their reader's language.
    expect(w.high_urgency.verdict).toEqual({ code: 'quiet_only', channels: ['email'], contact_method: null, start_delay_in_minutes: null });
    expect(w.high_urgency.notifications[0]).toMatchObject({ why_code: 'email' });
    expect(w.high_urgency.notifications).toEqual([expect.objectContaining({ contact_method: expect.objectContaining({ id: email.id, type: 'email_contact_method_reference' }), channel: 'email', start_delay_in_minutes: 0, wake_class: 'quiet', skipped: false })]);

    // An unverified phone (no rules yet: every method would be tried) is listed, skipped.
    const phone = await method(ada.id, ada.auth, { type: 'phone', address: '+14155550101' }, false);
    w = await wake(ada.id, ada.auth);
    expect(w.high_urgency.would_wake).toBe(false);
    expect(w.high_urgency.notifications.find((n: any) => n.contact_method.id === phone.id)).toMatchObject({ channel: 'voice', wake_class: 'unverified', skipped: true });

    // A verified SMS method, used 10 minutes into a high-urgency page; low urgency stays on email.
    const sms = await method(ada.id, ada.auth, { type: 'sms', address: '+14155550100', label: 'Mobile' });
    await rule(ada.id, ada.auth, email.id, 0);
    await rule(ada.id, ada.auth, sms.id, 10);
    await rule(ada.id, ada.auth, phone.id, 20);
    await rule(ada.id, ada.auth, email.id, 0, 'low');
    w = await wake(ada.id, ada.auth);
    expect(w.high_urgency.would_wake).toBe(true);
    expect(w.high_urgency.reason).toBe('Mobile (SMS) would wake you after 10 minutes');
    expect(w.high_urgency.verdict).toEqual({ code: 'wakes', channels: ['sms'], contact_method: 'Mobile', start_delay_in_minutes: 10 });
    expect(w.high_urgency.notifications.map((n: any) => n.why_code)).toEqual(['email', 'sms', 'unverified']);
    expect(w.high_urgency.notifications.map((n: any) => [n.channel, n.start_delay_in_minutes, n.wake_class])).toEqual([
      ['email', 0, 'quiet'],
      ['sms', 10, 'loud'],
      ['voice', 20, 'unverified'],
    ]);
    expect(w.low_urgency.would_wake).toBe(false);
    expect(w.low_urgency.reason).toMatch(/^only email would be sent at 3 a\.m\./);
    expect(w.low_urgency.verdict.code).toBe('low_urgency_waits');

    // Nobody at all: the plan's own reason.
    const bo = await member(t, 'Bo');
    const none = await wake(bo.id, bo.auth);
    expect(none.high_urgency).toMatchObject({ would_wake: false, notifications: [] });
    expect(none.high_urgency.reason).toMatch(/you have no contact method/);
    expect(none.high_urgency.verdict).toEqual({ code: 'no_contact_method', channels: [], contact_method: null, start_delay_in_minutes: null });
  });

  it('another member cannot read it (403 in the error shape); an admin can; me works', async () => {
    const ada = await member(t, 'Ada');
    const bo = await member(t, 'Bo');
    const admin = await member(t, 'Ann', 'admin');
    const refused = await req(t, 'GET', `/api/v1/users/${ada.id}/wake_check`, undefined, bo.auth);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 2010, errors: [expect.stringMatching(/only admins/)] });
    expect((await wake(ada.id, admin.auth)).user.id).toBe(ada.id);
    expect((await wake('me', ada.auth)).user.id).toBe(ada.id);
    expect((await req(t, 'GET', '/api/v1/users/PNOSUCH/wake_check')).statusCode).toBe(404);
  });

  it('a test through each method type reaches its receiver and reads back sent; failures keep their reason code', async () => {
    const ada = await member(t, 'Ada');
    // Telegram: the organization's bot, and Ada links her chat.
    const bot = tg.addBot('harbor_vigil_bot');
    await ok(req(t, 'PUT', '/api/v1/telegram_bot', { telegram_bot: { bot_token: bot.token, api_base_url: tg.apiBaseUrl } }), 200);
    await ok(req(t, 'POST', '/api/v1/telegram_bot/set_webhook'), 200);
    const { code } = (await ok(req(t, 'POST', `/api/v1/users/${ada.id}/telegram_link`, undefined, ada.auth), 201)).telegram_link;
    expect((await tg.userSends(bot.token, { id: ADA_CHAT, username: 'ada_l' }, `/start ${code}`)).status).toBe(200);
    const telegram = (await ok(req(t, 'GET', `/api/v1/users/${ada.id}/contact_methods`, undefined, ada.auth))).contact_methods.find((m: any) => m.type === 'telegram_contact_method');
    expect(telegram.verified).toBe(true);

    const bot2 = hs.addBot('@vigil:vigil.test');
    const room = hs.addRoom(['@vigil:vigil.test', '@ada:vigil.test']);
    const vapid = (await ok(req(t, 'GET', '/api/v1/push/vapid_key', undefined, ada.auth))).vapid_key.public_key as string;
    const sub = push.subscribe(vapid);
    const methods = {
      email: await method(ada.id, ada.auth, { type: 'email', address: 'ada.test@harbor.example' }),
      sms: await method(ada.id, ada.auth, { type: 'sms', address: '+14155550100' }),
      phone: await method(ada.id, ada.auth, { type: 'phone', address: '+14155550100' }),
      webhook: await method(ada.id, ada.auth, { type: 'webhook', address: hook.url }),
      slack: await method(ada.id, ada.auth, { type: 'slack', address: slack.url }),
      ntfy: await method(ada.id, ada.auth, { type: 'ntfy', address: `${ntfy.url}/ada-pager` }),
      push: await method(ada.id, ada.auth, { type: 'push_notification', subscription: sub.json }),
      telegram,
      discord: await method(ada.id, ada.auth, { type: 'discord_contact_method', address: discord.addWebhook() }),
      teams: await method(ada.id, ada.auth, { type: 'teams_contact_method', address: teams.addWorkflow() }),
      matrix: await method(ada.id, ada.auth, { type: 'matrix_contact_method', address: hs.url, room_id: room, access_token: bot2 }),
    };
    const tests: Record<string, string> = {};
    for (const [type, cm] of Object.entries(methods)) {
      const r = await req(t, 'POST', `/api/v1/users/${ada.id}/contact_methods/${cm.id}/test`, undefined, ada.auth);
      expect(r.statusCode, `${type}: ${r.body}`).toBe(202);
      expect(r.json().test).toMatchObject({ type: 'contact_method_test', status: 'queued', reason: null, contact_method: { id: cm.id } });
      tests[type] = r.json().test.id;
    }
    await run();
    for (const [type, cm] of Object.entries(methods)) {
      const r = (await ok(req(t, 'GET', `/api/v1/users/${ada.id}/contact_methods/${cm.id}/tests/${tests[type]}`, undefined, ada.auth))).test;
      expect(r, type).toMatchObject({ status: 'sent', reason: null, attempts: 1 });
      expect(r.sent_at, type).not.toBeNull();
    }
    await smtp.waitFor('ada.test@harbor.example', /./);
    expect(twilio.messages.map((m) => m.to)).toContain('+14155550100');
    expect(twilio.calls.map((c) => c.to)).toContain('+14155550100');
    expect(hook.requests).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    expect(ntfy.messages.map((m) => m.topic)).toEqual(['ada-pager']);
    expect(push.delivered).toHaveLength(1);
    expect(tg.sent.some((m) => String(m.chat_id) === String(ADA_CHAT))).toBe(true);
    expect(discord.posts).toHaveLength(1);
    expect(teams.posted()).toHaveLength(1);
    expect(hs.events).toHaveLength(1);

    // One a minute per method: 429 with Retry-After.
    const again = await req(t, 'POST', `/api/v1/users/${ada.id}/contact_methods/${methods.email.id}/test`, undefined, ada.auth);
    expect(again.statusCode).toBe(429);
    expect(again.headers['retry-after']).toBeDefined();
    expect(again.json().error.errors[0]).toMatch(/less than a minute ago/);

    // A protected ntfy topic without the token: failed, with ntfy's code (40301: anonymous access forbidden) as the reason.
    clock.advance(61_000);
    ntfy.protect('ada-pager', 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2');
    const failing = (await ok(req(t, 'POST', `/api/v1/users/${ada.id}/contact_methods/${methods.ntfy.id}/test`, undefined, ada.auth), 202)).test;
    await run();
    const failed = (await ok(req(t, 'GET', `/api/v1/users/${ada.id}/contact_methods/${methods.ntfy.id}/tests/${failing.id}`, undefined, ada.auth))).test;
    expect(failed).toMatchObject({ status: 'failed', reason: 'ntfy_40301' });

    // Not verified: no test (its verification code is its test); someone else's test: not theirs to read.
    const unverified = await method(ada.id, ada.auth, { type: 'email', address: 'ada.new@harbor.example' }, false);
    const refused = await req(t, 'POST', `/api/v1/users/${ada.id}/contact_methods/${unverified.id}/test`, undefined, ada.auth);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.errors[0]).toMatch(/not verified yet/);
    const bo = await member(t, 'Bo');
    expect((await req(t, 'GET', `/api/v1/users/${ada.id}/contact_methods/${methods.ntfy.id}/tests/${failing.id}`, undefined, bo.auth)).statusCode).toBe(403);
    expect((await req(t, 'GET', `/api/v1/users/${ada.id}/contact_methods/${methods.email.id}/tests/${failing.id}`, undefined, ada.auth)).statusCode).toBe(404);
  });
});
