/**
 * GET /api/v1/session/probe, the web app's "am I signed in?" (issue 19 item 5: a signed-out
 * visit must log no failed request). It answers 200 either way: the session of a live cookie,
 * exactly as GET /api/v1/session gives it, or `{session: null}` for no cookie, a stale cookie,
 * or an API token (the probe reads cookies only). GET /api/v1/session keeps its 401.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { setPassword } from '../../src/server/account/account.service.js';
import { PASSWORD, ownerWithPassword, signIn } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`session probe [${dialect}]`, () => {
    let t: TestApp;
    afterEach(async () => {
      await t?.close();
    });

    it('answers 200 with the live session, or with {session: null} for a signed-out visitor, a stale cookie or a token', async () => {
      t = await createTestApp(dialect);
      await ownerWithPassword(t);
      const probe = (headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: '/api/v1/session/probe', headers });

      const nobody = await probe();
      expect(nobody.statusCode).toBe(200);
      expect(nobody.json()).toEqual({ session: null });
      expect(nobody.headers['cache-control']).toBe('no-store');
      expect(nobody.headers['set-cookie']).toBeUndefined();
      // The API's own question still answers 401 to nobody.
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/session' })).statusCode).toBe(401);

      const b = await signIn(t);
      const live = await probe(b.headers());
      expect(live.statusCode).toBe(200);
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: b.headers() });
      expect(live.json()).toEqual(me.json());
      expect(live.json().session).toMatchObject({ csrf_token: b.csrf, user: { email: 'owner@harbor.example' } });

      // An API token is not read here: no session, not the token's member.
      expect((await probe(t.auth)).json()).toEqual({ session: null });
      // A made-up cookie is nobody.
      expect((await probe({ cookie: 'vigil_session=' + 'x'.repeat(43) })).json()).toEqual({ session: null });

      // Signed out, the same cookie is stale: nobody, still 200; the session routes answer 401 to it.
      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: b.headers(true) })).statusCode).toBe(204);
      const stale = await probe(b.headers());
      expect(stale.statusCode).toBe(200);
      expect(stale.json()).toEqual({ session: null });
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: b.headers() })).statusCode).toBe(401);
    });

    it("answers a volunteer's browser with her session (the volunteer guard lets the probe through: reloading her page keeps her signed in)", async () => {
      t = await createTestApp(dialect);
      const u = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: t.auth, payload: { user: { name: 'Vera Voss', email: 'vera@harbor.example', role: 'volunteer' } } });
      expect(u.statusCode, u.body).toBe(201);
      await setPassword(t.db.handle.db, t.clock, t.org.org.id, (u.json().user as { id: string }).id, PASSWORD, t.deps.config.passwordCost);
      const b = await signIn(t, 'vera@harbor.example');
      const live = await t.app.inject({ method: 'GET', url: '/api/v1/session/probe', headers: b.headers() });
      expect(live.statusCode, live.body).toBe(200);
      expect(live.json().session).toMatchObject({ csrf_token: b.csrf, user: { email: 'vera@harbor.example', role: 'volunteer' } });
      expect(live.json()).toEqual((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: b.headers() })).json());
      // Her lists stay closed: only the probe and the session routes were opened to her.
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/services', headers: b.headers() })).statusCode).toBe(403);
    });
  });
}
