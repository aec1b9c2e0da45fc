/**
 * A failed fsync of the SQLite write-ahead log with the ingest writer thread on
 * (VIGIL_INGEST_WRITER=thread, ingest/writer-thread.ts): the process exits with code 70,
 * as it does without the thread (storage/wal-sync.ts: after a failed fsync the page cache
 * cannot be trusted), and no event whose commit was not flushed is answered 202.
 *
 * A real `vigil serve` child on a real SQLite file (the built CLI: `npx tsc -p tsconfig.json`).
 * The fault is injected at the OS boundary without LD_PRELOAD: a `--require` preload (given
 * in NODE_OPTIONS, so it runs in the writer thread too) wraps node:fs's fsync so that an
 * fsync of the `-wal` file fails with EIO once armed, on the main thread or on the writer
 * thread only. Nothing of Vigil is replaced: WalSync, the writer thread and the HTTP layer
 * run as built. SQLite's own fsyncs (its checkpoints) are not faulted.
 *
 * Two places fsync the WAL with the thread on:
 *  1. the main thread's WalSync, which every 202 waits for: the writer's commits are
 *     counted on it (WriterThread's onCommit), and its flush covers them;
 *  2. the writer thread's own WalSync (its connection's, storage/dialect.ts), which counts
 *     the batches it commits but flushes only when the thread closes its connection: at a
 *     graceful stop (SIGTERM → app close → IngestService.close → WriterThread.close). A
 *     failure there ends the thread with code 70, and the process exits 70 instead of 0.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { distBuilt, initOrg, postJson, serviceWithKey, tempDir, trigger, type VigilProcess, startVigil } from '../faults/helpers.js';

const built = distBuilt();

/**
 * The fault: FSYNC_FAULT_ARMED names a file; while it exists, fs.fsync of a `-wal` file on
 * the thread FSYNC_FAULT_THREAD names (main | writer) fails with EIO, as a failing disk's does.
 */
const PRELOAD = `'use strict';
const fs = require('node:fs');
const { isMainThread, workerData } = require('node:worker_threads');
const thread = isMainThread ? 'main' : workerData && workerData.sqliteFile ? 'writer' : 'other';
if (thread === 'writer') process.stderr.write('fsync-fault: writer thread started\\n');
const fsync = fs.fsync;
fs.fsync = function (fd, callback) {
  let file = '';
  try { file = fs.readlinkSync('/proc/self/fd/' + fd); } catch {}
  if (file.endsWith('-wal') && thread === process.env.FSYNC_FAULT_THREAD && fs.existsSync(process.env.FSYNC_FAULT_ARMED)) {
    process.stderr.write('fsync-fault: EIO on the ' + thread + ' thread\\n');
    const err = Object.assign(new Error('EIO: i/o error, fsync'), { errno: -5, code: 'EIO', syscall: 'fsync' });
    setImmediate(() => callback(err));
    return;
  }
  return fsync.apply(this, arguments);
};
`;

interface Run {
  vigil: VigilProcess;
  dir: string;
  key: string;
  arm: () => void;
  exited: Promise<number | null>;
}

let vigil: VigilProcess | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await vigil?.stop();
  vigil = null;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function start(faultThread: 'main' | 'writer' | 'none'): Promise<Run> {
  const dir = tempDir('vigil-writer-fsync-');
  dirs.push(dir);
  const preload = path.join(dir, 'fsync-fault.cjs');
  fs.writeFileSync(preload, PRELOAD);
  const armed = path.join(dir, 'armed');
  // The api role only: the engine's own commits on the main connection would need the same
  // flush and so hide a writer commit that the main thread's WalSync was never told of.
  const env = { VIGIL_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', VIGIL_INGEST_WRITER: 'thread', VIGIL_ROLES: 'api', VIGIL_INGEST_RATE: '0', VIGIL_LOG_FORMAT: 'json' };
  const token = await initOrg(env);
  vigil = await startVigil({ ...env, FSYNC_FAULT_THREAD: faultThread, FSYNC_FAULT_ARMED: armed, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim() });
  const proc = vigil.proc;
  const exited = new Promise<number | null>((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', (code) => r(code))));
  const { key } = await serviceWithKey(vigil.url, token);
  return { vigil, dir, key, arm: () => fs.writeFileSync(armed, ''), exited };
}

/** Each dedup key's answer: its HTTP status, or 'no answer' (the connection closed without one). */
async function send(run: Run, keys: string[]): Promise<Map<string, number | 'no answer'>> {
  const answers = await Promise.all(keys.map((k) => postJson(run.vigil.url, '/v2/enqueue', trigger(run.key, k), {}, 10_000).then((a) => a.status, () => 'no answer' as const)));
  return new Map(keys.map((k, i) => [k, answers[i]!]));
}

function storedKeys(dir: string): Set<string> {
  const db = new SQLite(path.join(dir, 'data', 'vigil.db'));
  try {
    return new Set((db.prepare('SELECT dedup_key FROM alerts').all() as { dedup_key: string }[]).map((r) => r.dedup_key));
  } finally {
    db.close();
  }
}

const within = <T>(p: Promise<T>, ms: number, what: string) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);

describe.skipIf(!built)('a failed WAL fsync with the ingest writer thread on (real process, sqlite)', () => {
  it('on the main thread (the flush every 202 waits for): exit 70, and no event committed by the writer after the fault is answered 202', { timeout: 60_000 }, async () => {
    const run = await start('main');
    const before = Array.from({ length: 10 }, (_, i) => `before-${i}`);
    const ok = await send(run, before);
    expect([...ok.values()], run.vigil.output()).toEqual(Array(10).fill(202));
    expect(run.vigil.output()).toContain('fsync-fault: writer thread started');

    run.arm();
    const after = Array.from({ length: 20 }, (_, i) => `after-${i}`);
    const answers = await send(run, after);
    // No answer at all: the process exited before writing any of them.
    for (const [k, a] of answers) expect(a, `${k}: ${run.vigil.output()}`).toBe('no answer');
    const code = await within(run.exited, 15_000, 'exit after the failed fsync');
    const output = run.vigil.output();
    expect(code, output).toBe(70);
    expect(output).toContain('fsync-fault: EIO on the main thread');
    expect(output).toContain('vigil: fsync of the SQLite write-ahead log failed, exiting');

    const stored = storedKeys(run.dir);
    for (const k of before) expect(stored.has(k), k).toBe(true);
    // The writer thread did commit events after the fault (the batch whose flush failed):
    // they are in the file, unflushed, and none of them was acknowledged.
    expect(after.filter((k) => stored.has(k)).length).toBeGreaterThan(0);
  });

  it('on the writer thread (its own WalSync, flushed when it closes its connection at a graceful stop): exit 70 instead of 0', { timeout: 60_000 }, async () => {
    const run = await start('writer');
    // Armed from the start: the writer's WalSync never flushes while it runs batches, so every 202 is the main thread's flush.
    run.arm();
    const keys = Array.from({ length: 10 }, (_, i) => `k-${i}`);
    const answers = await send(run, keys);
    expect([...answers.values()], run.vigil.output()).toEqual(Array(10).fill(202));
    expect(run.vigil.output()).not.toContain('fsync-fault: EIO');

    run.vigil.proc.kill('SIGTERM');
    const code = await within(run.exited, 15_000, 'exit after SIGTERM');
    const output = run.vigil.output();
    expect(code, output).toBe(70);
    expect(output).toContain('fsync-fault: EIO on the writer thread');
    expect(output).toContain('vigil: fsync of the SQLite write-ahead log failed, exiting');
    const stored = storedKeys(run.dir);
    for (const k of keys) expect(stored.has(k), k).toBe(true);
  });

  it('the same stop without the fault exits 0 (the control for the two above)', { timeout: 60_000 }, async () => {
    const run = await start('none');
    run.arm();
    const answers = await send(run, ['only']);
    expect(answers.get('only'), run.vigil.output()).toBe(202);
    run.vigil.proc.kill('SIGTERM');
    expect(await within(run.exited, 15_000, 'exit after SIGTERM'), run.vigil.output()).toBe(0);
    expect(run.vigil.output()).not.toContain('fsync-fault: EIO');
  });
});
