/**
 * A CommonJS package loaded on its first use instead of when the process starts. The
 * server imports ~300 modules at start; the packages behind features a node may never
 * use (PostgreSQL's driver on a SQLite node, SMTP, Web Push) cost start-up time and
 * resident memory for nothing (docs/benchmarks.md, "Start-up"). Synchronous, so the
 * callers' APIs stay as they were; the type comes from a type-only import at the caller.
 */
import { createRequire } from 'node:module';

const requireFrom = createRequire(import.meta.url);

export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireFrom(name) as T);
}
