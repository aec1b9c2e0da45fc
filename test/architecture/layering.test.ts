/**
 * The server's structure, held to what docs/architecture.md says: the layering in
 * .dependency-cruiser.cjs (no folder imports a higher layer, no folder cycle, routes never
 * reach a store), and the figures of scripts/architecture.mjs that the architecture keeps at
 * zero or one.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { measure } from '../../scripts/architecture.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('architecture', () => {
  it('keeps the layering: no folder imports a higher layer or closes a cycle, routes call services', async () => {
    // The same command anyone can run: npx depcruise src --config .dependency-cruiser.cjs
    const run = spawnSync(path.join(ROOT, 'node_modules/.bin/depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const output = JSON.parse(run.stdout) as { summary: { violations: { rule: { name: string }; from: string; to: string }[]; totalCruised: number } };
    expect(output.summary.totalCruised).toBeGreaterThan(150);
    expect(output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 60_000);

  it('keeps tables behind their stores, the outbox behind one builder, the dialect behind storage/dialect.ts', () => {
    const m = measure();
    expect(m.folderCycles).toEqual([]);
    expect(m.sqlOutsideStores).toEqual([]);
    expect(m.outboxRowBuilders).toEqual(['src/server/notify/outbox.ts (1)']);
    expect(m.dialectBranches).toEqual([]);
    expect(m.routesImportingStores).toEqual([]);
    // One owner per table: only one domain's stores write it.
    expect(m.tablesWrittenByMoreThanOneFolder).toEqual([]);
  });
});
