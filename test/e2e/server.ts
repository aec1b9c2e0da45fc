/**
 * A real Vigil process for end-to-end tests: `node dist/cli/main.js` (what
 * `npm start` runs) on 127.0.0.1 with a fresh SQLite file, and headless Debian
 * Chromium driven by playwright-core. Never downloads a browser.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { LOCAL_OUTBOUND_ALLOW, TEST_SECRET_KEY } from '../outbound-allow.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** The build `npm test` makes first; built here only when a test is run on its own. */
export function ensureBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  if (!fs.existsSync(path.join(ROOT, 'dist/web/index.html'))) execFileSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

export interface VigilProcess {
  url: string;
  dataDir: string;
  init: { org: { id: string; name: string }; user: { id: string; email: string }; token: string };
  stop(): Promise<void>;
}

export async function startVigil(opts: { email: string; password: string; org: string; name: string; env?: Record<string, string>; startTimeoutMs?: number }): Promise<VigilProcess> {
  ensureBuilt();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, VIGIL_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', VIGIL_PUBLIC_URL: url, LOG_LEVEL: 'warn', DATABASE_URL: '', VIGIL_OUTBOUND_ALLOW: LOCAL_OUTBOUND_ALLOW, VIGIL_SECRET_KEY: TEST_SECRET_KEY, ...opts.env };
  const cli = path.join(ROOT, 'dist/cli/main.js');
  const out = execFileSync(process.execPath, [cli, 'init', '--org', opts.org, '--email', opts.email, '--name', opts.name, '--password', opts.password, '--json'], { env, encoding: 'utf8' });
  const init = JSON.parse(out) as VigilProcess['init'];
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const deadline = Date.now() + (opts.startTimeoutMs ?? Number(process.env.VIGIL_E2E_START_MS ?? 60_000));
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`vigil did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir,
    init,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => (child.kill('SIGKILL'), resolve()), 5000);
          child.once('exit', () => (clearTimeout(t), resolve()));
        });
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export const chromiumInstalled = (): boolean => fs.existsSync(CHROMIUM);

export { startSmtp, type Mailbox } from '../engine/fixtures.js';
