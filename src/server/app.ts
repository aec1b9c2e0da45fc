/**
 * buildApp(deps) → a Fastify instance with every route registered. It never
 * listens: main.ts does, and tests use inject() or listen on port 0.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifySchemaValidationError, type FastifyServerOptions } from 'fastify';
import Ajv from 'ajv';
import sjson from 'secure-json-parse';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { App, AppDeps } from './http/deps.js';
import { registerAuth } from './http/plugins/auth.js';
import fastJsonStringify from 'fast-json-stringify';
import { closedBody, closesBody } from './http/closed-bodies.js';
import { installResponseSchemaCompaction } from './http/compact-response-schemas.js';
import { errorBody, registerErrorHandling } from './http/plugins/errors.js';
import { StorageSlow } from './errors.js';
import { registerInputGuard } from './http/plugins/input-guard.js';
import { cleanBodies, mayHoldUnstorableText } from './http/plugins/unstorable-text.js';
import { registerOpenApi } from './http/plugins/openapi.js';
import { registerSecurityHeaders } from './http/plugins/security-headers.js';
import { healthRoutes } from './http/routes/health.js';
import { incidentRoutes } from './http/routes/incidents.js';
import { incidentNoteRoutes } from './http/routes/incident-notes.js';
import { incidentCollabRoutes } from './http/routes/incident-collab.js';
import { userSubscriptionRoutes } from './http/routes/user-subscriptions.js';
import { alertRoutes } from './http/routes/alerts.js';
import { logEntryRoutes } from './http/routes/log-entries.js';
import { pagerDutyRoot } from './http/pagerduty-root.js';
import { opsgenieRoutes } from './http/routes/opsgenie.js';
import { ingestRoutes } from './http/routes/ingest.js';
import { emailIngestRoutes } from './http/routes/email-ingest.js';
import { serviceRoutes } from './http/routes/services.js';
import { integrationRoutes } from './http/routes/integrations.js';
import { changeEventRoutes } from './http/routes/change-events.js';
import { organizationRoutes } from './http/routes/organization.js';
import { userRoutes } from './http/routes/users.js';
import { userSessionRoutes } from './http/routes/user-sessions.js';
import { auditRecordRoutes } from './http/routes/audit-records.js';
import { handoffRuleRoutes } from './http/routes/handoff-rules.js';
import { apiTokenRoutes } from './http/routes/api-tokens.js';
import { operationsRoutes } from './http/routes/operations.js';
import { webhookSubscriptionRoutes } from './http/routes/webhook-subscriptions.js';
import { respondRoutes } from './http/routes/respond.js';
import { scheduleOverrideRoutes, scheduleRoutes, scheduleUserRoutes } from './http/routes/schedules.js';
import { escalationPolicyRoutes } from './http/routes/escalation-policies.js';
import { oncallRoutes } from './http/routes/oncalls.js';
import { contactMethodRoutes } from './http/routes/contact-methods.js';
import { notificationRuleRoutes } from './http/routes/notification-rules.js';
import { calendarRoutes } from './http/routes/calendar.js';
import { impactMetricRoutes } from './http/routes/impact-metric.js';
import { impactIngestRoutes } from './http/routes/impact-ingest.js';
import { impactReportRoutes } from './http/routes/impact-reports.js';
import { analyticsRoutes } from './http/routes/analytics.js';
import { postmortemRoutes } from './http/routes/postmortems.js';
import { registerSessionAuth } from './http/plugins/session.js';
import { accountRoutes } from './http/routes/account.js';
import { twoFactorRoutes } from './http/routes/two-factor.js';
import { oidcRoutes } from './http/routes/oidc.js';
import { streamRoutes } from './http/routes/stream.js';
import { statusPageRoutes } from './http/routes/status-page.js';
import { statusSubscriptionRoutes } from './http/routes/status-subscriptions.js';
import { testEventRoutes } from './http/routes/test-event.js';
import { testPageRoutes } from './http/routes/test-page.js';
import { testPagesRoutes } from './http/routes/test-pages.js';
import { wakeCheckRoutes } from './http/routes/wake-check.js';
import { pushRoutes } from './http/routes/push.js';
import { telegramRoutes } from './http/routes/telegram.js';
import { smsProviderRoutes } from './http/routes/sms-providers.js';
import { matrixSyncRoutes } from './http/routes/matrix-sync.js';
import { staticUiRoutes } from './http/plugins/static-ui.js';
import { volunteerGuard, volunteerRule } from './http/routes/volunteers/access.js';
import { volunteerSettingsRoutes } from './http/routes/volunteers/settings.js';
import { partnerCompanyRoutes } from './http/routes/volunteers/companies.js';
import { volunteerListRoutes, volunteerProfileRoutes } from './http/routes/volunteers/profiles.js';
import { ownVolunteerRoutes } from './http/routes/volunteers/me.js';
import { volunteerStandingRoutes } from './http/routes/volunteers/standing.js';
import { availabilityRoutes } from './http/routes/volunteers/availability.js';
import { volunteerPoolRoutes } from './http/routes/volunteers/pools.js';
import { volunteerLedgerRoutes } from './http/routes/volunteers/ledger.js';
import { auditLogRoutes } from './http/routes/volunteers/audit.js';
import { openShiftRoutes } from './http/routes/volunteers/open-shifts.js';
import { shiftTradeRoutes } from './http/routes/volunteers/trades.js';
import { coverageGapRoutes } from './http/routes/volunteers/coverage-gaps.js';
import { intenseIncidentRoutes } from './http/routes/volunteers/intense.js';
import { eventOrchestrationRoutes, orchestrationIntegrationRoutes, orchestrationPathRoutes, orchestrationTestRoutes } from './http/routes/event-orchestrations.js';
import { maintenanceWindowRoutes } from './http/routes/maintenance-windows.js';
import { serviceRuleRoutes } from './http/routes/service-rules.js';
import { alertListRoutes } from './http/routes/alert-list.js';
import { priorityRoutes } from './http/routes/priorities.js';
import { incidentActionRoutes } from './http/routes/incident-actions.js';
import { pagingPathRoutes } from './http/routes/paging-path.js';
import { teamRoutes } from './http/routes/teams.js';
import { teamSubscriptionRoutes } from './http/routes/team-subscriptions.js';

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

// Per route, Fastify's serializers by status code in ~1 KB instead of ~5 KB (http/compact-response-schemas.ts).
installResponseSchemaCompaction();

const ajvOptions = { removeAdditional: true, useDefaults: true, allErrors: true, strict: false } as const;
const AjvCtor = Ajv as unknown as typeof Ajv.default;
// Bodies: a field a schema closes off (additionalProperties: false) is refused by name, never silently dropped.
const strictAjv = new AjvCtor({ ...ajvOptions, coerceTypes: false, removeAdditional: false });
const coercingAjv = new AjvCtor({ ...ajvOptions, coerceTypes: 'array' });

/**
 * Compiled validators and serializers, once per schema text for the process. Compiling
 * them is most of what building an app costs (about a second for 300 routes); a process
 * that builds several apps (the test suite builds hundreds) compiles each schema once.
 * Keyed by the schema's text, since route modules build their schema objects per app.
 */
const validators = new Map<string, unknown>();
const serializers = new Map<string, unknown>();
function compiledOnce<T>(cache: Map<string, unknown>, key: string, compile: () => T): T {
  let fn = cache.get(key) as T | undefined;
  if (fn === undefined) cache.set(key, (fn = compile()));
  return fn;
}

type Validator = ((data: unknown, cxt?: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null; schemaEnv?: unknown };
/**
 * A validator compiled on its route's first request, not at start: compiling all ~300
 * routes' schemas was most of start-up (1.5 s of CPU) and 4 MiB of generated source kept in
 * the heap, for routes a node may never serve (docs/benchmarks.md, "Start-up"). Fastify
 * reads `errors` after a failed call and passes Ajv's parent data when `schemaEnv` is set
 * (so a root value can be changed in place); both are forwarded to the compiled function.
 */
function lazyValidator(compile: () => Validator): Validator {
  let fn: Validator | undefined;
  const validate: Validator = (data, cxt) => (fn ??= compile())(data, cxt);
  validate.schemaEnv = true;
  Object.defineProperty(validate, 'errors', { get: () => fn?.errors });
  return validate;
}
/** A response serializer compiled on its first use (see lazyValidator). */
function lazySerializer(compile: () => (data: unknown) => string): (data: unknown) => string {
  let fn: ((data: unknown) => string) | undefined;
  return (data) => (fn ??= compile())(data);
}

/** Route modules in registration order, which is also the order of their paths in the OpenAPI document. */
export const routeModules: RouteModule[] = [
  healthRoutes,
  operationsRoutes,
  ingestRoutes,
  emailIngestRoutes,
  opsgenieRoutes,
  serviceRoutes,
  integrationRoutes,
  changeEventRoutes,
  incidentRoutes,
  incidentNoteRoutes,
  incidentCollabRoutes,
  userSubscriptionRoutes,
  alertRoutes,
  logEntryRoutes,
  organizationRoutes,
  userRoutes,
  userSessionRoutes,
  auditRecordRoutes,
  handoffRuleRoutes,
  apiTokenRoutes,
  webhookSubscriptionRoutes,
  respondRoutes,
  scheduleRoutes,
  scheduleOverrideRoutes,
  scheduleUserRoutes,
  escalationPolicyRoutes,
  oncallRoutes,
  contactMethodRoutes,
  notificationRuleRoutes,
  calendarRoutes,
  impactMetricRoutes,
  impactIngestRoutes,
  impactReportRoutes,
  analyticsRoutes,
  postmortemRoutes,
  // The web UI's server side: session cookies beside API tokens, sign-in and account
  // links, live updates, the public status page, test events and pages, the built app.
  registerSessionAuth,
  accountRoutes,
  twoFactorRoutes,
  oidcRoutes,
  streamRoutes,
  statusPageRoutes,
  statusSubscriptionRoutes,
  testEventRoutes,
  testPageRoutes,
  testPagesRoutes,
  wakeCheckRoutes,
  pushRoutes,
  telegramRoutes,
  smsProviderRoutes,
  matrixSyncRoutes,
  staticUiRoutes,
  // Volunteers: the access guard (it covers every route), then one module per resource.
  volunteerGuard,
  volunteerSettingsRoutes,
  partnerCompanyRoutes,
  volunteerListRoutes,
  ownVolunteerRoutes,
  volunteerProfileRoutes,
  volunteerStandingRoutes,
  availabilityRoutes,
  volunteerPoolRoutes,
  volunteerLedgerRoutes,
  auditLogRoutes,
  openShiftRoutes,
  shiftTradeRoutes,
  coverageGapRoutes,
  intenseIncidentRoutes,
  eventOrchestrationRoutes,
  orchestrationIntegrationRoutes,
  orchestrationPathRoutes,
  orchestrationTestRoutes,
  serviceRuleRoutes,
  maintenanceWindowRoutes,
  alertListRoutes,
  priorityRoutes,
  incidentActionRoutes,
  pagingPathRoutes,
  teamRoutes,
  teamSubscriptionRoutes,
];

/**
 * Fastify's trustProxy from VIGIL_TRUST_PROXY. Fastify 5 refuses a bare hop count (it
 * cannot check the peer); Vigil's hop count keeps its documented meaning, trusting the
 * nearest `n` hops, which is only safe when nothing but those proxies can reach Vigil
 * (docs/security.md says so and recommends addresses instead).
 */
function trustProxyOption(tp: AppDeps['config']['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (typeof tp === 'number') return (_address: string, hop: number) => hop < tp;
  return tp;
}

export async function buildApp(deps: AppDeps, opts: { logger?: Logger | boolean; extraRoutes?: RouteModule[] } = {}): Promise<App> {
  const root = pagerDutyRoot(deps.config.pagerDutyApiHost);
  const app = Fastify({
    rewriteUrl: (req) => root.rewrite(req),
    loggerInstance: typeof opts.logger === 'object' ? (opts.logger as FastifyBaseLogger) : undefined,
    logger: typeof opts.logger === 'boolean' ? opts.logger : undefined,
    bodyLimit: 1024 * 1024,
    // request.ip is the client's address only through the proxies VIGIL_TRUST_PROXY names.
    trustProxy: trustProxyOption(deps.config.trustProxy),
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
      const parsed: unknown = sjson.parse(body as string, { protoAction: 'error', constructorAction: 'error' });
      if (typeof parsed === 'object' && parsed !== null && !mayHoldUnstorableText(body as string)) cleanBodies.add(parsed);
      done(null, parsed);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      (e as Error & { statusCode?: number }).statusCode = 400;
      done(e, undefined);
    }
  });
  // Bodies are validated strictly ({"name": 5} is not a name); query strings and path params are text and are coerced.
  // The cache keys are built on first use too: held by ~1,800 closures from start, the schemas' JSON text was 2.3 MiB of idle heap.
  app.setValidatorCompiler(({ schema, httpPart }) =>
    lazyValidator(() =>
      compiledOnce(validators, `${httpPart === 'body' ? 'body' : 'text'}\u0000${JSON.stringify(schema)}`, () => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema) as Validator),
    ),
  );
  app.setSerializerCompiler(({ schema }) => lazySerializer(() => compiledOnce(serializers, JSON.stringify(schema), () => fastJsonStringify(schema as Parameters<typeof fastJsonStringify>[0]))));
  registerErrorHandling(app);
  // The ingest writer thread (if any) closes its connection with the app, before the database is.
  app.addHook('onClose', async () => {
    await deps.ingest.close();
  });
  registerInputGuard(app);
  registerSecurityHeaders(app, deps.config.publicUrl);
  // Nothing that changed state is answered before it is on disk (SQLite: the WAL flush of
  // storage/wal-sync.ts, shared by every request waiting at the same moment; PostgreSQL: at once).
  // A disk that has not confirmed within durableWaitMs (a stalled fsync) turns a change's
  // answer into 503 storage_slow with Retry-After: never a 2xx without the disk's word. A
  // read still waits, as long as it takes, and answers.
  app.addHook('onSend', async (request, reply, payload) => {
    const writes = request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400;
    // Nothing waiting for the disk (PostgreSQL, or the flush already done): no bound to keep.
    if (!writes || deps.syncPending?.() === false) {
      await deps.sync();
      return payload;
    }
    const bound = deps.config.durableWaitMs;
    let timer: NodeJS.Timeout | undefined;
    const synced = await Promise.race([deps.sync().then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), bound)))]).finally(() => clearTimeout(timer));
    if (synced) return payload;
    const err = new StorageSlow(bound, 5);
    return JSON.stringify(errorBody(reply, request, err.kind, err.errors, undefined, err.retryAfterSeconds));
  });
  // Every route as registered, so a test can hold the OpenAPI document to "describes every route".
  const routes: RegisteredRoute[] = [];
  app.decorate('vigilRoutes', routes);
  app.addHook('onRoute', (r) => {
    root.learn(r.url);
    if (r.schema?.body && closesBody(r.url)) r.schema = { ...r.schema, body: closedBody(r.schema.body as object, r.schema.response) };
    for (const method of [r.method].flat()) routes.push({ method: String(method), url: r.url, hidden: Boolean((r.schema as { hide?: boolean } | undefined)?.hide) });
  });
  await registerOpenApi(app, deps.config.publicUrl, volunteerRule);
  registerAuth(app, deps.db, deps.clock);
  for (const mod of [...routeModules, ...(opts.extraRoutes ?? [])]) mod(app, deps);
  await app.ready();
  return app;
}
