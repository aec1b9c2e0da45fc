/**
 * Two-factor authentication (issue 14 item 9): one's own enrolment, status and disabling
 * (under /api/v1/session, cookie or token), the organization's requirement (owners), and
 * a manager's reset of another member's (never of a role above their own). The second
 * step of signing in is in routes/account.ts, beside the sign-in throttle it shares.
 * Routes marked `twoFactorEnrolment` stay open to a session that the organization's
 * requirement holds to enrolment (http/plugins/session.ts).
 */
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import * as twoFactor from '../../account/two-factor.service.js';
import { mailerFromConfig, twoFactorResetEmail, type AccountMailer } from '../../account/mailer.js';
import { audit } from '../../volunteer/access.service.js';
import { forbidden } from '../../errors.js';
import type { FastifyRequest } from 'fastify';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

const tags = ['two-factor authentication'];
const Status = Type.Object({
  active: Type.Boolean(),
  pending: Type.Boolean({ description: 'Enrolment started, not yet confirmed with a code.' }),
  recovery_codes_left: Type.Integer(),
  required: Type.Boolean({ description: 'The organization requires two-factor authentication of your role.' }),
});
const Factor = {
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  recovery_code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
};
const Policy = Type.Object({ require_two_factor_for: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 5 }) });
const own = { permission: 'read', volunteerAccess: 'open', twoFactorEnrolment: true } as const;
/** Routes that call browserOnly: the OpenAPI document shows they take no API token. */
const ownInBrowser = { ...own, webSessionOnly: true } as const;

/**
 * Turning one's own 2FA on or off takes a signed-in browser session: an API token (a
 * script's credential, perhaps leaked from CI) must not be able to put an authenticator
 * of its holder's choosing in front of its member's web sign-in, or take one away.
 */
function browserOnly(request: FastifyRequest) {
  const p = principalOf(request);
  if (!request.webSession) throw forbidden('two-factor authentication is turned on and off from a signed-in browser session, not with an API token');
  return p;
}

export function twoFactorRoutes(app: App, deps: AppDeps, mailer: AccountMailer = mailerFromConfig(deps.config.smtp)): void {
  const { db, clock } = deps;

  app.get(
    '/api/v1/session/two_factor',
    { config: own, schema: { summary: 'Your two-factor authentication: active, pending, recovery codes left, and whether your role requires it', tags, response: { 200: Type.Object({ two_factor: Status }), ...errorResponses } } },
    async (request) => {
      const p = principalOf(request);
      const s = await twoFactor.status(db, p.orgId, p.userId, p.role);
      return { two_factor: { active: s.active, pending: s.pending, recovery_codes_left: s.recoveryCodesLeft, required: s.required } };
    },
  );

  app.post(
    '/api/v1/session/two_factor/enrolment',
    {
      config: ownInBrowser,
      schema: {
        summary: 'Start enrolling an authenticator app: a new secret and its otpauth:// URI, shown this once. Not active until confirmed with a code.',
        tags,
        response: { 201: Type.Object({ enrolment: Type.Object({ secret: Type.String({ description: 'Base32, 160 bits' }), otpauth_uri: Type.String() }) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = browserOnly(request);
      const e = await twoFactor.startEnrolment(db, clock, p.orgId, { id: p.userId, email: p.email });
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ enrolment: { secret: e.secret, otpauth_uri: e.uri } });
    },
  );

  app.post(
    '/api/v1/session/two_factor/enrolment/confirm',
    {
      config: ownInBrowser,
      schema: {
        summary: 'Confirm enrolment with the current code of the authenticator: two-factor authentication is then active. Answers ten single-use recovery codes, shown this once.',
        tags,
        body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 16 }) }),
        response: { 200: Type.Object({ recovery_codes: Type.Array(Type.String()) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = browserOnly(request);
      const codes = await twoFactor.confirmEnrolment(db, clock, p.orgId, p.userId, request.body.code);
      await audit(db, p.orgId, p.userId, 'two_factor.enable', `users/${p.userId}`, clock.now());
      reply.header('cache-control', 'no-store');
      return { recovery_codes: codes };
    },
  );

  app.post(
    '/api/v1/session/two_factor/disable',
    {
      config: { permission: 'read', volunteerAccess: 'open', webSessionOnly: true },
      schema: {
        summary: 'Disable your two-factor authentication: your current password and a current code (or a recovery code)',
        tags,
        body: Type.Object({ password: Type.String({ maxLength: 1024 }), ...Factor }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = browserOnly(request);
      const b = request.body;
      const used = await twoFactor.disable(db, clock, p.orgId, p.userId, b.password, { code: b.code, recoveryCode: b.recovery_code });
      if (used === 'recovery') await audit(db, p.orgId, p.userId, 'two_factor.recovery_code_use', `users/${p.userId}`, clock.now());
      await audit(db, p.orgId, p.userId, 'two_factor.disable', `users/${p.userId}`, clock.now());
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/organization/two_factor_policy',
    { config: { permission: 'read' }, schema: { summary: 'The roles this organization requires two-factor authentication for', tags, response: { 200: Type.Object({ two_factor_policy: Policy }), ...errorResponses } } },
    async (request) => {
      return { two_factor_policy: { require_two_factor_for: await twoFactor.policy(db, principalOf(request).orgId) } };
    },
  );

  app.put(
    '/api/v1/organization/two_factor_policy',
    {
      config: { permission: 'own' },
      schema: {
        summary: 'Require two-factor authentication for owners and/or admins (owner). A member of a listed role without it then signs in to enrolment only.',
        tags,
        body: Type.Object({ two_factor_policy: Policy }),
        response: { 200: Type.Object({ two_factor_policy: Policy }), ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const roles = await twoFactor.setPolicy(db, clock, p.orgId, request.body.two_factor_policy.require_two_factor_for);
      await audit(db, p.orgId, p.userId, `two_factor.policy ${roles.join(',') || 'none'}`, 'organization', clock.now());
      return { two_factor_policy: { require_two_factor_for: roles } };
    },
  );

  app.delete(
    '/api/v1/users/:id/two_factor',
    {
      config: { permission: 'manage', memberRules: ['not_above_own_role'] },
      schema: {
        summary: "Remove another member's two-factor authentication (they lost their authenticator and recovery codes). Never of a role above your own; the member is told by email.",
        tags,
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const { target, orgName, locale } = await twoFactor.adminReset(db, p, request.params.id);
      await audit(db, p.orgId, p.userId, `two_factor.reset ${target.role}`, `users/${target.id}`, clock.now());
      const sent = await mailer.send(twoFactorResetEmail({ locale, name: target.name, email: target.email, orgName, by: p.name }));
      if (!sent) request.log.warn('two-factor reset: the member could not be told by email (no SMTP server configured, or the relay refused)');
      return reply.code(204).send(undefined as never);
    },
  );
}
