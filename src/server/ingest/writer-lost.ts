/**
 * The writer thread stopped (crashed, or was stopped) while it held a batch: whether that
 * batch committed is unknown, so its callers are answered 503 with Retry-After, never a 202,
 * and its jobs are not run again (group-commit.ts's `retryAlone`). A sender's retry with the
 * same dedup key counts on the same alert.
 */
import { VigilError } from '../errors.js';

export class WriterLost extends VigilError {
  constructor(why: string) {
    super('unavailable', [`ingest: the writer thread stopped (${why}); the event may not be stored, retry after 1 s`], { retryAfterSeconds: 1 });
  }
}
