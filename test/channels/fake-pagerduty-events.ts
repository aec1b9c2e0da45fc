/**
 * A PagerDuty Events API v2 receiver as PagerDuty documents it (reference/pagerduty: `POST
 * /v2/enqueue` answers 202 `{status, message, dedup_key}`, 400 `{status, message, errors}`
 * for an invalid event; `POST /v2/change/enqueue` answers 202 `{status, message}`), plus
 * Opsgenie's `POST /v2/alerts[/{id}/{action}]` (202 `{result, took, requestId}`, 401 without
 * a GenieKey). `failNext(n)` answers the next n requests 500, as an outage would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface ReceivedEvent {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  status: number;
}

export interface FakeEventsApi {
  url: string;
  /** Every request, including the refused ones, in arrival order. */
  received: ReceivedEvent[];
  /** The events accepted (202). */
  accepted(): ReceivedEvent[];
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startFakeEventsApi(): Promise<FakeEventsApi> {
  const received: ReceivedEvent[] = [];
  let failures = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      let body: any = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {}
      const answer = (status: number, json: unknown) => {
        received.push({ path, headers: req.headers, body, status });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method !== 'POST') return answer(405, { status: 'invalid method' });
      if (failures > 0) {
        failures--;
        return answer(500, { status: 'error', message: 'Internal Server Error' });
      }
      if (path === '/v2/enqueue' || path === '/v2/change/enqueue') {
        const errors: string[] = [];
        if (typeof body?.routing_key !== 'string' || body.routing_key.length !== 32) errors.push("'routing_key' must be 32 characters");
        if (path === '/v2/enqueue' && !['trigger', 'acknowledge', 'resolve'].includes(body?.event_action)) errors.push("'event_action' is invalid");
        if (path === '/v2/enqueue' && body?.event_action !== 'trigger' && typeof body?.dedup_key !== 'string') errors.push("'dedup_key' is missing");
        if ((path === '/v2/change/enqueue' || body?.event_action === 'trigger') && typeof body?.payload?.summary !== 'string') errors.push("'payload.summary' is missing");
        if (errors.length) return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors });
        if (path === '/v2/change/enqueue') return answer(202, { status: 'success', message: 'Change event processed' });
        return answer(202, { status: 'success', message: 'Event processed', dedup_key: body.dedup_key ?? randomUUID().replace(/-/g, '') });
      }
      if (path === '/v2/alerts' || /^\/v2\/alerts\/[^/]+\/(acknowledge|close|notes)\?identifierType=(id|alias|tiny)$/.test(path)) {
        if (!/^GenieKey \S+$/.test(req.headers.authorization ?? '')) return answer(401, { message: 'Could not authenticate', took: 0, requestId: randomUUID() });
        if (path === '/v2/alerts' && typeof body?.message !== 'string') return answer(422, { message: 'Request body is not processable', errors: { message: 'Message can not be empty.' }, took: 0, requestId: randomUUID() });
        return answer(202, { result: 'Request will be processed', took: 0.01, requestId: randomUUID() });
      }
      answer(404, { status: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    accepted: () => received.filter((r) => r.status === 202),
    failNext(n) {
      failures = n;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
