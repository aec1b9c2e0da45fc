/**
 * Sign-in with the organization's identity provider (OpenID Connect, issue 14 item 8):
 * the owner's configuration resource, and the two browser steps of the flow. The flow
 * ends with the same web session cookie as a password sign-in; every refusal lands on
 * the sign-in page (`/login?oidc_error=...`) with no session, and is audited.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { VigilError } from '../../errors.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { audit } from '../../volunteer/access.service.js';
import * as account from '../../account/account.service.js';
import * as oidc from '../../account/oidc.service.js';
import { SESSION_COOKIE, parseCookies, secureCookies, serializeCookie } from '../cookies.js';

/** Binds a sign-in in flight to the browser that started it; only sent to the callback. */
const STATE_COOKIE = 'vigil_oidc_state';
const STATE_PATH = '/api/v1/auth/oidc/callback';

const tags = ['web session'];
const GroupRole = Type.Object({ group: Type.String(), role: Type.String() });
const OidcConfiguration = Type.Object({
  slug: Type.Union([Type.String(), Type.Null()], { description: 'A short name for sign-in links: /api/v1/auth/oidc/start?org=<slug>. The organization id always works too.' }),
  display_name: Type.String({ description: 'Shown on the button: "Sign in with <display_name>".' }),
  issuer: Type.String({ description: 'The issuer URL; discovery reads <issuer>/.well-known/openid-configuration and its issuer must equal this.' }),
  client_id: Type.String(),
  client_secret_hint: Type.String({ description: 'The client secret is write-only: only its last characters are shown.' }),
  allowed_email_domains: Type.Array(Type.String(), { description: 'Only emails of these domains sign in (empty: any). Required for just-in-time membership.' }),
  groups_claim: Type.String({ description: 'The claim that lists the member\'s groups (default "groups").' }),
  group_roles: Type.Array(GroupRole, { description: 'For members created just in time: the first entry whose group they are in gives the role (else responder). Never owner.' }),
  jit_membership: Type.Boolean({ description: 'Create a member on their first sign-in (default false).' }),
  password_sign_in: Type.Boolean({ description: 'When false, members sign in only through the provider; owners keep their password (break-glass). Default true.' }),
  redirect_uri: Type.String({ description: 'The redirect URI to register with the provider.' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export function oidcRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;
  const publicUrl = deps.config.publicUrl;
  const secure = secureCookies(publicUrl);

  app.get(
    '/api/v1/organization/oidc_configuration',
    { config: { permission: 'own' }, schema: { summary: "Sign-in with the organization's identity provider (owner): the OpenID Connect configuration", tags, response: { 200: Type.Object({ oidc_configuration: OidcConfiguration }), ...errorResponses } } },
    async (request) => {
      const c = await oidc.getConfig(db, principalOf(request).orgId);
      if (!c) throw new VigilError('not_found', ['no identity provider is configured; PUT one']);
      return { oidc_configuration: oidc.present(c, publicUrl) };
    },
  );

  app.put(
    '/api/v1/organization/oidc_configuration',
    {
      config: { permission: 'own' },
      schema: {
        summary: "Create or change the OpenID Connect configuration (owner). Fields left out keep their value; the first time, issuer, client_id and client_secret are required. client_secret is write-only.",
        tags,
        body: Type.Object({ oidc_configuration: Type.Record(Type.String(), Type.Unknown()) }),
        response: { 200: Type.Object({ oidc_configuration: OidcConfiguration }), ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const c = await oidc.putConfig(db, clock, p.orgId, request.body.oidc_configuration);
      await audit(db, p.orgId, p.userId, `oidc.configure jit=${c.jit_membership === 1} password_sign_in=${c.password_sign_in === 1}`, 'organization', clock.now());
      return { oidc_configuration: oidc.present(c, publicUrl) };
    },
  );

  app.delete(
    '/api/v1/organization/oidc_configuration',
    { config: { permission: 'own' }, schema: { summary: 'Remove the OpenID Connect configuration (owner); password sign-in is open to everyone again', tags, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const p = principalOf(request);
      if (!(await oidc.deleteConfig(db, p.orgId))) throw new VigilError('not_found', ['no identity provider is configured']);
      await audit(db, p.orgId, p.userId, 'oidc.remove', 'organization', clock.now());
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/auth/oidc/provider',
    {
      config: { permission: 'public' },
      schema: {
        summary: "For the sign-in page: whether the organization (slug or id) signs in with an identity provider, and its name",
        tags,
        querystring: Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Type.Object({ provider: Type.Object({ display_name: Type.String(), password_sign_in: Type.Boolean(), start_url: Type.String() }) }), ...errorResponses },
      },
    },
    async (request) => {
      const p = await oidc.publicProvider(db, request.query.org);
      if (!p) throw new VigilError('not_found', ['this organization has no identity provider configured for sign-in']);
      return { provider: { ...p, start_url: `/api/v1/auth/oidc/start?org=${encodeURIComponent(request.query.org)}` } };
    },
  );

  /** Every refusal: audited when the organization is known, then the sign-in page with the reason, and no session. */
  async function refuse(reply: FastifyReply, err: unknown, request: FastifyRequest) {
    const r = err instanceof oidc.OidcRefusal ? err : new oidc.OidcRefusal('failed', 'signing in with the identity provider failed');
    if (!(err instanceof oidc.OidcRefusal)) request.log.error({ err }, 'OpenID Connect sign-in failed');
    if (r.orgId) await audit(db, r.orgId, null, `oidc.sign_in_refused ${r.code}`, 'organization', clock.now()).catch(() => undefined);
    reply.header('cache-control', 'no-store');
    return reply.redirect(`${publicUrl}/login?oidc_error=${encodeURIComponent(r.code)}&reason=${encodeURIComponent(r.message)}`, 303);
  }

  app.get(
    '/api/v1/auth/oidc/start',
    {
      config: { permission: 'public' },
      schema: { summary: "Sign in with the organization's identity provider: redirects there (authorization code flow, PKCE S256, state and nonce kept server-side for 10 minutes)", tags, querystring: Type.Object({ org: Type.String({ minLength: 1, maxLength: 64 }) }) },
    },
    async (request, reply) => {
      try {
        const { url, state } = await oidc.start(db, deps.outbound, clock, publicUrl, request.query.org);
        reply.header('set-cookie', serializeCookie(STATE_COOKIE, state, { maxAgeSeconds: oidc.OIDC_LOGIN_TTL_MS / 1000, secure, path: STATE_PATH }));
        reply.header('cache-control', 'no-store');
        return reply.redirect(url, 303);
      } catch (err) {
        return refuse(reply, err, request);
      }
    },
  );

  app.get(
    '/api/v1/auth/oidc/callback',
    { config: { permission: 'public' }, schema: { summary: 'Where the identity provider sends the browser back: signs in (sets the session cookie) and redirects to the app, or to the sign-in page with the reason', tags } },
    async (request, reply) => {
      reply.header('set-cookie', serializeCookie(STATE_COOKIE, '', { maxAgeSeconds: 0, secure, path: STATE_PATH }));
      try {
        const done = await oidc.finish(db, deps.outbound, clock, publicUrl, new URL(request.url, publicUrl), parseCookies(request.headers.cookie)[STATE_COOKIE]);
        if (done.created) await audit(db, done.orgId, done.userId, 'oidc.jit_membership', `users/${done.userId}`, clock.now());
        await audit(db, done.orgId, done.userId, 'oidc.sign_in', `users/${done.userId}`, clock.now());
        const s = await account.createSession(db, clock.now(), done.orgId, done.userId, request.headers['user-agent']);
        // Fastify appends to set-cookie: the state cookie's removal above stays.
        reply.header('set-cookie', serializeCookie(SESSION_COOKIE, s.token, { maxAgeSeconds: (s.expiresAt - clock.now()) / 1000, secure }));
        reply.header('cache-control', 'no-store');
        return reply.redirect(`${publicUrl}/`, 303);
      } catch (err) {
        return refuse(reply, err, request);
      }
    },
  );
}
