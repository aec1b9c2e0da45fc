/**
 * Fixtures for the channel suites: messages shaped like the outbox's, and real HTTP
 * servers on 127.0.0.1 (port 0) that record what arrived and answer as told.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncidentView, Message } from '../../src/server/notify/channel.js';

export function incident(over: Partial<IncidentView> = {}): IncidentView {
  const id = over.id ?? 'PINC042';
  return {
    id,
    number: 42,
    title: 'Chat queue not answering',
    status: 'triggered',
    urgency: 'high',
    incidentKey: 'chat/queue',
    createdAt: '2026-03-01T10:15:02Z',
    htmlUrl: `https://vigil.example.org/incidents/${id}`,
    selfUrl: `https://vigil.example.org/api/v1/incidents/${id}`,
    service: { id: 'PSVC001', name: 'Crisis chat' },
    escalationPolicy: { id: 'PEP0001', name: 'Chat on-call' },
    assignees: [{ id: 'PUSR001', name: 'Ada' }],
    ackUrl: `https://vigil.example.org/a/ack-token-${id}`,
    resolveUrl: `https://vigil.example.org/a/resolve-token-${id}`,
    ...over,
  };
}

export function message(over: Partial<Message> = {}): Message {
  return {
    idempotencyKey: '01JNOTIFY0000000000000000A',
    kind: 'page',
    eventType: 'incident.triggered',
    occurredAt: '2026-03-01T10:15:03.000Z',
    orgName: 'Helpline',
    agent: { id: 'PSVC001', type: 'service_reference', name: 'Crisis chat' },
    incidents: [incident()],
    ...over,
  };
}

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface TestServer {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

export type Handler = (req: Received, res: http.ServerResponse, socket: import('node:net').Socket) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      handler(r, res, req.socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        // Servers that never answer keep sockets open; close() alone would wait for them.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function reply(status: number, body = '', headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}
