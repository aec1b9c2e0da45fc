/**
 * What a node/V8 flag costs and saves (issue 18 item 5): for each set of flags, alternated
 * over `rounds`, one `vigil serve` on a fresh SQLite data directory (the bench fixture): its
 * resident memory 5 s after /readyz and again 60 s after (V8's memory reducer has run by
 * then), and the CPU time the process spends (utime + stime from /proc) per 1,000 accepted
 * Events API v2 triggers while `events` distinct-key events are sent by 32 connections.
 * CPU time per event, unlike requests per second, stays comparable on a machine that other
 * work shares, which is why this is the figure used to price a flag.
 *
 *   npm run bench:build && node dist/bench/bench/node-flags.js '["", "--optimize-for-size"]' [rounds=2] [events=10000]
 *
 * A word `NAME=value` in a variant is set in the child's environment instead (glibc's
 * MALLOC_ARENA_MAX, libuv's UV_THREADPOOL_SIZE).
 */
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { eventBody } from './lib/load.js';
import { REPO, freePort, memoryOf, sleep, spawnChild, waitReady } from './lib/proc.js';
import { createBenchDb, seedFixture, tempRoot } from './lib/seed.js';

/** CPU time (user + system) of a process so far, in ms (clock ticks are 10 ms on Linux). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface FlagFigure {
  flags: string;
  idle5sMiB: number[];
  idle60sMiB: number[];
  cpuMsPer1000: number[];
}

async function once(flags: string, events: number, tmp: string): Promise<{ idle5: number; idle60: number; cpuPer1000: number }> {
  const db = await createBenchDb('sqlite', tmp);
  const h = db.open();
  const fx = await seedFixture(h, 'http://127.0.0.1:9/hook', 1);
  await h.close();
  const port = await freePort();
  // A word `NAME=value` is an environment variable for the child (MALLOC_ARENA_MAX=2, UV_THREADPOOL_SIZE=2); the rest are node's flags.
  const words = flags.split(' ').filter(Boolean);
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  const child = spawnChild('vigil-flags', process.execPath, [...words.filter((w) => !/^[A-Z_]+=/.test(w)), path.join(REPO, 'dist/cli/main.js'), 'serve', '--port', String(port)], {
    ...db.env,
    ...env,
    VIGIL_INGEST_RATE: '0',
    VIGIL_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    VIGIL_PUBLIC_URL: `http://127.0.0.1:${port}`,
  }, tmp);
  try {
    await waitReady(child, `http://127.0.0.1:${port}/readyz`);
    await sleep(5_000);
    const idle5 = memoryOf(child.pid)?.rssMiB ?? NaN;
    await sleep(55_000);
    const idle60 = memoryOf(child.pid)?.rssMiB ?? NaN;
    const before = cpuMs(child.pid);
    const out = await autocannon({
      url: `http://127.0.0.1:${port}/v2/enqueue`,
      method: 'POST',
      connections: 32,
      amount: events,
      timeout: 30,
      headers: { 'content-type': 'application/json' },
      body: eventBody(fx.loadKey, 'flags-[<id>]'),
      idReplacement: true,
    });
    const used = cpuMs(child.pid) - before;
    if (out['2xx'] < events) throw new Error(`only ${out['2xx']} of ${events} events accepted (${out.non2xx} non-2xx, ${out.errors} errors)`);
    return { idle5, idle60, cpuPer1000: used / (out['2xx'] / 1000) };
  } finally {
    await child.stop();
  }
}

export async function benchNodeFlags(variants: string[], rounds = 2, events = 10_000, log: (s: string) => void = () => {}): Promise<FlagFigure[]> {
  const tmp = tempRoot();
  const figures = variants.map((flags) => ({ flags, idle5sMiB: [] as number[], idle60sMiB: [] as number[], cpuMsPer1000: [] as number[] }));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const f of figures) {
        const x = await once(f.flags, events, tmp);
        f.idle5sMiB.push(x.idle5);
        f.idle60sMiB.push(x.idle60);
        f.cpuMsPer1000.push(x.cpuPer1000);
        log(`[${f.flags || 'no flags'}] round ${r + 1}: VmRSS ${x.idle5.toFixed(0)} MiB 5 s after ready, ${x.idle60.toFixed(0)} MiB after 60 s; ${x.cpuPer1000.toFixed(0)} ms CPU per 1,000 events`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const variants = JSON.parse(process.argv[2] ?? '["", "--optimize-for-size"]') as string[];
  const figures = await benchNodeFlags(variants, Number(process.argv[3] ?? 2), Number(process.argv[4] ?? 10_000), (s) => process.stderr.write(`${s}\n`));
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
  process.stdout.write('| node flags | VmRSS 5 s after ready [MiB] | after 60 s [MiB] | CPU per 1,000 events [ms] |\n|---|---|---|---|\n');
  for (const f of figures) process.stdout.write(`| ${f.flags ? `\`${f.flags}\`` : '(none)'} | ${list(f.idle5sMiB)} | ${list(f.idle60sMiB)} | ${list(f.cpuMsPer1000)} |\n`);
  process.exit(0);
}
