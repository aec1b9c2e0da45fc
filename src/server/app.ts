/**
 * buildApp(deps) → a Fastify instance with every route registered. It never
 * listens: main.ts does, and tests use inject() or listen on port 0.
 */
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { App, AppDeps } from './http/deps.js';
import { registerAuth } from './http/plugins/auth.js';
import { registerErrorHandling } from './http/plugins/errors.js';
import { registerOpenApi } from './http/plugins/openapi.js';
import { healthRoutes } from './http/routes/health.js';
import { incidentRoutes } from './http/routes/incidents.js';
import { ingestRoutes } from './http/routes/ingest.js';
import { serviceRoutes } from './http/routes/services.js';
import { userRoutes } from './http/routes/users.js';
import { operationsRoutes } from './http/routes/operations.js';
import { webhookSubscriptionRoutes } from './http/routes/webhook-subscriptions.js';
import { respondRoutes } from './http/routes/respond.js';

export type RouteModule = (app: App, deps: AppDeps) => void;

/** Route modules in registration order; later issues add theirs here. */
export const routeModules: RouteModule[] = [
  healthRoutes,
  operationsRoutes,
  ingestRoutes,
  serviceRoutes,
  incidentRoutes,
  userRoutes,
  webhookSubscriptionRoutes,
  respondRoutes,
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
  registerErrorHandling(app);
  await registerOpenApi(app, deps.config.publicUrl);
  registerAuth(app, deps.db);
  for (const mod of [...routeModules, ...(opts.extraRoutes ?? [])]) mod(app, deps);
  await app.ready();
  return app;
}
