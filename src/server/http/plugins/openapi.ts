import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/** The OpenAPI document is generated from the same route schemas that validate and serialize. */
export async function registerOpenApi(app: FastifyInstance, baseUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Vigil API',
        version: '1.0.0',
        description:
          'Vigil REST API (PagerDuty REST v2 shapes under /api/v1) and ingest endpoints (PagerDuty Events API v2, Alertmanager webhook). Authenticate REST calls with "Authorization: Bearer <token>" or "Authorization: Token token=<token>".',
      },
      servers: [{ url: baseUrl }],
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
      security: [{ token: [] }],
    },
  });
  app.get('/api/v1/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
