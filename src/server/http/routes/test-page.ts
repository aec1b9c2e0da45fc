/**
 * "Send me a test page": one test notification to each verified contact method of
 * a member, through the outbox like any page (so the deliver module, its retries
 * and throttles are what is tested). Unverified methods are skipped: they are
 * never paged either.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { TestPageQueued } from '../../../contract/contact.js';
import { forbidden, invalid, notFound } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { CHANNEL_OF } from '../../notify/plan.js';
import { listContactMethods } from '../../notify/contact.store.js';
import { insertNotification } from '../../notify/outbox.store.js';
import { getUser } from '../../org/org.store.js';
import { can } from '../../org/roles.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

export function testPageRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/api/v1/users/:id/test_page',
    {
      config: { permission: 'read', volunteerAccess: 'self' },
      schema: {
        summary: 'Send a test page to each verified contact method of a member (yourself, or anyone as admin)',
        tags: ['contact methods'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 202: TestPageQueued, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const userId = request.params.id === 'me' ? p.userId : request.params.id;
      if (userId !== p.userId && !can(p.role, 'manage')) throw forbidden('only admins can page another member');
      const user = await getUser(deps.db, p.orgId, userId);
      if (!user) throw notFound(`user ${userId}`);
      const methods = (await listContactMethods(deps.db, p.orgId, [user.id])).filter((m) => m.verified_at !== null && m.deleted_at === null);
      if (methods.length === 0) throw invalid('contact_methods: no verified contact method to page; add one and verify it first');
      const now = deps.clock.now();
      for (const m of methods) {
        const id = newId(now);
        await insertNotification(deps.db, {
          org_id: p.orgId,
          id,
          incident_id: null,
          user_id: user.id,
          contact_method_id: m.id,
          subscription_id: null,
          channel: CHANNEL_OF[m.type],
          kind: 'test',
          event_type: 'pagey.ping',
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          claimed_until: null,
          idempotency_key: `test:${id}`,
          step_key: null,
          payload: null,
          last_error: null,
          provider_id: null,
          created_at: now,
          sent_at: null,
        });
      }
      deps.bus.poke();
      return reply.code(202).send({ queued: methods.length, contact_methods: methods.map((m) => m.label) });
    },
  );
}
