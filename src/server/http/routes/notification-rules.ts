import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { NotificationRule, NotificationRuleCreate, NotificationRuleUpdate } from '../../../contract/contact.js';
import { createNotificationRule, deleteNotificationRule, listNotificationRules, requireRuleWithMethod, updateNotificationRule } from '../../notify/contact.service.js';
import type { App, AppDeps } from '../deps.js';
import { UserParams, contactTags, memberOf } from './contact-methods.js';

const RuleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), rule_id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Notification rules: which contact method, how many minutes after the page, for which urgency. */
export function notificationRuleRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/users/:id/notification_rules',
    { config: { permission: 'read' }, schema: { summary: "A member's notification rules", tags: contactTags, params: UserParams, response: { 200: Type.Object({ notification_rules: Type.Array(NotificationRule) }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, false);
      const rules = await listNotificationRules(db, orgId, user.id);
      return { notification_rules: rules.map(({ rule, method }) => p.notificationRule(rule, method)) };
    },
  );

  app.post(
    '/api/v1/users/:id/notification_rules',
    {
      config: { permission: 'read', memberRules: ['not_above_own_role'] },
      schema: { summary: 'Add a notification rule: which contact method, how many minutes after the page, for which urgency', tags: contactTags, params: UserParams, body: NotificationRuleCreate, response: { 201: Type.Object({ notification_rule: NotificationRule }), ...errorResponses } },
    },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const { rule, method } = await createNotificationRule(db, clock, orgId, user.id, request.body.notification_rule);
      return reply.code(201).send({ notification_rule: p.notificationRule(rule, method) });
    },
  );

  app.get(
    '/api/v1/users/:id/notification_rules/:rule_id',
    { config: { permission: 'read' }, schema: { summary: 'Get a notification rule', tags: contactTags, params: RuleParams, response: { 200: Type.Object({ notification_rule: NotificationRule }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, false);
      const { rule, method } = await requireRuleWithMethod(db, orgId, user.id, request.params.rule_id);
      return { notification_rule: p.notificationRule(rule, method) };
    },
  );

  app.put(
    '/api/v1/users/:id/notification_rules/:rule_id',
    { config: { permission: 'read', memberRules: ['not_above_own_role'] }, schema: { summary: 'Update a notification rule', tags: contactTags, params: RuleParams, body: NotificationRuleUpdate, response: { 200: Type.Object({ notification_rule: NotificationRule }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const { rule, method } = await updateNotificationRule(db, orgId, user.id, request.params.rule_id, request.body.notification_rule);
      return { notification_rule: p.notificationRule(rule, method) };
    },
  );

  app.delete(
    '/api/v1/users/:id/notification_rules/:rule_id',
    { config: { permission: 'read', memberRules: ['not_above_own_role'] }, schema: { summary: 'Delete a notification rule', tags: contactTags, params: RuleParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      await deleteNotificationRule(db, orgId, user.id, request.params.rule_id);
      return reply.code(204).send(undefined as never);
    },
  );
}
