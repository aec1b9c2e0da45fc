/**
 * "Send a test event" from the services page: a real trigger through the same
 * ingest path as /v2/enqueue (rate limit, group commit, dedup, escalation), so it
 * proves the service pages someone. Needed because the routing key is stored hashed
 * and the page cannot send it itself after the key was shown once.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { notFound } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { getIntegration, getService } from '../../service/service.store.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

export function testEventRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/api/v1/services/:id/integrations/:integration_id/test_event',
    {
      config: { permission: 'manage' },
      schema: {
        summary: 'Trigger a test event through this integration (admin): it opens an incident like any event would',
        tags: ['services'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }), integration_id: Type.String({ maxLength: 64 }) }),
        response: { 202: Type.Object({ status: Type.String(), dedup_key: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const service = await getService(deps.db, p.orgId, request.params.id);
      if (!service) throw notFound(`service ${request.params.id}`);
      const integration = await getIntegration(deps.db, p.orgId, service.id, request.params.integration_id);
      if (!integration) throw notFound(`integration ${request.params.integration_id}`);
      deps.ingest.admit(integration.id);
      const dedupKey = `vigil-test-${newId(deps.clock.now()).toLowerCase()}`;
      await deps.ingest.submit({
        kind: 'trigger',
        target: { integration, service },
        channel: { type: 'web_ui' },
        dedupKey,
        summary: `Test event for ${service.name} (sent by ${p.name} from the Vigil web UI)`,
        severity: 'info',
        source: 'vigil-web',
        details: { custom_details: { note: 'A test event. Resolve the incident when you have seen the page arrive.', sent_by: p.email } },
      });
      return reply.code(202).send({ status: 'success', dedup_key: dedupKey });
    },
  );
}
