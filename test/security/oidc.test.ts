/**
 * Sign-in with the organization's identity provider (issue 14 item 8), end to end
 * against a real OpenID Connect provider (the `oidc-provider` package) listening on
 * 127.0.0.1 in this process, with its development login and consent pages submitted
 * the way a browser would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { ManualClock } from '../../src/server/lib/clock.js';
import { setPassword } from '../../src/server/account/account.service.js';
import { PASSWORD, signIn } from '../web/helpers.js';

const PUBLIC_URL = 'http://vigil.test';
const CLIENT_ID = 'vigil-harbor';
const CLIENT_SECRET = 'a-client-secret-of-the-harbor-crisis-line';
const ID_TOKEN_TTL_S = 60;

interface TestUser {
  email: string;
  email_verified: boolean;
  name: string;
  groups: string[];
}
const USERS: Record<string, TestUser> = {
  rhea: { email: 'Rhea@Harbor.example', email_verified: true, name: 'Rhea Responder', groups: ['crisis-line'] },
  nina: { email: 'nina@harbor.example', email_verified: true, name: 'Nina Newcomer', groups: ['crisis-line', 'oncall-admins'] },
  ursula: { email: 'ursula@harbor.example', email_verified: false, name: 'Ursula Unverified', groups: [] },
  olive: { email: 'owner@harbor.example', email_verified: true, name: 'Olive Owner', groups: [] },
};

interface Op {
  issuer: string;
  /** Every request path the provider received, in order. */
  paths: string[];
  close(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function startProvider(): Promise<Op> {
  let provider: Provider | undefined;
  const paths: string[] = [];
  const { server, base } = await listen((req, res) => {
    paths.push(new URL(req.url ?? '/', 'http://x').pathname);
    void provider!.callback()(req, res);
  });
  provider = new Provider(base, {
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${PUBLIC_URL}/api/v1/auth/oidc/callback`], response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_post' }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    async findAccount(_ctx, sub) {
      const u = USERS[sub];
      return u ? { accountId: sub, claims: async () => ({ sub, ...u }) } : undefined;
    },
    features: { devInteractions: { enabled: true } },
    ttl: { IdToken: ID_TOKEN_TTL_S },
    cookies: { keys: ['test-cookie-key-0123456789'] },
  });
  return { issuer: base, paths, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A browser at the provider: follows redirects, keeps cookies, submits the login and consent forms, and stops at the redirect back to Vigil. */
async function atProvider(authorizeUrl: string, login: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizeUrl;
  let init: RequestInit = { method: 'GET' };
  for (let hop = 0; hop < 20; hop++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url).href;
      if (next.startsWith(PUBLIC_URL)) return next;
      url = next;
      init = { method: 'GET' };
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`the provider answered ${res.status} without a form: ${html.slice(0, 500)}`);
    const body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'anything' } : { prompt });
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    init = { method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('too many hops at the provider');
}

const pathOf = (u: string) => {
  const x = new URL(u);
  return x.pathname + x.search;
};

interface Started {
  url: string;
  /** The state cookie the start step set in the browser. */
  cookie: string;
}

async function startAt(t: TestApp, org = 'harbor'): Promise<Started> {
  const r = await t.app.inject({ method: 'GET', url: `/api/v1/auth/oidc/start?org=${org}` });
  expect(r.statusCode).toBe(303);
  const set = String(r.headers['set-cookie']);
  expect(set).toMatch(/^vigil_oidc_state=[A-Za-z0-9_-]+; Path=\/api\/v1\/auth\/oidc\/callback; Max-Age=600; HttpOnly; SameSite=Lax$/);
  return { url: String(r.headers.location), cookie: set.split(';')[0]! };
}

/** Start, pass the provider as `login`, and come back to the callback in the same browser. */
async function signInAs(t: TestApp, login: string) {
  const s = await startAt(t);
  return callback(t, await atProvider(s.url, login), s.cookie);
}

async function callback(t: TestApp, back: string, cookie?: string) {
  const r = await t.app.inject({ method: 'GET', url: pathOf(back), headers: cookie ? { cookie } : {} });
  expect(r.statusCode).toBe(303);
  const location = new URL(String(r.headers.location));
  const set = ([] as string[]).concat((r.headers['set-cookie'] as string | string[] | undefined) ?? []);
  expect(set.some((c) => c.startsWith('vigil_oidc_state=; '))).toBe(true);
  const session = set.find((c) => /^vigil_session=[^;]/.test(c));
  return { location, cookie: session ? session.split(';')[0]! : null, error: location.searchParams.get('oidc_error'), reason: location.searchParams.get('reason') ?? '' };
}

async function configure(t: TestApp, fields: Record<string, unknown>) {
  const r = await t.app.inject({ method: 'PUT', url: '/api/v1/organization/oidc_configuration', headers: t.auth, payload: { oidc_configuration: fields } });
  expect(r.statusCode, r.body).toBe(200);
  return r.json().oidc_configuration;
}

async function addMember(t: TestApp, email: string, role = 'responder') {
  const r = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: t.auth, payload: { user: { name: email.split('@')[0], email, role } } });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().user as { id: string };
}

async function whoAmI(t: TestApp, cookie: string) {
  const r = await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
  expect(r.statusCode).toBe(200);
  return r.json().session.user as { email: string; role: string };
}

async function auditActions(t: TestApp): Promise<string[]> {
  const rows = await t.db.handle.db.selectFrom('audit_log').select('action').where('org_id', '=', t.org.org.id).orderBy('id').execute();
  return rows.map((r) => r.action);
}

let op: Op;
beforeAll(async () => {
  op = await startProvider();
});
afterAll(async () => {
  await op?.close();
});

for (const dialect of DIALECTS) {
  describe(`sign-in with the organization's identity provider [${dialect}]`, () => {
    let t: TestApp;
    let clock: ManualClock;
    const base = () => ({ slug: 'harbor', display_name: 'Harbor SSO', issuer: op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, allowed_email_domains: ['harbor.example'] });
    afterEach(async () => {
      await t?.close();
    });
    const app = async () => {
      clock = new ManualClock(Date.now());
      t = await createTestApp(dialect, { clock, config: { publicUrl: PUBLIC_URL } });
    };

    it('an owner configures it (secret write-only, unknown fields refused), and a member signs in end to end with the normal web session', async () => {
      await app();
      const bad = await t.app.inject({ method: 'PUT', url: '/api/v1/organization/oidc_configuration', headers: t.auth, payload: { oidc_configuration: { ...base(), client_secrt: 'x', group_roles: [{ group: 'g', role: 'owner' }] } } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.errors).toEqual(expect.arrayContaining(['oidc_configuration.client_secrt: unknown field', expect.stringMatching(/^oidc_configuration.group_roles\[0\].role: /)]));
      const jitWithoutDomains = await t.app.inject({ method: 'PUT', url: '/api/v1/organization/oidc_configuration', headers: t.auth, payload: { oidc_configuration: { ...base(), allowed_email_domains: [], jit_membership: true } } });
      expect(jitWithoutDomains.statusCode).toBe(400);
      const c = await configure(t, base());
      expect(c).toMatchObject({ slug: 'harbor', jit_membership: false, password_sign_in: true, redirect_uri: `${PUBLIC_URL}/api/v1/auth/oidc/callback`, client_secret_hint: '…line' });
      expect(JSON.stringify(c)).not.toContain(CLIENT_SECRET);
      const stored = await t.db.handle.db.selectFrom('oidc_configs').select('client_secret').executeTakeFirstOrThrow();
      expect(stored.client_secret).toMatch(/^vsec1\./);
      const provider = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/provider?org=harbor' });
      expect(provider.json().provider).toMatchObject({ display_name: 'Harbor SSO', start_url: '/api/v1/auth/oidc/start?org=harbor' });

      // Owner only: an admin can neither read nor change it.
      const admin = await addMember(t, 'ada@harbor.example', 'admin');
      await setPassword(t.db.handle.db, t.clock, t.org.org.id, admin.id, PASSWORD, t.deps.config.passwordCost);
      const adminBrowser = await signIn(t, 'ada@harbor.example');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/organization/oidc_configuration', headers: adminBrowser.headers() })).statusCode).toBe(403);
      expect((await t.app.inject({ method: 'PUT', url: '/api/v1/organization/oidc_configuration', headers: adminBrowser.headers(true), payload: { oidc_configuration: { jit_membership: true } } })).statusCode).toBe(403);

      await addMember(t, 'rhea@harbor.example');
      const started = await startAt(t);
      const authorize = new URL(started.url);
      expect(authorize.origin).toBe(op.issuer);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('scope')).toBe('openid email profile');
      expect(authorize.searchParams.get('state')).toBeTruthy();
      expect(authorize.searchParams.get('nonce')).toBeTruthy();
      const back = await callback(t, await atProvider(authorize.href, 'rhea'), started.cookie);
      expect(back.error).toBeNull();
      expect(back.location.href).toBe(`${PUBLIC_URL}/`);
      expect(back.cookie).toMatch(/^vigil_session=/);
      expect(await whoAmI(t, back.cookie!)).toMatchObject({ email: 'rhea@harbor.example', role: 'responder' });
      expect(await auditActions(t)).toContain('oidc.sign_in');
    });

    it('two sign-ins in a row ask the provider for its metadata once (discovery is cached for ten minutes, per configuration)', async () => {
      await app();
      await configure(t, base());
      await addMember(t, 'rhea@harbor.example');
      const from = op.paths.length;
      for (let i = 0; i < 2; i++) {
        const started = await startAt(t);
        const back = await callback(t, await atProvider(started.url, 'rhea'), started.cookie);
        expect(back.error, back.reason).toBeNull();
      }
      const seen = op.paths.slice(from);
      expect(seen.filter((p) => p === '/.well-known/openid-configuration')).toHaveLength(1);
      // A changed secret is another configuration: discovered again.
      await configure(t, { ...base(), client_secret: `${CLIENT_SECRET}-rotated` });
      await t.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/start?org=harbor' });
      expect(op.paths.slice(from).filter((p) => p === '/.well-known/openid-configuration')).toHaveLength(2);
    });

    it('with just-in-time membership off, an unknown email is refused; on, the member is created with the role their group maps to', async () => {
      await app();
      await configure(t, { ...base(), group_roles: [{ group: 'oncall-admins', role: 'admin' }] });
      const refused = await signInAs(t, 'nina');
      expect(refused.cookie).toBeNull();
      expect(refused.location.pathname).toBe('/login');
      expect(refused.error).toBe('not_a_member');
      expect(refused.reason).toMatch(/not a member/);
      expect(await auditActions(t)).toContain('oidc.sign_in_refused not_a_member');

      await configure(t, { jit_membership: true });
      const joined = await signInAs(t, 'nina');
      expect(joined.error).toBeNull();
      expect(await whoAmI(t, joined.cookie!)).toMatchObject({ email: 'nina@harbor.example', role: 'admin' });
      expect(await auditActions(t)).toContain('oidc.jit_membership');

      // An email outside the allowed domains neither matches nor joins.
      await configure(t, { allowed_email_domains: ['volunteers.example'] });
      expect((await signInAs(t, 'rhea')).error).toBe('domain_refused');
      await configure(t, { allowed_email_domains: ['harbor.example'] });
      // An email the provider has not verified never matches nor joins.
      const unverified = await signInAs(t, 'ursula');
      expect(unverified.error).toBe('email_unverified');
      expect(unverified.cookie).toBeNull();
    });

    it('refuses a provider whose discovery document names another issuer', async () => {
      await app();
      // An impostor that serves the real provider's metadata from its own address.
      const impostor = await listen((req, res) => {
        void fetch(op.issuer + req.url).then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(await r.text());
        });
      });
      try {
        await configure(t, { ...base(), issuer: impostor.base });
        const r = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/start?org=harbor' });
        expect(r.statusCode).toBe(303);
        const location = new URL(String(r.headers.location));
        expect(location.pathname).toBe('/login');
        expect(location.searchParams.get('oidc_error')).toBe('discovery_failed');
        expect(location.searchParams.get('reason')).toMatch(/metadata issuer does not match the expected issuer/);
        expect(await auditActions(t)).toContain('oidc.sign_in_refused discovery_failed');
      } finally {
        await new Promise<void>((resolve) => impostor.server.close(() => resolve()));
      }
    });

    it('refuses a replayed code: the same callback twice, and the spent code under a fresh state', async () => {
      await app();
      await configure(t, base());
      await addMember(t, 'rhea@harbor.example');
      const first = await startAt(t);
      const back = await atProvider(first.url, 'rhea');
      expect((await callback(t, back, first.cookie)).cookie).toMatch(/^vigil_session=/);
      const again = await callback(t, back, first.cookie);
      expect(again.cookie).toBeNull();
      expect(again.error).toBe('state_unknown');

      // A fresh sign-in, answered with the old code: the provider refuses the spent code (and the PKCE verifier differs).
      const freshStart = await startAt(t);
      const fresh = new URL(freshStart.url);
      const replay = new URL(back);
      replay.searchParams.set('state', fresh.searchParams.get('state')!);
      const refused = await callback(t, replay.href, freshStart.cookie);
      expect(refused.cookie).toBeNull();
      expect(refused.error).toBe('token_refused');
      expect(refused.reason).toMatch(/invalid_grant/);
    });

    it('refuses a callback in another browser than the one that started (login CSRF), and keeps that sign-in usable', async () => {
      await app();
      await configure(t, base());
      await addMember(t, 'rhea@harbor.example');
      const attacker = await startAt(t);
      const back = await atProvider(attacker.url, 'rhea');
      // The victim's browser follows the link without the state cookie.
      const victim = await callback(t, back);
      expect(victim.cookie).toBeNull();
      expect(victim.error).toBe('other_browser');
      const other = await startAt(t);
      expect((await callback(t, back, other.cookie)).error).toBe('other_browser');
      // The browser that started still finishes.
      expect((await callback(t, back, attacker.cookie)).cookie).toMatch(/^vigil_session=/);
    });

    it('refuses an ID token whose nonce is not the one sent', async () => {
      await app();
      await configure(t, base());
      await addMember(t, 'rhea@harbor.example');
      const started = await startAt(t);
      // The sign-in kept server-side now expects another nonce than the provider was given.
      await t.db.handle.db.updateTable('oidc_logins').set({ nonce: 'another-nonce-entirely' }).where('org_id', '=', t.org.org.id).execute();
      const r = await callback(t, await atProvider(started.url, 'rhea'), started.cookie);
      expect(r.cookie).toBeNull();
      expect(r.error).toBe('token_refused');
      expect(r.reason).toMatch(/unexpected ID Token "nonce" claim value/);
    });

    it('refuses an expired ID token', async () => {
      await app();
      await configure(t, base());
      await addMember(t, 'rhea@harbor.example');
      const started = await startAt(t);
      const back = await atProvider(started.url, 'rhea');
      // The ID token lives 60 s (plus 30 s of tolerance); five minutes later the sign-in itself is still open.
      clock.advanceMinutes(5);
      const r = await callback(t, back, started.cookie);
      expect(r.cookie).toBeNull();
      expect(r.error).toBe('token_refused');
      expect(r.reason).toMatch(/"exp" \(expiration time\) claim value, expiration is past/);
    });

    it('password sign-in turned off refuses a responder\'s password but not the owner\'s (break-glass)', async () => {
      await app();
      const rhea = await addMember(t, 'rhea@harbor.example');
      await setPassword(t.db.handle.db, t.clock, t.org.org.id, rhea.id, PASSWORD, t.deps.config.passwordCost);
      await setPassword(t.db.handle.db, t.clock, t.org.org.id, t.org.user.id, PASSWORD, t.deps.config.passwordCost);
      const before = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'rhea@harbor.example', password: PASSWORD } });
      expect(before.statusCode).toBe(200);
      await configure(t, { ...base(), password_sign_in: false });
      const responder = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'rhea@harbor.example', password: PASSWORD } });
      expect(responder.statusCode).toBe(403);
      expect(responder.headers['set-cookie']).toBeUndefined();
      expect(responder.json().error.errors[0]).toMatch(/identity provider/);
      const owner = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'owner@harbor.example', password: PASSWORD } });
      expect(owner.statusCode).toBe(200);
      // An invitation link sets a password but opens no session either.
      const invite = await t.app.inject({ method: 'POST', url: '/api/v1/invitations', headers: t.auth, payload: { invitation: { email: 'ivy@harbor.example' } } });
      expect(invite.statusCode, invite.body).toBe(201);
      const token = /#token=([A-Za-z0-9_-]+)/.exec(JSON.stringify(invite.json()))![1]!;
      const redeemed = await t.app.inject({ method: 'POST', url: '/api/v1/account_links/redeem', payload: { token, password: PASSWORD } });
      expect(redeemed.statusCode).toBe(403);
      expect(redeemed.headers['set-cookie']).toBeUndefined();
      // And the responder still signs in through the provider.
      expect((await signInAs(t, 'rhea')).cookie).toMatch(/^vigil_session=/);
    });
  });
}
