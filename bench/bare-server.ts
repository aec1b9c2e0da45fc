/**
 * The baseline of DESIGN.md §10: a bare node:http server that reads the same
 * Events API v2 body, parses the JSON, checks the two fields every event needs and
 * answers 202 with the same JSON shape as Vigil. It stores nothing. Run as a child
 * process by bench/run.ts: `node bare-server.js <port>`.
 */
import http from 'node:http';

const LIMIT = 512 * 1024;
const port = Number(process.argv[2] ?? 0);

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const raw = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(raw) });
  res.end(raw);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/v2/enqueue') return send(res, 404, { status: 'not found' });
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= LIMIT) chunks.push(c);
  });
  req.on('end', () => {
    if (size > LIMIT) return send(res, 413, { status: 'invalid event', message: 'Request too large', errors: [] });
    let body: { routing_key?: unknown; event_action?: unknown; dedup_key?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: ['body is not JSON'] });
    }
    if (typeof body?.routing_key !== 'string' || body.routing_key.length !== 32 || typeof body.event_action !== 'string') {
      return send(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: ["'routing_key' is invalid"] });
    }
    send(res, 202, { status: 'success', message: 'Event processed', dedup_key: typeof body.dedup_key === 'string' ? body.dedup_key : 'generated' });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
