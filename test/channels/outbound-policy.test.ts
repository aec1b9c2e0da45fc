/**
 * The outbound address policy (issue 14 item 3). Without VIGIL_OUTBOUND_ALLOW the
 * channels refuse every non-public address after resolving the name, never connect to
 * it, and say "blocked by the outbound policy" without the address or port. Real HTTP
 * servers on loopback play the internal targets an attacker would aim at.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboundPolicy } from '../../src/server/lib/outbound-policy.js';
import { SlackChannel } from '../../src/server/notify/channels/slack/slack.js';
import { TwilioProvider } from '../../src/server/notify/channels/sms/twilio.js';
import { WebhookChannel } from '../../src/server/notify/channels/webhook/webhook.js';
import { message, reply, startServer, type TestServer } from './helpers.js';

const BLOCKED = { kind: 'permanent', reason: 'outbound_blocked', detail: 'blocked by the outbound policy' };

describe('OutboundPolicy.allowsAddress (default: public unicast only)', () => {
  const strict = new OutboundPolicy();
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '169.254.169.254',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.251',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fd12:3456::1',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
  ])('refuses %s', (ip) => {
    expect(strict.allowsAddress(ip)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (ip) => {
    expect(strict.allowsAddress(ip)).toBe(true);
  });

  it('VIGIL_OUTBOUND_ALLOW opens CIDRs, single addresses and host names, and nothing else', () => {
    const p = OutboundPolicy.fromList(' 10.1.0.0/16, ::1 ,hooks.internal');
    expect(p.allowsAddress('10.1.200.3')).toBe(true);
    expect(p.allowsAddress('10.2.0.1')).toBe(false);
    expect(p.allowsAddress('::1')).toBe(true);
    expect(p.allowsAddress('127.0.0.1')).toBe(false);
    expect(p.allowsAddress('192.168.0.9', 'hooks.internal')).toBe(true);
    expect(p.allowsAddress('192.168.0.9', 'other.internal')).toBe(false);
    expect(() => OutboundPolicy.fromList('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => OutboundPolicy.fromList('http://x/')).toThrow(/VIGIL_OUTBOUND_ALLOW/);
  });

  it('checks every address a name resolves to and pins the one it checked', async () => {
    expect(await new OutboundPolicy().resolve('localhost')).toEqual({ ok: false, blocked: true });
    const allowed = await OutboundPolicy.fromList('localhost').resolve('localhost');
    expect(allowed).toMatchObject({ ok: true });
    expect(['127.0.0.1', '::1']).toContain((allowed as { address: string }).address);
  });
});

describe('channels under the default policy', () => {
  const servers: TestServer[] = [];
  const other: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await Promise.all(other.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  const serve = async () => {
    const s = await startServer(reply(200, 'ok'));
    servers.push(s);
    return s;
  };
  const webhook = new WebhookChannel({ timeoutMs: 1000 });

  it('a webhook to 127.0.0.1 is blocked before any connection, with no port in the answer', async () => {
    const s = await serve();
    const result = await webhook.send({ address: `${s.url}/hook`, secrets: ['s'] }, message());
    expect(result).toEqual(BLOCKED);
    expect(JSON.stringify(result)).not.toContain(String(s.port));
    expect(s.received).toHaveLength(0);
  });

  it('a webhook to [::1] is blocked', async () => {
    const server = http.createServer((_q, r) => r.end('ok'));
    let v6 = true;
    await new Promise<void>((resolve) => {
      server.once('error', () => {
        v6 = false;
        resolve();
      });
      server.listen(0, '::1', resolve);
    });
    const port = v6 ? (server.address() as AddressInfo).port : 9;
    if (v6) other.push(server);
    let hits = 0;
    server.on('request', () => hits++);
    expect(await webhook.send({ address: `http://[::1]:${port}/hook` }, message())).toEqual(BLOCKED);
    expect(hits).toBe(0);
  });

  it('a host name that resolves to loopback (localhost) is blocked', async () => {
    const s = await serve();
    expect(await webhook.send({ address: `http://localhost:${s.port}/hook` }, message())).toEqual(BLOCKED);
    expect(s.received).toHaveLength(0);
  });

  it.each(['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1:8080/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/', 'http://2130706433/'])('%s is blocked', async (address) => {
    expect(await webhook.send({ address }, message())).toEqual(BLOCKED);
  });

  it('Slack and Twilio go through the same policy', async () => {
    const s = await serve();
    expect(await new SlackChannel({ timeoutMs: 1000 }).send({ address: `${s.url}/services/T/B/x` }, message())).toEqual(BLOCKED);
    const twilio = new TwilioProvider({ accountSid: 'AC1', authToken: 't', from: '+15005550006', baseUrl: s.url, timeoutMs: 1000 });
    const sms = await twilio.sendSms('+14155550100', 'hello');
    expect(sms).toMatchObject({ kind: 'permanent', reason: 'outbound_blocked' });
    expect(s.received).toHaveLength(0);
  });

  it('a redirect to loopback is never followed, even from an allowed receiver', async () => {
    // The target the redirect names: another loopback address, not in the allow list.
    const inner = http.createServer((_q, r) => r.end('secret'));
    let innerHits = 0;
    inner.on('request', () => innerHits++);
    await new Promise<void>((resolve) => inner.listen(0, '127.0.0.2', resolve));
    other.push(inner);
    const innerPort = (inner.address() as AddressInfo).port;
    const outer = await startServer(reply(302, '', { location: `http://127.0.0.2:${innerPort}/admin` }));
    servers.push(outer);
    const allowOuterOnly = new WebhookChannel({ policy: OutboundPolicy.fromList('127.0.0.1'), timeoutMs: 1000 });
    const result = await allowOuterOnly.send({ address: `${outer.url}/hook` }, message());
    expect(result).toMatchObject({ kind: 'permanent', reason: 'http_302' });
    expect(outer.received).toHaveLength(1);
    expect(innerHits).toBe(0);
    // And the inner address itself is refused by that policy.
    expect(await allowOuterOnly.send({ address: `http://127.0.0.2:${innerPort}/admin` }, message())).toEqual(BLOCKED);
  });

  it('an allowed internal target is reached (VIGIL_OUTBOUND_ALLOW)', async () => {
    const s = await serve();
    expect(await new WebhookChannel({ policy: OutboundPolicy.fromList('127.0.0.0/8'), timeoutMs: 1000 }).send({ address: `${s.url}/hook` }, message())).toEqual({ kind: 'sent' });
    expect(s.received).toHaveLength(1);
  });
});
