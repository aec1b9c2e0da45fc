/**
 * Fastify keeps, per route, an object of its response serializers keyed by status code
 * (`{ 200: fn, 400: fn, 404: fn, 409: fn }`), built key by key. Status codes are array
 * indices to V8, so that object gets a holey array of about 1.5 × the highest code: ~5 KB
 * for four functions. Vigil's ~470 routes with response schemas (GET routes twice: their
 * HEAD twins have their own) held 2.2 MiB of those holes, a twentieth of the idle heap
 * (docs/benchmarks.md, "Idle memory, stop 29").
 *
 * The one assignment (fastify/lib/validation.js, `context[kSchemaResponse] = ...`) goes
 * through a setter on Fastify's route Context prototype, which stores the same entries in
 * an object whose indices live in a dictionary (~1 KB). Lookups (`[statusCode]`, `['4xx']`,
 * `.default`) answer exactly as before. Fastify's internals are reached by path; if a
 * Fastify upgrade moves them, nothing is patched and only the memory saving is lost
 * (test/api/response-schema-compaction.test.ts says so).
 */
import { createRequire } from 'node:module';

const requireFrom = createRequire(import.meta.url);

/** The same entries, with the integer keys in dictionary elements (an index far past the others makes V8 switch, and it stays). */
export function compactByStatus<T extends object>(byStatus: T): T {
  const out: Record<string, unknown> = {};
  out[1e6] = undefined;
  delete out[1e6];
  for (const [k, v] of Object.entries(byStatus)) out[k] = v;
  return out as T;
}

let installed: boolean | null = null;

/** Installs the setter once per process; true when Fastify's internals were where expected. */
export function installResponseSchemaCompaction(): boolean {
  if (installed !== null) return installed;
  installed = false;
  try {
    const { kSchemaResponse } = requireFrom('fastify/lib/symbols.js') as { kSchemaResponse?: symbol };
    const Context = requireFrom('fastify/lib/context.js') as { prototype?: object };
    if (typeof kSchemaResponse !== 'symbol' || !Context?.prototype || Object.getOwnPropertyDescriptor(Context.prototype, kSchemaResponse)) return installed;
    Object.defineProperty(Context.prototype, kSchemaResponse, {
      configurable: true,
      set(this: object, value: unknown) {
        // An own data property from then on: the per-request reads never go through this setter.
        Object.defineProperty(this, kSchemaResponse, { value: value && typeof value === 'object' ? compactByStatus(value) : value, writable: true, enumerable: true, configurable: true });
      },
    });
    installed = true;
  } catch {
    // Fastify's layout changed: serve as before, only without the saving.
  }
  return installed;
}
