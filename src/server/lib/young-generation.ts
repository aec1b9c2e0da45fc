/**
 * Keeps V8's young generation at its starting size while the server starts (issue 18
 * item 5, docs/benchmarks.md "Idle memory, stop 29"). Loading ~1,100 modules and
 * registering ~300 routes allocates so much that survives that V8 doubles the young
 * generation up to 2 × 16 MiB, and an idle node keeps that until V8's memory reducer
 * gives it back about a minute later: ~25 MiB of resident memory for nothing.
 *
 * `--semi-space-growth-factor` is read each time V8 would grow the young generation. On
 * node's command line V8 raises a factor below 2 to 2 when it sets up the heap; set from
 * inside the process, after that, 1 holds: no growth. Imported first by the CLI, so it
 * runs before the other modules are evaluated; `release()` puts V8's default back once
 * the server is ready, so a node under load grows its young generation as it always did
 * (the throughput is unchanged). Changes no behaviour but the garbage collector's sizing.
 */
import v8 from 'node:v8';

/** V8's default (node --v8-options: `--semi-space-growth-factor=2`). */
const V8_DEFAULT_FACTOR = 2;

let held = false;

/** Stop the young generation from growing; idempotent. */
export function holdYoungGeneration(): void {
  if (held) return;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
}

/** Let it grow again as V8 decides (under load). */
export function releaseYoungGeneration(): void {
  if (!held) return;
  v8.setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_FACTOR}`);
  held = false;
}
