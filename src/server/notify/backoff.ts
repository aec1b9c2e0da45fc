/**
 * Retry timing for retryable deliveries: exponential with full jitter, capped,
 * and never sooner than a receiver's own Retry-After. `random` is injected so
 * tests are deterministic.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** After this many attempts a retryable failure becomes final. */
  maxAttempts: number;
}

export const MAX_RETRY_AFTER_MS = 3_600_000;

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 10 * 60_000, maxAttempts: 12 };

export function retryDelay(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half jitter: spreads a thundering herd without ever retrying at once.
  const delay = exp / 2 + random() * (exp / 2);
  // A receiver's Retry-After is honoured up to an hour: a page is never parked for a day on a receiver's say-so.
  return Math.max(Math.round(delay), Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
}
