
import { Type } from 'typebox';
import type { App, AppDeps } from '../deps.js';

export function healthRoutes(app: App, deps: AppDeps): void {
  app.get('/healthz', { config: { permission: 'public' }, schema: { summary: 'Liveness: the process answers', tags: ['operations'], response: { 200: Type.Object({ status: Type.String() }) } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    {
      config: { permission: 'public' },
      schema: {
        summary: 'Readiness: the database answers and takes writes',
        description: 'Not ready (503) while storage refuses writes (disk full, read-only, connection pool exhausted) or the database does not answer; `reason` says which. Ready again as soon as a write commits (each check tries one while not ready). See docs/reliability.md.',
        tags: ['operations'],
        response: {
          200: Type.Object({ status: Type.Literal('ready') }),
          503: Type.Object({
            status: Type.Literal('unavailable'),
            reason: Type.String({ description: 'disk_full, read_only, io_error, connection_lost, pool_exhausted, cannot_open or database_unreachable' }),
            since: Type.Optional(Type.String({ format: 'date-time', description: 'When storage started refusing writes' })),
            refused: Type.Optional(Type.Integer({ description: 'Writes refused since then' })),
          }),
        },
      },
    },
    async (_request, reply) => {
      const r = await deps.ready().catch(() => ({ ready: false as const, reason: 'database_unreachable' as const }));
      if (r.ready) return reply.code(200).send({ status: 'ready' as const });
      const { ready: _r, ...why } = r;
      return reply.code(503).send({ status: 'unavailable' as const, ...why });
    },
  );
}
