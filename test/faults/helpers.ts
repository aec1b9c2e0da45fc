/**
 * Fault tests drive a real `vigil serve` child process (dist/cli/main.js, built by
 * `npm test`), so a crash, a hang or a leak is the server's own and not the test
 * runner's. Every loop here is bounded in count and in time; every server listens
 * on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_OUTBOUND_ALLOW, TEST_SECRET_KEY } from '../outbound-allow.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** VIGIL_FAULT_CLI lets a developer point these tests at another build of the CLI. */
export const CLI = process.env.VIGIL_FAULT_CLI || path.join(REPO, 'dist/cli/main.js');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function distBuilt(): boolean {
  if (fs.existsSync(CLI)) return true;
  console.warn(`\n\n!!! ${CLI} is missing: run \`npm run build\` (npm test does). Fault tests that need a server process are SKIPPED. !!!\n\n`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface VigilProcess {
  url: string;
  pid: number;
  proc: ChildProcess;
  alive(): boolean;
  output(): string;
  /** Error-level log lines of the HTTP side (the engine's own failures left out). */
  errors(): string[];
  stop(): Promise<void>;
}

/** Start `vigil serve` with `env` on a free port; resolves when /healthz answers (and /readyz, unless `waitReady` is false). */
export async function startVigil(env: Record<string, string>, opts: { waitReady?: boolean; timeoutMs?: number } = {}): Promise<VigilProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'warn', VIGIL_PUBLIC_URL: url, VIGIL_OUTBOUND_ALLOW: LOCAL_OUTBOUND_ALLOW, VIGIL_SECRET_KEY: TEST_SECRET_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errorLines: string[] = [];
  let partial = '';
  const keep = (c: Buffer) => {
    const text = c.toString('utf8');
    out = (out + text).slice(-20_000);
    // Error-level log lines (pino level 50, 60) other than the engine's, kept apart so a flood of warnings cannot push them out.
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (/"level":(50|60)/.test(l) && !l.includes('engine module failed') && errorLines.length < 50) errorLines.push(l);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let exited = false;
  proc.once('exit', () => {
    exited = true;
  });
  const v: VigilProcess = {
    url,
    pid: proc.pid!,
    proc,
    alive: () => !exited,
    output: () => out,
    errors: () => errorLines,
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  const probe = opts.waitReady === false ? '/healthz' : '/readyz';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`vigil exited while starting:\n${out}`);
    const r = await request(url, 'GET', probe, undefined, {}, 1_000).catch(() => null);
    if (r?.status === 200) return v;
    await sleep(100);
  }
  await v.stop();
  throw new Error(`vigil did not answer ${probe} within the time limit:\n${out}`);
}

/** `vigil init` against the same database: an organization, its owner and an API token. */
export async function initOrg(env: Record<string, string>): Promise<string> {
  const proc = spawn(process.execPath, [CLI, 'init', '--org', 'Fault Line', '--email', 'owner@fault.example', '--json'], { cwd: REPO, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (c: Buffer) => (out += c));
  proc.stderr.on('data', (c: Buffer) => (err += c));
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  if (code !== 0) throw new Error(`vigil init failed (${code}): ${err}`);
  return (JSON.parse(out) as { token: string }).token;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function request(base: string, method: string, urlPath: string, body?: string | Buffer, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<Answer> {
  const r = await fetch(base + urlPath, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(timeoutMs) });
  const text = await r.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // left undefined: callers assert on it
  }
  return { status: r.status, headers: r.headers, text, json };
}

export const postJson = (base: string, urlPath: string, body: unknown, headers: Record<string, string> = {}, timeoutMs?: number) =>
  request(base, 'POST', urlPath, JSON.stringify(body), { 'content-type': 'application/json', ...headers }, timeoutMs);

/** A service with an integration of `type`, created over the REST API; returns the integration key. */
export async function serviceWithKey(base: string, token: string, type: 'events_v2' | 'alertmanager' | 'heartbeat' = 'events_v2', name = `Service ${type}`): Promise<{ serviceId: string; key: string }> {
  const auth = { authorization: `Bearer ${token}` };
  const s = await postJson(base, '/api/v1/services', { service: { name } }, auth);
  if (s.status !== 201) throw new Error(`service create: ${s.status} ${s.text}`);
  const serviceId = (s.json as { service: { id: string } }).service.id;
  const i = await postJson(base, `/api/v1/services/${serviceId}/integrations`, { integration: { type } }, auth);
  if (i.status !== 201) throw new Error(`integration create: ${i.status} ${i.text}`);
  return { serviceId, key: (i.json as { integration: { integration_key: string } }).integration.integration_key };
}

export function trigger(key: string, dedupKey: string): Record<string, unknown> {
  return { routing_key: key, event_action: 'trigger', dedup_key: dedupKey, payload: { summary: 'Chat queue not answering', source: 'chat-gw-1', severity: 'critical' } };
}

/** Resident memory of a process in MiB: now (VmRSS) and its peak (VmHWM). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const line = status.split('\n').find((l) => l.startsWith(`${field}:`));
    const n = line ? Number.parseInt(line.slice(field.length + 1).trim(), 10) : NaN;
    if (!Number.isFinite(n)) throw new Error(`no ${field} in /proc/${pid}/status`);
    return n;
  };
  return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Send `count` requests from `concurrency` workers, stopping early at `deadline`
 * (epoch ms). `make(i)` builds request i; `onAnswer` sees every outcome.
 */
export async function boundedLoad(count: number, concurrency: number, deadline: number, send: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count && Date.now() < deadline) {
        const i = next++;
        await send(i);
        done++;
      }
    }),
  );
  return done;
}
