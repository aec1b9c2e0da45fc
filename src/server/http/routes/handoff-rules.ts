import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { HandoffRule, HandoffRuleCreate, HandoffRuleUpdate } from '../../../contract/handoff.js';
import { createHandoffRule, deleteHandoffRule, listHandoffRules, requireHandoffRule, updateHandoffRule } from '../../notify/handoff.service.js';
import type { App, AppDeps } from '../deps.js';
import { handoffRule } from '../presenters/handoff.js';
import { UserParams, contactTags, memberOf } from './contact-methods.js';

const RuleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), oncall_handoff_notification_rule_id: Type.String({ minLength: 1, maxLength: 64 }) });
const Wrapped = Type.Object({ oncall_handoff_notification_rule: HandoffRule });
const write = { permission: 'read' as const, memberRules: ['not_above_own_role' as const] };

/** PagerDuty's on-call handoff notification rules: be told before one's shifts start or end (engine/handoff-notices sends). */
export function handoffRuleRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const base = '/api/v1/users/:id/oncall_handoff_notification_rules';

  app.get(base, { config: { permission: 'read' }, schema: { summary: "A member's on-call handoff notification rules", tags: contactTags, params: UserParams, response: { 200: Type.Object({ oncall_handoff_notification_rules: Type.Array(HandoffRule) }), ...errorResponses } } }, async (request) => {
    const { orgId, user } = await memberOf(deps, request, request.params.id, false);
    return { oncall_handoff_notification_rules: (await listHandoffRules(db, orgId, user.id)).map((v) => handoffRule(p, v)) };
  });

  app.post(
    base,
    { config: write, schema: { summary: 'Be told on a contact method notify_advance_in_minutes before each of your shifts starts (oncall), ends (offcall) or both, on any schedule', tags: contactTags, params: UserParams, body: HandoffRuleCreate, response: { 201: Wrapped, ...errorResponses } } },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      return reply.code(201).send({ oncall_handoff_notification_rule: handoffRule(p, await createHandoffRule(db, clock.now(), orgId, user.id, request.body.oncall_handoff_notification_rule)) });
    },
  );

  app.get(`${base}/:oncall_handoff_notification_rule_id`, { config: { permission: 'read' }, schema: { summary: 'Get an on-call handoff notification rule', tags: contactTags, params: RuleParams, response: { 200: Wrapped, ...errorResponses } } }, async (request) => {
    const { orgId, user } = await memberOf(deps, request, request.params.id, false);
    return { oncall_handoff_notification_rule: handoffRule(p, await requireHandoffRule(db, orgId, user.id, request.params.oncall_handoff_notification_rule_id)) };
  });

  app.put(
    `${base}/:oncall_handoff_notification_rule_id`,
    { config: write, schema: { summary: 'Update an on-call handoff notification rule (fields not sent are kept)', tags: contactTags, params: RuleParams, body: HandoffRuleUpdate, response: { 200: Wrapped, ...errorResponses } } },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      return { oncall_handoff_notification_rule: handoffRule(p, await updateHandoffRule(db, orgId, user.id, request.params.oncall_handoff_notification_rule_id, request.body.oncall_handoff_notification_rule)) };
    },
  );

  app.delete(
    `${base}/:oncall_handoff_notification_rule_id`,
    { config: write, schema: { summary: 'Delete an on-call handoff notification rule', tags: contactTags, params: RuleParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      await deleteHandoffRule(db, orgId, user.id, request.params.oncall_handoff_notification_rule_id);
      return reply.code(204).send(undefined as never);
    },
  );
}
