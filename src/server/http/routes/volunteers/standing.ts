/**
 * What decides whether a volunteer may be paged at all: consent to the organization's
 * terms (only the volunteer consents, for themselves), vetting (admins), and "pause me"
 * and resume (the volunteer, or a coordinator).
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../../contract/common.js';
import { Consent, Vetting, Volunteer } from '../../../../contract/volunteer.js';
import { forbidden, invalid } from '../../../errors.js';
import * as volunteers from '../../../volunteer/volunteer.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/volunteer.js';
import { IdParam, subject } from './access.js';

export function volunteerStandingRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const show = async (orgId: string, userId: string) => ({ volunteer: present.volunteer(p, await volunteers.getVolunteer(db, orgId, userId)) });
  const answer = { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses };

  app.post(
    '/api/v1/volunteers/:id/consent',
    { config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_only'] }, schema: { summary: 'Consent to the organization’s terms (the volunteer themselves; recorded with time and version)', tags: ['volunteers'], params: IdParam, body: Consent, response: answer } },
    async (request) => {
      const principal = principalOf(request);
      const userId = request.params.id === 'me' ? principal.userId : request.params.id;
      if (userId !== principal.userId) throw forbidden('only the volunteer can consent, for themselves');
      await volunteers.consent(db, clock, principal.orgId, principal.userId, userId, request.body.consent.terms_version);
      return show(principal.orgId, userId);
    },
  );

  app.delete(
    '/api/v1/volunteers/:id/consent',
    { config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_manager'] }, schema: { summary: 'Withdraw consent (the volunteer is no longer paged; pending pages are cancelled)', tags: ['volunteers'], params: IdParam, response: answer } },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await volunteers.withdrawConsent(db, clock, principal.orgId, principal.userId, userId);
      return show(principal.orgId, userId);
    },
  );

  app.put(
    '/api/v1/volunteers/:id/vetting',
    { schema: { summary: 'Set vetting flags: references checked, background check done (admins only)', tags: ['volunteers'], params: IdParam, body: Vetting, response: answer } },
    async (request) => {
      const principal = principalOf(request);
      await volunteers.setVetting(db, clock, principal.orgId, principal.userId, request.params.id, request.body.vetting);
      return show(principal.orgId, request.params.id);
    },
  );

  app.post(
    '/api/v1/volunteers/:id/pause',
    { config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_manager'] }, schema: { summary: '"Pause me": takes effect at once; no pool pages the volunteer, and pages not yet sent are cancelled', tags: ['volunteers'], params: IdParam, response: { 200: Type.Object({ volunteer: Volunteer, cancelled_pages: Type.Integer(), released_open_shifts: Type.Integer({ description: 'Claimed open shifts not yet over, given back (one under way ends now).' }) }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      // The body is optional ({"pause": {"reason": "…"}}), so it is checked here rather than by a schema.
      const reason = (request.body as { pause?: { reason?: unknown } } | undefined)?.pause?.reason ?? null;
      if (reason !== null && (typeof reason !== 'string' || reason.length > 255)) throw invalid('pause.reason must be a string of at most 255 characters');
      const { cancelledPages, releasedClaims } = await volunteers.pause(db, clock, principal.orgId, principal.userId, userId, reason);
      return { ...(await show(principal.orgId, userId)), cancelled_pages: cancelledPages, released_open_shifts: releasedClaims };
    },
  );

  app.post(
    '/api/v1/volunteers/:id/resume',
    { config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_manager'] }, schema: { summary: 'Resume after a pause', tags: ['volunteers'], params: IdParam, response: answer } },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await volunteers.resume(db, clock, principal.orgId, principal.userId, userId);
      return show(principal.orgId, userId);
    },
  );
}
