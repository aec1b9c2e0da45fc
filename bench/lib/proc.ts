/**
 * Child processes for the bench: every server under load runs in its own process,
 * so the load generator (this process) never shares an event loop with it. Each
 * child's output goes to a log file in the run's temp dir; a child that dies early
 * is reported with the tail of that log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs from dist/bench/bench/lib/. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** Compiled bench scripts (bare server, receiver) sit beside this file's parent. */
export const BENCH_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  log: string;
  exited: boolean;
  exitStatus: string | number | null;
  /** Stop with SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  tail(lines?: number): string;
}

export function spawnChild(name: string, command: string, args: string[], env: Record<string, string>, logDir: string): Child {
  const log = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(log, 'a');
  const proc = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const child: Child = {
    name,
    proc,
    pid: proc.pid ?? -1,
    log,
    exited: false,
    exitStatus: null,
    tail(lines = 20) {
      try {
        return fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    async stop(graceMs = 5_000) {
      if (child.exited) return;
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(t);
    },
  };
  proc.once('exit', (code, signal) => {
    child.exited = true;
    child.exitStatus = signal ?? code;
  });
  return child;
}

/** Poll `url` until it answers 200, the child exits, or `timeoutMs` passes. */
export async function waitReady(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`${child.name} exited (${child.exitStatus}) while starting; log ${child.log}:\n${child.tail()}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} not ready at ${url} after ${timeoutMs} ms:\n${child.tail()}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resident memory of a process, from /proc/<pid>/status: current (VmRSS) and peak (VmHWM), in MiB. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}
