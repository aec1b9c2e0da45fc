/**
 * "Would this wake me at 3 a.m.?" (notify/contact.service.ts wakeCheck) and "Send me a test"
 * through one contact method, with its result read back (sendMethodTest, methodTest).
 * Yourself, or, as an admin, anyone in the organization.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { MethodTest, WakeCheck } from '../../../contract/wake-check.js';
import { iso, isoOrNull } from '../../lib/clock.js';
import { checkOutbound, methodTest, requireContactMethod, sendMethodTest, wakeCheck, wireType } from '../../notify/contact.service.js';
import type { WakeEntry } from '../../notify/notify.service.js';
import { CHANNEL_OF } from '../../notify/plan.js';
import type { ContactMethodTable } from '../../storage/schema.js';
import { forbidden } from '../../errors.js';
import { can } from '../../org/roles.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { contactTags, memberOf, UserParams } from './contact-methods.js';

const MethodParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), cm_id: Type.String({ minLength: 1, maxLength: 64 }) });
const TestParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), cm_id: Type.String({ minLength: 1, maxLength: 64 }), test_id: Type.String({ minLength: 1, maxLength: 64 }) });

export function wakeCheckRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const methodRef = (cm: ContactMethodTable) => ({ id: cm.id, type: `${wireType(cm.type)}_reference`, summary: cm.label, self: `${p.baseUrl}/api/v1/users/${cm.user_id}/contact_methods/${cm.id}`, html_url: null });
  const entry = (e: WakeEntry) => ({ contact_method: methodRef(e.contactMethod), channel: CHANNEL_OF[e.contactMethod.type], start_delay_in_minutes: e.delayMinutes, wake_class: e.class, skipped: e.class === 'unverified', why: e.why, why_code: e.whyCode });

  app.get(
    '/api/v1/users/:id/wake_check',
    {
      config: { permission: 'read', volunteerAccess: 'self', memberRules: ['own_or_manager'] },
      schema: {
        summary: 'Would a page at 3 a.m. wake this member? Which contact methods a high- (and a low-) urgency page would use, in order, loud, quiet or unverified, with a verdict (yourself, or anyone as admin)',
        tags: contactTags,
        params: UserParams,
        response: { 200: WakeCheck, ...errorResponses },
      },
    },
    async (request) => {
      const pr = principalOf(request);
      const userId = request.params.id === 'me' ? pr.userId : request.params.id;
      if (userId !== pr.userId && !can(pr.role, 'manage')) throw forbidden("only admins can read another member's wake check");
      const w = await wakeCheck(db, clock, pr.orgId, userId);
      const answer = (a: typeof w.high) => ({ would_wake: a.would_wake, reason: a.reason, verdict: { code: a.verdict.code, channels: a.verdict.channels, contact_method: a.verdict.contactMethod, start_delay_in_minutes: a.verdict.delayMinutes }, notifications: a.entries.map(entry) });
      return { wake_check: { user: p.ref('user_reference', w.user.id, w.user.name, 'users'), time_zone: w.zone, at: w.at, high_urgency: answer(w.high), low_urgency: answer(w.low) } };
    },
  );

  const present = (userId: string, t: Awaited<ReturnType<typeof methodTest>>) => ({
    test: {
      id: t.id,
      type: 'contact_method_test' as const,
      self: `${p.baseUrl}/api/v1/users/${userId}/contact_methods/${t.contact_method.id}/tests/${t.id}`,
      contact_method: methodRef(t.contact_method),
      status: t.status,
      reason: t.reason,
      detail: t.detail,
      attempts: t.attempts,
      created_at: iso(t.created_at),
      sent_at: isoOrNull(t.sent_at),
    },
  });

  app.post(
    '/api/v1/users/:id/contact_methods/:cm_id/test',
    {
      config: { permission: 'read', volunteerAccess: 'self' },
      schema: {
        summary: 'Send a test through this verified contact method, through the outbox like a page (at most one a minute; texts and calls count toward the verification caps). 202: queued; read the result at its self URL.',
        tags: contactTags,
        params: MethodParams,
        response: { 202: MethodTest, 429: errorResponses[400], ...errorResponses },
      },
    },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const cm = await requireContactMethod(db, orgId, user.id, request.params.cm_id);
      await checkOutbound(deps.outbound, cm.type, cm.address);
      const id = await sendMethodTest(db, clock, orgId, user.id, cm.id);
      deps.bus.poke();
      return reply.code(202).send(present(user.id, await methodTest(db, orgId, user.id, request.params.cm_id, id)));
    },
  );

  app.get(
    '/api/v1/users/:id/contact_methods/:cm_id/tests/:test_id',
    {
      config: { permission: 'read', volunteerAccess: 'self' },
      schema: { summary: 'A test send: queued, sending, retrying, sent or failed (with the stable reason code)', tags: contactTags, params: TestParams, response: { 200: MethodTest, ...errorResponses } },
    },
    async (request) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      return present(user.id, await methodTest(db, orgId, user.id, request.params.cm_id, request.params.test_id));
    },
  );
}
