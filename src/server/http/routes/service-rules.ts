import { Type } from 'typebox';
import { PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { ServiceRule, ServiceRuleBody, ServiceRuleUpdateBody } from '../../../contract/service-rules.js';
import { invalid } from '../../errors.js';
import { createLegacyRule, deleteLegacyRule, getLegacyRule, listLegacyRules, updateLegacyRule } from '../../rules/legacy-rules.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { serviceRule } from '../presenters/service-rule.js';
import { checkWindow } from '../query.js';

const tags = ['event orchestrations'];
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const RuleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), rule_id: Type.String({ minLength: 1, maxLength: 64 }) });
const Wrapped = Type.Object({ rule: ServiceRule });
const base = '/api/v1/services/:id/rules';

/** PagerDuty's legacy service event rules: the rules of the service's start set (rules/legacy-rules.ts), applied by ingest. */
export function serviceRuleRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    base,
    { config: { permission: 'read' }, schema: { summary: "A service's event rules in PagerDuty's legacy shape (the start set of its event rules, in order)", tags, params: Params, querystring: Type.Object(PageQuery), response: { 200: Type.Object({ rules: Type.Array(ServiceRule), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      checkWindow(limit, offset);
      const all = await listLegacyRules(db, orgId, request.params.id);
      return page('rules', all.slice(offset, offset + limit).map((r) => serviceRule(p, request.params.id, r)), limit, offset, all.length, request.query.total);
    },
  );

  app.post(
    base,
    { schema: { summary: 'Add an event rule to the service (at position, default last): conditions on PD-CEF fields, and annotate, event_action, priority, severity, suppress or suspend; ingest applies it at once. time_frame, variables, extractions and suppress thresholds are refused', tags, params: Params, body: ServiceRuleBody, response: { 201: Wrapped, ...errorResponses } } },
    async (request, reply) => {
      const { orgId, userId } = principalOf(request);
      const id = request.params.id;
      return reply.code(201).send({ rule: serviceRule(p, id, await createLegacyRule(db, clock, orgId, userId, id, request.body.rule)) });
    },
  );

  app.get(`${base}/:rule_id`, { config: { permission: 'read' }, schema: { summary: 'Get an event rule of the service', tags, params: RuleParams, response: { 200: Wrapped, ...errorResponses } } }, async (request) => {
    const { orgId } = principalOf(request);
    return { rule: serviceRule(p, request.params.id, await getLegacyRule(db, orgId, request.params.id, request.params.rule_id)) };
  });

  app.put(
    `${base}/:rule_id`,
    { schema: { summary: 'Update an event rule of the service (fields not sent are kept, and so are actions legacy rules lack); position moves it', tags, params: RuleParams, body: ServiceRuleUpdateBody, response: { 200: Wrapped, ...errorResponses } } },
    async (request) => {
      const { orgId, userId } = principalOf(request);
      const { id, rule_id } = request.params;
      if (request.body.rule_id !== undefined && request.body.rule_id !== rule_id) throw invalid(`rule_id: ${request.body.rule_id} is not the rule in the path (${rule_id})`);
      return { rule: serviceRule(p, id, await updateLegacyRule(db, clock, orgId, userId, id, rule_id, request.body.rule)) };
    },
  );

  app.delete(`${base}/:rule_id`, { schema: { summary: 'Delete an event rule of the service', tags, params: RuleParams, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    const { orgId, userId } = principalOf(request);
    await deleteLegacyRule(db, clock, orgId, userId, request.params.id, request.params.rule_id);
    return reply.code(204).send(undefined as never);
  });
}
