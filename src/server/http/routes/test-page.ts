/** "Send me a test page" (notify/contact.service.ts sendTestPage): yourself, or anyone as admin. */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { TestPageQueued } from '../../../contract/contact.js';
import { forbidden } from '../../errors.js';
import { sendTestPage } from '../../notify/contact.service.js';
import { can } from '../../org/roles.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

export function testPageRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/api/v1/users/:id/test_page',
    {
      config: { permission: 'read', volunteerAccess: 'self', memberRules: ['own_or_manager'] },
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
      const labels = await sendTestPage(deps.db, deps.clock, p.orgId, userId);
      deps.bus.poke();
      return reply.code(202).send({ queued: labels.length, contact_methods: labels });
    },
  );
}
