/**
 * Issue 14 items 1 and 2: the two owner takeovers found by trying the server as an
 * admin of the organization, kept as tests on both dialects.
 *
 * 1. An admin invited the email of an owner who had no password yet, asking for the
 *    responder role: the invitation answered the owner as they were, and without SMTP
 *    the accept link came back to the admin; redeeming it signed the admin in as the owner.
 * 2. An admin changed an owner's email (200), then reset the password through the new
 *    address; the old address was never told.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, manualClock, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { setPassword } from '../../src/server/account/account.service.js';
import { member, req } from '../api/helpers.js';
import { engineFor, realChannels, startSmtp, type Mailbox } from '../engine/fixtures.js';
import { PASSWORD, signIn } from '../web/helpers.js';

const OWNER_EMAIL = 'owner@harbor.example';

for (const dialect of DIALECTS) {
  describe(`account takeover paths are closed [${dialect}]`, () => {
    let t: TestApp;
    let smtp: Mailbox | undefined;
    afterEach(async () => {
      await t?.close();
      await smtp?.close();
      smtp = undefined;
    });

    it('item 1: an admin cannot invite an owner who has no password yet, whatever role is asked, and gets no link', async () => {
      t = await createTestApp(dialect);
      const admin = await member(t, 'admin');
      for (const role of ['responder', 'owner', undefined]) {
        const r = await req(t, 'POST', '/api/v1/invitations', { invitation: { email: OWNER_EMAIL, ...(role ? { role } : {}) } }, admin.auth);
        expect(r.statusCode, r.body).toBe(403);
        expect(r.body).not.toMatch(/token=/);
        expect(r.json().error.errors.join(' ')).toMatch(/invitation|owner/);
      }
      // The owner is still an owner with their email, and no invitation link was made for them by the admin.
      const owner = (await req(t, 'GET', `/api/v1/users/${t.org.user.id}`)).json().user;
      expect(owner).toMatchObject({ role: 'owner', email: OWNER_EMAIL });
      const links = await t.db.handle.db.selectFrom('account_links').select(['created_by']).where('user_id', '=', t.org.user.id).execute();
      expect(links.filter((l) => l.created_by === admin.user.id)).toHaveLength(0);
    });

    it('item 1: inviting an existing member is 409, except resending the pending invitation of a member of a role not above yours, as they are', async () => {
      t = await createTestApp(dialect);
      const admin = await member(t, 'admin');
      // A member with a password: 409 for anyone.
      await setPassword(t.db.handle.db, t.clock, t.org.org.id, admin.user.id, PASSWORD, t.deps.config.passwordCost);
      const withPassword = await req(t, 'POST', '/api/v1/invitations', { invitation: { email: admin.user.email, role: 'admin' } });
      expect(withPassword.statusCode, withPassword.body).toBe(409);
      // A pending invitation is resent, as it was; asking for another role is 409.
      const first = await req(t, 'POST', '/api/v1/invitations', { invitation: { email: 'ada@harbor.example', role: 'responder' } }, admin.auth);
      expect(first.statusCode, first.body).toBe(201);
      const again = await req(t, 'POST', '/api/v1/invitations', { invitation: { email: 'ada@harbor.example' } }, admin.auth);
      expect(again.statusCode, again.body).toBe(201);
      expect(again.json().user).toMatchObject({ id: first.json().user.id, role: 'responder' });
      const promote = await req(t, 'POST', '/api/v1/invitations', { invitation: { email: 'ada@harbor.example', role: 'admin' } }, admin.auth);
      expect(promote.statusCode, promote.body).toBe(409);
      expect(promote.json().error.errors.join(' ')).toMatch(/invitation\.role/);
      // Only the latest link works: the first one was replaced by the resend.
      const oldToken = /#token=(.+)$/.exec(first.json().accept_url)![1]!;
      expect((await req(t, 'POST', '/api/v1/account_links/redeem', { token: oldToken, password: 'a long enough passphrase' }, {})).statusCode).toBe(404);
      // A pending admin invited by the owner cannot be re-invited by a responder (403 on the route) nor an owner by an admin.
      const responder = await member(t, 'responder');
      expect((await req(t, 'POST', '/api/v1/invitations', { invitation: { email: 'ada@harbor.example' } }, responder.auth)).statusCode).toBe(403);
    });

    it('item 1: an admin cannot act on an owner account (details, role, removal, tokens, contact methods), but can on an admin or below', async () => {
      t = await createTestApp(dialect);
      const admin = await member(t, 'admin');
      const other = await member(t, 'admin');
      const owner = t.org.user.id;
      const denied: [string, string, unknown?][] = [
        ['PUT', `/api/v1/users/${owner}`, { user: { name: 'Renamed by admin' } }],
        ['PUT', `/api/v1/users/${owner}`, { user: { time_zone: 'Europe/Paris' } }],
        ['PUT', `/api/v1/users/${owner}`, { user: { role: 'observer' } }],
        ['DELETE', `/api/v1/users/${owner}`],
        ['POST', '/api/v1/api_tokens', { api_token: { description: 'mine now', user: { id: owner } } }],
        ['POST', `/api/v1/users/${owner}/contact_methods`, { contact_method: { type: 'email_contact_method', address: 'attacker@evil.example', label: 'x' } }],
      ];
      for (const [method, url, body] of denied) {
        const r = await req(t, method as 'GET', url, body, admin.auth);
        expect(r.statusCode, `${method} ${url} ${r.body}`).toBe(403);
      }
      const o = (await req(t, 'GET', `/api/v1/users/${owner}`)).json().user;
      expect(o).toMatchObject({ name: 'Olive Owner', role: 'owner', time_zone: 'UTC' });
      // The owner's own token cannot be revoked by the admin either.
      const ownerTokens = (await req(t, 'GET', '/api/v1/api_tokens')).json().api_tokens as { id: string; user: { id: string } }[];
      const ownersToken = ownerTokens.find((k) => k.user.id === owner)!;
      expect((await req(t, 'DELETE', `/api/v1/api_tokens/${ownersToken.id}`, undefined, admin.auth)).statusCode).toBe(403);
      expect((await req(t, 'GET', '/api/v1/users/me')).statusCode).toBe(200);
      // An admin still manages an admin (same role) and those below.
      expect((await req(t, 'PUT', `/api/v1/users/${other.user.id}`, { user: { name: 'Renamed peer' } }, admin.auth)).statusCode).toBe(200);
    });

    it('item 2: an admin cannot change an owner\'s (or another admin\'s) email; the reset then reaches nobody new', async () => {
      t = await createTestApp(dialect);
      const admin = await member(t, 'admin');
      const peer = await member(t, 'admin');
      const r = await req(t, 'PUT', `/api/v1/users/${t.org.user.id}`, { user: { email: 'attacker@evil.example' } }, admin.auth);
      expect(r.statusCode, r.body).toBe(403);
      const p = await req(t, 'PUT', `/api/v1/users/${peer.user.id}`, { user: { email: 'attacker@evil.example' } }, admin.auth);
      expect(p.statusCode, p.body).toBe(403);
      expect(p.json().error.errors.join(' ')).toMatch(/higher role/);
      expect((await req(t, 'GET', `/api/v1/users/${t.org.user.id}`)).json().user.email).toBe(OWNER_EMAIL);
      expect((await req(t, 'GET', `/api/v1/users/${peer.user.id}`)).json().user.email).toBe(peer.user.email);
      const links = await t.db.handle.db.selectFrom('account_links').selectAll().execute();
      expect(links).toHaveLength(0);
    });

    it('item 2: a higher role changes an email: the old address is told through the outbox (real SMTP), sessions end, and the link undoes it within 7 days', async () => {
      const clock: ManualClock = manualClock();
      t = await createTestApp(dialect, { clock });
      smtp = await startSmtp();
      const r1 = await req(t, 'POST', '/api/v1/users', { user: { name: 'Ada Admin', email: 'ada@harbor.example', role: 'admin' } });
      const ada = r1.json().user as { id: string };
      await setPassword(t.db.handle.db, clock, t.org.org.id, ada.id, PASSWORD, t.deps.config.passwordCost);
      const adaBrowser = await signIn(t, 'ada@harbor.example');
      // A reset link already sent to the old address dies with the change.
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/password_resets', payload: { email: 'ada@harbor.example' } })).statusCode).toBe(202);

      const r = await req(t, 'PUT', `/api/v1/users/${ada.id}`, { user: { email: 'ada.new@harbor.example' } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().user.email).toBe('ada.new@harbor.example');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/services', headers: adaBrowser.headers() })).statusCode).toBe(401);

      await engineFor(t, realChannels(smtp.port)).runUntilIdle(clock.now());
      const notice = await smtp.waitFor('ada@harbor.example', /changed from ada@harbor\.example to ada\.new@harbor\.example/);
      expect(notice.subject).toContain('Your sign-in email for Harbor Crisis Line was changed');
      expect(notice.text).toContain('by Olive Owner (owner)');
      expect(JSON.stringify(notice.to)).not.toContain('ada.new@');
      const token = /#token=([A-Za-z0-9_-]+)/.exec(notice.text ?? '')![1]!;

      // Meanwhile someone sets a password through the new address.
      await setPassword(t.db.handle.db, clock, t.org.org.id, ada.id, 'set through the new address', t.deps.config.passwordCost);
      const intruder = await signIn(t, 'ada.new@harbor.example', 'set through the new address');

      const info = await t.app.inject({ method: 'POST', url: '/api/v1/account_links/inspect', payload: { token } });
      expect(info.json().link).toMatchObject({ kind: 'email_undo', email: 'ada@harbor.example' });
      clock.advanceMinutes(6 * 24 * 60);
      const undo = await t.app.inject({ method: 'POST', url: '/api/v1/account_links/redeem', payload: { token, password: 'ada takes it back' } });
      expect(undo.statusCode, undo.body).toBe(200);
      expect(undo.json().session.user.email).toBe('ada@harbor.example');
      expect((await req(t, 'GET', `/api/v1/users/${ada.id}`)).json().user.email).toBe('ada@harbor.example');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/services', headers: intruder.headers() })).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'ada.new@harbor.example', password: 'set through the new address' } })).statusCode).toBe(401);
      await signIn(t, 'ada@harbor.example', 'ada takes it back');
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/account_links/redeem', payload: { token, password: 'ada takes it back' } })).statusCode).toBe(404);
    });

    it('item 2: the undo link expires after 7 days', async () => {
      const clock: ManualClock = manualClock();
      t = await createTestApp(dialect, { clock });
      smtp = await startSmtp();
      const r1 = await req(t, 'POST', '/api/v1/users', { user: { name: 'Rob', email: 'rob@harbor.example', role: 'responder' } });
      const rob = r1.json().user as { id: string };
      expect((await req(t, 'PUT', `/api/v1/users/${rob.id}`, { user: { email: 'rob2@harbor.example' } })).statusCode).toBe(200);
      await engineFor(t, realChannels(smtp.port)).runUntilIdle(clock.now());
      const notice = await smtp.waitFor('rob@harbor.example', /changed from/);
      const token = /#token=([A-Za-z0-9_-]+)/.exec(notice.text ?? '')![1]!;
      clock.advanceMinutes(7 * 24 * 60 + 1);
      const late = await t.app.inject({ method: 'POST', url: '/api/v1/account_links/redeem', payload: { token, password: 'rob takes it back' } });
      expect(late.statusCode).toBe(404);
      expect((await req(t, 'GET', `/api/v1/users/${rob.id}`)).json().user.email).toBe('rob2@harbor.example');
    });

    it('item 2: members change their own email with their current password or a fresh sign-in', async () => {
      const clock: ManualClock = manualClock();
      t = await createTestApp(dialect, { clock });
      const r1 = await req(t, 'POST', '/api/v1/users', { user: { name: 'Rae', email: 'rae@harbor.example', role: 'responder' } });
      const rae = r1.json().user as { id: string };
      await setPassword(t.db.handle.db, clock, t.org.org.id, rae.id, PASSWORD, t.deps.config.passwordCost);
      const old = await signIn(t, 'rae@harbor.example');
      const other = await signIn(t, 'rae@harbor.example');
      clock.advanceMinutes(11);
      const put = (b: ReturnType<typeof signIn> extends Promise<infer B> ? B : never, user: Record<string, unknown>) => t.app.inject({ method: 'PUT', url: `/api/v1/users/${rae.id}`, headers: b.headers(true), payload: { user } });
      const stale = await put(old, { email: 'rae.new@harbor.example' });
      expect(stale.statusCode, stale.body).toBe(403);
      expect(stale.json().error.errors.join(' ')).toMatch(/current_password/);
      const wrong = await put(old, { email: 'rae.new@harbor.example', current_password: 'not my password' });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().error.errors.join(' ')).toMatch(/user\.current_password/);
      expect((await req(t, 'GET', `/api/v1/users/${rae.id}`)).json().user.email).toBe('rae@harbor.example');
      const ok = await put(old, { email: 'rae.new@harbor.example', current_password: PASSWORD });
      expect(ok.statusCode, ok.body).toBe(200);
      // This session stays; the other one ends.
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: old.headers() })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: other.headers() })).statusCode).toBe(401);
      // A fresh sign-in is enough on its own.
      const fresh = await signIn(t, 'rae.new@harbor.example');
      expect((await put(fresh, { email: 'rae.third@harbor.example' })).statusCode).toBe(200);
      const notices = await t.db.handle.db.selectFrom('notifications').select(['payload']).where('event_type', '=', 'account.notice').execute();
      expect(notices.map((n) => JSON.parse(n.payload!).to).sort()).toEqual(['rae.new@harbor.example', 'rae@harbor.example']);
    });
  });
}
