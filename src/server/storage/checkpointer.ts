/**
 * SQLite WAL checkpoints on a thread of their own.
 *
 * By default SQLite checkpoints inside the COMMIT that takes the write-ahead log past 1,000
 * pages: that COMMIT copies the log's pages into the database file and fsyncs both files,
 * synchronously, on the event loop. Under an ingest load that was one commit in ~16, taking
 * ~5 ms each and ~10% of the main thread's busy time (docs/benchmarks.md, stop 29). Here the
 * main connection's automatic checkpoint is turned off and a worker thread, with a connection
 * of its own, runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs`. SQLite supports
 * exactly this: a PASSIVE checkpoint takes no lock a reader or the writer waits on; it copies
 * the frames no reader still needs, and the writer starts the log again from its beginning
 * once every frame is copied, as after an automatic checkpoint.
 *
 * Durability does not change: the checkpoint syncs the log before copying from it and the
 * database file before the log may be rewound (`synchronous = FULL` on its connection), and
 * every answer still waits for WalSync's fsync of the log (wal-sync.ts). A kill -9 in the
 * middle of a checkpoint is recovered by SQLite like one inside a COMMIT.
 *
 * If the thread fails (it cannot open the file, a checkpoint throws) or exits, the main
 * connection's automatic checkpoint is turned back on: the log never grows without bound
 * because the thread is gone.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** The automatic checkpoint threshold SQLite uses by default, restored when the thread stops. */
const AUTO_CHECKPOINT_PAGES = 1_000;

// CommonJS run with `eval` (no separate file to find next to the compiled one); the driver's
// path comes resolved from here, so it loads whatever directory the process started in.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = ' + workerData.restartWaitMs);
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
let timer = null;
function tick() {
  try {
    let r = passive.get();
    // Under a steady load the writer appends while a passive checkpoint copies, so the log is
    // never all copied when a write begins, and is never rewound: past restartFrames, copy the
    // few frames left holding the write lock, so the next write starts the log again.
    if (r.log >= workerData.restartFrames) r = restart.get();
    parentPort.postMessage({ kind: 'checkpoint', log: r.log, checkpointed: r.checkpointed });
    timer = setTimeout(tick, workerData.intervalMs);
  } catch (err) {
    parentPort.postMessage({ kind: 'failed', message: String((err && err.message) || err) });
    db.close();
    parentPort.close();
  }
}
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort.postMessage({ kind: 'stopped' });
  parentPort.close();
});
parentPort.postMessage({ kind: 'ready' });
timer = setTimeout(tick, workerData.intervalMs);
`;

type Message = { kind: 'ready' } | { kind: 'stopped' } | { kind: 'checkpoint'; log: number; checkpointed: number } | { kind: 'failed'; message: string };

export class Checkpointer {
  private readonly worker: Worker;
  private running = false;
  private exited = false;
  private stopping: Promise<void> | null = null;
  /** Checkpoints the thread ran, and frames it copied (for tests and metrics). */
  checkpoints = 0;
  framesCopied = 0;
  /** Why the thread stopped on its own, if it did (the main connection checkpoints again). */
  failure: string | null = null;

  constructor(
    private readonly conn: SQLite.Database,
    file: string,
    opts: { intervalMs?: number; restartFrames?: number; onFailure?: (why: string) => void } = {},
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    // execArgv []: the source is CommonJS even in a process started with --input-type=module (a worker inherits the flag).
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { driver, file, intervalMs: opts.intervalMs ?? 100, restartFrames: opts.restartFrames ?? 4_000, restartWaitMs: 1_000 } });
    // The thread must not keep a process alive that has nothing else to do.
    this.worker.unref();
    this.worker.on('message', (m: Message) => {
      if (m.kind === 'ready') {
        // Only once the thread holds its connection: until then the main connection keeps checkpointing.
        if (this.stopping === null) {
          this.conn.pragma('wal_autocheckpoint = 0');
          this.running = true;
        }
      } else if (m.kind === 'checkpoint') {
        this.checkpoints++;
        this.framesCopied += Math.max(0, m.checkpointed);
      } else if (m.kind === 'failed') {
        this.fallBack(m.message, opts.onFailure);
      }
    });
    this.worker.on('error', (err) => this.fallBack(err.message, opts.onFailure));
    this.worker.on('exit', () => {
      this.exited = true;
      if (this.stopping === null) this.fallBack('the checkpoint thread exited', opts.onFailure);
    });
  }

  /** Whether checkpoints currently run on the thread (false before it is ready and after it failed). */
  get active(): boolean {
    return this.running;
  }

  private fallBack(why: string, onFailure?: (why: string) => void): void {
    const was = this.running;
    this.running = false;
    if (this.failure !== null || this.stopping !== null) return;
    this.failure = why;
    if (was && this.conn.open) this.conn.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    onFailure?.(why);
  }

  /** Stop the thread (before the main connection closes); the main connection checkpoints again. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      if (this.running && this.conn.open) this.conn.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
      this.running = false;
      if (this.exited) return resolve();
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('stop');
      // A thread that does not answer (stuck on a disk) is ended: the main connection's own checkpoint takes over.
      setTimeout(() => void this.worker.terminate(), 5_000).unref();
    });
    return this.stopping;
  }
}
