/**
 * Where does ingest time go? Starts one Vigil child with `node --cpu-prof` on a
 * fresh database, runs the distinct-key ingest load (or the 20/s trigger→webhook
 * probes) for a bounded time, stops the child (which writes its profile) and prints
 * the summary of bench/profile-summary.ts. `--no-profile` runs the same load without the
 * profiler (whose sampling adds milliseconds to the latencies it would explain).
 * `--count-statements` (PostgreSQL, e2e): the child also runs with bench/lib/statement-trace.ts,
 * and the run prints how many statements a page takes from the request to the webhook leaving,
 * and in how many serial waits (the round trips it waits for one after another).
 *
 *   npm run bench:build && node dist/bench/bench/profile.js [--dialect sqlite|postgres] [--seconds 10] [--what ingest|e2e] [--open-incidents N] [--open-alerts N] [--roles api|api,engine] [--no-profile] [--count-statements]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { eventBody, load, percentile, sendProbes } from './lib/load.js';
import { BENCH_DIST, REPO, freePort, sleep, spawnChild, waitReady, type Child } from './lib/proc.js';
import { createBenchDb, seedFixture, seedOpenAlerts, seedOpenIncidents, tempRoot } from './lib/seed.js';
import { summarize } from './profile-summary.js';
import { countPages } from './lib/statement-count.js';

const { values } = parseArgs({ options: { dialect: { type: 'string', default: 'sqlite' }, seconds: { type: 'string', default: '10' }, what: { type: 'string', default: 'ingest' }, 'open-incidents': { type: 'string', default: '0' }, 'open-alerts': { type: 'string', default: '0' }, roles: { type: 'string', default: 'api,engine' }, 'no-profile': { type: 'boolean', default: false }, 'count-statements': { type: 'boolean', default: false } } });
const profile = !values['no-profile'];
const dialect = values.dialect === 'postgres' ? 'postgres' : 'sqlite';
const seconds = Math.min(60, Number(values.seconds));
const countStatements = values['count-statements'];
if (countStatements && (dialect !== 'postgres' || values.what !== 'e2e')) {
  process.stderr.write('--count-statements counts PostgreSQL statements per page: use it with --dialect postgres --what e2e\n');
  process.exit(2);
}
const tmp = tempRoot();
const profDir = path.join(REPO, 'bench', 'results', 'prof');
fs.mkdirSync(profDir, { recursive: true });
const children: Child[] = [];

async function main(): Promise<void> {
  const rport = await freePort();
  const receiver = spawnChild('receiver', process.execPath, [path.join(BENCH_DIST, 'receiver.js'), String(rport)], {}, tmp);
  children.push(receiver);
  const receiverUrl = `http://127.0.0.1:${rport}`;
  await waitReady(receiver, `${receiverUrl}/healthz`);
  const db = await createBenchDb(dialect, tmp);
  try {
    const probes = values.what === 'e2e' ? seconds * 20 : 0;
    const h = db.open();
    const fx = await seedFixture(h, `${receiverUrl}/hook`, probes);
    try {
      if (Number(values['open-incidents']) > 0) await seedOpenIncidents(h, fx, Number(values['open-incidents']));
      if (Number(values['open-alerts']) > 0) await seedOpenAlerts(h, fx, Number(values['open-alerts']), 100);
    } finally {
      await h.close();
    }
    const port = await freePort();
    const name = `profile-${values.what}-${dialect}-${Date.now()}.cpuprofile`;
    const traceFile = path.join(tmp, 'statements.trace');
    const trace = countStatements ? ['--import', path.join(BENCH_DIST, 'lib', 'statement-trace.js')] : [];
    const vigil = spawnChild('vigil', process.execPath, [...trace, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}`] : []), path.join(REPO, 'dist/cli/main.js'), 'serve', '--port', String(port)], { ...db.env, ...(countStatements ? { VIGIL_TRACE_FILE: traceFile } : {}), VIGIL_INGEST_RATE: '0', VIGIL_OUTBOUND_ALLOW: '127.0.0.1', VIGIL_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'), VIGIL_ROLES: values.roles! }, tmp);
    children.push(vigil);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(vigil, `${url}/readyz`);
    if (values.what === 'e2e') {
      const bodies = fx.probeKeys.map((k, i) => ({ key: `p-${i}`, body: eventBody(k, `p-${i}`) }));
      const { sent } = await sendProbes(`${url}/v2/enqueue`, bodies, 20);
      await sleep(2_000);
      const arrivals = (await (await fetch(`${receiverUrl}/arrivals`)).json()) as Record<string, number>;
      const lat = [...sent].filter(([k]) => k in arrivals).map(([k, t]) => arrivals[k]! - t);
      process.stdout.write(`trigger→webhook at 20/s: n ${lat.length}, p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms\n`);
    } else {
      const r = await load({ url: `${url}/v2/enqueue`, bodies: [eventBody(fx.loadKey, '[<id>]')], unique: true, seconds, connections: 64 });
      process.stdout.write(`ingest ${dialect}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}\n`);
    }
    await vigil.stop(15_000);
    if (countStatements) {
      const c = countPages(fs.readFileSync(traceFile, 'utf8'));
      process.stdout.write(`per page (median of ${c.pages}): ${percentile(c.statements, 50)} statements in ${percentile(c.waits, 50)} serial waits (min ${Math.min(...c.waits)}, max ${Math.max(...c.waits)})\n`);
    }
    const file = path.join(profDir, name);
    if (profile) process.stdout.write(`${path.relative(REPO, file)}\n${summarize(JSON.parse(fs.readFileSync(file, 'utf8')), 30)}\n`);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await db.drop().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`profile failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  void Promise.all(children.map((c) => c.stop())).finally(() => process.exit(1));
});
