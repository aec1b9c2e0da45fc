/**
 * Group commit: requests that arrive while a commit is in flight (or in the same
 * turn of the event loop) share the next transaction. Each caller's promise settles
 * only after the transaction holding its job has committed — a 202 still means
 * "on disk" — while one synced commit serves a whole batch (DESIGN.md §5).
 *
 * Contract: `runBatch` runs all jobs in ONE transaction and returns one result per
 * job, in order, or throws having committed nothing. If a batch of several jobs
 * fails, each job is retried alone, so one poisoned event cannot fail its neighbours.
 */
export interface GroupCommitOptions {
  maxBatch: number;
  /** Batches in flight at once: 1 for SQLite's single writer, a few for PostgreSQL. */
  concurrency: number;
  /** Whether a failed batch's jobs are each run again alone (default: always); false fails every caller of the batch. */
  retryAlone?: (err: unknown) => boolean;
}

interface Pending<J, R> {
  job: J;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommitter<J, R> {
  private queue: Pending<J, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Jobs waiting, for back-pressure decisions and metrics. */
  get depth(): number {
    return this.queue.length;
  }

  constructor(
    private readonly runBatch: (jobs: J[]) => Promise<R[]>,
    private readonly opts: GroupCommitOptions,
  ) {}

  submit(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate lets every request already parsed in this turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.opts.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  private async execute(batch: Pending<J, R>[]): Promise<void> {
    try {
      const results = await this.runBatch(batch.map((p) => p.job));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1 || this.opts.retryAlone?.(err) === false) {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) {
        try {
          const [r] = await this.runBatch([p.job]);
          p.resolve(r!);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }
}
