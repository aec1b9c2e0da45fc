/**
 * A webhook receiver that records when each page arrives. Run as a child process
 * by bench/run.ts (`node receiver.js <port>`), so its clock readings are not
 * delayed by the load generator's event loop. It matches a page to the event that
 * caused it by the incident key in a Vigil v3 webhook (event.data.incident_key, the
 * dedup key of the incident's first alert) or by the `probe` label in an
 * Alertmanager webhook, and keeps the first arrival of each key.
 *
 * GET /arrivals → { "<key>": <epoch ms, fractional>, ... }; GET /count → { pages };
 * DELETE /arrivals forgets everything.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const port = Number(process.argv[2] ?? 0);
const wall = () => performance.timeOrigin + performance.now();
let arrivals = new Map<string, number>();
let pages = 0;

function keysOf(body: any): string[] {
  const keys: string[] = [];
  const vigil = body?.event?.data?.incident_key;
  if (typeof vigil === 'string') keys.push(vigil);
  if (Array.isArray(body?.alerts)) for (const a of body.alerts) if (typeof a?.labels?.probe === 'string') keys.push(a.labels.probe);
  return keys;
}

const server = http.createServer((req, res) => {
  const at = wall();
  if (req.method === 'GET' && req.url === '/healthz') return void res.end('{"status":"ok"}');
  if (req.method === 'GET' && req.url === '/arrivals') return void res.end(JSON.stringify(Object.fromEntries(arrivals)));
  if (req.method === 'GET' && req.url === '/count') return void res.end(JSON.stringify({ pages, keys: arrivals.size }));
  if (req.method === 'DELETE' && req.url === '/arrivals') {
    arrivals = new Map();
    pages = 0;
    return void res.end('{}');
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    pages++;
    try {
      for (const k of keysOf(JSON.parse(Buffer.concat(chunks).toString('utf8')))) if (!arrivals.has(k)) arrivals.set(k, at);
    } catch {
      // not JSON: counted, not matched
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
