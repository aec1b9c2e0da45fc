import { describe, expect, it } from 'vitest';
import type { ChannelAdapter } from '../../src/server/notify/channel.js';
import { parseRetryAfter } from '../../src/server/notify/channels/http.js';
import { buildChannels, ChannelRegistry } from '../../src/server/notify/channels/registry.js';
import type { SmsProvider } from '../../src/server/notify/channels/sms/twilio.js';
import { message } from './helpers.js';

const smtp = { host: '127.0.0.1', port: 2525, secure: false, from: 'vigil@example.org' };
const twilio = { accountSid: 'AC1', authToken: 't', from: '+15005550006' };

describe('buildChannels', () => {
  it('has the HTTP channels always, and email/SMS/voice/push only when their provider is configured', () => {
    expect(buildChannels().types().sort()).toEqual(['discord', 'matrix', 'ntfy', 'slack', 'teams', 'telegram', 'webhook']);
    expect(buildChannels({ smtp }).types().sort()).toEqual(['discord', 'email', 'matrix', 'ntfy', 'slack', 'teams', 'telegram', 'webhook']);
    expect(buildChannels({ smtp, twilio }).types().sort()).toEqual(['discord', 'email', 'matrix', 'ntfy', 'slack', 'sms', 'teams', 'telegram', 'voice', 'webhook']);
    expect(buildChannels({ push: { subject: 'mailto:ops@example.org', baseUrl: 'https://vigil.example.org' } }).types().sort()).toEqual(['discord', 'matrix', 'ntfy', 'push', 'slack', 'teams', 'telegram', 'webhook']);
  });

  it('maps each type to the adapter of that type', () => {
    const reg = buildChannels({ smtp, twilio });
    for (const t of reg.types()) expect(reg.get(t)?.type).toBe(t);
  });

  it('delivering to an unconfigured type is permanent, so the page moves on', async () => {
    expect(await buildChannels().deliver('sms', { address: '+14155550100' }, message())).toMatchObject({ kind: 'permanent', reason: 'channel_not_configured' });
    expect(await buildChannels().deliver('pigeon', { address: 'roof' }, message())).toMatchObject({ kind: 'permanent', reason: 'channel_not_configured' });
  });

  it('passes the configured fetch to every HTTP channel, Twilio included', async () => {
    const urls: string[] = [];
    const stub = (async (input: string | URL | Request) => {
      urls.push(String(input));
      return new Response(JSON.stringify({ sid: 'SM1' }), { status: 201 });
    }) as typeof fetch;
    const reg = buildChannels({ twilio, fetch: stub });
    expect(await reg.deliver('webhook', { address: 'https://hooks.example/a' }, message())).toEqual({ kind: 'sent' });
    expect(await reg.deliver('slack', { address: 'https://hooks.slack.example/b' }, message())).toEqual({ kind: 'sent' });
    expect(await reg.deliver('sms', { address: '+14155550100' }, message())).toEqual({ kind: 'sent', providerId: 'SM1' });
    expect(urls).toEqual(['https://hooks.example/a', 'https://hooks.slack.example/b', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json']);
  });

  it('uses another SMS provider when given one', async () => {
    const texts: string[] = [];
    const smsProvider: SmsProvider = {
      sendSms: async (_to, body) => (texts.push(body), { kind: 'sent', providerId: 'x1' }),
      call: async () => ({ kind: 'permanent', reason: 'no_voice' }),
    };
    const reg = buildChannels({ smsProvider });
    expect(await reg.deliver('sms', { address: '+14155550100' }, message())).toEqual({ kind: 'sent', providerId: 'x1' });
    expect(await reg.deliver('voice', { address: '+14155550100' }, message())).toEqual({ kind: 'permanent', reason: 'no_voice' });
    expect(texts).toHaveLength(1);
  });

  it('an adapter that throws (a bug) yields a retryable result, not an exception', async () => {
    const broken: ChannelAdapter = {
      type: 'webhook',
      send: async () => {
        throw new Error('boom');
      },
    };
    expect(await new ChannelRegistry([broken]).deliver('webhook', { address: 'x' }, message())).toEqual({ kind: 'retryable', reason: 'adapter_error', detail: 'boom' });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T10:00:00Z');
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Sun, 01 Mar 2026 10:00:30 GMT', 30_000],
    ['Sun, 01 Mar 2026 09:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['', undefined],
  ] as const)('%j → %s', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
  it('absent header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
