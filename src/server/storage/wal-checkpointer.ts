/**
 * SQLite's checkpoints, mostly off the event loop, while commits come fast.
 *
 * A checkpoint copies the write-ahead log's frames into the database file so the log can be
 * rewound. By default SQLite runs one inside the COMMIT that takes the log past 1,000 pages:
 * with `synchronous = NORMAL` it fsyncs the log, copies the pages and fsyncs the database
 * file, and better-sqlite3 runs all of that on the calling thread. Under ingest load that was
 * one commit in sixteen taking ~6 ms instead of ~0.5 ms, 7 % of the main thread's busy time
 * (docs/benchmarks.md, stop 31), most of it waiting on the disk with HTTP parsing stopped.
 *
 * While commits come faster than `every` per `startWithinMs`, a worker thread with its own
 * connection (checkpoint.worker.ts) checkpoints, PASSIVE, every `every` commits: it copies
 * the frames and syncs while this thread goes on committing. Meanwhile the main connection's
 * automatic checkpoint is raised from 1,000 frames to twice `restartFrames`, a backstop that
 * runs only if the thread falls far behind. The thread ends itself after `idleMs` without a
 * request and the main connection gets SQLite's 1,000 back: a quiet server checkpoints as
 * SQLite always did, and carries no second thread.
 *
 * The log is rewound only by a writer that finds every frame copied. While commits keep
 * coming, the thread's checkpoints always trail the newest frames, so the log would grow
 * until the backstop. Once the thread reports a log of `restartFrames` or more, it holds off
 * and this thread checkpoints itself between transactions: it copies only the frames the
 * thread has not (those committed while it copied), still with the two fsyncs, and the next
 * commit rewinds the log. One such checkpoint per `restartFrames` frames instead of a full one
 * per 1,000.
 *
 * A thread that cannot start, or dies before its first checkpoint, is not started again for
 * `retryStartMs`; SQLite's own checkpoints carry on meanwhile.
 *
 * Durability is unchanged: a checkpoint moves committed frames into the database file and
 * never touches what WalSync flushes before a 202 (storage/wal-sync.ts); SQLite rewinds the
 * log only once every frame is in the database file and synced.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';
import { workerEntry } from '../lib/worker-entry.js';
import type { CheckpointData, CheckpointReply } from './checkpoint-protocol.js';

export interface CheckpointerOptions {
  /** Ask the thread for a checkpoint every this many commits. */
  every: number;
  /** A log this long (frames, ~4 KiB each) is finished by a checkpoint on this thread, so that it rewinds. */
  restartFrames: number;
  /** The thread ends after this long without a request (ms). */
  idleMs: number;
  /**
   * The thread is asked (and started) only for commits faster than `every` per this long (ms):
   * an idle server's engine commits now and then, and a thread costs ~8 MiB.
   */
  startWithinMs: number;
  /** After a thread failed to start, or ended before its first checkpoint, none is started for this long (ms). */
  retryStartMs: number;
  /** A monotonic clock in ms (tests pass their own). */
  now: () => number;
  /** Told of a checkpoint or a thread that failed (the next one retries; the log keeps every frame meanwhile). */
  onError: (message: string) => void;
}

export const CHECKPOINTER_DEFAULTS: CheckpointerOptions = {
  every: 32,
  restartFrames: 16_384,
  idleMs: 30_000,
  startWithinMs: 1_000,
  retryStartMs: 60_000,
  now: () => performance.now(),
  onError: (message) => process.stderr.write(`vigil: SQLite checkpoint failed (retried on the next one): ${message}\n`),
};

/** SQLite's default automatic checkpoint (frames), which the main connection has while no thread runs. */
const AUTOCHECKPOINT_DEFAULT = 1_000;
/** How soon a finishing checkpoint that found a transaction open, or the lock taken, is tried again (ms). */
const RETRY_MS = 5;

export class WalCheckpointer {
  private worker: Worker | null = null;
  /** Commits since the last request to the thread. */
  private sinceAsk = 0;
  /** When `sinceAsk` last went back to 0. */
  private askedAt = -Infinity;
  private ownQueued = false;
  /** No thread is started before this time (after one failed). */
  private noStartUntil = -Infinity;
  private closed = false;
  /** For tests and metrics. */
  readonly stats = { threadsStarted: 0, threadCheckpoints: 0, ownCheckpoints: 0, failures: 0 };
  private readonly opts: CheckpointerOptions;

  constructor(
    private readonly conn: SQLite.Database,
    private readonly sqliteFile: string,
    opts: Partial<CheckpointerOptions> = {},
  ) {
    this.opts = { ...CHECKPOINTER_DEFAULTS, ...opts };
  }

  /** Called for every commit (WalSync.noteCommit), on this thread. */
  noteCommit(): void {
    if (this.closed || ++this.sinceAsk < this.opts.every) return;
    const now = this.opts.now();
    const fast = now - this.askedAt <= this.opts.startWithinMs;
    this.sinceAsk = 0;
    this.askedAt = now;
    if (fast && (this.worker || now >= this.noStartUntil)) this.ask(now);
  }

  /** The running thread, if any (tests stop it). */
  get thread(): Worker | null {
    return this.worker;
  }

  private ask(now: number): void {
    try {
      (this.worker ?? this.start()).postMessage('checkpoint');
    } catch (err) {
      // It could not start: SQLite's own checkpoints go on; try again later, not every `every` commits.
      this.noStartUntil = now + this.opts.retryStartMs;
      this.failed(err instanceof Error ? err.message : String(err));
    }
  }

  private start(): Worker {
    const entry = workerEntry('./checkpoint.worker.js', import.meta.url, "the SQLite checkpoint thread's entry");
    const worker = new Worker(entry, { workerData: { sqliteFile: this.sqliteFile, idleMs: this.opts.idleMs, restartFrames: this.opts.restartFrames } satisfies CheckpointData });
    this.stats.threadsStarted++;
    let checkpoints = 0;
    worker.on('message', (r: CheckpointReply) => {
      if (!r.ok) return this.failed(r.error);
      checkpoints++;
      // Another checkpoint held the lock (this thread's own, or the ingest writer's connection): nothing was copied.
      if (r.busy) return;
      this.stats.threadCheckpoints++;
      if (r.frames >= this.opts.restartFrames) this.queueOwn();
    });
    worker.on('error', (err) => this.failed(err.message));
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.autocheckpoint(AUTOCHECKPOINT_DEFAULT);
      if (checkpoints === 0 && !this.closed) this.noStartUntil = this.opts.now() + this.opts.retryStartMs;
    });
    // The thread never keeps the process alive (it ends itself when idle; close() ends it).
    worker.unref();
    this.worker = worker;
    this.autocheckpoint(2 * this.opts.restartFrames);
    return worker;
  }

  private autocheckpoint(frames: number): void {
    if (this.conn.open) this.conn.pragma(`wal_autocheckpoint = ${frames}`);
  }

  /** The finishing checkpoint, on this thread, between transactions. */
  private queueOwn(delayMs = 0): void {
    if (this.ownQueued || this.closed) return;
    this.ownQueued = true;
    const run = () => this.checkpointHere();
    if (delayMs) setTimeout(run, delayMs).unref();
    else setImmediate(run);
  }

  private checkpointHere(): void {
    this.ownQueued = false;
    if (this.closed) return;
    // A transaction that awaits something may be open across turns of the event loop; the
    // ingest writer's connection may be checkpointing (SQLite's own, in its COMMIT).
    if (this.conn.inTransaction) return this.queueOwn(RETRY_MS);
    try {
      const [row] = this.conn.pragma('wal_checkpoint(PASSIVE)') as { busy: number }[];
      if (row!.busy) return this.queueOwn(RETRY_MS);
      this.stats.ownCheckpoints++;
    } catch (err) {
      this.failed(err instanceof Error ? err.message : String(err));
    }
    this.worker?.postMessage('resume');
  }

  private failed(message: string): void {
    this.stats.failures++;
    this.opts.onError(message);
  }

  /** Ends the thread (its connection closed first). The main connection's close then checkpoints what is left. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    this.autocheckpoint(AUTOCHECKPOINT_DEFAULT);
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    await exited;
  }
}
