/**
 * Event orchestrations (event rules) under PagerDuty's paths: global orchestrations and
 * their routing keys, the router and unrouted rules, each service's rules and whether
 * they apply (/active), and Vigil's two "test against a sample event" endpoints. Reads
 * need `read`, writes `manage`; the tests change nothing and need `read`.
 */
import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import {
  ActiveBody,
  IntegrationLabelBody,
  Orchestration,
  OrchestrationCreate,
  OrchestrationIntegration,
  OrchestrationPathBody,
  OrchestrationPathResponse,
  OrchestrationUpdate,
  RouterTestResult,
  RuleTestBody,
  ServiceTestResult,
} from '../../../contract/orchestration.js';
import * as rules from '../../rules/orchestration.service.js';
import type { PathType } from '../../rules/rules.js';
import type { EventOrchestrationTable } from '../../storage/schema.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import * as present from '../presenters/event-orchestration.js';
import { page } from '../presenters/common.js';
import { checkWindow, instant } from '../query.js';

const tags = ['event orchestrations'];
const IntegrationParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), integration_id: Type.String({ minLength: 1, maxLength: 64 }) });
const ServiceParams = Type.Object({ service_id: Type.String({ minLength: 1, maxLength: 64 }) });
const SortBy = Type.Union(['name:asc', 'name:desc', 'routes:asc', 'routes:desc', 'created_at:asc', 'created_at:desc'].map((s) => Type.Literal(s)));

/** Global orchestrations (PagerDuty's /event_orchestrations). */
export function eventOrchestrationRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  async function shown(orgId: string, rows: EventOrchestrationTable[], keys?: ReadonlyMap<string, string>) {
    const { integrations, routes } = await rules.orchestrationDetails(db, orgId, rows.map((o) => o.id));
    return rows.map((o) => present.orchestration(p, o, integrations.filter((i) => i.orchestration_id === o.id), routes.get(o.id) ?? 0, keys));
  }

  app.get(
    '/api/v1/event_orchestrations',
    {
      config: { permission: 'read' },
      schema: {
        summary: "List the organization's global event orchestrations",
        tags,
        querystring: Type.Object({ ...PageQuery, sort_by: Type.Optional(SortBy) }),
        response: { 200: Type.Object({ orchestrations: Type.Array(Orchestration), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const { rows, total } = await rules.listOrchestrations(db, orgId, { limit, offset, sortBy: q.sort_by ?? 'name:asc' });
      return page('orchestrations', await shown(orgId, rows), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/event_orchestrations',
    {
      schema: {
        summary: 'Create a global event orchestration: an org-wide routing key (its first integration, shown once) whose events the router sends to services by conditions',
        tags,
        body: OrchestrationCreate,
        response: { 201: Type.Object({ orchestration: Orchestration }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, userId } = principalOf(request);
      const made = await rules.createOrchestration(db, clock, orgId, userId, request.body.orchestration);
      const [o] = await shown(orgId, [made.orchestration], new Map([[made.integration.id, made.key]]));
      return reply.code(201).send({ orchestration: o! });
    },
  );

  app.get(
    '/api/v1/event_orchestrations/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a global event orchestration', tags, params: IdParams, response: { 200: Type.Object({ orchestration: Orchestration }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const [o] = await shown(orgId, [await rules.requireOrchestration(db, orgId, request.params.id)]);
      return { orchestration: o! };
    },
  );

  app.put(
    '/api/v1/event_orchestrations/:id',
    {
      schema: { summary: 'Update a global event orchestration (name, description)', tags, params: IdParams, body: OrchestrationUpdate, response: { 200: Type.Object({ orchestration: Orchestration }), ...errorResponses } },
    },
    async (request) => {
      const { orgId, userId } = principalOf(request);
      const [o] = await shown(orgId, [await rules.updateOrchestration(db, clock, orgId, userId, request.params.id, request.body.orchestration)]);
      return { orchestration: o! };
    },
  );

  app.delete(
    '/api/v1/event_orchestrations/:id',
    { schema: { summary: 'Delete a global event orchestration: its routing keys stop working, its router and unrouted rules go', tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await rules.deleteOrchestration(db, orgId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );

}

/** An orchestration's routing keys (its integrations). */
export function orchestrationIntegrationRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/event_orchestrations/:id/integrations',
    {
      config: { permission: 'read' },
      schema: { summary: "List an orchestration's integrations (routing keys)", tags, params: IdParams, response: { 200: Type.Object({ integrations: Type.Array(OrchestrationIntegration), total: Type.Integer() }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const list = await rules.listIntegrations(db, orgId, request.params.id);
      return { integrations: list.map((i) => present.integration(p, i)), total: list.length };
    },
  );

  app.post(
    '/api/v1/event_orchestrations/:id/integrations',
    {
      schema: {
        summary: 'Add an integration: a new routing key for the orchestration, shown in this answer only',
        tags,
        params: IdParams,
        body: IntegrationLabelBody,
        response: { 201: Type.Object({ integration: OrchestrationIntegration }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const made = await rules.createIntegration(db, clock, orgId, request.params.id, request.body.integration.label);
      return reply.code(201).send({ integration: present.integration(p, made.integration, made.key) });
    },
  );

  app.get(
    '/api/v1/event_orchestrations/:id/integrations/:integration_id',
    { config: { permission: 'read' }, schema: { summary: "Get an orchestration's integration", tags, params: IntegrationParams, response: { 200: Type.Object({ integration: OrchestrationIntegration }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { integration: present.integration(p, await rules.requireIntegration(db, orgId, request.params.id, request.params.integration_id)) };
    },
  );

  app.put(
    '/api/v1/event_orchestrations/:id/integrations/:integration_id',
    {
      schema: { summary: "Rename an orchestration's integration", tags, params: IntegrationParams, body: IntegrationLabelBody, response: { 200: Type.Object({ integration: OrchestrationIntegration }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      return { integration: present.integration(p, await rules.updateIntegration(db, orgId, request.params.id, request.params.integration_id, request.body.integration.label)) };
    },
  );

  app.delete(
    '/api/v1/event_orchestrations/:id/integrations/:integration_id',
    { schema: { summary: 'Delete an integration: its routing key stops working', tags, params: IntegrationParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await rules.deleteIntegration(db, orgId, request.params.id, request.params.integration_id);
      return reply.code(204).send(undefined as never);
    },
  );

}

/** The rule paths: an orchestration's router and unrouted rules, and each service's rules and whether they apply. */
export function orchestrationPathRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  const orchestrationPaths: { type: Exclude<PathType, 'service'>; what: string }[] = [
    { type: 'router', what: 'the router: rules (in order, first match) that send events to a service; its catch-all sends the rest to a service or to unrouted' },
    { type: 'unrouted', what: 'the rules for events no router rule took (severity, extractions); they are suppressed' },
  ];
  for (const { type, what } of orchestrationPaths) {
    app.get(
      `/api/v1/event_orchestrations/:id/${type}`,
      { config: { permission: 'read' }, schema: { summary: `Get ${what}`, tags, params: IdParams, response: { 200: OrchestrationPathResponse, ...errorResponses } } },
      async (request) => {
        const { orgId } = principalOf(request);
        return present.path(p, await rules.getPath(db, orgId, type, request.params.id));
      },
    );
    app.put(
      `/api/v1/event_orchestrations/:id/${type}`,
      {
        schema: {
          summary: `Replace ${what}. Refused whole (400, each problem naming its field) if any condition, action or route is invalid`,
          tags,
          params: IdParams,
          body: OrchestrationPathBody,
          response: { 200: OrchestrationPathResponse, ...errorResponses },
        },
      },
      async (request) => {
        const { orgId, userId } = principalOf(request);
        return present.path(p, await rules.putPath(db, clock, orgId, userId, type, request.params.id, request.body.orchestration_path));
      },
    );
  }

  app.get(
    '/api/v1/event_orchestrations/services/:service_id',
    { config: { permission: 'read' }, schema: { summary: "Get a service's event rules", tags, params: ServiceParams, response: { 200: OrchestrationPathResponse, ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return present.path(p, await rules.getPath(db, orgId, 'service', request.params.service_id));
    },
  );

  app.put(
    '/api/v1/event_orchestrations/services/:service_id',
    {
      schema: {
        summary: "Replace a service's event rules: sets of ordered rules (first match acts; route_to continues in another set) that suppress, pause notifications, set severity, urgency or priority, add notes, rewrite the title or dedup key, or drop events",
        tags,
        params: ServiceParams,
        body: OrchestrationPathBody,
        response: { 200: OrchestrationPathResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId, userId } = principalOf(request);
      return present.path(p, await rules.putPath(db, clock, orgId, userId, 'service', request.params.service_id, request.body.orchestration_path));
    },
  );

  app.get(
    '/api/v1/event_orchestrations/services/:service_id/active',
    { config: { permission: 'read' }, schema: { summary: "Whether ingest applies the service's event rules", tags, params: ServiceParams, response: { 200: ActiveBody, ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { active: (await rules.getPath(db, orgId, 'service', request.params.service_id)).active };
    },
  );

  app.put(
    '/api/v1/event_orchestrations/services/:service_id/active',
    { schema: { summary: "Turn the service's event rules on or off (they are kept either way)", tags, params: ServiceParams, body: ActiveBody, response: { 200: ActiveBody, ...errorResponses } } },
    async (request) => {
      const { orgId, userId } = principalOf(request);
      return { active: await rules.setServiceActive(db, clock, orgId, userId, request.params.service_id, request.body.active) };
    },
  );

}

/** Vigil's "test against a sample event": which rule matches and what it does (changes nothing). */
export function orchestrationTestRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.post(
    '/api/v1/event_orchestrations/:id/router/test',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Vigil: which router rule a sample event (PagerDuty Events API v2 shape) matches and the service it goes to; send orchestration_path to test a draft before saving it. Stores nothing',
        tags,
        params: IdParams,
        body: RuleTestBody,
        response: { 200: RouterTestResult, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const now = instant(request.body.now, 'now') ?? clock.now();
      const result = await rules.testRouter(db, orgId, request.params.id, { event: rules.ruleEventOf(request.body.event, now), draft: request.body.orchestration_path, now });
      return present.routerTest(p, result);
    },
  );

  app.post(
    '/api/v1/event_orchestrations/services/:service_id/test',
    {
      config: { permission: 'read' },
      schema: {
        summary: "Vigil: which of a service's rules a sample event (PagerDuty Events API v2 shape) matches and what they do to it; send orchestration_path to test a draft before saving it. Stores nothing",
        tags,
        params: ServiceParams,
        body: RuleTestBody,
        response: { 200: ServiceTestResult, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const now = instant(request.body.now, 'now') ?? clock.now();
      const result = await rules.testServiceRules(db, orgId, request.params.service_id, { event: rules.ruleEventOf(request.body.event, now), draft: request.body.orchestration_path, now });
      return present.serviceTest(p, result);
    },
  );
}
