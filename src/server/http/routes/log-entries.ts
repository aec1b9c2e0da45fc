import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { LogEntry } from '../../../contract/incident.js';
import { incidentLogEntries, orgLogEntries, requireLogEntry, type LogEntryPage, type LogEntryQuery } from '../../incident/incident-read.service.js';
import { requireIncident } from '../../incident/incident.service.js';
import type { App, AppDeps } from '../deps.js';
import { callerLocale, principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { checkWindow, instant } from '../query.js';

const LogQuery = Type.Object({
  ...PageQuery,
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
  is_overview: Type.Optional(Type.Boolean()),
  'include[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
});

function logQuery(q: { limit?: number; offset?: number; since?: string; until?: string; is_overview?: boolean }): LogEntryQuery {
  const limit = q.limit ?? 25;
  const offset = q.offset ?? 0;
  checkWindow(limit, offset);
  const since = instant(q.since, 'since');
  const until = instant(q.until, 'until');
  return { ...(q.is_overview ? { overview: true } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), limit, offset };
}

/** Timelines: an incident's, the organization's, and single entries. */
export function logEntryRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;
  // Vigil's own sentences in the caller's language (their locale, else the organization's).
  const present = (r: LogEntryPage, locale: string) => r.rows.map((e) => p.logEntry(e, r.serviceNames.get(e.service_id) ?? null, null, locale));

  app.get(
    '/api/v1/incidents/:id/log_entries',
    { config: { permission: 'read' }, schema: { summary: "An incident's timeline, oldest first", tags: ['incidents'], params: IdParams, querystring: LogQuery, response: { 200: Type.Object({ log_entries: Type.Array(LogEntry), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const inc = await requireIncident(db, orgId, request.params.id);
      const q = logQuery(request.query);
      const r = await incidentLogEntries(db, orgId, inc, q);
      return page('log_entries', present(r, await callerLocale(db, request)), q.limit, q.offset, r.total, request.query.total);
    },
  );

  app.get(
    '/api/v1/log_entries',
    { config: { permission: 'read' }, schema: { summary: "The organization's log entries, newest first", tags: ['incidents'], querystring: LogQuery, response: { 200: Type.Object({ log_entries: Type.Array(LogEntry), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = logQuery(request.query);
      const r = await orgLogEntries(db, orgId, q);
      return page('log_entries', present(r, await callerLocale(db, request)), q.limit, q.offset, r.total, request.query.total);
    },
  );

  app.get(
    '/api/v1/log_entries/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a log entry', tags: ['incidents'], params: IdParams, response: { 200: Type.Object({ log_entry: LogEntry }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { log_entry: present(await requireLogEntry(db, orgId, request.params.id), await callerLocale(db, request))[0]! };
    },
  );
}
