/**
 * Start-up footprint (issue 18, docs/benchmarks.md "Start-up and idle memory"): a real
 * `vigil serve` on SQLite does not load the packages of features it has not used (the
 * PostgreSQL driver, SMTP, Web Push), and the route schemas it compiles on first use still
 * refuse bad input with the usual 400. Needs the build (`npx tsc -p tsconfig.json`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(repoRoot, 'dist/cli/main.js');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('start-up footprint (sqlite, real process)', () => {
  it('serves without loading pg, nodemailer, web-push, smtp-server or mailparser or growing the young generation, and a lazily compiled body schema still answers 400', async () => {
    if (!fs.existsSync(MAIN)) throw new Error('dist/cli/main.js is missing: npm test builds it first');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-footprint-'));
    const listFile = path.join(dir, 'loaded.json');
    // Writes the CommonJS modules loaded so far and the young generation's size when asked (SIGUSR2); the server does not handle that signal.
    const preload = path.join(dir, 'preload.cjs');
    // Written beside and renamed, so the test never reads a half-written list.
    fs.writeFileSync(
      preload,
      `process.on('SIGUSR2', () => { const fs = require('node:fs'); const young = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size; fs.writeFileSync(${JSON.stringify(`${listFile}.part`)}, JSON.stringify({ modules: Object.keys(require.cache), youngBytes: young })); fs.renameSync(${JSON.stringify(`${listFile}.part`)}, ${JSON.stringify(listFile)}); });\n`,
    );
    const port = await freePort();
    const proc = spawn(process.execPath, ['--require', preload, MAIN, 'serve', '--port', String(port)], {
      cwd: repoRoot,
      env: { ...process.env, VIGIL_DATA_DIR: dir, DATABASE_URL: '', VIGIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 40_000;
      let ready = false;
      while (!ready && Date.now() < deadline && proc.exitCode === null) {
        ready = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
        if (!ready) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready, stderr).toBe(true);

      // This route's body schema is compiled by this first request: a number is not a token (no coercion), refused by name.
      const bad = await fetch(`${base}/api/v1/account_links/inspect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 5 }) });
      const body = (await bad.json()) as { error?: { message?: string; errors?: unknown[] } };
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(body.error)).toContain('token');

      proc.kill('SIGUSR2');
      const until = Date.now() + 10_000;
      while (!fs.existsSync(listFile) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const { modules: loaded, youngBytes } = JSON.parse(fs.readFileSync(listFile, 'utf8')) as { modules: string[]; youngBytes: number };
      // Start-up did not grow V8's young generation (cli/main.ts holds it until ready): 32 MiB without the hold, 1–4 with it.
      expect(youngBytes / 2 ** 20).toBeLessThanOrEqual(8);
      const packages = new Set(loaded.filter((f) => f.includes('/node_modules/')).map((f) => f.split('/node_modules/').pop()!.split('/')[0]!));
      // Loaded at start, as a check that the list is the real one.
      expect(packages.has('fastify')).toBe(true);
      expect(packages.has('better-sqlite3')).toBe(true);
      // Not loaded: features this node has not used.
      for (const p of ['pg', 'nodemailer', 'web-push', 'smtp-server', 'mailparser']) expect(packages.has(p), p).toBe(false);
    } finally {
      proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
