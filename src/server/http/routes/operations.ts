/**
 * Heartbeat pings and Prometheus metrics: endpoints for machines, not people.
 */
import { Type } from 'typebox';
import { iso } from '../../lib/clock.js';
import { VigilError } from '../../errors.js';
import { constantTimeEqual, hashSecret } from '../../lib/secrets.js';
import { acceptPing } from '../../ingest/heartbeat.js';
import { validateRoutingKey } from '../../ingest/events-v2/validate.js';
import type { App, AppDeps } from '../deps.js';
import type { FastifyReply, FastifyRequest } from 'fastify';

export function operationsRoutes(app: App, deps: AppDeps): void {
  const ping = async (request: FastifyRequest<{ Params: { key: string } }>, reply: FastifyReply) => {
    const errors: string[] = [];
    const key = validateRoutingKey(request.params.key, errors);
    const target = key ? await deps.ingest.resolveKey(key, 'heartbeat') : null;
    if (!target) throw new VigilError('invalid_input', errors.length ? errors.map((e) => e.replace("'routing_key'", 'the heartbeat key')) : ['the heartbeat key is not a known heartbeat integration key']);
    deps.ingest.admit(target.integration.id);
    const r = await acceptPing(deps, target.integration);
    return reply.code(202).send({ status: 'success', message: r.recovered ? 'Heartbeat received; the missed-heartbeat alert is resolved' : 'Heartbeat received', next_due_at: iso(r.nextDue) });
  };
  const schema = {
    summary: 'Heartbeat ping: call it at least every interval; a missed interval opens an incident, the next ping resolves it',
    tags: ['ingest'],
    params: Type.Object({ key: Type.String({ maxLength: 64 }) }),
    response: { 202: Type.Object({ status: Type.String(), message: Type.String(), next_due_at: Type.String() }) },
  };
  const cfg = { config: { errorStyle: 'events' as const, permission: 'public' as const }, schema };
  app.post('/v1/heartbeat/:key', cfg, ping);
  app.get('/v1/heartbeat/:key', cfg, ping);

  // Instance-wide figures (every organization's traffic): not for members. Off unless the
  // operator sets VIGIL_METRICS_TOKEN; Prometheus sends it as `authorization: Bearer <token>`.
  app.get('/metrics', { config: { permission: 'public' }, schema: { summary: 'Prometheus metrics (Authorization: Bearer VIGIL_METRICS_TOKEN; 404 when no token is configured)', tags: ['operations'] } }, async (request, reply) => {
    const expected = deps.config.metricsToken;
    if (!expected) throw new VigilError('not_found', ['metrics are off on this server: set VIGIL_METRICS_TOKEN and scrape with that bearer token']);
    const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (!constantTimeEqual(hashSecret(given), hashSecret(expected))) {
      reply.header('www-authenticate', 'Bearer realm="vigil-metrics"');
      throw new VigilError('unauthenticated', ['/metrics needs the bearer token set in VIGIL_METRICS_TOKEN']);
    }
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
}
