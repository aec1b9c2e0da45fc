import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDiscordBody, DiscordChannel, parseDiscordWebhook } from '../../src/server/notify/channels/discord/discord.js';
import { normalizeDiscordAddress } from '../../src/server/notify/contact-channels.js';
import { closedPort, incident, message } from './helpers.js';
import { startFakeDiscord, type FakeDiscord } from './fake-discord.js';
import { localPolicy } from '../outbound-allow.js';

let discord: FakeDiscord;
beforeEach(async () => {
  discord = await startFakeDiscord();
});
afterEach(async () => {
  await discord.close();
});

const channel = new DiscordChannel({ policy: localPolicy, timeoutMs: 1_000 });

describe('DiscordChannel executing a channel webhook', () => {
  it('a page: content line, one embed with what/where/affected, Acknowledge/Resolve/Open links, no mentions, ?wait=true', async () => {
    const hook = discord.addWebhook();
    const r = await channel.send({ address: hook }, message({ incidents: [incident({ impactLine: 'About 40 people affected', title: 'Queue @everyone *down*' })] }));
    expect(r).toEqual({ kind: 'sent', providerId: discord.posts[0]!.id });
    const post = discord.posts[0]!;
    expect(post.query).toEqual({ wait: 'true' });
    expect(post.allowed_mentions).toEqual({ parse: [] });
    expect(post.content).toBe('🚨 Vigil #42 TRIGGERED: Queue \\@everyone \\*down\\*');
    const [embed] = post.embeds;
    expect(embed).toMatchObject({ title: '#42 TRIGGERED: Queue @everyone *down*', url: 'https://vigil.example.org/incidents/PINC042', color: 0xd83c3e });
    expect(embed!.fields).toEqual([
      { name: 'Service', value: 'Crisis chat', inline: true },
      { name: 'Urgency', value: 'high', inline: true },
      { name: 'Status', value: 'triggered', inline: true },
      { name: 'Affected', value: 'About 40 people affected' },
      { name: 'Assigned to', value: 'Ada' },
    ]);
    expect(embed!.description).toBe('[Acknowledge](https://vigil.example.org/a/ack-token-PINC042) · [Resolve](https://vigil.example.org/a/resolve-token-PINC042) · [Open #42](https://vigil.example.org/incidents/PINC042)');
  });

  it('acknowledged offers only Resolve and Open; a bundle lists each incident with its links; a verification code is plain content', () => {
    expect(buildDiscordBody(message({ incidents: [incident({ status: 'acknowledged' })] })).embeds[0]!.description).not.toContain('Acknowledge');
    const bundle = buildDiscordBody(message({ incidents: [incident({ id: 'A', number: 1 }), incident({ id: 'B', number: 2 })] }));
    expect(bundle.embeds[0]!.title).toBe('2 incidents TRIGGERED (Crisis chat)');
    expect(bundle.embeds[0]!.description).toContain('https://vigil.example.org/a/ack-token-B');
    const code = buildDiscordBody(message({ kind: 'verification', eventType: 'pagey.ping', incidents: [], code: '123456' }));
    expect(code.content).toContain('123456');
    expect(code.embeds).toEqual([]);
  });

  it('429 honours retry_after; Unknown Webhook is a gone destination; a wrong token is permanent; 400 carries Discord’s words', async () => {
    const hook = discord.addWebhook();
    discord.rateLimitNext(2.5);
    expect(await channel.send({ address: hook }, message())).toMatchObject({ kind: 'retryable', reason: 'http_429', retryAfterMs: 2500 });
    const wrong = hook.replace(/\/[^/]+$/, '/' + 'x'.repeat(68));
    expect(await channel.send({ address: wrong }, message())).toEqual({ kind: 'permanent', reason: 'discord_50027', detail: 'Invalid Webhook Token' });
    discord.deleteWebhook(hook);
    expect(await channel.send({ address: hook }, message())).toEqual({ kind: 'permanent', reason: 'discord_10015', destinationGone: true, detail: 'Unknown Webhook' });
    const other = discord.addWebhook();
    // Our limits are kept (a 2,000-character service name is cut to a field's 1,024)...
    expect(buildDiscordBody(message({ incidents: [incident({ service: { id: 'S', name: 'x'.repeat(2000) } })] })).embeds[0]!.fields![0]!.value).toHaveLength(1024);
    // ...and a body Discord refuses anyway fails for good with its words.
    discord.refuseNext();
    expect(await channel.send({ address: other }, message())).toMatchObject({ kind: 'permanent', reason: 'discord_50035', detail: 'Invalid Form Body' });
    expect(discord.posts).toHaveLength(0);
    expect(await channel.send({ address: `http://127.0.0.1:${await closedPort()}/api/webhooks/123456789012345678/${'t'.repeat(68)}` }, message())).toMatchObject({ kind: 'retryable', reason: 'connection_refused' });
  });

  it('addresses: Discord’s hosts and webhook path only (or a host the outbound policy names); thread_id kept', () => {
    const token = 'A'.repeat(68);
    const none = () => false;
    expect(normalizeDiscordAddress(`https://discord.com/api/webhooks/123456789012345678/${token}`, none)).toBe(`https://discord.com/api/webhooks/123456789012345678/${token}`);
    expect(normalizeDiscordAddress(`https://discordapp.com/api/v10/webhooks/123456789012345678/${token}?thread_id=223456789012345678`, none)).toContain('thread_id=223456789012345678');
    expect(typeof parseDiscordWebhook(`http://127.0.0.1:9/api/webhooks/123456789012345678/${token}`, (h) => localPolicy.namesHost(h))).not.toBe('string');
    for (const bad of [
      `https://evil.example/api/webhooks/123456789012345678/${token}`,
      `http://discord.com/api/webhooks/123456789012345678/${token}`,
      'https://discord.com/api/webhooks/123/short',
      `https://discord.com/channels/123456789012345678/${token}`,
      `https://discord.com/api/webhooks/123456789012345678/${token}?wait=false`,
      `http://127.0.0.1:9/api/webhooks/123456789012345678/${token}`,
      'not a url',
    ]) {
      let errors: string[] = [];
      try {
        normalizeDiscordAddress(bad, none);
      } catch (e) {
        errors = (e as { errors: string[] }).errors;
      }
      expect(errors.join(' '), bad).toMatch(/^contact_method\.address: /);
    }
  });
});
