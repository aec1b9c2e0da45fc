import { Type } from 'typebox';
import { IdParams, Pagination, errorResponses } from '../../../contract/common.js';
import { Integration, IntegrationCreate, IntegrationUpdate, MappingError, TestMappingRequest, TestMappingResult } from '../../../contract/service.js';
import { invalid } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import { mappingErrorsOf, testMapping } from '../../ingest/generic-webhook/webhook.service.js';
import { deleteIntegration, integrationsOf, requireIntegration, requireService, rotateIntegrationKey } from '../../service/service.service.js';
import { createAnyIntegration, updateAnyIntegration } from '../../ingest/email/email-integration.service.js';
import { forwardHealth } from '../../notify/forward.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';

const IntegrationParams = Type.Object({ id: Type.String({ maxLength: 64 }), integration_id: Type.String({ maxLength: 64 }) });

/** A service's integrations: where monitoring tools send events, each with its routing key. */
export function integrationRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/services/:id/integrations',
    { config: { permission: 'read' }, schema: { summary: "List a service's integrations", tags: ['services'], params: IdParams, response: { 200: Type.Object({ integrations: Type.Array(Integration), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(db, orgId, request.params.id);
      const list = await integrationsOf(db, orgId, s.id);
      const shown = [];
      for (const i of list) shown.push(p.integration(i, s, undefined, i.forward_url ? await forwardHealth(db, orgId, i.id) : undefined));
      return page('integrations', shown, 100, 0, list.length, true);
    },
  );

  app.post(
    '/api/v1/services/:id/integrations',
    {
      schema: {
        summary: 'Add an integration (events_v2, alertmanager, heartbeat, impact, opsgenie or email). The answer holds the routing key (and an email integration its address), shown this once.',
        tags: ['services'],
        params: IdParams,
        body: IntegrationCreate,
        response: { 201: Type.Object({ integration: Integration }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const s = await requireService(db, orgId, request.params.id);
      const { integration, key } = await createAnyIntegration(db, clock, orgId, s, request.body.integration as Record<string, unknown> & { type: string });
      return reply.code(201).send({ integration: p.integration(integration, s, key) });
    },
  );

  app.get(
    '/api/v1/services/:id/integrations/:integration_id',
    { config: { permission: 'read' }, schema: { summary: 'Get an integration', tags: ['services'], params: IntegrationParams, response: { 200: Type.Object({ integration: Integration }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(db, orgId, request.params.id);
      const i = await requireIntegration(db, orgId, s.id, request.params.integration_id);
      return { integration: p.integration(i, s, undefined, i.forward_url ? await forwardHealth(db, orgId, i.id) : undefined) };
    },
  );

  app.put(
    '/api/v1/services/:id/integrations/:integration_id',
    {
      schema: {
        summary: 'Rename an integration, set or clear its forward (every event it accepts also sent, unchanged, to another Events API v2 or Opsgenie endpoint, running both during a move; the forward key is write-only), or change an email integration\'s email settings.',
        tags: ['services'],
        params: IntegrationParams,
        body: IntegrationUpdate,
        response: { 200: Type.Object({ integration: Integration }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(db, orgId, request.params.id);
      const i = await requireIntegration(db, orgId, s.id, request.params.integration_id);
      const updated = await updateAnyIntegration(db, orgId, i, request.body.integration as Record<string, unknown>);
      // An email integration's settings: the next message uses them (the key cache holds the row).
      // The next event on this node sees the new forward at once (other nodes within their key cache's 5 s).
      deps.ingest.invalidate();
      return { integration: p.integration(updated, s, undefined, updated.forward_url ? await forwardHealth(db, orgId, updated.id) : undefined) };
    },
  );

  app.post(
    '/api/v1/services/:id/integrations/:integration_id/rotate_key',
    { schema: { summary: 'Replace the routing key; the old one stops working at once', tags: ['services'], params: IntegrationParams, response: { 200: Type.Object({ integration: Integration }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(db, orgId, request.params.id);
      const i = await requireIntegration(db, orgId, s.id, request.params.integration_id);
      const { integration, key } = await rotateIntegrationKey(db, orgId, i);
      deps.ingest.invalidate();
      return { integration: p.integration(integration, s, key) };
    },
  );

  app.post(
    '/api/v1/services/:id/integrations/:integration_id/test_mapping',
    {
      config: { query: true },
      schema: {
        summary: "Generic webhook: the events a sample payload would give, with the integration's mapping or one given to try (preset and mapping merged as a PUT would). Writes nothing.",
        tags: ['services'],
        params: IntegrationParams,
        body: TestMappingRequest,
        response: { 200: TestMappingResult, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(db, orgId, request.params.id);
      const i = await requireIntegration(db, orgId, s.id, request.params.integration_id);
      if (i.type !== 'generic_webhook') throw invalid(`integration: ${i.id} is not a generic_webhook integration; only those have a mapping`);
      if (request.body.payload === undefined) throw invalid('payload: is required (a sample payload, as the tool would send it)');
      const { config, result } = await testMapping(i, request.body, clock.now());
      return { preset: config.preset, mapping: config.mapping, events: result.ok ? result.events : [], error: result.ok ? null : result.error };
    },
  );

  app.get(
    '/api/v1/services/:id/integrations/:integration_id/mapping_errors',
    {
      schema: {
        summary: 'Generic webhook: the latest payloads its mapping failed on (newest first, the last 100 kept), each with the error. Those payloads were answered 202 and made no alert.',
        tags: ['services'],
        params: IntegrationParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) }),
        response: { 200: Type.Object({ mapping_errors: Type.Array(MappingError), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireService(db, orgId, request.params.id);
      const i = await requireIntegration(db, orgId, s.id, request.params.integration_id);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const { rows, total } = await mappingErrorsOf(db, orgId, i.id, limit, offset);
      const shown = rows.map((r) => ({ id: r.id, created_at: iso(r.created_at), error: r.error, payload: parsedOrText(r.payload) }));
      return page('mapping_errors', shown, limit, offset, total, true);
    },
  );

  app.delete(
    '/api/v1/services/:id/integrations/:integration_id',
    { schema: { summary: 'Delete an integration', tags: ['services'], params: IntegrationParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const s = await requireService(db, orgId, request.params.id);
      const i = await requireIntegration(db, orgId, s.id, request.params.integration_id);
      await deleteIntegration(db, clock, orgId, i);
      deps.ingest.invalidate();
      return reply.code(204).send(undefined as never);
    },
  );
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
