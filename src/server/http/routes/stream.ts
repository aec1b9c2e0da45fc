/**
 * Live updates for the web UI: GET /api/v1/stream is a server-sent event stream of
 * the organization's incident changes, fed by the in-process bus (lib/bus.ts) after
 * each commit. Events name what changed, not the new state: the page fetches what
 * it shows through the REST API, so one code path renders both first load and
 * updates, and a missed event costs nothing that the next fetch does not repair.
 * The browser's EventSource reconnects by itself (after `retry` ms).
 *
 * Scope: one process. With several nodes on PostgreSQL a change committed by another
 * node is not streamed here; the page also refetches on reconnect, on focus and
 * every minute, which bounds the delay.
 */
import type { Static } from 'typebox';
import type { IncidentChanged } from '../../../contract/incident.js';
import type { IncidentChange } from '../../lib/bus.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

const PING_MS = 25_000;
/** A client that stops reading is dropped before its buffer grows past this. */
const MAX_BUFFERED = 1024 * 1024;

export function streamRoutes(app: App, deps: AppDeps): void {
  const open = new Set<() => void>();

  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get(
    '/api/v1/stream',
    {
      config: { permission: 'read' },
      schema: {
        summary: "Server-sent events: `event: incident` with data {kind, incident_id, service_id} whenever one of the organization's incidents changes. For the web UI; session cookie or API token.",
        tags: ['web session'],
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      res.write(`retry: 3000\n: connected\n\n`);
      const write = (chunk: string) => {
        if (res.writableLength > MAX_BUFFERED) return end();
        res.write(chunk);
      };
      const off = deps.bus.onIncident((c: IncidentChange) => {
        if (c.orgId !== orgId) return;
        const data: Static<typeof IncidentChanged> = { kind: c.kind, incident_id: c.incidentId, service_id: c.serviceId };
        write(`event: incident\ndata: ${JSON.stringify(data)}\n\n`);
      });
      const ping = setInterval(() => write(': ping\n\n'), PING_MS);
      ping.unref();
      let ended = false;
      function end() {
        if (ended) return;
        ended = true;
        off();
        clearInterval(ping);
        open.delete(end);
        res.end();
      }
      open.add(end);
      request.raw.on('close', end);
      res.on('error', end);
    },
  );
}
