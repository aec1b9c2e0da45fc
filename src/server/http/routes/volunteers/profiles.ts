/**
 * /api/v1/volunteers: volunteer profiles. Listing and adding are for staff (adding
 * needs `manage`); a volunteer reads and changes only their own profile (`me` works),
 * coordinators anyone's. Only admins change the partner company.
 *
 * Two route modules: app.ts registers /volunteers/me/* (me.ts) between them, so
 * the OpenAPI document keeps its order of paths.
 */
import { Type } from 'typebox';
import { PageQuery, Pagination, errorResponses } from '../../../../contract/common.js';
import { Volunteer, VolunteerCreate, VolunteerUpdate } from '../../../../contract/volunteer.js';
import { can } from '../../../org/roles.js';
import * as volunteers from '../../../volunteer/volunteer.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import { page } from '../../presenters/common.js';
import * as present from '../../presenters/volunteer.js';
import { checkWindow } from '../../query.js';
import { IdParam, staffOnly, subject } from './access.js';

/** GET and POST /volunteers. */
export function volunteerListRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/volunteers',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List volunteers',
        tags: ['volunteers'],
        querystring: Type.Object({ ...PageQuery, company_id: Type.Optional(Type.String({ maxLength: 64 })), pool_id: Type.Optional(Type.String({ maxLength: 64 })), status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused')])), skill: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.Object({ volunteers: Type.Array(Volunteer), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = staffOnly(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const { items, total } = await volunteers.listVolunteers(db, orgId, { ...(q.company_id ? { companyId: q.company_id } : {}), ...(q.pool_id ? { poolId: q.pool_id } : {}), ...(q.status ? { status: q.status } : {}), ...(q.skill ? { skill: q.skill.toLowerCase() } : {}), limit, offset });
      return page('volunteers', items.map((d) => present.volunteer(p, d)), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/volunteers',
    { schema: { summary: 'Add a volunteer: a member with the volunteer role and a profile (or a profile for an existing volunteer member with this email)', tags: ['volunteers'], body: VolunteerCreate, response: { 201: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { user } = await volunteers.createVolunteer(db, clock, principal.orgId, principal.userId, request.body.volunteer);
      return reply.code(201).send({ volunteer: present.volunteer(p, await volunteers.getVolunteer(db, principal.orgId, user.id)) });
    },
  );
}

/** GET, PUT and DELETE /volunteers/{id}. */
export function volunteerProfileRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const show = async (orgId: string, userId: string) => ({ volunteer: present.volunteer(p, await volunteers.getVolunteer(db, orgId, userId)) });

  app.get(
    '/api/v1/volunteers/:id',
    { config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_staff'] }, schema: { summary: 'Get a volunteer (a volunteer: only themselves; `me` works)', tags: ['volunteers'], params: IdParam, response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => show(principalOf(request).orgId, subject(request, request.params.id)),
  );

  app.put(
    '/api/v1/volunteers/:id',
    { config: { permission: 'read', volunteerAccess: 'open', memberRules: ['own_or_manager'] }, schema: { summary: 'Update a volunteer’s profile (themselves, or anyone as admin; only admins change the partner company)', tags: ['volunteers'], params: IdParam, body: VolunteerUpdate, response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await volunteers.updateVolunteer(db, clock, principal.orgId, principal.userId, userId, request.body.volunteer, can(principal.role, 'manage'));
      return show(principal.orgId, userId);
    },
  );

  app.delete(
    '/api/v1/volunteers/:id',
    { schema: { summary: 'Remove a volunteer profile and its pool memberships (the member and the ledger history stay; remove the member with DELETE /users/{id})', tags: ['volunteers'], params: IdParam, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      await volunteers.removeVolunteer(db, clock, principal.orgId, principal.userId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );
}
