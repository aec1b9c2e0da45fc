import { defineConfig } from 'vitest/config';

/**
 * Three groups, one after the other.
 *
 * 1. Most files wait on sockets, child processes and PostgreSQL more than they compute, so they
 *    run three at a time even on a 2-core machine (each PostgreSQL test has a schema of its own;
 *    each SQLite test a file of its own). They share each worker's module cache across their
 *    files (`isolate: false`): the server's modules are imported, and its route schemas compiled
 *    (app.ts compiledOnce), once per worker instead of once per file. Tests keep no state in
 *    modules (each builds its own app and database); this took the group from about 440 s to 285 s.
 * 2. The files that kill processes or drive Chromium run two at a time: each starts `vigil serve`
 *    children or a browser of its own, and their bounds (a start within 20 s, a drill within
 *    60 s, a page in the browser within 10–15 s) hold beside one other such file. Run one at a
 *    time, this group took 356 s of a 724 s suite on a slow 2-core machine (docs/benchmarks.md, stop 33).
 * 3. The files whose assertions are about time or about what happens between two flushes run
 *    last, alone, on a quiet machine: beside another file, the checkpoint thread of
 *    checkpoint-kill9 did not get to run (seen), and the bounds of pool-exhausted (the pool's
 *    timeout + 1.5 s), slow-disk (< 1.5 s), sqlite-locked (< 20 s) and flood (the whole flood
 *    answered within 60 s, its peak memory) are measured against an idle machine.
 *
 * Groups 2 and 3 share their worker's module cache too: a fresh worker per file cost 2–5 s each.
 */
const ALONE = [
  'test/crash/checkpoint-kill9.test.ts',
  'test/crash/durable-ack.test.ts',
  'test/faults/pool-exhausted.test.ts',
  'test/faults/slow-disk.test.ts',
  'test/faults/slow-disk-engine.test.ts',
  'test/faults/sqlite-locked.test.ts',
  'test/faults/flood.test.ts',
];
const PROCESSES = ['test/faults/**/*.test.ts', 'test/crash/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/engine/two-nodes.test.ts'];

const shared = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: { ...shared, name: 'parallel', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: PROCESSES, maxWorkers: 3, isolate: false, sequence: { groupOrder: 0 } },
      },
      {
        test: { ...shared, name: 'processes', include: PROCESSES, exclude: ALONE, maxWorkers: 2, isolate: false, sequence: { groupOrder: 1 } },
      },
      {
        test: { ...shared, name: 'alone', include: ALONE, maxWorkers: 1, isolate: false, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
