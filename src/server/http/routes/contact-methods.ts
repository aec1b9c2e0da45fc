import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { ContactMethod, ContactMethodCreate, ContactMethodUpdate, VerificationSent, VerifyBody } from '../../../contract/contact.js';
import { VigilError, forbidden, notFound } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import {
  CODE_TTL_MS,
  checkOutbound,
  MAX_CODE_ATTEMPTS,
  createContactMethod,
  createVerificationCode,
  deleteContactMethod,
  listContactMethods,
  markVerified,
  requireContactMethod,
  updateContactMethod,
  verifyContactMethod,
} from '../../notify/contact.service.js';
import { findUser } from '../../org/org.service.js';
import { canActOn } from '../../org/roles.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

export const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const MethodParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), cm_id: Type.String({ minLength: 1, maxLength: 64 }) });
export const contactTags = ['contact methods'];

/** Whose methods and rules a request is about (`me` is the caller). Members manage their own; admins anyone's. */
export async function memberOf(deps: AppDeps, request: FastifyRequest, userId: string, write: boolean) {
  const principal = principalOf(request);
  const user = await findUser(deps.db, principal.orgId, userId === 'me' ? principal.userId : userId);
  if (!user) throw notFound(`user ${userId}`);
  if (write && user.id !== principal.userId && !canActOn(principal.role, user.role)) throw forbidden(`a ${principal.role} cannot change the contact methods and notification rules of ${user.role === principal.role ? 'another member' : `a ${user.role}`}`);
  return { orgId: principal.orgId, user };
}

export function contactMethodRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/users/:id/contact_methods',
    { config: { permission: 'read' }, schema: { summary: "A member's contact methods", tags: contactTags, params: UserParams, response: { 200: Type.Object({ contact_methods: Type.Array(ContactMethod) }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, false);
      const methods = await listContactMethods(db, orgId, user.id);
      return { contact_methods: methods.map((m) => p.contactMethod(m, user.name, clock.now(), principalOf(request).userId)) };
    },
  );

  app.post(
    '/api/v1/users/:id/contact_methods',
    {
      config: { permission: 'read', memberRules: ['not_above_own_role'] },
      schema: {
        summary: 'Add a contact method (unverified until a code is read back, or an admin marks a webhook or Slack method verified). A webhook method answers its signing secret, once.',
        tags: contactTags,
        params: UserParams,
        body: ContactMethodCreate,
        response: { 201: Type.Object({ contact_method: ContactMethod }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const { method, secret } = await createContactMethod(db, clock, deps.outbound, orgId, user.id, request.body.contact_method);
      return reply.code(201).send({ contact_method: p.contactMethod(method, user.name, clock.now(), principalOf(request).userId, { secret }) });
    },
  );

  app.get(
    '/api/v1/users/:id/contact_methods/:cm_id',
    { config: { permission: 'read' }, schema: { summary: 'Get a contact method', tags: contactTags, params: MethodParams, response: { 200: Type.Object({ contact_method: ContactMethod }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, false);
      return { contact_method: p.contactMethod(await requireContactMethod(db, orgId, user.id, request.params.cm_id), user.name, clock.now(), principalOf(request).userId) };
    },
  );

  app.put(
    '/api/v1/users/:id/contact_methods/:cm_id',
    {
      config: { permission: 'read', memberRules: ['not_above_own_role'] },
      schema: { summary: 'Update a contact method (a new address must be verified again)', tags: contactTags, params: MethodParams, body: ContactMethodUpdate, response: { 200: Type.Object({ contact_method: ContactMethod }), ...errorResponses } },
    },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      return { contact_method: p.contactMethod(await updateContactMethod(db, deps.outbound, orgId, user.id, request.params.cm_id, request.body.contact_method), user.name, clock.now(), principalOf(request).userId) };
    },
  );

  app.delete(
    '/api/v1/users/:id/contact_methods/:cm_id',
    { config: { permission: 'read', memberRules: ['not_above_own_role'] }, schema: { summary: 'Delete a contact method (and the notification rules that use it)', tags: contactTags, params: MethodParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      await deleteContactMethod(db, clock, orgId, user.id, request.params.cm_id);
      return reply.code(204).send(undefined as never);
    },
  );

  app.post(
    '/api/v1/users/:id/contact_methods/:cm_id/send_verification',
    {
      config: { permission: 'read', memberRules: ['not_above_own_role'] },
      schema: {
        summary: `Send a 6-digit verification code to the method (valid ${CODE_TTL_MS / 60_000} minutes and ${MAX_CODE_ATTEMPTS} attempts; at most one a minute). 202: the code is on its way.`,
        tags: contactTags,
        params: MethodParams,
        response: { 202: VerificationSent, 429: errorResponses[400], ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const cm = await requireContactMethod(db, orgId, user.id, request.params.cm_id);
      await checkOutbound(deps.outbound, cm.type, cm.address);
      const code = await createVerificationCode(db, clock, orgId, cm.id);
      if (deps.sendVerification) {
        try {
          await deps.sendVerification(orgId, cm.id, code);
        } catch (err) {
          request.log.warn({ err, contactMethodId: cm.id }, 'verification code could not be queued');
          throw new VigilError('unavailable', ['the verification code could not be queued; retry shortly'], { retryAfterSeconds: 5 });
        }
      }
      const fresh = await requireContactMethod(db, orgId, user.id, cm.id);
      return reply.code(202).send({ contact_method: p.contactMethod(fresh, user.name, clock.now(), principalOf(request).userId), verification: { expires_at: iso(Number(fresh.verification_expires_at)), attempts_allowed: MAX_CODE_ATTEMPTS } });
    },
  );

  app.post(
    '/api/v1/users/:id/contact_methods/:cm_id/verify',
    { config: { permission: 'read', memberRules: ['not_above_own_role'] }, schema: { summary: 'Read the code back; a wrong code uses up an attempt', tags: contactTags, params: MethodParams, body: VerifyBody, response: { 200: Type.Object({ contact_method: ContactMethod }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const cm = await verifyContactMethod(db, clock, orgId, user.id, request.params.cm_id, request.body.code);
      return { contact_method: p.contactMethod(cm, user.name, clock.now(), principalOf(request).userId) };
    },
  );

  app.post(
    '/api/v1/users/:id/contact_methods/:cm_id/mark_verified',
    { config: { memberRules: ['not_above_own_role'] }, schema: { summary: 'Admins: mark a webhook or Slack method verified (they cannot read a code back)', tags: contactTags, params: MethodParams, response: { 200: Type.Object({ contact_method: ContactMethod }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      return { contact_method: p.contactMethod(await markVerified(db, clock, orgId, user.id, request.params.cm_id), user.name, clock.now(), principalOf(request).userId) };
    },
  );
}
