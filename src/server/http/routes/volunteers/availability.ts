/**
 * A volunteer's availability: the recurring windows (in their own zone), one-off
 * unavailability, when they may be paged over a range, and the check coordinators run
 * before scheduling them. A volunteer reaches only their own (`me` works).
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../../contract/common.js';
import { AvailabilityView, AvailabilityWindow, ShiftCheck, ShiftWarnings, UnavailabilityCreate, Volunteer } from '../../../../contract/volunteer.js';
import * as availability from '../../../volunteer/availability.service.js';
import * as volunteers from '../../../volunteer/volunteer.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/volunteer.js';
import { instant } from '../../query.js';
import { IdParam, staffOnly, subject } from './access.js';

export function availabilityRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/volunteers/:id/availability',
    {
      config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_staff'] },
      schema: {
        summary: 'A volunteer’s availability: the rules in their own zone, and when they may be paged in a range (default: the next 7 days) shown in time_zone (default: the organization’s zone)',
        tags: ['volunteers'],
        params: IdParam,
        querystring: Type.Object({ since: Type.Optional(Type.String({ maxLength: 64 })), until: Type.Optional(Type.String({ maxLength: 64 })), time_zone: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: AvailabilityView, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id);
      const { volunteer } = await volunteers.requireVolunteer(db, principal.orgId, userId);
      const now = clock.now();
      const q = { since: instant(request.query.since, 'since'), until: instant(request.query.until, 'until'), timeZone: request.query.time_zone };
      return present.availability(await availability.availabilityIn(db, now, principal.orgId, volunteer, q));
    },
  );

  app.put(
    '/api/v1/volunteers/:id/availability',
    {
      config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_manager'] },
      schema: { summary: 'Replace the recurring availability windows (and optionally the zone they are read in)', tags: ['volunteers'], params: IdParam, body: Type.Object({ availability: Type.Object({ time_zone: Type.Optional(Type.String({ maxLength: 64 })), windows: Type.Array(AvailabilityWindow, { maxItems: 50 }) }) }), response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await volunteers.setAvailability(db, clock, principal.orgId, principal.userId, userId, request.body.availability);
      return { volunteer: present.volunteer(p, await volunteers.getVolunteer(db, principal.orgId, userId)) };
    },
  );

  app.post(
    '/api/v1/volunteers/:id/unavailability',
    { config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_manager'] }, schema: { summary: 'Add one-off unavailability (a holiday, an exam week)', tags: ['volunteers'], params: IdParam, body: UnavailabilityCreate, response: { 201: Type.Object({ unavailability: Type.Object({ id: Type.String(), start: Type.String(), end: Type.String(), reason: Type.Union([Type.String(), Type.Null()]) }) }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await volunteers.requireVolunteer(db, principal.orgId, userId);
      const b = request.body.unavailability;
      const u = { start: instant(b.start, 'unavailability.start'), end: instant(b.end, 'unavailability.end'), reason: b.reason ?? null };
      const row = await availability.addUnavailability(db, clock, principal.orgId, principal.userId, userId, u);
      return reply.code(201).send({ unavailability: present.unavailability(row) });
    },
  );

  app.delete(
    '/api/v1/volunteers/:id/unavailability/:unavailability_id',
    { config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_manager'] }, schema: { summary: 'Remove one-off unavailability', tags: ['volunteers'], params: Type.Object({ id: Type.String({ maxLength: 64 }), unavailability_id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await availability.removeUnavailability(db, clock, principal.orgId, principal.userId, userId, request.params.unavailability_id);
      return reply.code(204).send(undefined as never);
    },
  );

  app.post(
    '/api/v1/volunteers/:id/shift_check',
    { config: { permission: 'read' }, schema: { summary: 'Before scheduling a volunteer: would this shift go past their weekly cap or rest gap?', tags: ['volunteers'], params: IdParam, body: ShiftCheck, response: { 200: ShiftWarnings, ...errorResponses } } },
    async (request) => {
      const { orgId } = staffOnly(request);
      const { volunteer } = await volunteers.requireVolunteer(db, orgId, request.params.id);
      const start = instant(request.body.shift.start, 'shift.start')!;
      const end = instant(request.body.shift.end, 'shift.end')!;
      const warnings = await availability.shiftCheck(db, clock, orgId, volunteer, start, end);
      return { warnings, within_caps: warnings.length === 0 };
    },
  );
}
