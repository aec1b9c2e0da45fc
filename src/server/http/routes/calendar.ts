/**
 * Secret iCalendar feeds. Creating a feed answers its URL once (the token is
 * stored as its SHA-256) and revokes the target's previous URL. The feed itself
 * is public, outside /api: the unguessable token (256 random bits) is the only
 * credential, as calendar clients cannot send headers. Unknown, revoked and
 * orphaned tokens all answer the same 404.
 */
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { CalendarFeed } from '../../../contract/schedule.js';
import { forbidden, notFound } from '../../errors.js';
import { findUser } from '../../org/org.service.js';
import { canActOn } from '../../org/roles.js';
import { FEED_DAYS, createCalendarFeed, renderCalendarFeed, requireSchedule } from '../../schedule/schedule.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { sendError } from '../plugins/errors.js';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function calendarRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  const response = { 201: Type.Object({ calendar_feed: CalendarFeed }), ...errorResponses };

  app.post(
    '/api/v1/schedules/:id/calendar_feed',
    {
      schema: { summary: `Admins: a secret iCalendar URL with the schedule's shifts over the next ${FEED_DAYS} days. Shown once; a new one revokes the old.`, tags: ['schedules'], params: IdParams, response },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const row = await requireSchedule(db, orgId, request.params.id);
      const { feed, token } = await createCalendarFeed(db, clock, orgId, 'schedule', row.id);
      return reply.code(201).send({ calendar_feed: p.calendarFeed(feed, token, row.name) });
    },
  );

  app.post(
    '/api/v1/users/:id/calendar_feed',
    {
      config: { permission: 'read', memberRules: ['not_above_own_role'] },
      schema: { summary: `A secret iCalendar URL with a member's shifts across all schedules over the next ${FEED_DAYS} days (yours, or anyone's as admin). Shown once; a new one revokes the old.`, tags: ['schedules'], params: IdParams, response },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = request.params.id === 'me' ? principal.userId : request.params.id;
      const user = await findUser(db, principal.orgId, id);
      if (!user) throw notFound(`user ${request.params.id}`);
      if (user.id !== principal.userId && !canActOn(principal.role, user.role)) throw forbidden(`a ${principal.role} cannot create the calendar feed of a ${user.role}`);
      const { feed, token } = await createCalendarFeed(db, clock, principal.orgId, 'user', user.id);
      return reply.code(201).send({ calendar_feed: p.calendarFeed(feed, token, user.name) });
    },
  );

  app.get(
    '/calendar/:file',
    { config: { permission: 'public' }, schema: { summary: 'An iCalendar feed (text/calendar, UTC times), by its secret URL', tags: ['schedules'], params: Type.Object({ file: Type.String({ maxLength: 128 }) }), security: [] } },
    async (request, reply) => {
      const file = request.params.file;
      const token = file.endsWith('.ics') ? file.slice(0, -4) : '';
      const body = TOKEN.test(token) ? await renderCalendarFeed(db, clock, token) : null;
      if (body === null) return sendError(reply, request, 'not_found', ['no such calendar feed']);
      return reply
        .code(200)
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('cache-control', 'private, max-age=300')
        .header('content-disposition', 'inline; filename="vigil.ics"')
        .send(body);
    },
  );
}
