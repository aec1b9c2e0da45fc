import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { ContactMethod, ContactMethodCreate, ContactMethodUpdate, NotificationRule, NotificationRuleCreate, NotificationRuleUpdate, VerificationSent, VerifyBody } from '../../../contract/contact.js';
import { VigilError, forbidden, notFound } from '../../errors.js';
import { iso, isoOrNull } from '../../lib/clock.js';
import {
  CODE_TTL_MS,
  MAX_CODE_ATTEMPTS,
  createContactMethod,
  createNotificationRule,
  createVerificationCode,
  markVerified,
  requireContactMethod,
  requireRule,
  updateContactMethod,
  updateNotificationRule,
  verifyContactMethod,
  wireType,
} from '../../notify/contact.service.js';
import * as store from '../../notify/contact.store.js';
import { getUser } from '../../org/org.store.js';
import { can } from '../../org/roles.js';
import type { ContactMethodTable, NotificationRuleTable } from '../../storage/schema.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const MethodParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), cm_id: Type.String({ minLength: 1, maxLength: 64 }) });
const RuleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), rule_id: Type.String({ minLength: 1, maxLength: 64 }) });

export function contactRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  /** Members manage their own methods and rules; admins anyone's. */
  async function owner(request: FastifyRequest, userId: string, write: boolean) {
    const principal = principalOf(request);
    const user = await getUser(db, principal.orgId, userId === 'me' ? principal.userId : userId);
    if (!user) throw notFound(`user ${userId}`);
    if (write && user.id !== principal.userId && !can(principal.role, 'manage')) throw forbidden("only admins can change another member's contact methods and notification rules");
    return { orgId: principal.orgId, user };
  }

  const presentMethod = (cm: ContactMethodTable, userName: string, secret?: string | null) => ({
    id: cm.id,
    type: wireType(cm.type),
    summary: cm.label,
    self: `${p.baseUrl}/api/v1/users/${cm.user_id}/contact_methods/${cm.id}`,
    html_url: null,
    label: cm.label,
    address: cm.address,
    user: p.ref('user_reference', cm.user_id, userName, 'users'),
    enabled: cm.verified_at !== null,
    verified: cm.verified_at !== null,
    verified_at: isoOrNull(cm.verified_at === null ? null : Number(cm.verified_at)),
    verification_pending: cm.verified_at === null && cm.verification_code_hash !== null && Number(cm.verification_expires_at) > clock.now(),
    created_at: iso(Number(cm.created_at)),
    ...(secret ? { secret } : {}),
  });

  const presentRule = (r: NotificationRuleTable, cm: ContactMethodTable) => ({
    id: r.id,
    type: 'assignment_notification_rule' as const,
    summary: `${r.urgency} urgency: ${cm.label} after ${Number(r.start_delay_in_minutes)} min`,
    self: `${p.baseUrl}/api/v1/users/${r.user_id}/notification_rules/${r.id}`,
    html_url: null,
    start_delay_in_minutes: Number(r.start_delay_in_minutes),
    contact_method: { id: cm.id, type: `${wireType(cm.type)}_reference`, summary: cm.label, self: `${p.baseUrl}/api/v1/users/${cm.user_id}/contact_methods/${cm.id}`, html_url: null },
    urgency: r.urgency,
    created_at: iso(Number(r.created_at)),
  });

  const tags = ['contact methods'];

  app.get(
    '/api/v1/users/:id/contact_methods',
    { config: { permission: 'read' }, schema: { summary: "A member's contact methods", tags, params: UserParams, response: { 200: Type.Object({ contact_methods: Type.Array(ContactMethod) }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await owner(request, request.params.id, false);
      const methods = await store.listContactMethods(db, orgId, [user.id]);
      return { contact_methods: methods.map((m) => presentMethod(m, user.name)) };
    },
  );

  app.post(
    '/api/v1/users/:id/contact_methods',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Add a contact method (unverified until a code is read back, or an admin marks a webhook or Slack method verified). A webhook method answers its signing secret, once.',
        tags,
        params: UserParams,
        body: ContactMethodCreate,
        response: { 201: Type.Object({ contact_method: ContactMethod }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, user } = await owner(request, request.params.id, true);
      const { method, secret } = await createContactMethod(db, clock, orgId, user.id, request.body.contact_method);
      return reply.code(201).send({ contact_method: presentMethod(method, user.name, secret) });
    },
  );

  app.get(
    '/api/v1/users/:id/contact_methods/:cm_id',
    { config: { permission: 'read' }, schema: { summary: 'Get a contact method', tags, params: MethodParams, response: { 200: Type.Object({ contact_method: ContactMethod }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await owner(request, request.params.id, false);
      return { contact_method: presentMethod(await requireContactMethod(db, orgId, user.id, request.params.cm_id), user.name) };
    },
  );

  app.put(
    '/api/v1/users/:id/contact_methods/:cm_id',
    {
      config: { permission: 'read' },
      schema: { summary: 'Update a contact method (a new address must be verified again)', tags, params: MethodParams, body: ContactMethodUpdate, response: { 200: Type.Object({ contact_method: ContactMethod }), ...errorResponses } },
    },
    async (request) => {
      const { orgId, user } = await owner(request, request.params.id, true);
      return { contact_method: presentMethod(await updateContactMethod(db, orgId, user.id, request.params.cm_id, request.body.contact_method), user.name) };
    },
  );

  app.delete(
    '/api/v1/users/:id/contact_methods/:cm_id',
    { config: { permission: 'read' }, schema: { summary: 'Delete a contact method (and the notification rules that use it)', tags, params: MethodParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId, user } = await owner(request, request.params.id, true);
      const cm = await requireContactMethod(db, orgId, user.id, request.params.cm_id);
      await store.softDeleteContactMethod(db, orgId, cm.id, clock.now());
      return reply.code(204).send(undefined as never);
    },
  );

  app.post(
    '/api/v1/users/:id/contact_methods/:cm_id/send_verification',
    {
      config: { permission: 'read' },
      schema: {
        summary: `Send a 6-digit verification code to the method (valid ${CODE_TTL_MS / 60_000} minutes and ${MAX_CODE_ATTEMPTS} attempts; at most one a minute). 202: the code is on its way.`,
        tags,
        params: MethodParams,
        response: { 202: VerificationSent, 429: errorResponses[400], ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, user } = await owner(request, request.params.id, true);
      const cm = await requireContactMethod(db, orgId, user.id, request.params.cm_id);
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
      return reply.code(202).send({ contact_method: presentMethod(fresh, user.name), verification: { expires_at: iso(Number(fresh.verification_expires_at)), attempts_allowed: MAX_CODE_ATTEMPTS } });
    },
  );

  app.post(
    '/api/v1/users/:id/contact_methods/:cm_id/verify',
    { config: { permission: 'read' }, schema: { summary: 'Read the code back; a wrong code uses up an attempt', tags, params: MethodParams, body: VerifyBody, response: { 200: Type.Object({ contact_method: ContactMethod }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await owner(request, request.params.id, true);
      const cm = await verifyContactMethod(db, clock, orgId, user.id, request.params.cm_id, request.body.code);
      return { contact_method: presentMethod(cm, user.name) };
    },
  );

  app.post(
    '/api/v1/users/:id/contact_methods/:cm_id/mark_verified',
    { schema: { summary: 'Admins: mark a webhook or Slack method verified (they cannot read a code back)', tags, params: MethodParams, response: { 200: Type.Object({ contact_method: ContactMethod }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await owner(request, request.params.id, true);
      return { contact_method: presentMethod(await markVerified(db, clock, orgId, user.id, request.params.cm_id), user.name) };
    },
  );

  async function methodOf(orgId: string, r: NotificationRuleTable): Promise<ContactMethodTable> {
    const cm = await store.getContactMethod(db, orgId, r.contact_method_id);
    if (!cm) throw notFound(`contact method ${r.contact_method_id}`);
    return cm;
  }

  app.get(
    '/api/v1/users/:id/notification_rules',
    { config: { permission: 'read' }, schema: { summary: "A member's notification rules", tags, params: UserParams, response: { 200: Type.Object({ notification_rules: Type.Array(NotificationRule) }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await owner(request, request.params.id, false);
      const [rules, methods] = await Promise.all([store.listNotificationRules(db, orgId, [user.id]), store.listContactMethods(db, orgId, [user.id])]);
      const byId = new Map(methods.map((m) => [m.id, m]));
      return { notification_rules: rules.flatMap((r) => (byId.has(r.contact_method_id) ? [presentRule(r, byId.get(r.contact_method_id)!)] : [])) };
    },
  );

  app.post(
    '/api/v1/users/:id/notification_rules',
    {
      config: { permission: 'read' },
      schema: { summary: 'Add a notification rule: which contact method, how many minutes after the page, for which urgency', tags, params: UserParams, body: NotificationRuleCreate, response: { 201: Type.Object({ notification_rule: NotificationRule }), ...errorResponses } },
    },
    async (request, reply) => {
      const { orgId, user } = await owner(request, request.params.id, true);
      const { rule, method } = await createNotificationRule(db, clock, orgId, user.id, request.body.notification_rule);
      return reply.code(201).send({ notification_rule: presentRule(rule, method) });
    },
  );

  app.get(
    '/api/v1/users/:id/notification_rules/:rule_id',
    { config: { permission: 'read' }, schema: { summary: 'Get a notification rule', tags, params: RuleParams, response: { 200: Type.Object({ notification_rule: NotificationRule }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await owner(request, request.params.id, false);
      const r = await requireRule(db, orgId, user.id, request.params.rule_id);
      return { notification_rule: presentRule(r, await methodOf(orgId, r)) };
    },
  );

  app.put(
    '/api/v1/users/:id/notification_rules/:rule_id',
    { config: { permission: 'read' }, schema: { summary: 'Update a notification rule', tags, params: RuleParams, body: NotificationRuleUpdate, response: { 200: Type.Object({ notification_rule: NotificationRule }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await owner(request, request.params.id, true);
      const { rule, method } = await updateNotificationRule(db, orgId, user.id, request.params.rule_id, request.body.notification_rule);
      return { notification_rule: presentRule(rule, method) };
    },
  );

  app.delete(
    '/api/v1/users/:id/notification_rules/:rule_id',
    { config: { permission: 'read' }, schema: { summary: 'Delete a notification rule', tags, params: RuleParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId, user } = await owner(request, request.params.id, true);
      const r = await requireRule(db, orgId, user.id, request.params.rule_id);
      await store.deleteNotificationRule(db, orgId, r.id);
      return reply.code(204).send(undefined as never);
    },
  );
}
