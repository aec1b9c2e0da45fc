/**
 * A member's status update subscriptions (`/users/{id}/notification_subscriptions`, the same
 * rows as an incident's subscribers) and status update notification rules (which email
 * methods they hear status updates on). Members manage their own; managers anyone's at or
 * below their role.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { StatusRule, StatusRuleIn, SubscribablesBody, SubscriptionResults, UnsubscribeAnswer, UserSubscriptionList } from '../../../contract/collab.js';
import { subscribeUser, unsubscribeUser, userSubscriptions } from '../../incident/status-update.service.js';
import { createStatusRule, deleteStatusRule, listStatusRules, requireStatusRule, updateStatusRule } from '../../notify/status-rule.service.js';
import type { App, AppDeps } from '../deps.js';
import * as present from '../presenters/collab.js';
import { memberOf, UserParams } from './contact-methods.js';

const tags = ['users'];
const RuleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), rule_id: Type.String({ minLength: 1, maxLength: 64 }) });
const config = { permission: 'read' as const, memberRules: ['not_above_own_role' as const] };

function subscriptionRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/api/v1/users/:id/notification_subscriptions',
    { config: { permission: 'read' }, schema: { summary: "The incidents whose status updates a member receives", tags, params: UserParams, response: { 200: UserSubscriptionList, ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, false);
      const subs = await userSubscriptions(deps.db, orgId, user.id);
      return {
        subscriptions: subs.map((s) => ({ subscription: { subscriber_id: user.id, subscriber_type: 'user' as const, subscribable_id: s.subscribable_id, subscribable_type: 'incident' as const, account_id: orgId }, subscribable_name: s.title })),
        limit: subs.length,
        offset: 0,
        more: false,
        total: subs.length,
      };
    },
  );
  app.post(
    '/api/v1/users/:id/notification_subscriptions',
    { config, schema: { summary: "Subscribe a member to incidents' status updates", tags, params: UserParams, body: SubscribablesBody, response: { 200: SubscriptionResults, ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const out = await subscribeUser(deps, orgId, user.id, request.body.subscribables);
      return { subscriptions: out.map((o) => ({ subscriber_id: user.id, subscriber_type: 'user' as const, subscribable_id: o.subscribable_id, subscribable_type: 'incident' as const, account_id: orgId, result: o.result })) };
    },
  );
  app.post(
    '/api/v1/users/:id/notification_subscriptions/unsubscribe',
    { config, schema: { summary: "Unsubscribe a member from incidents' status updates", tags, params: UserParams, body: SubscribablesBody, response: { 200: UnsubscribeAnswer, ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      return unsubscribeUser(deps, orgId, user.id, request.body.subscribables);
    },
  );
}

function statusRuleRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  app.get(
    '/api/v1/users/:id/status_update_notification_rules',
    { config: { permission: 'read' }, schema: { summary: "The email methods a member receives status updates on (none: every verified email method)", tags, params: UserParams, response: { 200: Type.Object({ status_update_notification_rules: Type.Array(StatusRule) }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, false);
      return { status_update_notification_rules: (await listStatusRules(db, orgId, user.id)).map((r) => present.statusRule(p, r.rule, r.method)) };
    },
  );
  app.post(
    '/api/v1/users/:id/status_update_notification_rules',
    { config, schema: { summary: 'Receive status updates on this email method', tags, params: UserParams, body: StatusRuleIn, response: { 201: Type.Object({ status_update_notification_rule: StatusRule }), ...errorResponses } } },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const r = await createStatusRule(db, clock, orgId, user.id, request.body.status_update_notification_rule.contact_method);
      return reply.code(201).send({ status_update_notification_rule: present.statusRule(p, r.rule, r.method) });
    },
  );
  app.get(
    '/api/v1/users/:id/status_update_notification_rules/:rule_id',
    { config: { permission: 'read' }, schema: { summary: 'A status update notification rule', tags, params: RuleParams, response: { 200: Type.Object({ notification_rule: StatusRule }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, false);
      const r = await requireStatusRule(db, orgId, user.id, request.params.rule_id);
      return { notification_rule: present.statusRule(p, r.rule, r.method) };
    },
  );
  app.put(
    '/api/v1/users/:id/status_update_notification_rules/:rule_id',
    { config, schema: { summary: "Change a status update notification rule's email method", tags, params: RuleParams, body: StatusRuleIn, response: { 200: Type.Object({ notification_rule: StatusRule }), ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const r = await updateStatusRule(db, orgId, user.id, request.params.rule_id, request.body.status_update_notification_rule.contact_method);
      return { notification_rule: present.statusRule(p, r.rule, r.method) };
    },
  );
  app.delete(
    '/api/v1/users/:id/status_update_notification_rules/:rule_id',
    { config, schema: { summary: 'Delete a status update notification rule', tags, params: RuleParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      await deleteStatusRule(db, orgId, user.id, request.params.rule_id);
      return reply.code(204).send(undefined as never);
    },
  );
}

export function userSubscriptionRoutes(app: App, deps: AppDeps): void {
  subscriptionRoutes(app, deps);
  statusRuleRoutes(app, deps);
}
