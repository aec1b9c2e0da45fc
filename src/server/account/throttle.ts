/**
 * Attempt counters for sign-in and password resets, in memory, over a sliding 15-minute
 * window. They slow a guesser down; they are not a record (a restart forgets them, and
 * each node of a scale-out keeps its own, which is acceptable for a brake).
 *
 * The client address they key on is `request.ip`, which is the real client only when
 * VIGIL_TRUST_PROXY names the proxies in front of Vigil (config.ts, docs/security.md);
 * otherwise everyone behind one proxy shares its address.
 *
 * Sign-in keeps three counts of failures, and never lets one client's failures lock the
 * right password out for everyone (issue 14, item 4):
 * - per (account, address): 10 → that address may not try that account for a while (429);
 * - per address: 50 → that address may not sign in at all for a while (429);
 * - per account, from any address: past 10, every attempt on the account takes the slow
 *   path (a fixed delay before the password is checked), but it is never refused, so the
 *   member signs in from their own address while someone guesses from elsewhere.
 * A success clears its (account, address) count only: the account's count keeps slowing
 * the guesser until its window passes.
 */
export const WINDOW_MS = 15 * 60_000;

export interface SignInLimits {
  perAccountAddress: number;
  perAddress: number;
  /** Failures on the account, from any address, before each attempt is slowed. */
  accountSlowAfter: number;
  /** How long a slowed attempt waits before its password is checked. */
  slowDelayMs: number;
  windowMs: number;
}

export const SIGN_IN_LIMITS: SignInLimits = { perAccountAddress: 10, perAddress: 50, accountSlowAfter: 10, slowDelayMs: 1_000, windowMs: WINDOW_MS };

/** Counts per key within a window that starts at the first hit. Bounded: past 50,000 keys it starts again. */
export class Counter {
  private readonly hits = new Map<string, { n: number; until: number }>();
  constructor(private readonly windowMs = WINDOW_MS) {}

  count(key: string, now: number): void {
    if (this.hits.size > 50_000) this.hits.clear();
    const h = this.hits.get(key);
    if (!h || h.until <= now) this.hits.set(key, { n: 1, until: now + this.windowMs });
    else h.n += 1;
  }

  /** The count and the seconds until it resets (0, 0 when none). */
  get(key: string, now: number): { n: number; resetsInSeconds: number } {
    const h = this.hits.get(key);
    if (!h || h.until <= now) return { n: 0, resetsInSeconds: 0 };
    return { n: h.n, resetsInSeconds: Math.ceil((h.until - now) / 1000) };
  }

  forget(key: string): void {
    this.hits.delete(key);
  }
}

export type SignInDecision = { kind: 'refuse'; retryAfterSeconds: number; why: 'address' | 'account_address' } | { kind: 'try'; delayMs: number };

export class SignInThrottle {
  private readonly counter: Counter;
  constructor(private readonly limits: SignInLimits = SIGN_IN_LIMITS) {
    this.counter = new Counter(limits.windowMs);
  }

  private keys(account: string, address: string) {
    const a = account.trim().toLowerCase();
    return { pair: `p:${a}|${address}`, address: `i:${address}`, account: `a:${a}` };
  }

  decide(account: string, address: string, now: number): SignInDecision {
    const k = this.keys(account, address);
    const byAddress = this.counter.get(k.address, now);
    if (byAddress.n >= this.limits.perAddress) return { kind: 'refuse', retryAfterSeconds: byAddress.resetsInSeconds, why: 'address' };
    const pair = this.counter.get(k.pair, now);
    if (pair.n >= this.limits.perAccountAddress) return { kind: 'refuse', retryAfterSeconds: pair.resetsInSeconds, why: 'account_address' };
    const acct = this.counter.get(k.account, now);
    return { kind: 'try', delayMs: acct.n >= this.limits.accountSlowAfter ? this.limits.slowDelayMs : 0 };
  }

  failed(account: string, address: string, now: number): void {
    const k = this.keys(account, address);
    for (const key of [k.pair, k.address, k.account]) this.counter.count(key, now);
  }

  succeeded(account: string, address: string): void {
    this.counter.forget(this.keys(account, address).pair);
  }
}

/** Password reset requests: per email (so a mailbox cannot be flooded) and per address. They never block signing in. */
export class ResetThrottle {
  private readonly counter = new Counter();
  constructor(
    private readonly perEmail = 5,
    private readonly perAddress = 20,
  ) {}

  /** Seconds to wait, or 0; counts the request when it is let through. */
  take(email: string, address: string, now: number): number {
    const keys: [string, number][] = [
      [`e:${email.trim().toLowerCase()}`, this.perEmail],
      [`i:${address}`, this.perAddress],
    ];
    let wait = 0;
    for (const [k, max] of keys) {
      const c = this.counter.get(k, now);
      if (c.n >= max) wait = Math.max(wait, c.resetsInSeconds);
    }
    if (wait === 0) for (const [k] of keys) this.counter.count(k, now);
    return wait;
  }
}
