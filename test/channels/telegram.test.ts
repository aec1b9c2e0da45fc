import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSendMessage, escapeHtml, TelegramChannel } from '../../src/server/notify/channels/telegram/telegram.js';
import { closedPort, incident, message } from './helpers.js';
import { parseTelegramHtml, startFakeTelegram, type FakeTelegram } from './fake-telegram.js';
import { localPolicy } from '../outbound-allow.js';

let tg: FakeTelegram;
let bot: { token: string; id: number };
const ADA = 5_550_001;
beforeEach(async () => {
  tg = await startFakeTelegram();
  bot = tg.addBot('vigil_harbor_bot');
  tg.startChat({ id: ADA, username: 'ada' });
});
afterEach(async () => {
  await tg.close();
});

const channel = new TelegramChannel({ policy: localPolicy, timeoutMs: 1_000 });
const ACK = 'A'.repeat(43);
const RES = 'R'.repeat(43);
const dest = (over: { token?: string; chat?: number } = {}) => ({ address: String(over.chat ?? ADA), telegram: { apiBaseUrl: tg.apiBaseUrl, token: over.token ?? bot.token } });

describe('TelegramChannel sending through the Bot API', () => {
  it('a high-urgency page: sendMessage in HTML with what, where and how many, Acknowledge/Resolve buttons carrying one token each, not silent', async () => {
    const msg = message({ incidents: [incident({ impactLine: 'About 40 people affected', chatActionToken: `${ACK}.${RES}` })] });
    const r = await channel.send(dest(), msg);
    expect(r).toEqual({ kind: 'sent', providerId: `${ADA}:${tg.sent[0]!.message_id}` });
    const m = tg.sent[0]!;
    expect(m.chat_id).toBe(ADA);
    expect(m.text.split('\n')).toEqual(['#42 TRIGGERED: Chat queue not answering', 'Crisis chat · high urgency · triggered', 'About 40 people affected', 'Assigned to Ada', 'Open #42 in Vigil']);
    expect(m.entities).toContainEqual({ type: 'bold', offset: 0, length: '#42 TRIGGERED: Chat queue not answering'.length });
    expect(m.entities).toContainEqual(expect.objectContaining({ type: 'text_link', url: 'https://vigil.example.org/incidents/PINC042' }));
    expect(m.params.parse_mode).toBe('HTML');
    expect(m.params.disable_notification).toBeUndefined();
    expect(m.params.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Acknowledge', callback_data: ACK }, { text: 'Resolve', callback_data: RES }]] });
  });

  it('low urgency is silent (disable_notification); an acknowledged incident offers only Resolve; a bundle has no buttons', () => {
    expect(buildSendMessage(String(ADA), message({ incidents: [incident({ urgency: 'low', chatActionToken: `${ACK}.${RES}` })] })).disable_notification).toBe(true);
    expect((buildSendMessage(String(ADA), message({ incidents: [incident({ status: 'acknowledged', chatActionToken: `${ACK}.${RES}` })] })).reply_markup as any).inline_keyboard).toEqual([[{ text: 'Resolve', callback_data: RES }]]);
    const bundle = buildSendMessage(String(ADA), message({ incidents: [incident({ chatActionToken: `${ACK}.${RES}` }), incident({ id: 'PINC043', number: 43, chatActionToken: 'x.y' })] }));
    expect(bundle.reply_markup).toBeUndefined();
    expect(String(bundle.text)).toContain('2 incidents TRIGGERED (Crisis chat)');
  });

  it('escapes what monitoring sends: tags and ampersands in a title arrive as text, not markup', async () => {
    const title = '<b>disk</b> & "queue" <script>alert(1)</script> &amp;';
    const r = await channel.send(dest(), message({ incidents: [incident({ title, service: { id: 'S', name: 'A&B <chat>' } })] }));
    expect(r.kind).toBe('sent');
    expect(tg.sent[0]!.text).toContain(`#42 TRIGGERED: ${title}`);
    expect(tg.sent[0]!.text).toContain('A&B <chat> · high urgency');
    expect(parseTelegramHtml(escapeHtml(title))).toEqual({ text: title, entities: [] });
  });

  it('a very long note is cut to fit 4096 characters', async () => {
    const r = await channel.send(dest(), message({ eventType: 'incident.annotated', note: { id: 'N', content: '<&>'.repeat(3000) } }));
    expect(r.kind).toBe('sent');
    expect(tg.sent[0]!.text.length).toBeLessThanOrEqual(4096);
  });

  it("Telegram's errors map to the contract: 429 retries after retry_after, blocked and unknown chats are gone, a wrong token is a credential problem", async () => {
    tg.floodNext(7);
    expect(await channel.send(dest(), message())).toMatchObject({ kind: 'retryable', reason: 'telegram_rate_limited', retryAfterMs: 7_000 });
    tg.block(ADA);
    expect(await channel.send(dest(), message())).toMatchObject({ kind: 'permanent', reason: 'telegram_blocked', destinationGone: true, detail: 'Forbidden: bot was blocked by the user' });
    expect(await channel.send(dest({ chat: 999 }), message())).toMatchObject({ kind: 'permanent', reason: 'telegram_chat_not_found', destinationGone: true });
    const wrong = await channel.send(dest({ token: `${bot.id}:AAHwrongwrongwrongwrongwrong` }), message());
    expect(wrong).toMatchObject({ kind: 'permanent', reason: 'telegram_unauthorized' });
    expect(wrong.kind === 'permanent' && wrong.destinationGone).toBeFalsy();
    expect(JSON.stringify(wrong)).not.toContain('wrongwrong');
    expect(await channel.send({ address: String(ADA) }, message())).toMatchObject({ kind: 'permanent', reason: 'telegram_not_configured' });
    const port = await closedPort();
    expect(await channel.send({ address: String(ADA), telegram: { apiBaseUrl: `http://127.0.0.1:${port}`, token: bot.token } }, message())).toMatchObject({ kind: 'retryable', reason: 'connection_refused' });
    expect(tg.sent).toHaveLength(0);
  });

  it('a self-hosted Bot API server under a path prefix is called at <base>/bot<token>/sendMessage', async () => {
    // The fake answers 404 for anything not at /bot<token>/<method>: a base with a path shows the URL is built from it.
    const r = await channel.send({ address: String(ADA), telegram: { apiBaseUrl: `${tg.apiBaseUrl}/prefix`, token: bot.token } }, message());
    expect(r).toMatchObject({ kind: 'permanent', reason: 'telegram_404' });
    expect(tg.received.at(-1)!.url).toBe(`/prefix/bot${bot.token}/sendMessage`);
  });
});
