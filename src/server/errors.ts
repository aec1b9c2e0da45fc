/**
 * The one catalogue of coded errors (STYLE.md habit 7). Domain code throws
 * `VigilError`s; only the HTTP layer maps them to statuses and bodies. The codes
 * follow PagerDuty REST v2 where the meaning is the same, so PagerDuty clients'
 * error handling (e.g. go-pagerduty's NotFound(): 404 or code 2100) keeps working.
 * docs/errors.md lists the same table; a test keeps them in step.
 */
export const ERRORS = {
  internal: { status: 500, code: 2000, message: 'Internal Error' },
  invalid_input: { status: 400, code: 2001, message: 'Invalid Input Provided' },
  missing_arguments: { status: 400, code: 2003, message: 'Missing Arguments' },
  unauthenticated: { status: 401, code: 2006, message: 'Authentication failed' },
  forbidden: { status: 403, code: 2010, message: 'Access Denied' },
  not_found: { status: 404, code: 2100, message: 'Not Found' },
  conflict: { status: 409, code: 2002, message: 'Conflict' },
  payload_too_large: { status: 413, code: 2004, message: 'Request Entity Too Large' },
  unsupported_media_type: { status: 415, code: 2005, message: 'Unsupported Media Type' },
  rate_limited: { status: 429, code: 2020, message: 'Rate Limit Exceeded' },
  unavailable: { status: 503, code: 2030, message: 'Service Unavailable' },
  storage_unavailable: { status: 503, code: 2031, message: 'Storage Unavailable' },
  incident_already_resolved: { status: 400, code: 1001, message: 'Incident Already Resolved' },
  invalid_status: { status: 400, code: 1003, message: 'Invalid Status Provided' },
  volunteer_rule: { status: 422, code: 8001, message: 'Refused by a volunteer rule' },
} as const;

export type ErrorKind = keyof typeof ERRORS;

import type { StorageFailure } from './storage/dialect.js';

export class VigilError extends Error {
  readonly kind: ErrorKind;
  readonly errors: string[];
  readonly retryAfterSeconds?: number;
  constructor(kind: ErrorKind, errors: string[] = [], opts: { message?: string; retryAfterSeconds?: number } = {}) {
    super(opts.message ?? ERRORS[kind].message);
    this.kind = kind;
    this.errors = errors;
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
  }
  get status(): number {
    return ERRORS[this.kind].status;
  }
  get code(): number {
    return ERRORS[this.kind].code;
  }
}

export const invalid = (...errors: string[]) => new VigilError('invalid_input', errors);
export const notFound = (what: string) => new VigilError('not_found', [`${what} not found`]);
export const forbidden = (why: string) => new VigilError('forbidden', [why]);

/** What each storage failure class means to a sender, in a few words. */
const STORAGE_WORDS: Record<StorageFailure, string> = {
  disk_full: 'the disk is full',
  read_only: 'the database is read-only',
  io_error: 'the disk reported an I/O error',
  busy: 'the database is busy',
  connection_lost: 'the database connection was lost',
  pool_exhausted: 'every database connection is busy',
  cannot_open: 'the database file cannot be opened',
};

/**
 * The disk has not confirmed a change within `durableWaitMs` (a stalled fsync): the change
 * may yet be stored, so the sender retries (an Events API retry with the same dedup key
 * counts on the same alert). 503, never a 202 without the disk's word.
 */
export class StorageSlow extends VigilError {
  constructor(waitedMs: number, retryAfterSeconds: number) {
    super('storage_unavailable', [`storage: the disk has not confirmed the write after ${Math.round(waitedMs / 100) / 10} s (storage_slow); it may not be stored, retry after ${retryAfterSeconds} s`], { retryAfterSeconds });
  }
}

/**
 * Storage refused the work (a full or read-only disk, a read-only PostgreSQL, a lost
 * connection, an exhausted pool): nothing was committed, the sender retries after
 * `retryAfterSeconds`. Always 503, never 500 (docs/errors.md, docs/reliability.md).
 */
export class StorageUnavailable extends VigilError {
  constructor(
    readonly reason: StorageFailure,
    retryAfterSeconds: number,
  ) {
    super('storage_unavailable', [`storage: ${STORAGE_WORDS[reason]} (${reason}); nothing was stored, retry after ${retryAfterSeconds} s`], { retryAfterSeconds });
  }
}
