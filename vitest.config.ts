import { defineConfig } from 'vitest/config';

/**
 * Two groups. Most files wait on sockets, child processes and PostgreSQL more than they
 * compute, so they run three at a time even on a 2-core machine (each PostgreSQL test has
 * a schema of its own; each SQLite test a file of its own). The files that measure time or
 * memory, kill processes or drive Chromium run afterwards, one at a time, on a quiet machine.
 *
 * The first group shares each worker's module cache across its files (`isolate: false`): the
 * server's modules are imported, and its route schemas compiled (app.ts compiledOnce), once
 * per worker instead of once per file. Tests keep no state in modules (each builds its own
 * app and database); this took the group from about 440 s to 285 s. The second group shares
 * its one worker the same way: starting a fresh worker per file cost 2–5 s each.
 */
const SEQUENTIAL = ['test/faults/**/*.test.ts', 'test/crash/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/engine/two-nodes.test.ts'];

const shared = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: { ...shared, name: 'parallel', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: SEQUENTIAL, maxWorkers: 3, isolate: false, sequence: { groupOrder: 0 } },
      },
      {
        test: { ...shared, name: 'sequential', include: SEQUENTIAL, maxWorkers: 1, isolate: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
