/**
 * What the main thread and the writer thread (batch.worker.ts) say to each other: a batch
 * (its jobs and the main thread's `now`), and its result or error. Errors cross the thread
 * as plain data and are rebuilt with what the HTTP layer reads: a storage error's `code`
 * (SQLITE_FULL …: 503 with Retry-After), a VigilError's kind, details and Retry-After.
 */
import { ERRORS, VigilError, type ErrorKind } from '../errors.js';
import type { BatchResult } from './batch-runner.js';
import type { IngestJob } from './job.js';

/** What the writer thread starts with: the SQLite file, and the main thread's secret keys (base64, current first), if installed. */
export interface WriterData {
  sqliteFile: string;
  keys: string[] | null;
}

export interface BatchRequest {
  id: number;
  jobs: IngestJob[];
  /** The main thread's clock at the batch's start: the batch's time (the writer reads no clock). */
  now: number;
}

export interface CarriedError {
  name: string;
  message: string;
  code?: string;
  vigil?: { kind: ErrorKind; errors: string[]; retryAfterSeconds?: number };
}

export type BatchReply = { id: number; ok: true; result: BatchResult } | { id: number; ok: false; error: CarriedError };

export function carryError(err: unknown): CarriedError {
  if (err instanceof VigilError) return { name: err.name, message: err.message, vigil: { kind: err.kind, errors: err.errors, ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}) } };
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | null;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

export function rebuildError(c: CarriedError): Error {
  if (c.vigil && c.vigil.kind in ERRORS) return new VigilError(c.vigil.kind, c.vigil.errors, { message: c.message, ...(c.vigil.retryAfterSeconds !== undefined ? { retryAfterSeconds: c.vigil.retryAfterSeconds } : {}) });
  const err = new Error(c.message);
  err.name = c.name;
  if (c.code !== undefined) Object.assign(err, { code: c.code });
  return err;
}
