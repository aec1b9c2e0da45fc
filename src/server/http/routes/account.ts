/**
 * Sign-in and account routes for the web UI: session (sign in, who am I, sign
 * out), password change, password reset and invitation by emailed one-time link.
 * Public routes accept JSON bodies only, so a form on another site cannot post to
 * them (the app answers other content types 415), and a page on another origin
 * cannot read their answers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AccountLink, InvitationSent, ResetRequested, Session, SignInAnswer } from '../../../contract/account.js';
import * as twoFactor from '../../account/two-factor.service.js';
import { passwordSignInAllowed } from '../../account/oidc.service.js';
import { errorResponses } from '../../../contract/common.js';
import { VigilError, forbidden } from '../../errors.js';
import { canGrant, isRole } from '../../org/roles.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { audit } from '../../volunteer/access.service.js';
import * as account from '../../account/account.service.js';
import { SESSION_COOKIE, secureCookies, serializeCookie } from '../cookies.js';
import { mailerFromConfig, type AccountMailer } from '../../account/mailer.js';
import { presentInvitation, presentLink, presentSession } from '../presenters/account.js';
import { ResetThrottle, SIGN_IN_LIMITS, SignInThrottle, type SignInLimits } from '../../account/throttle.js';

const Email = Type.String({ minLength: 3, maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const tags = ['web session'];

export function accountRoutes(app: App, deps: AppDeps, mailer: AccountMailer = mailerFromConfig(deps.config.smtp), limits: SignInLimits = SIGN_IN_LIMITS): void {
  const ctx = accountContext(app, deps, mailer, limits);
  sessionRoutes(app, ctx);
  passwordRoutes(app, ctx);
  linkRoutes(app, ctx);
}

/** What the account routes share: the throttles, the mailer, and signing a member in. */
type AccountContext = ReturnType<typeof accountContext>;

function accountContext(app: App, deps: AppDeps, mailer: AccountMailer, limits: SignInLimits) {
  const { db, clock } = deps;
  // Failed sign-ins: per (email, address), per address, and per account (slowed, never refused); account/throttle.ts says why.
  const signInThrottle = new SignInThrottle(limits);
  // Reset emails: 5 per email and 20 per address in 15 minutes, so a mailbox cannot be flooded; they never block signing in.
  const resetThrottle = new ResetThrottle(5, 20);
  const secure = secureCookies(deps.config.publicUrl);
  // Reset emails are sent after the answer (see POST /password_resets); closing the app waits for them.
  const resetsInFlight = new Set<Promise<unknown>>();
  app.addHook('onClose', async () => {
    await Promise.allSettled([...resetsInFlight]);
  });

  async function view(orgId: string, userId: string, csrf: string, expiresAt: number | null) {
    const v = await account.sessionView(db, orgId, userId);
    return { ...presentSession(v, { csrfToken: csrf, expiresAt, emailConfigured: mailer.configured }), two_factor_enrolment_required: await twoFactor.enrolmentRequired(db, orgId, userId, v.user.role) };
  }

  /** A member with two-factor authentication active gets a second-step ticket instead of a session. */
  async function signInOrTicket(request: FastifyRequest, reply: FastifyReply, orgId: string, userId: string) {
    if (await twoFactor.isActive(db, orgId, userId)) {
      const t = await twoFactor.createTicket(db, clock.now(), orgId, userId);
      reply.header('cache-control', 'no-store');
      return { two_factor: { ticket: t.ticket, expires_at: new Date(t.expiresAt).toISOString() } };
    }
    return { session: await signIn(request, reply, orgId, userId) };
  }

  async function signIn(request: FastifyRequest, reply: FastifyReply, orgId: string, userId: string) {
    const s = await account.createSession(db, clock.now(), orgId, userId, request.headers['user-agent']);
    reply.header('set-cookie', serializeCookie(SESSION_COOKIE, s.token, { maxAgeSeconds: (s.expiresAt - clock.now()) / 1000, secure }));
    reply.header('cache-control', 'no-store');
    return view(orgId, userId, s.csrfToken, s.expiresAt);
  }

  return { deps, mailer, signInThrottle, resetThrottle, resetsInFlight, secure, view, signIn, signInOrTicket };
}

/** Signing in (password, then the second factor where it is on), who am I, signing out. */
function sessionRoutes(app: App, ctx: AccountContext): void {
  const { deps, signInThrottle, secure, view, signIn, signInOrTicket } = ctx;
  const { db, clock } = deps;
  app.post(
    '/api/v1/session',
    {
      config: { permission: 'public' },
      schema: {
        summary: 'Sign in with email and password. Sets the HttpOnly session cookie. When the same email and password open several organizations, answers their list instead: send again with organization_id.',
        tags,
        body: Type.Object({ email: Email, password: Password, organization_id: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: SignInAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { email, password, organization_id } = request.body;
      const now = clock.now();
      // request.ip is the client's address as VIGIL_TRUST_PROXY allows (Fastify's trustProxy).
      const decision = signInThrottle.decide(email, request.ip, now);
      if (decision.kind === 'refuse') {
        const why = decision.why === 'address' ? 'too many failed sign-ins from this address' : 'too many failed sign-ins for this email from this address';
        throw new VigilError('rate_limited', [`${why}; wait and try again, or reset the password`], { retryAfterSeconds: decision.retryAfterSeconds });
      }
      // Someone is guessing this account from elsewhere: the slow path, never a lockout.
      if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
      let r: account.LoginResult;
      try {
        r = await account.checkCredentials(db, { email, password, ...(organization_id ? { organizationId: organization_id } : {}) }, deps.config.passwordCost);
      } catch (err) {
        if (err instanceof VigilError && err.kind === 'unauthenticated') signInThrottle.failed(email, request.ip, now);
        throw err;
      }
      if (r.kind === 'choose') {
        signInThrottle.succeeded(email, request.ip);
        return { organizations: r.organizations };
      }
      // The organization signs in through its identity provider; owners keep their password as break-glass.
      if (!(await passwordSignInAllowed(db, r.orgId, r.role))) {
        await audit(db, r.orgId, r.userId, 'oidc.password_sign_in_refused', `users/${r.userId}`, now);
        throw new VigilError('forbidden', ['this organization signs in through its identity provider: use "Sign in with" on the sign-in page']);
      }
      const answer = await signInOrTicket(request, reply, r.orgId, r.userId);
      // A right password with a second step to come clears nothing: wrong codes must keep counting across tickets.
      if (answer.session) signInThrottle.succeeded(email, request.ip);
      return answer;
    },
  );

  app.post(
    '/api/v1/session/two_factor',
    {
      config: { permission: 'public' },
      schema: {
        summary: 'The second step of signing in with two-factor authentication: the ticket from POST /api/v1/session and a current code (or a single-use recovery code). Sets the session cookie. Wrong codes count toward the sign-in throttle; a ticket lives 5 minutes and takes 5 wrong codes.',
        tags,
        body: Type.Object({
          ticket: Type.String({ minLength: 1, maxLength: 200 }),
          code: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
          recovery_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        }),
        response: { 200: Type.Object({ session: Session }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { ticket, code, recovery_code } = request.body;
      const t = await twoFactor.openTicket(db, clock, ticket);
      const now = clock.now();
      const decision = signInThrottle.decide(t.email, request.ip, now);
      if (decision.kind === 'refuse') throw new VigilError('rate_limited', ['too many failed sign-ins; wait and try again'], { retryAfterSeconds: decision.retryAfterSeconds });
      if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
      let used: 'totp' | 'recovery';
      try {
        used = await twoFactor.completeTicket(db, clock, t, { code, recoveryCode: recovery_code });
      } catch (err) {
        if (err instanceof VigilError && err.kind === 'unauthenticated') signInThrottle.failed(t.email, request.ip, now);
        throw err;
      }
      signInThrottle.succeeded(t.email, request.ip);
      if (used === 'recovery') await audit(db, t.org_id, t.user_id, 'two_factor.recovery_code_use', `users/${t.user_id}`, now);
      return { session: await signIn(request, reply, t.org_id, t.user_id) };
    },
  );

  app.get(
    '/api/v1/session',
    { config: { permission: 'read', volunteerAccess: 'open', twoFactorEnrolment: true }, schema: { summary: 'The signed-in member, the organization, and the CSRF token of this session', tags, response: { 200: Type.Object({ session: Session }), ...errorResponses } } },
    async (request, reply) => {
      const p = principalOf(request);
      reply.header('cache-control', 'no-store');
      return { session: await view(p.orgId, p.userId, request.webSession?.csrfToken ?? '', request.webSession?.expiresAt ?? null) };
    },
  );

  // The web app's first question. GET /api/v1/session answers 401 to a browser that is not
  // signed in, which the browser logs as a failed request on every signed-out visit; this one
  // answers 200 either way. It reads the session cookie only (never a token) and gives nothing
  // to a visitor without a live session.
  app.get(
    '/api/v1/session/probe',
    {
      config: { permission: 'public', sessionProbe: true, twoFactorEnrolment: true, volunteerAccess: 'open' },
      schema: {
        summary: "The browser's session, like GET /api/v1/session, or {\"session\": null} (still 200) when the request carries no live session cookie. API tokens are not read here: use GET /api/v1/session.",
        tags,
        response: { 200: Type.Object({ session: Type.Union([Session, Type.Null()]) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const p = request.principal;
      const web = request.webSession;
      if (!p || !web) return { session: null };
      return { session: await view(p.orgId, p.userId, web.csrfToken, web.expiresAt) };
    },
  );

  app.delete(
    '/api/v1/session',
    { config: { permission: 'read', volunteerAccess: 'open', twoFactorEnrolment: true }, schema: { summary: 'Sign out: ends this session and clears its cookie', tags, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const p = principalOf(request);
      if (request.webSession) await account.endSession(db, clock, p.orgId, request.webSession.id);
      reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure }));
      return reply.code(204).send(undefined as never);
    },
  );
}

/** Changing a password, and asking for a reset link by email. */
function passwordRoutes(app: App, ctx: AccountContext): void {
  const { deps, mailer, resetThrottle, resetsInFlight } = ctx;
  const { db, clock } = deps;
  app.put(
    '/api/v1/session/password',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: { summary: 'Change your password; signs out your other sessions', tags, body: Type.Object({ current_password: Type.String({ maxLength: 1024 }), new_password: Password }), response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      const p = principalOf(request);
      await account.changePassword(db, clock, p.orgId, p.userId, request.body.current_password, request.body.new_password, request.webSession?.id, deps.config.passwordCost);
      return reply.code(204).send(undefined as never);
    },
  );

  app.post(
    '/api/v1/password_resets',
    {
      config: { permission: 'public' },
      schema: {
        summary: 'Email a one-time password reset link (valid one hour) to every membership of this email. Always answers 202, whether or not the email is known.',
        tags,
        body: Type.Object({ email: Email }),
        response: { 202: ResetRequested, ...errorResponses },
      },
    },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      const now = clock.now();
      const wait = resetThrottle.take(email, request.ip, now);
      if (wait > 0) throw new VigilError('rate_limited', ['too many requests; wait and try again'], { retryAfterSeconds: wait });
      // The answer leaves before any lookup or mail: its timing is the same for a member and a stranger.
      const work = account
        .sendPasswordResets(db, clock, mailer, deps.config.publicUrl, email, (message) => request.log.warn(message))
        .catch((err: unknown) => request.log.error({ err }, 'password reset could not be sent'))
        .finally(() => resetsInFlight.delete(work));
      resetsInFlight.add(work);
      return reply.code(202).send({ message: 'If this email belongs to a member, a reset link is on its way.' });
    },
  );
}

/** Emailed one-time links (what a link is for, using it) and invitations. */
function linkRoutes(app: App, ctx: AccountContext): void {
  const { deps, mailer, signInOrTicket } = ctx;
  const { db, clock } = deps;
  app.post(
    '/api/v1/account_links/inspect',
    { config: { permission: 'public' }, schema: { summary: 'What an emailed one-time link is for (does not use it)', tags, body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }), response: { 200: Type.Object({ link: AccountLink }), ...errorResponses } } },
    async (request) => {
      return { link: presentLink(await account.inspectLink(db, clock, request.body.token)) };
    },
  );

  app.post(
    '/api/v1/account_links/redeem',
    {
      config: { permission: 'public' },
      schema: {
        summary: 'Use an invitation or reset link: set the password and sign in (with two-factor authentication active: answers a second-step ticket instead). Other sessions of the member end.',
        tags,
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Password, name: Type.Optional(Type.String({ maxLength: 255 })) }),
        response: { 200: SignInAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, userId } = await account.redeemLink(db, clock, request.body.token, request.body.password, request.body.name, deps.config.passwordCost);
      const { user } = await account.sessionView(db, orgId, userId);
      if (!(await passwordSignInAllowed(db, orgId, user.role))) throw new VigilError('forbidden', ['the password is set, but this organization signs in through its identity provider: use "Sign in with" on the sign-in page']);
      // A reset link proves the mailbox, not the second factor.
      return signInOrTicket(request, reply, orgId, userId);
    },
  );

  app.post(
    '/api/v1/invitations',
    {
      config: { memberRules: ['not_above_own_role', 'owner_role_by_owner'] },
      schema: {
        summary: 'Invite a member by email (admin): adds them without a password and emails a one-time link, valid 7 days, to choose one. An email that is already a member is refused (409), except to resend the pending invitation of a member who has no password yet, with their role unchanged, and only by someone whose role is at least theirs (else 403). Without SMTP the answer carries the link, to pass on by hand.',
        tags,
        body: Type.Object({ invitation: Type.Object({ email: Email, name: Type.Optional(Type.String({ maxLength: 255 })), role: Type.Optional(Type.String({ maxLength: 32 })) }) }),
        response: {
          201: InvitationSent,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body.invitation;
      if (b.role !== undefined && !isRole(b.role)) throw new VigilError('invalid_input', [`invitation.role must be one of owner, admin, responder, volunteer, observer`]);
      const role = b.role ?? 'responder';
      if (!canGrant(p.role, role)) throw forbidden(`a ${p.role} cannot grant the ${role} role`);
      const invitation = await account.invite(db, clock, mailer, deps.config.publicUrl, p, { email: b.email, ...(b.name ? { name: b.name } : {}), ...(b.role !== undefined ? { role: b.role } : {}) });
      await audit(db, p.orgId, p.userId, `invitation.send ${invitation.user.role}`, `users/${invitation.user.id}`, clock.now());
      return reply.code(201).send(presentInvitation(invitation));
    },
  );
}
