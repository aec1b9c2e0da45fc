/**
 * Compiled rules kept per (path, version), so ingest compiles a rule set once per
 * change instead of once per event. A key holds one version: a newer one replaces it.
 * Bounded: past `max` keys, the least recently compiled is forgotten (and compiled
 * again if it comes back).
 */
export class CompiledCache<T> {
  private readonly entries = new Map<string, { version: number; value: T }>();
  constructor(private readonly max = 2000) {}

  get(key: string, version: number, build: () => T): T {
    const hit = this.entries.get(key);
    if (hit && hit.version === version) return hit.value;
    const value = build();
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { version, value });
    return value;
  }

  /** The compiled value for this version, if cached. */
  peek(key: string, version: number): T | undefined {
    const hit = this.entries.get(key);
    return hit && hit.version === version ? hit.value : undefined;
  }

  get size(): number {
    return this.entries.size;
  }
}
