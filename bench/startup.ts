/**
 * Start-up (issue 18): `node dist/cli/main.js serve` as shipped (roles api,engine), on a
 * SQLite data directory that is empty (migrated, no organization) and on one holding
 * 100,000 incidents (about 1,000,000 log entries, seeded through the incident store as the
 * analytics bench seeds them), in the environment `npm start` and the systemd unit of
 * docs/operating.md give it (MALLOC_ARENA_MAX=2). For each, `starts` starts one after
 * another: the time from spawning the process to its first /readyz 200 (polled every 10 ms),
 * and its resident memory (VmRSS) 5 s after ready (just started: V8 still holds the pages
 * start-up filled) and, for the last start of each database, 60 s after ready (idle: V8's
 * memory reducer has given those pages back, as it does 20–60 s into any idle period). The
 * process is stopped (SIGTERM) between starts, so each start opens the database cold in the
 * process (the page cache is warm).
 *
 *   npm run bench:build && node dist/bench/bench/startup.js [incidents] [starts]
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { seedIncidentHistory } from './analytics.js';
import { REPO, freePort, memoryOf, sleep, spawnChild } from './lib/proc.js';
import { createBenchDb, tempRoot } from './lib/seed.js';

export interface StartupFigure {
  /** 'empty' or the number of incidents seeded. */
  database: string;
  incidents: number;
  readyMs: number[];
  /** VmRSS 5 s after ready, each start. */
  rssMiB: number[];
  /** VmRSS 60 s after ready, the last start (the first one after seeding runs the one-time analytics backfill). */
  idleRssMiB: number[];
}

/** How `npm start` (scripts/start.mjs) and the systemd unit run Vigil: glibc keeps two malloc arenas. */
export const SHIPPED_ENV = { MALLOC_ARENA_MAX: '2' };
/** When idle memory is read: V8's memory reducer has run by then (docs/benchmarks.md, "Idle memory"). */
export const IDLE_MS = 60_000;

/** Spawn `vigil serve` on `dataDir` and time it to its first /readyz 200; then idle and read VmRSS after `idleMs`, and after IDLE_MS when `long`. */
async function oneStart(name: string, dataDir: string, logDir: string, idleMs: number, long: boolean): Promise<{ readyMs: number; rssMiB: number; idleRssMiB: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnChild(name, process.execPath, [path.join(REPO, 'dist/cli/main.js'), 'serve', '--port', String(port)], { ...SHIPPED_ENV, VIGIL_DATA_DIR: dataDir, VIGIL_PUBLIC_URL: `http://127.0.0.1:${port}` }, logDir);
  try {
    const deadline = Date.now() + 60_000;
    let readyMs = NaN;
    while (Date.now() < deadline && !child.exited) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status === 200, () => false);
      if (ok) {
        readyMs = performance.now() - t0;
        break;
      }
      await sleep(10);
    }
    if (!Number.isFinite(readyMs)) throw new Error(`${name} did not answer /readyz 200 within 60 s (exit ${String(child.exitStatus)}):\n${child.tail()}`);
    await sleep(idleMs);
    const rssMiB = memoryOf(child.pid)?.rssMiB ?? NaN;
    if (!long) return { readyMs, rssMiB, idleRssMiB: NaN };
    await sleep(Math.max(0, IDLE_MS - idleMs));
    return { readyMs, rssMiB, idleRssMiB: memoryOf(child.pid)?.rssMiB ?? NaN };
  } finally {
    await child.stop();
  }
}

export async function benchStartup(incidents = 100_000, starts = 3, log: (s: string) => void = () => {}, idleMs = 5_000, idle = true): Promise<StartupFigure[]> {
  const tmp = tempRoot();
  const figures: StartupFigure[] = [];
  try {
    for (const n of [0, incidents]) {
      const bdb = await createBenchDb('sqlite', tmp);
      try {
        if (n > 0) {
          const h = bdb.open();
          try {
            const t0 = performance.now();
            const { entries } = await seedIncidentHistory(h, n, (s) => log(`startup seed: ${s}`));
            await sql.raw('PRAGMA wal_checkpoint(TRUNCATE)').execute(h.db);
            log(`startup: seeded ${n.toLocaleString('en')} incidents, ${entries.toLocaleString('en')} log entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
          } finally {
            await h.close();
          }
        }
        const f: StartupFigure = { database: n ? `${n.toLocaleString('en')} incidents` : 'empty', incidents: n, readyMs: [], rssMiB: [], idleRssMiB: [] };
        for (let i = 0; i < starts; i++) {
          const r = await oneStart(`vigil-startup-${n}-${i}`, bdb.env.VIGIL_DATA_DIR!, tmp, idleMs, idle && i === starts - 1);
          f.readyMs.push(r.readyMs);
          f.rssMiB.push(r.rssMiB);
          if (idle && i === starts - 1) f.idleRssMiB.push(r.idleRssMiB);
          log(`startup (${f.database}) start ${i + 1}: /readyz 200 after ${r.readyMs.toFixed(0)} ms, VmRSS ${r.rssMiB.toFixed(0)} MiB after ${idleMs / 1000} s${idle && i === starts - 1 ? `, ${r.idleRssMiB.toFixed(0)} MiB after ${IDLE_MS / 1000} s` : ''}`);
        }
        figures.push(f);
      } finally {
        await bdb.drop();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 100_000);
  const starts = Number(process.argv[3] ?? 3);
  benchStartup(n, starts, (s) => process.stderr.write(`${s}\n`)).then(
    (figures) => {
      for (const f of figures) process.stdout.write(`${f.database}: /readyz ${f.readyMs.map((x) => x.toFixed(0)).join(', ')} ms; VmRSS 5 s after ready ${f.rssMiB.map((x) => x.toFixed(0)).join(', ')} MiB, 60 s after ready ${f.idleRssMiB.map((x) => x.toFixed(0)).join(', ')} MiB\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
