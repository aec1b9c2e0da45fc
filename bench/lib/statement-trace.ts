/**
 * Loaded into a Vigil child with `node --import` by `profile.js --count-statements`: records
 * when each PostgreSQL statement starts and how long it takes (node-postgres's
 * `Client.prototype.query`), when each request arrives (`POST /v2/enqueue`) and when each
 * outbound request to the bench receiver's `/hook` leaves, as lines in `VIGIL_TRACE_FILE`
 * (`Q <start ms> <duration ms>`, `IN <start ms>`, `OUT <start ms>`; times from
 * performance.now()). Only its side effect matters: profile.js reads the file back with
 * bench/lib/statement-count.ts, which does not load this.
 */
import dc from 'node:diagnostics_channel';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const file = process.env.VIGIL_TRACE_FILE;
if (file) {
  const out = fs.openSync(file, 'w');
  const lines: string[] = [];
  const flush = () => {
    if (lines.length) fs.writeSync(out, lines.splice(0).join(''));
  };
  setInterval(flush, 500).unref();
  process.on('exit', flush);
  const pg = createRequire(import.meta.url)('pg') as { Client: { prototype: { query: (...a: unknown[]) => unknown } } };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    const r = query.apply(this, args);
    if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(() => void lines.push(`Q ${t0.toFixed(3)} ${(performance.now() - t0).toFixed(3)}\n`), () => {});
    return r;
  };
  dc.subscribe('http.server.request.start', (m) => {
    const { request } = m as { request: { method?: string; url?: string } };
    if (request.method === 'POST' && request.url === '/v2/enqueue') lines.push(`IN ${performance.now().toFixed(3)}\n`);
  });
  dc.subscribe('http.client.request.start', (m) => {
    const { request } = m as { request: { method: string; path: string } };
    if (request.method === 'POST' && request.path === '/hook') lines.push(`OUT ${performance.now().toFixed(3)}\n`);
  });
}
