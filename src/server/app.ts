/**
 * buildApp(deps) → a Fastify instance with every route registered. It never
 * listens: main.ts does, and tests use inject() or listen on port 0.
 */
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import Ajv from 'ajv';
import sjson from 'secure-json-parse';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { App, AppDeps } from './http/deps.js';
import { registerAuth } from './http/plugins/auth.js';
import { registerErrorHandling } from './http/plugins/errors.js';
import { registerOpenApi } from './http/plugins/openapi.js';
import { healthRoutes } from './http/routes/health.js';
import { incidentRoutes } from './http/routes/incidents.js';
import { incidentNoteRoutes } from './http/routes/incident-notes.js';
import { alertRoutes } from './http/routes/alerts.js';
import { logEntryRoutes } from './http/routes/log-entries.js';
import { ingestRoutes } from './http/routes/ingest.js';
import { serviceRoutes } from './http/routes/services.js';
import { integrationRoutes } from './http/routes/integrations.js';
import { changeEventRoutes } from './http/routes/change-events.js';
import { organizationRoutes } from './http/routes/organization.js';
import { userRoutes } from './http/routes/users.js';
import { apiTokenRoutes } from './http/routes/api-tokens.js';
import { operationsRoutes } from './http/routes/operations.js';
import { webhookSubscriptionRoutes } from './http/routes/webhook-subscriptions.js';
import { respondRoutes } from './http/routes/respond.js';
import { scheduleRoutes } from './http/routes/schedules.js';
import { escalationPolicyRoutes } from './http/routes/escalation-policies.js';
import { oncallRoutes } from './http/routes/oncalls.js';
import { contactMethodRoutes } from './http/routes/contact-methods.js';
import { notificationRuleRoutes } from './http/routes/notification-rules.js';
import { calendarRoutes } from './http/routes/calendar.js';
import { impactMetricRoutes } from './http/routes/impact-metric.js';
import { impactIngestRoutes } from './http/routes/impact-ingest.js';
import { impactReportRoutes } from './http/routes/impact-reports.js';
import { webRoutes } from './web/index.js';
import { volunteerRoutes } from './http/routes/volunteers.js';
import { openShiftRoutes } from './http/routes/open-shifts.js';

export type RouteModule = (app: App, deps: AppDeps) => void;

export interface RegisteredRoute {
  method: string;
  url: string;
  /** Left out of the OpenAPI document on purpose (pages for browsers, provider callbacks). */
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    vigilRoutes: RegisteredRoute[];
  }
}

const ajvOptions = { removeAdditional: true, useDefaults: true, allErrors: true, strict: false } as const;
const AjvCtor = Ajv as unknown as typeof Ajv.default;
const strictAjv = new AjvCtor({ ...ajvOptions, coerceTypes: false });
const coercingAjv = new AjvCtor({ ...ajvOptions, coerceTypes: 'array' });

/** Route modules in registration order, which is also the order of their paths in the OpenAPI document. */
export const routeModules: RouteModule[] = [
  healthRoutes,
  operationsRoutes,
  ingestRoutes,
  serviceRoutes,
  integrationRoutes,
  changeEventRoutes,
  incidentRoutes,
  incidentNoteRoutes,
  alertRoutes,
  logEntryRoutes,
  organizationRoutes,
  userRoutes,
  apiTokenRoutes,
  webhookSubscriptionRoutes,
  respondRoutes,
  scheduleRoutes,
  escalationPolicyRoutes,
  oncallRoutes,
  contactMethodRoutes,
  notificationRuleRoutes,
  calendarRoutes,
  impactMetricRoutes,
  impactIngestRoutes,
  impactReportRoutes,
  webRoutes,
  volunteerRoutes,
  openShiftRoutes,
];

export async function buildApp(deps: AppDeps, opts: { logger?: Logger | boolean; extraRoutes?: RouteModule[] } = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: typeof opts.logger === 'object' ? (opts.logger as FastifyBaseLogger) : undefined,
    logger: typeof opts.logger === 'boolean' ? opts.logger : undefined,
    bodyLimit: 1024 * 1024,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: true, useDefaults: true, allErrors: true } },
    // One log line per request would dominate ingest cost; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // JSON only: a form or text body is answered 415, naming the expected type.
  app.removeContentTypeParser('text/plain');
  // Fastify's own parser reports every refusal as "not valid JSON"; this one says why (e.g. a __proto__ key).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') {
      const e = new Error('the body is empty') as Error & { statusCode?: number; code?: string };
      e.statusCode = 400;
      e.code = 'FST_ERR_CTP_EMPTY_JSON_BODY';
      return done(e, undefined);
    }
    try {
      done(null, sjson.parse(body as string, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      (e as Error & { statusCode?: number }).statusCode = 400;
      done(e, undefined);
    }
  });
  // Bodies are validated strictly ({"name": 5} is not a name); query strings and path params are text and are coerced.
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema));
  registerErrorHandling(app);
  // Nothing that changed state is answered before it is on disk (SQLite: the WAL flush of
  // storage/wal-sync.ts, shared by every request waiting at the same moment; PostgreSQL: at once).
  app.addHook('onSend', async () => {
    await deps.sync();
  });
  // Every route as registered, so a test can hold the OpenAPI document to "describes every route".
  const routes: RegisteredRoute[] = [];
  app.decorate('vigilRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method: String(method), url: r.url, hidden: Boolean((r.schema as { hide?: boolean } | undefined)?.hide) });
  });
  await registerOpenApi(app, deps.config.publicUrl);
  registerAuth(app, deps.db);
  for (const mod of [...routeModules, ...(opts.extraRoutes ?? [])]) mod(app, deps);
  await app.ready();
  return app;
}
