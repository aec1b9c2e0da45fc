/**
 * SQLite's checkpoints, mostly off the event loop.
 *
 * A checkpoint copies the write-ahead log's frames into the database file so the log can be
 * rewound. By default SQLite runs one inside the COMMIT that takes the log past 1,000 pages:
 * with `synchronous = NORMAL` it fsyncs the log, copies the pages and fsyncs the database
 * file, and better-sqlite3 runs all of that on the calling thread. Under ingest load that was
 * one commit in sixteen taking ~6 ms instead of ~0.5 ms, 7 % of the main thread's busy time
 * (docs/benchmarks.md, stop 31), most of it waiting on the disk with HTTP parsing stopped.
 *
 * Here the main connection's automatic checkpoints are off (`wal_autocheckpoint = 0`) and a
 * worker thread with its own connection (checkpoint.worker.ts) checkpoints, PASSIVE, every
 * `every` commits: it copies the frames and syncs, while this thread goes on committing.
 *
 * The log is rewound only by a writer that finds every frame copied. While commits keep
 * coming, the thread's checkpoints always trail the newest frames, so the log would grow
 * without end. Once the thread reports a log of `restartFrames` or more, this thread
 * checkpoints itself, between transactions: it copies only the frames the thread has not
 * (those committed while it copied), and the next commit rewinds the log. That is one short
 * checkpoint per `restartFrames` frames on this thread, not one full one per 1,000.
 *
 * The log stays bounded whatever the thread does: if `limit` commits pass without the log
 * found short (the thread failed to start, died, or is behind), this thread checkpoints too.
 * The thread starts when commits come faster than `every` per `startWithinMs`, and ends
 * itself after `idleMs` without a request, so an idle server has no second thread.
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
  /** Commits without the log found short after which this thread checkpoints itself. */
  limit: number;
  /** A log this long (frames, ~4 KiB each) is finished by a checkpoint on this thread, so that it rewinds. */
  restartFrames: number;
  /** The thread ends after this long without a request (ms). */
  idleMs: number;
  /**
   * No thread is started for commits slower than `every` per this long (ms): an idle server's
   * engine commits now and then, and a thread costs ~8 MiB; the fallback checkpoints those.
   */
  startWithinMs: number;
  /** A monotonic clock in ms (tests pass their own). */
  now: () => number;
  /** Told of a checkpoint that failed (the next one retries; the log keeps every frame meanwhile). */
  onError: (message: string) => void;
}

export const CHECKPOINTER_DEFAULTS: CheckpointerOptions = {
  every: 32,
  limit: 500,
  restartFrames: 16_384,
  idleMs: 30_000,
  startWithinMs: 1_000,
  now: () => performance.now(),
  onError: (message) => process.stderr.write(`vigil: SQLite checkpoint failed (retried on the next one): ${message}\n`),
};

export class WalCheckpointer {
  private worker: Worker | null = null;
  /** Commits since the last request to the thread. */
  private sinceAsk = 0;
  /** When `sinceAsk` last went back to 0. */
  private askedAt = -Infinity;
  /** Commits since the log was last found short, or checkpointed on this thread. */
  private sinceDone = 0;
  private ownQueued = false;
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
    conn.pragma('wal_autocheckpoint = 0');
  }

  /** Called for every commit (WalSync.noteCommit), on this thread. */
  noteCommit(): void {
    if (this.closed) return;
    this.sinceDone++;
    if (++this.sinceAsk >= this.opts.every) {
      const now = this.opts.now();
      const busy = now - this.askedAt <= this.opts.startWithinMs;
      this.sinceAsk = 0;
      this.askedAt = now;
      if (this.worker || busy) this.ask();
    }
    // Called as a COMMIT is about to run: checkpoint once it has, between transactions.
    if (this.sinceDone >= this.opts.limit) this.queueOwn();
  }

  /** The running thread, if any (tests stop it). */
  get thread(): Worker | null {
    return this.worker;
  }

  private ask(): void {
    try {
      (this.worker ?? this.start()).postMessage('checkpoint');
    } catch (err) {
      // No thread (it could not start): the fallback keeps the log bounded.
      this.failed(err instanceof Error ? err.message : String(err));
    }
  }

  private start(): Worker {
    const entry = workerEntry('./checkpoint.worker.js', import.meta.url, "the SQLite checkpoint thread's entry");
    const worker = new Worker(entry, { workerData: { sqliteFile: this.sqliteFile, idleMs: this.opts.idleMs, restartFrames: this.opts.restartFrames } satisfies CheckpointData });
    this.stats.threadsStarted++;
    worker.on('message', (r: CheckpointReply) => {
      if (!r.ok) return this.failed(r.error);
      this.stats.threadCheckpoints++;
      if (r.frames < this.opts.restartFrames) this.sinceDone = 0;
      else this.queueOwn();
    });
    worker.on('error', (err) => this.failed(err.message));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null;
    });
    // The thread never keeps the process alive (it ends itself when idle; close() ends it).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private queueOwn(): void {
    if (this.ownQueued || this.closed) return;
    this.ownQueued = true;
    setImmediate(() => this.checkpointHere());
  }

  private checkpointHere(): void {
    this.ownQueued = false;
    if (this.closed) return;
    // A transaction that awaits something may be open across turns of the event loop.
    if (this.conn.inTransaction) return this.queueOwn();
    try {
      const [row] = this.conn.pragma('wal_checkpoint(PASSIVE)') as { busy: number }[];
      // The thread's checkpoint is running (it holds off only after a long log): try again shortly.
      if (row!.busy) return this.queueOwn();
      this.stats.ownCheckpoints++;
      this.sinceDone = 0;
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
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    await exited;
  }
}
