/**
 * "Send a test event" from the services page: a real trigger through the same
 * ingest path as /v2/enqueue (rate limit, group commit, dedup, escalation), so it
 * proves the service pages someone. Needed because the routing key is stored hashed
 * and the page cannot send it itself after the key was shown once.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { TestEventSent } from '../../../contract/service.js';
import { sendTestEvent } from '../../ingest/test-event.service.js';
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
        response: { 202: TestEventSent, ...errorResponses },
      },
    },
    async (request, reply) => {
      const dedupKey = await sendTestEvent(deps.db, deps.clock, deps.ingest, principalOf(request), request.params.id, request.params.integration_id);
      return reply.code(202).send({ status: 'success', dedup_key: dedupKey });
    },
  );
}
