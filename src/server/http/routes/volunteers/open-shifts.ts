/**
 * Open shifts: the turns of a schedule's open-shift layer, claimed by volunteers (or
 * by staff, or by a coordinator for a volunteer), given back, and anyone's shifts
 * across every schedule. The rules are volunteer/open-shifts.ts; the use cases
 * volunteer/shifts.service.ts. Every request a volunteer makes is audited by the guard.
 */
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../../contract/common.js';
import { ClaimBody, OpenShift, OpenShiftClaim, OpenShiftsQuery, conflictResponses } from '../../../../contract/open-shifts.js';
import { forbidden } from '../../../errors.js';
import { can } from '../../../org/roles.js';
import { requireSchedule } from '../../../schedule/schedule.service.js';
import { isoIn } from '../../../volunteer/availability.js';
import * as shifts from '../../../volunteer/shifts.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/open-shift.js';
import { instant } from '../../query.js';

const DAY = 86_400_000;
const SlotParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), open_shift_id: Type.String({ minLength: 1, maxLength: 100 }) });
const ClaimParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const UserShift = Type.Object({ schedule: Type.Object({ id: Type.String(), type: Type.String(), summary: Type.Union([Type.String(), Type.Null()]) }), start: Type.String(), end: Type.String(), label: Type.String() });

export function openShiftRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/schedules/:id/open_shifts',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: "A schedule's open shifts over [since, until) (default: the next 14 days; at most 92 days), with their claims and what is still open",
        tags: ['volunteers'],
        params: IdParams,
        querystring: OpenShiftsQuery,
        response: { 200: Type.Object({ open_shifts: Type.Array(OpenShift), time_zone: Type.String(), since: Type.String(), until: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await requireSchedule(db, orgId, request.params.id);
      const zone = await shifts.zoneFor(db, orgId, request.query.time_zone);
      const since = instant(request.query.since, 'since') ?? clock.now();
      const until = instant(request.query.until, 'until') ?? since + 14 * DAY;
      const { views, names } = await shifts.openShiftsIn(db, orgId, row, since, until);
      return { open_shifts: views.map((v) => present.openShift(p, row, v, names, zone)), time_zone: zone, since: isoIn(since, zone), until: isoIn(until, zone) };
    },
  );

  app.post(
    '/api/v1/schedules/:id/open_shifts/:open_shift_id/claim',
    {
      config: { permission: 'read', volunteerAccess: 'open', memberRules: ['not_observer'] },
      schema: {
        summary: 'Claim an open shift (or part of it, with claim.start/claim.end). Allowed only within the volunteer’s availability, while active and consenting, and within their weekly cap and rest gap (422 volunteer_rule naming the rule); 409 when it is already claimed or over. The claimer is put on call by a schedule override.',
        tags: ['volunteers'],
        params: SlotParams,
        body: Type.Optional(ClaimBody),
        response: { 201: Type.Object({ open_shift_claim: OpenShiftClaim }), ...errorResponses, ...conflictResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === 'observer') throw forbidden('observers cannot claim shifts');
      const b = request.body?.claim;
      const start = instant(b?.start, 'claim.start');
      const end = instant(b?.end, 'claim.end');
      const claim = await shifts.claimOpenShift(db, clock, principal.orgId, request.params.id, request.params.open_shift_id, {
        actorId: principal.userId,
        actorCanManage: can(principal.role, 'manage'),
        ...(b?.user ? { userId: b.user.id } : {}),
        ...(start !== undefined ? { start } : {}),
        ...(end !== undefined ? { end } : {}),
      });
      const { schedule, zone, names } = await shifts.claimContext(db, principal.orgId, request.params.id, claim);
      return reply.code(201).send({ open_shift_claim: present.openShiftClaim(p, claim, schedule.name, names, zone) });
    },
  );

  app.delete(
    '/api/v1/open_shift_claims/:id',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: { summary: 'Give a claimed open shift back (the claimer or an admin): it is open again', tags: ['volunteers'], params: ClaimParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await shifts.releaseClaim(db, clock, principal.orgId, request.params.id, principal.userId, can(principal.role, 'manage'));
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/volunteers/:id/shifts',
    {
      config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_staff'] },
      schema: {
        summary: 'Someone’s on-call shifts over [since, until) (default: the next 14 days; at most 92) across every schedule: layers, claimed open shifts, accepted offers and swaps, overrides. `me` works; a volunteer sees only their own. Times in their own zone (or time_zone).',
        tags: ['volunteers'],
        params: IdParams,
        querystring: OpenShiftsQuery,
        response: { 200: Type.Object({ shifts: Type.Array(UserShift), time_zone: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const userId = request.params.id === 'me' ? principal.userId : request.params.id;
      if (userId !== principal.userId && principal.role === 'volunteer') throw forbidden('volunteers can only see their own shifts');
      const zone = await shifts.shiftZoneOf(db, principal.orgId, userId, request.query.time_zone);
      const since = instant(request.query.since, 'since') ?? clock.now();
      const until = instant(request.query.until, 'until') ?? since + 14 * DAY;
      const list = await shifts.shiftsOfUser(db, principal.orgId, userId, since, until);
      return { shifts: list.map((x) => present.userShift(x, zone)), time_zone: zone };
    },
  );
}
