/**
 * /api/v1/volunteers/me: a volunteer's own profile, the services and incidents they
 * may see now (their pools' while on shift, and open incidents assigned to them), and
 * their own history. Reading an incident here is audited like any other read.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../../contract/common.js';
import { Incident } from '../../../../contract/incident.js';
import { Service } from '../../../../contract/service.js';
import { History, Volunteer } from '../../../../contract/volunteer.js';
import { visibleIncidents, visibleServices } from '../../../volunteer/access.service.js';
import * as volunteers from '../../../volunteer/volunteer.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/volunteer.js';

export function ownVolunteerRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/volunteers/me',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Your volunteer profile', tags: ['volunteers'], response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      return { volunteer: present.volunteer(p, await volunteers.getVolunteer(db, principal.orgId, principal.userId)) };
    },
  );

  app.get(
    '/api/v1/volunteers/me/services',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'The services of your pools, while you are on shift (empty off shift)', tags: ['volunteers'], response: { 200: Type.Object({ on_shift: Type.Boolean(), services: Type.Array(Type.Pick(Service, ['id', 'type', 'summary', 'name', 'description', 'status'])) }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const { onShift, services } = await visibleServices(db, clock, principal.orgId, principal.userId);
      return { on_shift: onShift, services: services.map((s) => ({ id: s.id, type: 'service' as const, summary: s.name, name: s.name, description: s.description, status: s.status })) };
    },
  );

  app.get(
    '/api/v1/volunteers/me/incidents',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Open incidents you may see now: assigned to you, or of your pools’ services while you are on shift', tags: ['volunteers'], response: { 200: Type.Object({ on_shift: Type.Boolean(), incidents: Type.Array(Incident) }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const v = await visibleIncidents(db, clock, principal.orgId, principal.userId);
      return {
        on_shift: v.onShift,
        incidents: v.incidents.map((r) => p.incident(r, { service: v.services.find((s) => s.id === r.service_id), counts: v.counts.get(r.id), assignments: v.assignments.get(r.id) ?? [], userNames: v.userNames, firstTrigger: v.triggers.get(r.id), includeBody: false })),
      };
    },
  );

  app.get(
    '/api/v1/volunteers/me/history',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Your own history: pages, responses and hours (last 12 months)', tags: ['volunteers'], response: { 200: History, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      return present.history(await volunteers.history(db, clock, principal.orgId, principal.userId));
    },
  );
}
