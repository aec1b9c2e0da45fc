/**
 * `vigil help`, `vigil --help`, `vigil -h` and `vigil <command> --help` print the usage on
 * stdout and exit 0; an unknown command prints it on stderr and exits 2. Needs the build
 * (`npx tsc -p tsconfig.json`).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'), 'dist/cli/main.js');
const vigil = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('vigil usage', () => {
  it.each([['help'], ['--help'], ['-h'], ['backup', '--help']])('vigil %s prints the usage and exits 0', (...args) => {
    const r = vigil(...args);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage:\n {2}vigil serve /);
    expect(r.stdout).toContain('vigil doctor');
    expect(r.stderr).toBe('');
  });

  it('an unknown command is refused with the usage on stderr, exit 2', () => {
    const r = vigil('serv');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^unknown command serv\nUsage:/);
  });
});
