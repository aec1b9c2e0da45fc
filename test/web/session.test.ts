import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { hashPassword, needsRehash, verifyPassword } from '../../src/server/account/password.js';
import { setPassword } from '../../src/server/account/account.service.js';
import { parseCookies } from '../../src/server/http/cookies.js';
import { loadConfig } from '../../src/server/config/config.js';
import { getPasswordHash } from '../../src/server/account/account.store.js';
import { PASSWORD, linkToken, mailbox, ownerWithPassword, signIn, smtpConfig } from './helpers.js';

describe('password hashing', () => {
  it('verifies the right password only, and names its parameters', async () => {
    const h = await hashPassword('a long enough passphrase');
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('a long enough passphrase', h)).toBe(true);
    expect(await verifyPassword('a long enough passphrasf', h)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
    expect(needsRehash(h)).toBe(false);
    expect(await hashPassword('a long enough passphrase')).not.toBe(h);
  });
  it('VIGIL_PASSWORD_COST sets N for new hashes; a weaker stored hash is upgraded at the next sign-in', async () => {
    expect(loadConfig({}).passwordCost).toBe(15);
    expect(loadConfig({ VIGIL_PASSWORD_COST: '17' }).passwordCost).toBe(17);
    for (const bad of ['11', '21', '14.5', 'high']) expect(() => loadConfig({ VIGIL_PASSWORD_COST: bad })).toThrow(/VIGIL_PASSWORD_COST must be a whole number from 12 to 20/);
    const weak = await hashPassword('a long enough passphrase', 12);
    expect(weak).toMatch(/^scrypt\$4096\$8\$1\$/);
    expect(await verifyPassword('a long enough passphrase', weak)).toBe(true);
    expect(needsRehash(weak, 12)).toBe(false);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword('a long enough passphrase'), 12)).toBe(false);
  });
  it('parses cookies', () => {
    expect(parseCookies('a=1; vigil_session=abc%2Fd; b="q"')).toEqual({ a: '1', vigil_session: 'abc/d', b: 'q' });
  });
});

for (const dialect of DIALECTS) {
  describe(`web sessions [${dialect}]`, () => {
    let t: TestApp;
    afterEach(async () => {
      await t?.close();
    });

    it('a sign-in upgrades a hash made with less work than VIGIL_PASSWORD_COST asks for', async () => {
      t = await createTestApp(dialect, { config: { passwordCost: 13 } });
      await setPassword(t.db.handle.db, t.clock, t.org.org.id, t.org.user.id, PASSWORD, 12);
      expect(await getPasswordHash(t.db.handle.db, t.org.org.id, t.org.user.id)).toMatch(/^scrypt\$4096\$/);
      await signIn(t);
      const upgraded = (await getPasswordHash(t.db.handle.db, t.org.org.id, t.org.user.id))!;
      expect(upgraded).toMatch(/^scrypt\$8192\$8\$1\$/);
      expect(await verifyPassword(PASSWORD, upgraded)).toBe(true);
      await signIn(t);
      expect(await getPasswordHash(t.db.handle.db, t.org.org.id, t.org.user.id)).toBe(upgraded);
    });

    it('signs in with email and password: HttpOnly SameSite=Lax cookie, CSRF on unsafe methods, sign out', async () => {
      t = await createTestApp(dialect);
      await ownerWithPassword(t);
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'Owner@Harbor.example', password: PASSWORD } });
      expect(r.statusCode).toBe(200);
      const set = String(r.headers['set-cookie']);
      expect(set).toMatch(/^vigil_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
      expect(r.json().session.user.email).toBe('owner@harbor.example');
      const b = await signIn(t);

      expect((await t.app.inject({ method: 'GET', url: '/api/v1/services', headers: b.headers() })).statusCode).toBe(200);
      const noCsrf = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: b.headers(), payload: { service: { name: 'Chat' } } });
      expect(noCsrf.statusCode).toBe(403);
      expect(noCsrf.json().error.errors[0]).toMatch(/X-CSRF-Token/);
      const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: { ...b.headers(), 'x-csrf-token': 'nope' }, payload: { service: { name: 'Chat' } } });
      expect(wrong.statusCode).toBe(403);
      const ok = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: b.headers(true), payload: { service: { name: 'Chat' } } });
      expect(ok.statusCode).toBe(201);

      const me = await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: b.headers() });
      expect(me.json().session.csrf_token).toBe(b.csrf);

      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: b.headers() })).statusCode).toBe(403);
      const out = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: b.headers(true) });
      expect(out.statusCode).toBe(204);
      expect(String(out.headers['set-cookie'])).toMatch(/vigil_session=; .*Max-Age=0/);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/services', headers: b.headers() })).statusCode).toBe(401);
      // API tokens still work, and need no CSRF token.
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: t.auth, payload: { service: { name: 'Web' } } })).statusCode).toBe(201);
    });

    it('answers a wrong password and an unknown email alike, and throttles guessing per address', async () => {
      t = await createTestApp(dialect);
      await ownerWithPassword(t);
      const a = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'owner@harbor.example', password: 'wrong password!' } });
      const b = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'nobody@harbor.example', password: 'wrong password!' } });
      expect(a.statusCode).toBe(401);
      expect(b.statusCode).toBe(401);
      expect(a.json()).toEqual(b.json());
      expect(a.headers['set-cookie']).toBeUndefined();
      for (let i = 0; i < 9; i++) await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'owner@harbor.example', password: 'wrong password!' } });
      const limited = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'owner@harbor.example', password: PASSWORD } });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Counted per (email, address): a guesser elsewhere cannot lock the responder out.
      const elsewhere = await t.app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: '127.0.0.2', payload: { email: 'owner@harbor.example', password: PASSWORD } });
      expect(elsewhere.statusCode).toBe(200);
    });

    it('respects roles for a session like for a token', async () => {
      t = await createTestApp(dialect);
      await ownerWithPassword(t);
      const owner = await signIn(t);
      const inv = await t.app.inject({ method: 'POST', url: '/api/v1/invitations', headers: owner.headers(true), payload: { invitation: { email: 'obs@harbor.example', role: 'observer' } } });
      expect(inv.statusCode).toBe(201);
      expect(inv.json().email_sent).toBe(false);
      const token = /#token=(.+)$/.exec(inv.json().accept_url)![1]!;
      const red = await t.app.inject({ method: 'POST', url: '/api/v1/account_links/redeem', payload: { token, password: 'observer password 1' } });
      expect(red.statusCode).toBe(200);
      const obs = await signIn(t, 'obs@harbor.example', 'observer password 1');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/services', headers: obs.headers() })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: obs.headers(true), payload: { service: { name: 'X' } } })).statusCode).toBe(403);
    });

    it('a volunteer signed in on the web keeps a session: reads it, changes the password, tests a page to themselves, signs out (the volunteer guard lets these through)', async () => {
      t = await createTestApp(dialect);
      const u = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: t.auth, payload: { user: { name: 'Vera Voss', email: 'vera@harbor.example', role: 'volunteer' } } });
      expect(u.statusCode, u.body).toBe(201);
      const vera = u.json().user as { id: string };
      await setPassword(t.db.handle.db, t.clock, t.org.org.id, vera.id, PASSWORD, t.deps.config.passwordCost);
      const b = await signIn(t, 'vera@harbor.example');
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: b.headers() });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json().session.user.role).toBe('volunteer');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/services', headers: b.headers() })).statusCode).toBe(403); // the lists stay closed
      const test = await t.app.inject({ method: 'POST', url: `/api/v1/users/${vera.id}/test_page`, headers: b.headers(true) });
      expect(test.statusCode).toBe(400); // allowed through; she has no verified method yet
      expect((await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.org.user.id}/test_page`, headers: b.headers(true) })).statusCode).toBe(403);
      const pw = await t.app.inject({ method: 'PUT', url: '/api/v1/session/password', headers: b.headers(true), payload: { current_password: PASSWORD, new_password: 'another long passphrase' } });
      expect(pw.statusCode, pw.body).toBe(204);
      const again = await signIn(t, 'vera@harbor.example', 'another long passphrase');
      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: again.headers(true) })).statusCode).toBe(204);
    });

    it('sets Secure on the cookie behind https', async () => {
      t = await createTestApp(dialect, { config: { publicUrl: 'https://vigil.example.org' } });
      await ownerWithPassword(t);
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'owner@harbor.example', password: PASSWORD } });
      expect(String(r.headers['set-cookie'])).toMatch(/; Secure$/);
    });

    it('invites a member by email and resets a password by email link (real SMTP server)', async () => {
      const box = await mailbox();
      try {
        t = await createTestApp(dialect, { config: smtpConfig(box.port) });
        await ownerWithPassword(t);
        const owner = await signIn(t);
        expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: owner.headers() })).json().session.email_configured).toBe(true);

        const inv = await t.app.inject({ method: 'POST', url: '/api/v1/invitations', headers: owner.headers(true), payload: { invitation: { email: 'ada@harbor.example', name: 'Ada', role: 'responder' } } });
        expect(inv.statusCode).toBe(201);
        expect(inv.json()).toMatchObject({ email_sent: true, user: { email: 'ada@harbor.example', role: 'responder' } });
        expect(inv.json().accept_url).toBeUndefined();
        const invite = await box.next();
        expect(invite.subject).toBe('[Vigil] You are invited to Harbor Crisis Line');
        expect(invite.text).toContain('http://vigil.test/welcome#token=');
        const token = linkToken(invite);

        const info = await t.app.inject({ method: 'POST', url: '/api/v1/account_links/inspect', payload: { token } });
        expect(info.json().link).toMatchObject({ kind: 'invite', email: 'ada@harbor.example', organization: { name: 'Harbor Crisis Line' } });
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/account_links/redeem', payload: { token, password: 'short' } })).statusCode).toBe(400);
        const red = await t.app.inject({ method: 'POST', url: '/api/v1/account_links/redeem', payload: { token, password: 'ada lovelace engine', name: 'Ada Lovelace' } });
        expect(red.statusCode).toBe(200);
        expect(red.json().session.user.name).toBe('Ada Lovelace');
        expect(String(red.headers['set-cookie'])).toMatch(/^vigil_session=/);
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/account_links/redeem', payload: { token, password: 'ada lovelace engine' } })).statusCode).toBe(404);
        const ada = await signIn(t, 'ada@harbor.example', 'ada lovelace engine');

        // Reset: always 202; the link sets a new password and ends the old sessions.
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/password_resets', payload: { email: 'nobody@harbor.example' } })).statusCode).toBe(202);
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/password_resets', payload: { email: 'ada@harbor.example' } })).statusCode).toBe(202);
        const reset = await box.next();
        expect(reset.subject).toBe('[Vigil] Reset your password for Harbor Crisis Line');
        expect(box.mails).toHaveLength(2);
        const rt = linkToken(reset);
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/account_links/redeem', payload: { token: rt, password: 'a brand new passphrase' } })).statusCode).toBe(200);
        expect((await t.app.inject({ method: 'GET', url: '/api/v1/services', headers: ada.headers() })).statusCode).toBe(401);
        await signIn(t, 'ada@harbor.example', 'a brand new passphrase');
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'ada@harbor.example', password: 'ada lovelace engine' } })).statusCode).toBe(401);
      } finally {
        await box.close();
      }
    });
  });
}
