
import { Type } from 'typebox';
import type { App, AppDeps } from '../deps.js';

export function healthRoutes(app: App, deps: AppDeps): void {
  app.get('/healthz', { config: { permission: 'public' }, schema: { summary: 'Liveness: the process answers', tags: ['operations'], response: { 200: Type.Object({ status: Type.String() }) } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { config: { permission: 'public' }, schema: { summary: 'Readiness: the database answers', tags: ['operations'], response: { 200: Type.Object({ status: Type.String() }), 503: Type.Object({ status: Type.String() }) } } },
    async (_request, reply) => {
      const ok = await deps.ready().catch(() => false);
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable' });
    },
  );
}
