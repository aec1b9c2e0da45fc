/**
 * Ingest throughput of two builds, alternated (A B B A …) so that a shared machine's load
 * falls on both alike: each run a fresh database and one `vigil serve` of that build (its
 * `dist/cli/main.js`), 1 s of warm-up, then the distinct-key load of bench/profile.ts (64
 * connections, 1 KB events) for `seconds`; prints req/s, Vigil's CPU time per 1,000 events
 * (from /proc/<pid>/stat, every thread of the process) and the latencies, then the medians.
 * Each tree needs `npx tsc -p tsconfig.json`; this script runs from either tree's dist.
 *
 *   node dist/bench/bench/ab.js <sqlite|postgres> <seconds> <rounds> <treeA> <treeB>
 */
import fs from 'node:fs';
import path from 'node:path';
import { eventBody, load } from './lib/load.js';
import { freePort, spawnChild, waitReady } from './lib/proc.js';
import { createBenchDb, seedFixture, tempRoot } from './lib/seed.js';

const [dialectArg, secondsArg, roundsArg, A, B] = process.argv.slice(2);
if (!A || !B || (dialectArg !== 'sqlite' && dialectArg !== 'postgres')) {
  process.stderr.write('usage: node dist/bench/bench/ab.js <sqlite|postgres> <seconds> <rounds> <treeA> <treeB>\n');
  process.exit(2);
}
const dialect = dialectArg;
const seconds = Number(secondsArg);
const rounds = Number(roundsArg);

/** User + system time of a process, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function one(tree: string): Promise<{ rps: number; cpuPerK: number; p50: number; p99: number }> {
  const tmp = tempRoot();
  const db = await createBenchDb(dialect, tmp);
  const h = db.open();
  const fx = await seedFixture(h, 'http://127.0.0.1:9/hook', 0);
  await h.close();
  const port = await freePort();
  const vigil = spawnChild('vigil', process.execPath, [path.join(tree, 'dist/cli/main.js'), 'serve', '--port', String(port)], { ...db.env, VIGIL_INGEST_RATE: '0', VIGIL_OUTBOUND_ALLOW: '127.0.0.1', VIGIL_SECRET_KEY: Buffer.alloc(32, 9).toString('base64') }, tmp);
  try {
    const url = `http://127.0.0.1:${port}/v2/enqueue`;
    await waitReady(vigil, `http://127.0.0.1:${port}/readyz`);
    const spec = { url, bodies: [eventBody(fx.loadKey, '[<id>]')], unique: true, connections: 64 };
    await load({ ...spec, seconds: 1 });
    const c0 = cpuMs(vigil.pid);
    const r = await load({ ...spec, seconds });
    if (r.non2xx || r.errors) process.stdout.write(`  problem: non-2xx ${r.non2xx} ${JSON.stringify(r.statusCodes)}, errors ${r.errors}\n`);
    return { rps: r.rps, cpuPerK: ((cpuMs(vigil.pid) - c0) / Math.max(1, r.ok)) * 1000, p50: r.p50, p99: r.p99 };
  } finally {
    await vigil.stop(15_000);
    await db.drop().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const results = new Map<string, { rps: number[]; cpu: number[] }>([[A, { rps: [], cpu: [] }], [B, { rps: [], cpu: [] }]]);
for (let i = 0; i < rounds; i++) {
  for (const tree of i % 2 ? [B, A] : [A, B]) {
    const load1 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const r = await one(tree);
    results.get(tree)!.rps.push(r.rps);
    results.get(tree)!.cpu.push(r.cpuPerK);
    process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${dialect} ${tree}: ${r.rps.toFixed(0)} req/s, Vigil CPU ${r.cpuPerK.toFixed(0)} ms per 1,000 events, p50 ${r.p50} ms, p99 ${r.p99} ms (load ${load1})\n`);
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
for (const [tree, r] of results) process.stdout.write(`${dialect} ${tree}: median ${median(r.rps).toFixed(0)} req/s [${r.rps.map((x) => x.toFixed(0)).join(', ')}]; CPU per 1,000 events median ${median(r.cpu).toFixed(0)} ms [${r.cpu.map((x) => x.toFixed(0)).join(', ')}]\n`);
