/**
 * Per-destination throttles in the spirit of GoAlert's: carriers block numbers
 * that send too often, so SMS and voice to one number are spaced by rules such as
 * "at most 1 a minute and 4 in 15 minutes". Pure: given the times of recent sends
 * to a destination, when may the next one go?
 */
export interface ThrottleRule {
  count: number;
  perMs: number;
}

export const THROTTLES: Record<string, ThrottleRule[]> = {
  sms: [
    { count: 1, perMs: 60_000 },
    { count: 4, perMs: 15 * 60_000 },
  ],
  voice: [
    { count: 1, perMs: 2 * 60_000 },
    { count: 3, perMs: 15 * 60_000 },
  ],
  // Telegram's Bot FAQ: about one message a second per chat, beyond which it answers 429.
  telegram: [{ count: 1, perMs: 1_000 }],
};

/** The earliest instant ≥ now at which one more send respects every rule. `sentAt` need not be sorted. */
export function earliestAllowed(now: number, sentAt: number[], rules: ThrottleRule[]): number {
  let t = now;
  const sorted = [...sentAt].sort((a, b) => b - a);
  for (const r of rules) {
    const inWindow = sorted.filter((s) => s > t - r.perMs);
    if (inWindow.length >= r.count) t = Math.max(t, inWindow[r.count - 1]! + r.perMs);
  }
  return t;
}
