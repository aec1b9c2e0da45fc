/**
 * Issue 14 item 9: two-factor authentication (TOTP, RFC 6238, with recovery codes).
 *
 * The codes these tests type are made by an implementation written here, from RFC 4226
 * (HMAC, dynamic truncation) and RFC 6238 (time steps), on node:crypto, sharing no code
 * with the server's account/totp.ts; it is first checked against RFC 6238 Appendix B.
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLink, setPassword } from '../../src/server/account/account.service.js';
import { hotp as serverHotp } from '../../src/server/account/totp.js';
import { DIALECTS, createTestApp, manualClock, type TestApp } from '../harness.js';
import { member, req, type Json } from '../api/helpers.js';
import { PASSWORD, mailbox, ownerWithPassword, signIn, smtpConfig, type Browser } from '../web/helpers.js';

// ---- An independent TOTP, from the RFCs ----
function refBase32(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...s.toUpperCase()].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const out: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
function refHotp(key: Buffer, counter: number, digits: number, algorithm = 'sha1'): string {
  const c = Buffer.alloc(8);
  c.writeUInt32BE(Math.floor(counter / 2 ** 32), 0);
  c.writeUInt32BE(counter % 2 ** 32, 4);
  const h = createHmac(algorithm, key).update(c).digest();
  const o = h[h.length - 1]! & 0xf;
  const code = (h.readUInt32BE(o) & 0x7fffffff) % 10 ** digits;
  return code.toString().padStart(digits, '0');
}
const refTotp = (key: Buffer, unixSeconds: number, digits = 6, algorithm = 'sha1') => refHotp(key, Math.floor(unixSeconds / 30), digits, algorithm);
const codeAt = (secret: string, ms: number, stepOffset = 0) => refTotp(refBase32(secret), Math.floor(ms / 1000) + stepOffset * 30);

describe('TOTP against RFC 6238 Appendix B', () => {
  const keys = { sha1: Buffer.from('12345678901234567890'), sha256: Buffer.from('12345678901234567890123456789012'), sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234') };
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(vectors)('T=%i', (t, sha1, sha256, sha512) => {
    expect(refTotp(keys.sha1, t, 8)).toBe(sha1);
    expect(refTotp(keys.sha256, t, 8, 'sha256')).toBe(sha256);
    expect(refTotp(keys.sha512, t, 8, 'sha512')).toBe(sha512);
    // The server's HOTP (SHA-1) agrees.
    expect(serverHotp(keys.sha1, Math.floor(t / 30), 8)).toBe(sha1);
  });
});

for (const dialect of DIALECTS) {
  describe(`two-factor authentication [${dialect}]`, () => {
    let t: TestApp;
    let box: Awaited<ReturnType<typeof mailbox>> | undefined;
    afterEach(async () => {
      await t?.close();
      await box?.close();
      box = undefined;
    });

    const post = (url: string, payload: unknown, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') => t.app.inject({ method: 'POST', url, payload: payload as Json, headers, remoteAddress });
    const passwordStep = (email = 'owner@harbor.example', remoteAddress = '127.0.0.1') => post('/api/v1/session', { email, password: PASSWORD }, {}, remoteAddress);
    const secondStep = (body: Json, remoteAddress = '127.0.0.1') => post('/api/v1/session/two_factor', body, {}, remoteAddress);
    async function enrol(b: Browser | Record<string, string>, clock: { now(): number }): Promise<{ secret: string; codes: string[] }> {
      const headers = 'headers' in b ? (b as Browser).headers(true) : (b as Record<string, string>);
      const s = await post('/api/v1/session/two_factor/enrolment', undefined, headers);
      expect(s.statusCode, s.body).toBe(201);
      const secret = s.json().enrolment.secret as string;
      const c = await post('/api/v1/session/two_factor/enrolment/confirm', { code: codeAt(secret, clock.now()) }, headers);
      expect(c.statusCode, c.body).toBe(200);
      return { secret, codes: c.json().recovery_codes };
    }
    const auditActions = async () => ((await req(t, 'GET', '/api/v1/audit_log?limit=100')).json().audit_log as Json[]).map((e) => `${e.action} ${e.resource ?? ''}`);

    it('enrol → confirm → sign-in needs a code; wrong codes refused and throttled; replay refused; recovery codes work once; disable', { timeout: 120_000 }, async () => {
      const clock = manualClock('2026-03-02T09:00:10Z');
      t = await createTestApp(dialect, { clock });
      await ownerWithPassword(t);
      const b = await signIn(t);

      // Enrolment: a 160-bit secret and its otpauth URI, shown once; sealed at rest.
      const start = await post('/api/v1/session/two_factor/enrolment', undefined, b.headers(true));
      expect(start.statusCode, start.body).toBe(201);
      const { secret, otpauth_uri } = start.json().enrolment as { secret: string; otpauth_uri: string };
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(refBase32(secret)).toHaveLength(20);
      expect(otpauth_uri).toBe(`otpauth://totp/Vigil:owner%40harbor.example?secret=${secret}&issuer=Vigil`);
      const row = await t.db.handle.db.selectFrom('user_two_factor').selectAll().executeTakeFirstOrThrow();
      expect(row.secret.startsWith('vsec1.')).toBe(true);
      expect(row.secret).not.toContain(secret);
      // Not active until confirmed: the password alone still signs in.
      expect((await passwordStep()).json().session).toBeDefined();
      expect((await req(t, 'GET', '/api/v1/session/two_factor', undefined, b.headers())).json().two_factor).toMatchObject({ active: false, pending: true });

      const wrong = await post('/api/v1/session/two_factor/enrolment/confirm', { code: '000000' === codeAt(secret, clock.now()) ? '111111' : '000000' }, b.headers(true));
      expect(wrong.statusCode).toBe(401);
      const confirm = await post('/api/v1/session/two_factor/enrolment/confirm', { code: codeAt(secret, clock.now()) }, b.headers(true));
      expect(confirm.statusCode, confirm.body).toBe(200);
      const codes = confirm.json().recovery_codes as string[];
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      const hashes = (await t.db.handle.db.selectFrom('two_factor_recovery_codes').select('code_hash').execute()).map((r) => r.code_hash);
      expect(hashes).toHaveLength(10);
      for (const c of codes) expect(hashes.join(' ')).not.toContain(c.replace(/-/g, ''));
      expect((await req(t, 'GET', '/api/v1/session/two_factor', undefined, b.headers())).json().two_factor).toEqual({ active: true, pending: false, recovery_codes_left: 10, required: false });

      // The password now yields a ticket, not a session.
      const p1 = await passwordStep();
      expect(p1.statusCode).toBe(200);
      expect(p1.json().session).toBeUndefined();
      expect(p1.headers['set-cookie']).toBeUndefined();
      const ticket = p1.json().two_factor.ticket as string;
      // A wrong code, then the code already used to confirm in this step (replay): both refused.
      const bad = await secondStep({ ticket, code: codeAt(secret, clock.now(), 5) });
      expect(bad.statusCode).toBe(401);
      const replay = await secondStep({ ticket, code: codeAt(secret, clock.now()) });
      expect(replay.statusCode).toBe(401);
      expect(replay.json().error.errors.join(' ')).toMatch(/already used/);
      // Thirty seconds on, the previous step's code is still a replay; the next step's is accepted (±1 step).
      clock.advance(30_000);
      expect((await secondStep({ ticket, code: codeAt(secret, clock.now(), -1) })).statusCode).toBe(401);
      const ok = await secondStep({ ticket, code: codeAt(secret, clock.now(), 1) });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(String(ok.headers['set-cookie'])).toMatch(/^vigil_session=/);
      expect(ok.json().session.user.email).toBe('owner@harbor.example');
      // The ticket is single-use.
      clock.advance(60_000);
      expect((await secondStep({ ticket, code: codeAt(secret, clock.now()) })).statusCode).toBe(401);

      // A recovery code works once.
      const p2 = await passwordStep();
      const rec = await secondStep({ ticket: p2.json().two_factor.ticket, recovery_code: codes[3]!.toUpperCase() });
      expect(rec.statusCode, rec.body).toBe(200);
      const p3 = await passwordStep();
      expect((await secondStep({ ticket: p3.json().two_factor.ticket, recovery_code: codes[3]! })).statusCode).toBe(401);
      expect((await req(t, 'GET', '/api/v1/session/two_factor')).json().two_factor.recovery_codes_left).toBe(9);

      // Wrong codes count toward the sign-in throttle: 10 from one address close it for this account.
      const attacker = '203.0.113.66';
      let failures = 0;
      while (failures < 10) {
        const tk = (await passwordStep('owner@harbor.example', attacker)).json().two_factor.ticket as string;
        for (let i = 0; i < 5 && failures < 10; i++, failures++) expect((await secondStep({ ticket: tk, code: codeAt(secret, clock.now(), 7) }, attacker)).statusCode).toBe(401);
        // A ticket takes 5 wrong codes, then is dead even for the right one.
        if (failures === 5) expect((await secondStep({ ticket: tk, code: codeAt(secret, clock.now()) }, attacker)).statusCode).toBe(401);
      }
      expect((await passwordStep('owner@harbor.example', attacker)).statusCode).toBe(429);
      // Another address is not refused.
      const p4 = await passwordStep();
      expect(p4.statusCode).toBe(200);
      clock.advance(30_000);
      expect((await secondStep({ ticket: p4.json().two_factor.ticket, code: codeAt(secret, clock.now()) })).statusCode).toBe(200);

      // Disabling needs the password and a code.
      const b2 = await signIn(t).catch(() => null);
      expect(b2).toBeNull(); // the helper expects a session: the password alone no longer gives one
      clock.advance(30_000);
      expect((await post('/api/v1/session/two_factor/disable', { password: 'not the password', code: codeAt(secret, clock.now()) }, b.headers(true))).statusCode).toBe(401);
      expect((await post('/api/v1/session/two_factor/disable', { password: PASSWORD }, b.headers(true))).statusCode).toBe(400);
      const off = await post('/api/v1/session/two_factor/disable', { password: PASSWORD, recovery_code: codes[0] }, b.headers(true));
      expect(off.statusCode, off.body).toBe(204);
      expect((await passwordStep()).json().session).toBeDefined();
      expect(await t.db.handle.db.selectFrom('two_factor_recovery_codes').selectAll().execute()).toHaveLength(0);

      const actions = await auditActions();
      expect(actions).toEqual(expect.arrayContaining([expect.stringMatching(/^two_factor\.enable /), expect.stringMatching(/^two_factor\.recovery_code_use /), expect.stringMatching(/^two_factor\.disable /)]));
    });

    it('a password reset link ends at the second step too: the link proves the mailbox, not the factor', async () => {
      const clock = manualClock('2026-03-02T09:00:10Z');
      t = await createTestApp(dialect, { clock });
      await ownerWithPassword(t);
      const { secret } = await enrol(await signIn(t), clock);
      const { token } = await createLink(t.db.handle.db, clock, t.org.org.id, t.org.user.id, 'reset', null);
      const r = await post('/api/v1/account_links/redeem', { token, password: 'a brand new passphrase' });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().session).toBeUndefined();
      expect(r.headers['set-cookie']).toBeUndefined();
      clock.advance(30_000);
      const s = await secondStep({ ticket: r.json().two_factor.ticket, code: codeAt(secret, clock.now()) });
      expect(s.statusCode, s.body).toBe(200);
      expect(s.json().session.user.id).toBe(t.org.user.id);
    });

    it('the policy holds admins without 2FA to enrolment; an owner resets an admin’s 2FA; a responder cannot; an admin cannot reset an owner’s', { timeout: 120_000 }, async () => {
      const clock = manualClock('2026-03-02T09:00:10Z');
      box = await mailbox();
      t = await createTestApp(dialect, { clock, config: smtpConfig(box.port) });
      const admin = await member(t, 'admin');
      const responder = await member(t, 'responder');
      await setPassword(t.db.handle.db, clock, t.org.org.id, admin.user.id as string, PASSWORD, t.deps.config.passwordCost);
      const adminBrowser = await signIn(t, admin.user.email as string);

      // Only an owner sets the policy; only owner and admin may be named.
      const body = { two_factor_policy: { require_two_factor_for: ['owner', 'admin'] } };
      expect((await req(t, 'PUT', '/api/v1/organization/two_factor_policy', body, admin.auth)).statusCode).toBe(403);
      const badRole = await req(t, 'PUT', '/api/v1/organization/two_factor_policy', { two_factor_policy: { require_two_factor_for: ['responder'] } });
      expect(badRole.statusCode).toBe(400);
      expect(badRole.body).toMatch(/require_two_factor_for/);
      const set = await req(t, 'PUT', '/api/v1/organization/two_factor_policy', body);
      expect(set.statusCode, set.body).toBe(200);
      expect(set.json().two_factor_policy.require_two_factor_for).toEqual(['owner', 'admin']);

      // The admin's session reaches enrolment only; their API token is unaffected.
      const held = await req(t, 'GET', '/api/v1/services', undefined, adminBrowser.headers());
      expect(held.statusCode).toBe(403);
      expect(held.json().error.errors.join(' ')).toMatch(/two-factor enrolment/);
      const who = await req(t, 'GET', '/api/v1/session', undefined, adminBrowser.headers());
      expect(who.statusCode).toBe(200);
      expect(who.json().session.two_factor_enrolment_required).toBe(true);
      expect((await req(t, 'GET', '/api/v1/session/two_factor', undefined, adminBrowser.headers())).json().two_factor).toMatchObject({ active: false, required: true });
      expect((await req(t, 'GET', '/api/v1/services', undefined, admin.auth)).statusCode).toBe(200);
      // A responder is not held.
      expect((await req(t, 'GET', '/api/v1/services', undefined, responder.auth)).statusCode).toBe(200);

      const { secret: adminSecret } = await enrol(adminBrowser, clock);
      expect((await req(t, 'GET', '/api/v1/services', undefined, adminBrowser.headers())).statusCode).toBe(200);
      expect((await req(t, 'GET', '/api/v1/session', undefined, adminBrowser.headers())).json().session.two_factor_enrolment_required).toBe(false);
      const adminSignIn = await passwordStep(admin.user.email as string);
      expect(adminSignIn.json().two_factor.ticket).toBeTruthy();
      clock.advance(30_000);
      expect((await secondStep({ ticket: adminSignIn.json().two_factor.ticket, code: codeAt(adminSecret, clock.now()) })).statusCode).toBe(200);

      // The owner enrols too, from a browser: an API token cannot turn 2FA on (or off).
      expect((await post('/api/v1/session/two_factor/enrolment', undefined, t.auth)).statusCode).toBe(403);
      await ownerWithPassword(t);
      const ownerBrowser = await signIn(t);
      expect((await req(t, 'GET', '/api/v1/services', undefined, ownerBrowser.headers())).statusCode).toBe(403);
      clock.advance(30_000);
      await enrol(ownerBrowser, clock);
      expect((await req(t, 'GET', '/api/v1/services', undefined, ownerBrowser.headers())).statusCode).toBe(200);

      // Resets: a responder cannot touch an admin's; an admin cannot touch an owner's; an owner resets the admin's.
      expect((await req(t, 'DELETE', `/api/v1/users/${admin.user.id}/two_factor`, undefined, responder.auth)).statusCode).toBe(403);
      const up = await req(t, 'DELETE', `/api/v1/users/${t.org.user.id}/two_factor`, undefined, admin.auth);
      expect(up.statusCode).toBe(403);
      expect(up.body).toMatch(/above their own role/);
      const reset = await req(t, 'DELETE', `/api/v1/users/${admin.user.id}/two_factor`);
      expect(reset.statusCode, reset.body).toBe(204);
      const mail = await box.next();
      expect(mail.subject).toMatch(/Two-factor authentication removed/);
      expect(String((mail.to as { text: string }).text)).toContain(admin.user.email as string);
      expect(mail.text).toContain('Olive Owner');
      // Nothing left to reset; and the admin is held to enrolment again.
      expect((await req(t, 'DELETE', `/api/v1/users/${admin.user.id}/two_factor`)).statusCode).toBe(404);
      expect((await req(t, 'GET', '/api/v1/services', undefined, adminBrowser.headers())).statusCode).toBe(403);
      expect((await passwordStep(admin.user.email as string)).json().session).toBeDefined();

      const actions = await auditActions();
      expect(actions).toEqual(expect.arrayContaining([`two_factor.policy owner,admin organization`, `two_factor.enable users/${admin.user.id}`, `two_factor.enable users/${t.org.user.id}`, `two_factor.reset admin users/${admin.user.id}`]));
    });
  });
}
