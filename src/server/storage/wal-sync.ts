/**
 * Durable SQLite commits without blocking the event loop.
 *
 * With `synchronous = FULL`, every COMMIT calls fsync on the write-ahead log inside
 * better-sqlite3's synchronous call: the whole process (HTTP parsing included) stops
 * for the length of the disk flush, once per transaction. Instead, Vigil runs SQLite
 * with `synchronous = NORMAL` (a commit writes its WAL frames with write(2) and returns;
 * a process crash loses nothing, since the frames are in the kernel's page cache) and
 * flushes the WAL file itself, with fsync(2) on libuv's thread pool, before anything
 * that promises durability is answered: an HTTP response to a request that changed
 * something waits for `sync()` (see app.ts). One fsync covers every commit made before
 * it started, so concurrent requests share it (group commit).
 *
 * Why this is as durable as FULL: fsync flushes the file's dirty pages whichever
 * descriptor wrote them, and SQLite never replaces the WAL file while a connection
 * holds it open (it rewinds it after a checkpoint, and a checkpoint in NORMAL mode
 * syncs the WAL and the database file itself before the rewind). A failed fsync is
 * fatal, as in PostgreSQL: after one, the page cache can no longer be trusted, so the
 * process exits before answering rather than acknowledge something that may be lost.
 */
import fs from 'node:fs';
import path from 'node:path';

export class WalSync {
  /** Commits (and autocommit writes) started so far. */
  private committed = 0;
  /** Commits known to be on disk. */
  private synced = 0;
  private running: Promise<void> | null = null;
  private fd: number | null = null;
  /** fsyncs actually issued, for metrics and tests. */
  fsyncs = 0;
  /** How the WAL file is flushed: fsync(2) on libuv's thread pool (a test puts a slow disk here). */
  fsyncFile: (fd: number) => Promise<void> = (fd) => new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));

  constructor(
    private readonly dbFile: string,
    private readonly onFatal: (err: Error) => void = (err) => {
      process.stderr.write(`vigil: fsync of the SQLite write-ahead log failed, exiting: ${err.message}\n`);
      process.exit(70);
    },
  ) {}

  /** Told of every commit counted (storage/wal-checkpointer.ts). */
  private readonly commitListeners: (() => void)[] = [];

  /** Called just before a statement that commits runs (synchronously with it). */
  noteCommit(): void {
    this.committed++;
    for (const fn of this.commitListeners) fn();
  }

  onCommit(fn: () => void): void {
    this.commitListeners.push(fn);
  }

  get pending(): boolean {
    return this.committed > this.synced;
  }

  /** Commits counted so far, and how many of them are known to be on disk. */
  get commits(): number {
    return this.committed;
  }
  get flushedUpTo(): number {
    return this.synced;
  }

  /** Resolves once every commit made before this call is on disk. */
  async sync(): Promise<void> {
    const target = this.committed;
    while (this.synced < target) {
      if (!this.running) this.running = this.flush().finally(() => (this.running = null));
      await this.running;
    }
  }

  private async flush(): Promise<void> {
    const upTo = this.committed;
    try {
      const fd = this.open();
      await this.fsyncFile(fd);
      this.fsyncs++;
      this.synced = Math.max(this.synced, upTo);
    } catch (err) {
      this.onFatal(err as Error);
      throw err;
    }
  }

  private open(): number {
    if (this.fd !== null) {
      // Still the live WAL file? (Switching journal_mode away from WAL and back deletes and
      // recreates it; an fsync of the deleted file would flush nothing that matters.)
      if (fs.fstatSync(this.fd).nlink > 0) return this.fd;
      fs.closeSync(this.fd);
      this.fd = null;
    }
    const wal = `${this.dbFile}-wal`;
    const fd = fs.openSync(wal, 'r');
    // The WAL file was created by the first write: make its directory entry durable once.
    const dir = fs.openSync(path.dirname(path.resolve(wal)), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
    this.fd = fd;
    return fd;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
