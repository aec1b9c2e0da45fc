/**
 * Issue 14 item 4: sign-in throttles behind a proxy. Before the fix there was no
 * trusted-proxy setting, so behind the TLS proxy every client had the proxy's address:
 * 10 wrong passwords locked one member out for everyone, and 50 locked out the instance.
 * Now VIGIL_TRUST_PROXY names the proxies, failures count per (account, address), per
 * address, and per account (slowed, never refused).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { SignInThrottle } from '../../src/server/account/throttle.js';
import { loadConfig, parseTrustProxy } from '../../src/server/config/config.js';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { PASSWORD, ownerWithPassword } from '../web/helpers.js';

describe('VIGIL_TRUST_PROXY', () => {
  it('parses hop counts and address lists, and refuses what would trust any client', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('10.0.0.0/8, 192.168.1.7,fd00::/8, loopback')).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']);
    expect(() => parseTrustProxy('true')).toThrow(/any client/);
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(/VIGIL_TRUST_PROXY/);
    expect(() => parseTrustProxy('proxy.example')).toThrow(/VIGIL_TRUST_PROXY/);
    expect(loadConfig({ VIGIL_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({}).trustProxy).toBe(false);
  });

  it.each([
    // [setting, socket address, X-Forwarded-For, the client address Vigil sees]
    [false, '127.0.0.1', '203.0.113.9', '127.0.0.1'],
    [['127.0.0.1'], '127.0.0.1', '203.0.113.9', '203.0.113.9'],
    [['127.0.0.1'], '127.0.0.1', '198.51.100.1, 203.0.113.9', '203.0.113.9'],
    [['10.0.0.0/8'], '127.0.0.1', '203.0.113.9', '127.0.0.1'],
    [['10.0.0.0/8'], '10.1.2.3', '203.0.113.9', '203.0.113.9'],
    [1, '10.1.2.3', '198.51.100.1, 203.0.113.9', '203.0.113.9'],
    [2, '10.1.2.3', '198.51.100.1, 203.0.113.9', '198.51.100.1'],
  ] as const)('trustProxy %j: from %s with X-Forwarded-For %s the client is %s', async (trustProxy, remoteAddress, xff, expected) => {
    const t = await createTestApp('sqlite', { config: { trustProxy: trustProxy as false | number | string[] } });
    try {
      const app = await buildApp(t.deps, {
        logger: false,
        extraRoutes: [(a) => a.get('/test/ip', { config: { permission: 'public' } }, async (request) => ({ ip: request.ip }))],
      });
      const r = await app.inject({ method: 'GET', url: '/test/ip', remoteAddress, headers: { 'x-forwarded-for': xff } });
      expect(r.json()).toEqual({ ip: expected });
      await app.close();
    } finally {
      await t.close();
    }
  });
});

describe('SignInThrottle (pure)', () => {
  const limits = { perAccountAddress: 3, perAddress: 5, accountSlowAfter: 3, slowDelayMs: 700, windowMs: 60_000 };
  it('refuses an address, never the account: other addresses are only slowed', () => {
    const th = new SignInThrottle(limits);
    for (let i = 0; i < 3; i++) th.failed('Owner@x.example', '203.0.113.9', 1000);
    expect(th.decide('owner@x.example', '203.0.113.9', 1000)).toMatchObject({ kind: 'refuse', why: 'account_address' });
    expect(th.decide('owner@x.example', '198.51.100.1', 1000)).toEqual({ kind: 'try', delayMs: 700 });
    expect(th.decide('other@x.example', '203.0.113.9', 1000)).toEqual({ kind: 'try', delayMs: 0 });
    for (let i = 0; i < 2; i++) th.failed(`n${i}@x.example`, '203.0.113.9', 1000);
    expect(th.decide('other@x.example', '203.0.113.9', 1000)).toMatchObject({ kind: 'refuse', why: 'address', retryAfterSeconds: 60 });
    // The window passes.
    expect(th.decide('owner@x.example', '203.0.113.9', 61_001)).toEqual({ kind: 'try', delayMs: 0 });
  });
});

for (const dialect of DIALECTS) {
  describe(`sign-in throttles behind a proxy [${dialect}]`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());
    const signIn = (email: string, password: string, client: string, remoteAddress = '127.0.0.1') =>
      t.app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress, headers: { 'x-forwarded-for': client }, payload: { email, password } });

    it('through a trusted proxy: an attacker\'s failures block their address, never the right password from another', { timeout: 240_000 }, async () => {
      t = await createTestApp(dialect, { config: { trustProxy: ['127.0.0.1'] } });
      await ownerWithPassword(t);
      const attacker = '203.0.113.66';
      for (let i = 0; i < 10; i++) expect((await signIn('owner@harbor.example', `guess ${i} wrong!`, attacker)).statusCode).toBe(401);
      const refused = await signIn('owner@harbor.example', PASSWORD, attacker);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // The owner, from their own address behind the same proxy: slowed (the account is being guessed), not refused.
      const started = Date.now();
      const owner = await signIn('owner@harbor.example', PASSWORD, '198.51.100.7');
      expect(owner.statusCode, owner.body).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // 50 failures from one address (any emails) close that address, and only that address.
      for (let i = 10; i < 50; i++) expect((await signIn(`nobody${i}@harbor.example`, 'wrong password!', attacker)).statusCode).toBe(401);
      expect((await signIn('someone.else@harbor.example', 'whatever password', attacker)).statusCode).toBe(429);
      expect((await signIn('owner@harbor.example', PASSWORD, '192.0.2.44')).statusCode).toBe(200);
      // A client cannot escape by prepending its own X-Forwarded-For entry: the proxy appends the real one.
      expect((await signIn('owner@harbor.example', PASSWORD, `192.0.2.1, ${attacker}`)).statusCode).toBe(429);
    });

    it('through an untrusted proxy (or none): X-Forwarded-For is ignored, so spoofing it escapes nothing', { timeout: 240_000 }, async () => {
      t = await createTestApp(dialect, { config: { trustProxy: ['10.0.0.0/8'] } });
      await ownerWithPassword(t);
      // A client connecting directly from 172.16.5.5, not a trusted proxy, claims a new address each time.
      for (let i = 0; i < 50; i++) expect((await signIn(`nobody${i}@harbor.example`, 'wrong password!', `198.51.100.${i}`, '172.16.5.5')).statusCode).toBe(401);
      expect((await signIn('owner@harbor.example', PASSWORD, '198.51.100.200', '172.16.5.5')).statusCode).toBe(429);
      // Clients behind the trusted proxy are unaffected.
      expect((await signIn('owner@harbor.example', PASSWORD, '198.51.100.200', '10.0.0.2')).statusCode).toBe(200);
    });
  });
}
