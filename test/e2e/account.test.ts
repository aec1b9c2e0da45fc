/**
 * The account screens of issue 14 in real Chromium against a real Vigil process, on both
 * dialects (a SQLite file; a PostgreSQL schema of its own):
 *
 * - two-factor enrolment: Settings shows the secret, the test types a code it computes with
 *   its own RFC 6238 implementation (sharing no code with the server's), the recovery codes
 *   are shown; after signing out, signing in asks for the code; a recovery code signs in
 *   once and is refused the second time;
 * - API tokens: a read-only token with an expiry is created on the tokens page, used
 *   through the REST API (a read passes, a write is refused), and the page then shows its
 *   scope, expiry and last use; revoking it removes it and the REST API answers 401;
 * - sign-in with the organization's identity provider: a real OpenID Connect provider
 *   (the `oidc-provider` package) on 127.0.0.1 in this process; the "Sign in with …" button,
 *   the provider's own login and consent pages, and the member lands signed in.
 */
import http from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DIALECTS, createTestDb, type TestDb } from '../harness.js';
import { chromiumInstalled, launchChromium, startVigil, type VigilProcess } from './server.js';

const OWNER = { email: 'olive@harbor.example', password: 'night shift tea 42', org: 'Harbor Crisis Line', name: 'Olive Owner' };
const CLIENT_ID = 'vigil-harbor';
const CLIENT_SECRET = 'a-client-secret-of-the-harbor-crisis-line';

// ---- An independent TOTP (RFC 4226 truncation over RFC 6238 time steps), as in test/security/two-factor.test.ts ----
function base32(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...s.replace(/\s/g, '').toUpperCase()].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const out: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
function totp(secret: string, unixSeconds: number): string {
  const counter = Math.floor(unixSeconds / 30);
  const c = Buffer.alloc(8);
  c.writeUInt32BE(Math.floor(counter / 2 ** 32), 0);
  c.writeUInt32BE(counter % 2 ** 32, 4);
  const h = createHmac('sha1', base32(secret)).update(c).digest();
  const o = h[h.length - 1]! & 0xf;
  return ((h.readUInt32BE(o) & 0x7fffffff) % 1e6).toString().padStart(6, '0');
}

interface Op {
  issuer: string;
  close(): Promise<void>;
}

/** A real OpenID Connect provider with its development login and consent pages, for the Vigil at `vigilUrl`. */
async function startProvider(vigilUrl: string): Promise<Op> {
  let provider: Provider | undefined;
  const server = http.createServer((req, res) => void provider!.callback()(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const users: Record<string, { email: string; email_verified: boolean; name: string }> = { rhea: { email: 'rhea@harbor.example', email_verified: true, name: 'Rhea Responder' } };
  provider = new Provider(issuer, {
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${vigilUrl}/api/v1/auth/oidc/callback`], response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_post' }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, sub) {
      const u = users[sub];
      return u ? { accountId: sub, claims: async () => ({ sub, ...u }) } : undefined;
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['e2e-cookie-key-0123456789'] },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
  });
  return { issuer, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** One Vigil process per dialect, all started at once (starting is most of this file's time). */
async function startFor(dialect: string): Promise<{ vigil: VigilProcess; db?: TestDb }> {
  const db = dialect === 'postgres' ? await createTestDb('postgres') : undefined;
  return { vigil: await startVigil({ ...OWNER, env: db ? db.env : {} }), ...(db ? { db } : {}) };
}

/** The basics a screen reader needs, as web.test.ts checks them on every page it photographs: one h1, a name for every control and button. */
async function accessible(page: Page, where: string): Promise<void> {
  const problems = await page.evaluate(() => {
    const out: string[] = [];
    if (document.querySelectorAll('h1').length !== 1) out.push(`${document.querySelectorAll('h1').length} h1 elements`);
    for (const el of document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input:not([type=hidden]), select, textarea')) {
      if (!(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))) out.push(`unlabelled ${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 80)}`);
    }
    for (const b of document.querySelectorAll('button, a[href]')) if (!(b.textContent?.trim() || b.getAttribute('aria-label'))) out.push(`nameless ${b.outerHTML.slice(0, 80)}`);
    return out;
  });
  expect(problems, `accessibility basics on ${where}`).toEqual([]);
}

describe.skipIf(!chromiumInstalled())('account screens in Chromium', () => {
  let browser: Browser;
  const started = new Map<string, Promise<{ vigil: VigilProcess; db?: TestDb }>>();
  beforeAll(async () => {
    for (const d of DIALECTS) started.set(d, startFor(d));
    // Settle every start before failing, so that no process is left behind.
    const all = await Promise.allSettled([launchChromium(), ...started.values()]);
    if (all[0]!.status === 'fulfilled') browser = all[0]!.value as Browser;
    const failed = all.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    for (const p of started.values()) {
      const s = await p.catch(() => null);
      await s?.vigil.stop();
      await s?.db?.drop();
    }
  });

  for (const dialect of DIALECTS) {
    describe(`[${dialect}]`, () => {
      let vigil: VigilProcess;
      let context: BrowserContext;
      let page: Page;
      const pageErrors: string[] = [];

      const rest = async (method: string, p: string, body?: unknown, token = vigil.init.token) =>
        fetch(`${vigil.url}${p}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

      const signInWithPassword = async () => {
        await page.goto(`${vigil.url}/login`);
        await page.getByLabel('Email').fill(OWNER.email);
        await page.getByLabel('Password').fill(OWNER.password);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      };
      const signOut = async () => {
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      };
      const signedIn = async () => page.locator('.topbar .who').filter({ hasText: OWNER.name }).waitFor();

      beforeAll(async () => {
        ({ vigil } = await started.get(dialect)!);
        context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC', locale: 'en-GB', reducedMotion: 'reduce' });
        page = await context.newPage();
        // Any uncaught error or failed request of Vigil's own app fails the test, except the refusals
        // this test provokes on purpose (a signed-out visit logs nothing: the first test below).
        page.on('pageerror', (e) => pageErrors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error' && m.location().url.startsWith(vigil.url) && !/status of (400|401|403)/.test(m.text())) pageErrors.push(`${m.text()} (${m.location().url})`);
        });
      }, 30_000);
      afterAll(async () => {
        await context?.close();
      });

      it('a first visit to the sign-in page, signed out, leaves a clean console: no error, no warning, no failed or refused request', { timeout: 60_000 }, async () => {
        // A browser of its own: no cookie from any other test.
        const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC', locale: 'en-GB' });
        try {
          const first = await fresh.newPage();
          const noise: string[] = [];
          const probes: number[] = [];
          first.on('console', (m) => {
            if (m.type() === 'error' || m.type() === 'warning') noise.push(`console ${m.type()}: ${m.text()} (${m.location().url})`);
          });
          first.on('pageerror', (e) => noise.push(`page error: ${e.message}`));
          first.on('requestfailed', (r) => noise.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
          first.on('response', (r) => {
            if (r.url().startsWith(`${vigil.url}/api/v1/session/probe`)) probes.push(r.status());
            if (r.status() >= 400) noise.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
          });
          await first.goto(`${vigil.url}/`);
          await first.getByRole('heading', { name: 'Sign in' }).waitFor();
          await first.getByLabel('Email').waitFor();
          await first.waitForLoadState('networkidle');
          // The app did ask who is signed in, and heard "nobody" without a refusal.
          expect(probes).toEqual([200]);
          expect(noise).toEqual([]);
          // Reloading the sign-in page itself is just as quiet.
          await first.goto(`${vigil.url}/login`);
          await first.getByLabel('Email').waitFor();
          await first.waitForLoadState('networkidle');
          expect(noise).toEqual([]);
        } finally {
          await fresh.close();
        }
      });

      it('two-factor enrolment, then sign-in asks for the code; a recovery code works once', { timeout: 60_000 }, async () => {
        await signInWithPassword();
        await signedIn();
        await page.goto(`${vigil.url}/settings`);
        const card = page.getByRole('region', { name: 'Two-factor authentication', exact: true });
        await card.getByRole('button', { name: 'Set up an authenticator app' }).click();

        // The secret is shown (grouped by four for typing) and in the otpauth link.
        const link = await card.getByLabel('otpauth link', { exact: true }).textContent();
        expect(link).toMatch(/^otpauth:\/\/totp\/Vigil:olive%40harbor\.example\?secret=[A-Z2-7]{32}&issuer=Vigil$/);
        const secret = new URL(link!).searchParams.get('secret')!;
        const shownKey = (await card.locator('p', { hasText: 'Key:' }).locator('code').textContent())!;
        await accessible(page, 'two-factor enrolment');
        expect(shownKey.replace(/\s/g, '')).toBe(secret);

        const confirmedAt = Math.floor(Date.now() / 1000);
        await card.getByLabel('Code from the app').fill(totp(secret, confirmedAt));
        await card.getByRole('button', { name: 'Turn on' }).click();
        const codesText = await card.getByLabel('Recovery codes', { exact: true }).textContent();
        const codes = codesText!.trim().split('\n');
        expect(codes).toHaveLength(10);
        await accessible(page, 'recovery codes');
        for (const c of codes) expect(c).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
        await page.reload();
        await expect.poll(() => card.textContent()).toContain('10 recovery codes left');

        // Signing in now asks for the code; the code of the next step (the step just used is spent; one either side is accepted).
        await signOut();
        await signInWithPassword();
        await page.getByText('Type the 6-digit code your authenticator app shows for Vigil.').waitFor();
        expect(await page.locator('.topbar').count()).toBe(0);
        await accessible(page, 'the second sign-in step');
        await page.getByLabel('Code', { exact: true }).fill(totp(secret, confirmedAt + 30));
        await page.getByRole('button', { name: 'Continue' }).click();
        await signedIn();

        // A recovery code signs in once.
        await signOut();
        await signInWithPassword();
        await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
        await accessible(page, 'the recovery code step');
        await page.getByLabel('Recovery code').fill(codes[3]!);
        await page.getByRole('button', { name: 'Continue' }).click();
        await signedIn();
        await page.goto(`${vigil.url}/settings`);
        await expect.poll(() => card.textContent()).toContain('9 recovery codes left');

        // The same recovery code a second time: refused, still signed out.
        await signOut();
        await signInWithPassword();
        await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
        await page.getByLabel('Recovery code').fill(codes[3]!);
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('alert').waitFor();
        expect(await page.getByRole('alert').textContent()).toMatch(/^recovery_code: .*already used/);
        expect(await page.locator('.topbar').count()).toBe(0);
        // Another one works.
        await page.getByLabel('Recovery code').fill(codes[4]!);
        await page.getByRole('button', { name: 'Continue' }).click();
        await signedIn();
        expect(pageErrors).toEqual([]);
      });

      it('API tokens: a read-only token with an expiry shows its scope, expiry and last use; revoked, it stops working', { timeout: 60_000 }, async () => {
        await page.goto(`${vigil.url}/settings/tokens`);
        const form = page.getByRole('region', { name: 'New token' });
        await form.getByLabel('What it is for').fill('Grafana reader');
        await form.getByLabel('It may').selectOption({ label: 'read only' });
        await form.getByLabel('Expires').selectOption({ label: 'in 30 days' });
        await form.getByRole('button', { name: 'Create token' }).click();
        const token = (await page.getByTestId('new-token').textContent())!.trim();
        await accessible(page, 'the API tokens page');
        expect(token.length).toBeGreaterThan(20);

        const list = page.getByRole('list', { name: 'API tokens' });
        const row = list.getByRole('listitem').filter({ hasText: 'Grafana reader' });
        await expect.poll(() => row.textContent()).toContain('never used');
        expect(await row.textContent()).toContain('read only');
        expect(await row.textContent()).toMatch(/expires /);

        // The API: what the server says about it, then a read (allowed) and a write (refused by the scope).
        const listed = (await (await rest('GET', '/api/v1/api_tokens')).json()) as { api_tokens: { description: string; scope: string; expires_at: string; last_used_at: string | null }[] };
        const mine = listed.api_tokens.find((t) => t.description === 'Grafana reader')!;
        expect(mine.scope).toBe('read');
        const days = (Date.parse(mine.expires_at) - Date.now()) / 86_400_000;
        expect(days).toBeGreaterThan(29.9);
        expect(days).toBeLessThan(30.1);
        expect(mine.last_used_at).toBeNull();
        expect((await rest('GET', '/api/v1/services', undefined, token)).status).toBe(200);
        const write = await rest('POST', '/api/v1/services', { service: { name: 'by the reader' } }, token);
        expect(write.status).toBe(403);
        expect(JSON.stringify(await write.json())).toMatch(/scope is read/);

        await page.reload();
        await expect.poll(() => row.textContent()).toContain('last used');
        expect(await row.textContent()).not.toContain('never used');
        // The expiry shown is the one stored: the day 30 days from now.
        const expiresShown = await row.locator('time').last().getAttribute('datetime');
        expect(expiresShown && Date.parse(expiresShown)).toBe(Date.parse(mine.expires_at));

        await page.getByRole('button', { name: 'Revoke Grafana reader' }).click();
        await expect.poll(() => list.getByRole('listitem').filter({ hasText: 'Grafana reader' }).count()).toBe(0);
        expect((await rest('GET', '/api/v1/services', undefined, token)).status).toBe(401);
        expect(pageErrors).toEqual([]);
      });

      it("sign in with the organization's identity provider: the button, the provider's login and consent pages, signed in", { timeout: 60_000 }, async () => {
        const op = await startProvider(vigil.url);
        try {
          const configured = await rest('PUT', '/api/v1/organization/oidc_configuration', {
            oidc_configuration: { slug: 'harbor', display_name: 'Harbor SSO', issuer: op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, allowed_email_domains: ['harbor.example'] },
          });
          expect(configured.status, await configured.clone().text()).toBe(200);
          const rhea = await rest('POST', '/api/v1/users', { user: { name: 'Rhea Responder', email: 'rhea@harbor.example', role: 'responder' } });
          expect(rhea.status).toBe(201);

          const browserOf = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC', locale: 'en-GB' });
          try {
            const p = await browserOf.newPage();
            p.on('pageerror', (e) => pageErrors.push(e.message));
            await p.goto(`${vigil.url}/login?org=harbor`);
            await p.getByRole('link', { name: 'Sign in with Harbor SSO' }).waitFor();
            await accessible(p, 'the sign-in page with an identity provider');
            await p.getByRole('link', { name: 'Sign in with Harbor SSO' }).click();

            // The provider's own pages.
            await p.waitForURL((u) => u.href.startsWith(op.issuer));
            await p.locator('input[name=login]').fill('rhea');
            await p.locator('input[name=password]').fill('any password');
            await p.getByRole('button', { name: 'Sign-in' }).click();
            await p.getByRole('button', { name: 'Continue' }).click();

            // Back at Vigil, signed in as Rhea.
            await p.waitForURL((u) => u.href.startsWith(vigil.url) && !u.pathname.startsWith('/login'));
            await p.locator('.topbar .who').filter({ hasText: 'Rhea Responder' }).waitFor();
            const me = await p.evaluate(async () => (await (await fetch('/api/v1/session')).json()) as { session: { user: { email: string; role: string } } });
            expect(me.session.user).toMatchObject({ email: 'rhea@harbor.example', role: 'responder' });
          } finally {
            await browserOf.close();
          }
        } finally {
          await op.close();
        }
        const audit = (await (await rest('GET', '/api/v1/audit_log?limit=100')).json()) as { audit_log: { action: string }[] };
        expect(audit.audit_log.map((a) => a.action)).toContain('oidc.sign_in');
        expect(pageErrors).toEqual([]);
      });
    });
  }
});
