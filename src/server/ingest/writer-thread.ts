/**
 * The writer thread (issue 18 item 6): ingest batches run on a worker thread with its own
 * connection to the SQLite file (batch.worker.ts), while this thread keeps HTTP, validation,
 * key resolution, rate limiting and the group committer. Each batch carries this thread's
 * `now`. A batch's promise resolves once the writer committed it; `onCommit` tells this
 * thread's WalSync, whose flush (awaited before any answer, app.ts) then covers the
 * writer's commit too: one fsync of the WAL file, whichever connection wrote it.
 *
 * If the thread stops (a crash, an uncaught error), the batches it held fail with
 * WriterLost (503, Retry-After) and the next batch starts a new thread. A failed WAL fsync
 * ends the thread with code 70: the process exits as it would on the main thread
 * (storage/wal-sync.ts).
 */
import { Worker } from 'node:worker_threads';
import type { BatchResult, BatchWriter } from './batch-runner.js';
import type { IngestJob } from './job.js';
import { installedKeyring } from '../lib/secret-box.js';
import { rebuildError, type BatchReply, type BatchRequest, type WriterData } from './writer-protocol.js';
import { WriterLost } from './writer-lost.js';
import { workerEntry } from '../lib/worker-entry.js';

/** The exit code of a writer whose WAL fsync failed (storage/wal-sync.ts). */
const FSYNC_FAILED = 70;

interface Waiting {
  resolve: (r: BatchResult) => void;
  reject: (e: unknown) => void;
}

export class WriterThread implements BatchWriter {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  /**
   * Two batches handed over at once: one running on the thread, the next waiting there, so
   * that this thread parses the following requests while the writer commits. With one, the
   * two threads take turns (a batch holds every request in flight, and no new one arrives
   * until it is answered).
   */
  readonly concurrency = 2;
  /** Threads started so far (the first, and one after each loss): for tests and metrics. */
  started = 0;
  private readonly entry: URL;

  constructor(
    private readonly sqliteFile: string,
    /** Called once a batch committed, before its callers learn it (DbHandle.wal.noteCommit). */
    private readonly onCommit: () => void,
    private readonly onFatal: (code: number) => void = (code) => process.exit(code),
  ) {
    this.entry = workerEntry('./batch.worker.js', import.meta.url, "the ingest writer thread's entry (set VIGIL_INGEST_WRITER=main to run without it)");
  }

  run(jobs: IngestJob[], now: number): Promise<BatchResult> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<BatchResult>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, jobs, now } satisfies BatchRequest);
    });
  }

  /** The running thread, if any (tests stop it to see callers fail and a new one start). */
  get thread(): Worker | null {
    return this.worker;
  }

  private start(): Worker {
    // The thread installs this thread's secret keyring (some batches seal a secret: lib/secret-box.ts).
    const keys = installedKeyring()?.keys.map((k) => k.toString('base64')) ?? null;
    const worker = new Worker(this.entry, { workerData: { sqliteFile: this.sqliteFile, keys } satisfies WriterData });
    this.started++;
    worker.on('message', (r: BatchReply) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (r.ok) {
        this.onCommit();
        w.resolve(r.result);
      }
      else w.reject(rebuildError(r.error));
    });
    worker.on('error', (err) => this.lost(worker, err.message));
    worker.on('exit', (code) => {
      this.lost(worker, `exit code ${code}`);
      if (code === FSYNC_FAILED) this.onFatal(code);
    });
    this.worker = worker;
    return worker;
  }

  private lost(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const failed = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of failed) w.reject(new WriterLost(why));
  }

  /** Finish the batches sent, close the thread's connection, and stop it (a later batch starts a new one). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    await exited;
  }
}
