/**
 * Telegram end to end on both dialects: an admin sets the organization's bot (the token is
 * write-only) and registers Vigil's webhook with setWebhook; Ada asks for a one-time code,
 * sends /start <code> to the bot, and her chat becomes a verified contact method; an
 * incident reaches the chat with Acknowledge/Resolve buttons; pressing Acknowledge
 * acknowledges it as Ada (timeline: through Telegram), answers the callback and edits the
 * message. Updates without the webhook's secret are refused with no side effect; a chat
 * that blocked the bot is removed and Ada's next method paged; a 429's retry_after is
 * honoured.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { addContact, addPolicy, addUser, attachPolicy, engineFor, incident } from './fixtures.js';
import { createIsolatedApp, incidentByNumber, notificationsOf, timelineOf } from './fixtures2.js';
import { startFakeTelegram, type FakeTelegram } from '../channels/fake-telegram.js';
import { startFakeNtfy, type FakeNtfy } from '../channels/fake-ntfy.js';
import { resealTelegramBots } from '../../src/server/notify/telegram.store.js';

const ADA_CHAT = 4_242_001;

describe.each(DIALECTS)('Telegram on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let tg: FakeTelegram;
  let ntfy: FakeNtfy;
  let engine: Engine;
  let bot: { token: string; id: number };

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    // Telegram delivers updates to the registered URL; here straight into the app.
    tg = await startFakeTelegram(async (url, headers, body) => {
      const r = await t.app.inject({ method: 'POST', url: new URL(url).pathname, headers, payload: body });
      return { status: r.statusCode, body: r.body };
    });
    ntfy = await startFakeNtfy();
    bot = tg.addBot('harbor_vigil_bot');
    t = await createIsolatedApp(dialect, { clock, config: { publicUrl: 'https://vigil.test' } });
    const channels = buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 });
    expect(channels.types()).toContain('telegram');
    engine = engineFor(t, channels);
  });
  afterEach(async () => {
    await t.close();
    await tg.close();
    await ntfy.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers = t.auth) => t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  async function setUpBot() {
    const put = await api('PUT', '/api/v1/telegram_bot', { telegram_bot: { bot_token: bot.token, api_base_url: tg.apiBaseUrl } });
    expect(put.statusCode, put.body).toBe(200);
    const reg = await api('POST', '/api/v1/telegram_bot/set_webhook');
    expect(reg.statusCode, reg.body).toBe(200);
    return reg.json().telegram_bot;
  }

  async function linkAda(ada: string) {
    const link = await api('POST', `/api/v1/users/${ada}/telegram_link`);
    expect(link.statusCode, link.body).toBe(201);
    const { code } = link.json().telegram_link;
    expect((await tg.userSends(bot.token, { id: ADA_CHAT, username: 'ada_l' }, `/start ${code}`)).status).toBe(200);
    const methods = (await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods;
    return methods.find((m: any) => m.type === 'telegram_contact_method');
  }

  async function pageAda(ada: string, dedup = 'chat') {
    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: dedup }) })).statusCode).toBe(202);
    await run();
    return incidentByNumber(t.db.handle.db, t.org.org.id, 1);
  }

  it('the admin sets the bot and registers the webhook; Ada links with /start; a page arrives with buttons; Acknowledge acknowledges as Ada through Telegram', async () => {
    // Admin only; the token is never answered.
    const ada = await addUser(t, 'Ada');
    const bad = await api('PUT', '/api/v1/telegram_bot', { telegram_bot: { bot_token: 'not-a-token', api_base_url: 'ftp://x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors.join(' ')).toMatch(/telegram_bot\.bot_token must be .*telegram_bot\.api_base_url must be an http\(s\) URL/);
    const unknown = await api('PUT', '/api/v1/telegram_bot', { telegram_bot: { bot_token: bot.token, webhook_secret: 'mine' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.errors).toEqual(['telegram_bot.webhook_secret: unknown field']);
    expect(await t.db.handle.db.selectFrom('telegram_bots').selectAll().execute()).toEqual([]);
    const botView = await setUpBot();
    expect(botView).toMatchObject({ type: 'telegram_bot', api_base_url: tg.apiBaseUrl, bot_username: 'harbor_vigil_bot', bot_token_hint: `${bot.id}:••••${bot.token.slice(-4)}` });
    expect(botView.webhook_url).toMatch(/^https:\/\/vigil\.test\/v1\/telegram\/tg[\w-]{12}$/);
    expect(JSON.stringify(botView)).not.toContain(bot.token);
    const hook = tg.webhookOf(bot.token)!;
    expect(hook).toMatchObject({ url: botView.webhook_url, allowed: ['message', 'callback_query'] });
    expect(hook.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Sealed at rest: neither the token nor the webhook secret is in the row as written.
    const row = await t.db.handle.db.selectFrom('telegram_bots').selectAll().executeTakeFirstOrThrow();
    expect(row.bot_token.startsWith('vsec1.')).toBe(true);
    expect(row.webhook_secret.startsWith('vsec1.')).toBe(true);

    // A member gets a one-time code and the t.me link; the code works once.
    const link = (await api('POST', `/api/v1/users/${ada}/telegram_link`)).json().telegram_link;
    expect(link.url).toBe(`https://t.me/harbor_vigil_bot?start=${link.code}`);
    expect(link.command).toBe(`/start ${link.code}`);
    expect((await tg.userSends(bot.token, { id: ADA_CHAT, username: 'ada_l' }, `/start ${link.code}`)).status).toBe(200);
    expect(tg.sent.at(-1)).toMatchObject({ chat_id: ADA_CHAT, text: 'This chat is linked to Ada in Harbor Crisis Line. Pages arrive here with Acknowledge and Resolve buttons.' });
    const cm = (await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods[0];
    // Others (here the owner) see a masked address; the chat id is stored.
    expect(cm).toMatchObject({ type: 'telegram_contact_method', address: '•••', label: 'Telegram (@ada_l)', verified: true });
    expect((await t.db.handle.db.selectFrom('contact_methods').select('address').where('id', '=', cm.id).executeTakeFirstOrThrow()).address).toBe(String(ADA_CHAT));
    await tg.userSends(bot.token, { id: 777, username: 'mallory' }, `/start ${link.code}`);
    expect(tg.sent.at(-1)).toMatchObject({ chat_id: 777, text: expect.stringMatching(/^This code is not valid, was already used or has expired/) });
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods).toHaveLength(1);
    // A telegram method is only made by linking.
    expect((await api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method: { type: 'telegram', address: '123' } })).json().error.errors[0]).toMatch(/contact_method\.type: a telegram method is made by linking a chat/);

    const inc = await pageAda(ada);
    const page = tg.sent.at(-1)!;
    expect(page.chat_id).toBe(ADA_CHAT);
    expect(page.text).toMatch(/^#1 TRIGGERED: /);
    expect(page.text).toContain('Crisis chat · high urgency · triggered');
    expect(page.params.disable_notification).toBeUndefined();
    const [[ackButton, resolveButton]] = page.params.reply_markup.inline_keyboard;
    expect(ackButton).toMatchObject({ text: 'Acknowledge', callback_data: expect.stringMatching(/^[\w-]{43}$/) });
    expect(resolveButton).toMatchObject({ text: 'Resolve' });
    const [n] = await notificationsOf(t.db.handle.db, inc.id);
    expect(n).toMatchObject({ channel: 'telegram', status: 'sent', provider_id: `${ADA_CHAT}:${page.message_id}` });

    // Someone else pressing Ada's button (a forwarded message) does nothing.
    tg.startChat({ id: 777, username: 'mallory' });
    await tg.press(bot.token, page, ackButton.callback_data, { id: 777, username: 'mallory' });
    expect(tg.answers.at(-1)).toMatchObject({ text: 'Only the person who was paged can use these buttons.', show_alert: true });
    expect((await incident(t)).status).toBe('triggered');

    // Ada presses Acknowledge.
    const pressed = await tg.press(bot.token, page, ackButton.callback_data);
    expect(pressed.status).toBe(200);
    expect((await incident(t)).status).toBe('acknowledged');
    expect(tg.answers.at(-1)).toMatchObject({ callback_query_id: pressed.queryId, text: 'Incident #1 acknowledged' });
    const entry = (await timelineOf(t.db.handle.db, inc.id)).find((e) => e.type === 'acknowledge_log_entry')!;
    expect(entry.summary).toBe('Acknowledged by Ada through Telegram');
    expect(entry.agent).toMatchObject({ id: ada });
    expect(entry.channel).toMatchObject({ type: 'telegram', chat_id: ADA_CHAT });
    // The message now says who did what and keeps only Resolve.
    expect(page.text.endsWith('\n\nAcknowledged by Ada through Telegram')).toBe(true);
    expect(page.edits.at(-1)!.reply_markup).toEqual({ inline_keyboard: [[resolveButton]] });

    // The used token answers with a message and does nothing more.
    const again = await tg.press(bot.token, page, ackButton.callback_data);
    expect(again.status).toBe(200);
    expect(tg.answers.at(-1)).toMatchObject({ callback_query_id: again.queryId, text: 'This button can no longer be used (already used).', show_alert: true });
    expect((await timelineOf(t.db.handle.db, inc.id)).filter((e) => e.type === 'acknowledge_log_entry')).toHaveLength(1);

    // Resolve from the edited message.
    await tg.press(bot.token, page, resolveButton.callback_data);
    expect((await incident(t)).status).toBe('resolved');
    expect(page.text.endsWith('Resolved by Ada through Telegram')).toBe(true);
    expect(page.edits.at(-1)!.reply_markup).toBeUndefined();
  });

  it('an update without the right secret header is refused with 401 and changes nothing', async () => {
    const ada = await addUser(t, 'Ada');
    await setUpBot();
    const { code } = (await api('POST', `/api/v1/users/${ada}/telegram_link`)).json().telegram_link;
    const sentBefore = tg.sent.length;
    expect((await tg.userSends(bot.token, { id: ADA_CHAT }, `/start ${code}`, 'wrong-secret')).status).toBe(401);
    expect((await tg.userSends(bot.token, { id: ADA_CHAT }, `/start ${code}`, '')).status).toBe(401);
    // Another path id with the right secret is refused too.
    const hook = tg.webhookOf(bot.token)!;
    const other = await t.app.inject({ method: 'POST', url: '/v1/telegram/tgnotthisone', headers: { 'x-telegram-bot-api-secret-token': hook.secret! }, payload: { update_id: 1, message: { message_id: 1, chat: { id: ADA_CHAT, type: 'private' }, text: `/start ${code}` } } });
    expect(other.statusCode).toBe(401);
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods).toEqual([]);
    expect(tg.sent).toHaveLength(sentBefore);
    // The code was not spent: it still links.
    expect((await tg.userSends(bot.token, { id: ADA_CHAT }, `/start ${code}`)).status).toBe(200);
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods).toHaveLength(1);
  });

  it('a chat that blocked the bot is removed and the page moves to the next method', async () => {
    const ada = await addUser(t, 'Ada');
    await setUpBot();
    const cm = await linkAda(ada);
    const backup = await addContact(t, ada, 'ntfy', `${ntfy.url}/ada-pager`);
    // Ada's rule pages Telegram only; ntfy is her verified fallback.
    expect((await api('POST', `/api/v1/users/${ada}/notification_rules`, { notification_rule: { start_delay_in_minutes: 0, contact_method: { id: cm.id, type: 'contact_method_reference' }, urgency: 'high' } })).statusCode).toBe(201);
    expect(backup).toBeTruthy();
    tg.block(ADA_CHAT);
    const inc = await pageAda(ada);
    const rows = await notificationsOf(t.db.handle.db, inc.id);
    expect(rows.find((r) => r.channel === 'telegram')).toMatchObject({ status: 'failed', last_error: 'telegram_blocked' });
    // The next method was paged at once.
    expect(ntfy.messages).toHaveLength(1);
    expect(ntfy.messages[0]!.title).toMatch(/^#1 TRIGGERED/);
    const summaries = (await timelineOf(t.db.handle.db, inc.id)).map((e) => e.summary);
    expect(summaries).toContain('Delivery to Ada by Telegram (Telegram (@ada_l)) failed: telegram_blocked (the contact method was removed)');
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods.map((m: any) => m.type)).toEqual(['ntfy_contact_method']);
  });

  it('a button pressed after its token expired answers so and does nothing; a new link code replaces the unused one', async () => {
    const ada = await addUser(t, 'Ada');
    await setUpBot();
    const first = (await api('POST', `/api/v1/users/${ada}/telegram_link`)).json().telegram_link;
    await linkAda(ada);
    // linkAda asked for a second code: the first one no longer links anything.
    await tg.userSends(bot.token, { id: 888 }, `/start ${first.code}`);
    expect(tg.sent.at(-1)).toMatchObject({ chat_id: 888, text: expect.stringMatching(/^This code is not valid/) });
    // Before anyone is linked the bot speaks the organization's language.
    expect((await api('PUT', '/api/v1/organization', { organization: { default_locale: 'fr-FR' } })).statusCode).toBe(200);
    await tg.userSends(bot.token, { id: 888 }, `/start ${first.code}`);
    expect(tg.sent.at(-1)).toMatchObject({ chat_id: 888, text: expect.stringMatching(/^Ce code n’est pas valide, a déjà servi ou a expiré/) });
    expect((await api('PUT', '/api/v1/organization', { organization: { default_locale: 'en-US' } })).statusCode).toBe(200);
    const inc = await pageAda(ada);
    const page = tg.sent.at(-1)!;
    clock.advance(24 * 3_600_000 + 60_000);
    const pressed = await tg.press(bot.token, page, page.params.reply_markup.inline_keyboard[0][0].callback_data);
    expect(pressed.status).toBe(200);
    expect(tg.answers.at(-1)).toMatchObject({ callback_query_id: pressed.queryId, text: 'This button can no longer be used (expired).', show_alert: true });
    expect((await incident(t)).status).toBe('triggered');
    expect(page.edits).toEqual([]);
    expect((await timelineOf(t.db.handle.db, inc.id)).some((e) => e.type === 'acknowledge_log_entry')).toBe(false);
  });

  it('a plaintext bot row (written before sealing, or with an old key) is sealed at start-up and still works', async () => {
    await setUpBot();
    const db = t.db.handle.db;
    await db.updateTable('telegram_bots').set({ bot_token: bot.token, webhook_secret: 'plain-secret' }).execute();
    expect(await resealTelegramBots(db)).toBe(1);
    expect(await resealTelegramBots(db)).toBe(0);
    const row = await db.selectFrom('telegram_bots').selectAll().executeTakeFirstOrThrow();
    expect(row.bot_token).toMatch(/^vsec1\./);
    expect(row.bot_token).not.toContain(bot.token.split(':')[1]);
    // Still the same bot: the webhook accepts the (old) secret, and the token still calls Telegram.
    expect((await t.app.inject({ method: 'POST', url: `/v1/telegram/${row.id}`, headers: { 'x-telegram-bot-api-secret-token': 'plain-secret' }, payload: { update_id: 1 } })).statusCode).toBe(200);
    expect((await api('POST', '/api/v1/telegram_bot/set_webhook')).statusCode).toBe(200);
  });

  it("a 429 is retried after Telegram's retry_after, then delivered", async () => {
    const ada = await addUser(t, 'Ada');
    await setUpBot();
    await linkAda(ada);
    const before = tg.sent.length;
    tg.floodNext(600);
    const inc = await pageAda(ada);
    const [row] = await notificationsOf(t.db.handle.db, inc.id);
    expect(row).toMatchObject({ channel: 'telegram', status: 'pending', last_error: 'telegram_rate_limited', next_attempt_at: clock.now() + 600_000 });
    expect((await timelineOf(t.db.handle.db, inc.id)).map((e) => e.summary)).toContain('Could not reach Ada by Telegram (Telegram (@ada_l)) yet (telegram_rate_limited); retrying');
    clock.advance(599_000);
    await run();
    expect(tg.sent).toHaveLength(before);
    clock.advance(1_000);
    await run();
    expect(tg.sent).toHaveLength(before + 1);
    expect((await notificationsOf(t.db.handle.db, inc.id))[0]).toMatchObject({ status: 'sent' });
  });

  it('only admins set the bot; a bad or refused token is a 400 naming it; low urgency is silent', async () => {
    const ada = await addUser(t, 'Ada');
    const tok = await api('POST', '/api/v1/api_tokens', { api_token: { description: 'ada', user: { id: ada, type: 'user_reference' } } });
    expect(tok.statusCode, tok.body).toBe(201);
    const adaAuth = { authorization: `Bearer ${tok.json().api_token.token}` };
    expect((await api('PUT', '/api/v1/telegram_bot', { telegram_bot: { bot_token: bot.token } }, adaAuth)).statusCode).toBe(403);
    expect((await api('GET', '/api/v1/telegram_bot', undefined, adaAuth)).statusCode).toBe(403);
    expect((await api('POST', '/api/v1/telegram_bot/set_webhook', undefined, adaAuth)).statusCode).toBe(403);
    expect(await t.db.handle.db.selectFrom('telegram_bots').selectAll().execute()).toEqual([]);
    // Without a bot there is no code to ask for.
    expect((await api('POST', `/api/v1/users/${ada}/telegram_link`)).json().error.errors[0]).toMatch(/no Telegram bot is configured/);
    expect((await api('PUT', '/api/v1/telegram_bot', { telegram_bot: { api_base_url: tg.apiBaseUrl } })).json().error.errors[0]).toBe('telegram_bot.bot_token is required');
    // A well-formed token Telegram does not know: set_webhook answers 400 naming it.
    expect((await api('PUT', '/api/v1/telegram_bot', { telegram_bot: { bot_token: `${bot.id}:AAHnotthetokennotthetoken`, api_base_url: tg.apiBaseUrl } })).statusCode).toBe(200);
    const refused = await api('POST', '/api/v1/telegram_bot/set_webhook');
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.errors[0]).toMatch(/^telegram_bot\.bot_token: Telegram refused the token \(401 Unauthorized\)/);
    await setUpBot();
    await linkAda(ada);
    const svc = await serviceWithKey(t, 'events_v2', 'Catalogue');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    await t.app.inject({ method: 'PUT', url: `/api/v1/services/${svc.serviceId}`, headers: t.auth, payload: { service: { incident_urgency_rule: { type: 'constant', urgency: 'low' } } } });
    // Ada has no rules: every verified method is paged, for either urgency.
    await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'low' }) });
    await run();
    const page = tg.sent.at(-1)!;
    expect(page.text).toContain('low urgency');
    expect(page.params.disable_notification).toBe(true);
  });
});
