import { describe, expect, it } from 'vitest';
import { findUnstorableText, mayHoldUnstorableText } from './unstorable-text.js';

/** A random string of code units, biased toward the troublesome ones (NUL, surrogates, backslashes, quotes). */
function randomText(rnd: () => number): string {
  const units = [0, 0x5c, 0x22, 0x75, 0x30, 0x41, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe9, 0x20ac, 0x1f];
  let s = '';
  const n = Math.floor(rnd() * 8);
  for (let i = 0; i < n; i++) s += String.fromCharCode(rnd() < 0.7 ? units[Math.floor(rnd() * units.length)]! : Math.floor(rnd() * 0x10000));
  return s;
}

describe('mayHoldUnstorableText: the pre-check on JSON text that lets the input guard skip a clean body', () => {
  it('is true for every JSON text whose parsed value the walk refuses (keys and values, any escape spelling)', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = { [randomText(rnd)]: [randomText(rnd), { x: randomText(rnd) }] };
      let text = JSON.stringify(value);
      // Senders spell escapes as they like: upper-case hex, and plain characters escaped.
      if (rnd() < 0.3) text = text.replace(/A/g, '\\u0041');
      if (rnd() < 0.5) text = text.replace(/\\u([0-9a-f]{4})/g, (_m, h: string) => `\\u${h.toUpperCase()}`);
      const bad = findUnstorableText(JSON.parse(text), '');
      if (bad) refused++;
      if (bad) expect(mayHoldUnstorableText(text), text).toBe(true);
    }
    expect(refused).toBeGreaterThan(1_000);
  });

  it('is false for ordinary events, so the walk is skipped for them', () => {
    expect(mayHoldUnstorableText(JSON.stringify({ routing_key: 'a'.repeat(32), event_action: 'trigger', payload: { summary: 'Disk 95 % full — café ☕ 🚨', source: 'db-1', severity: 'critical' } }))).toBe(false);
    expect(mayHoldUnstorableText('{"summary":"\\u00e9 \\u20ac \\ud83d\\udea8"}')).toBe(true);
    expect(mayHoldUnstorableText('{"summary":"\\u0000"}')).toBe(true);
  });
});
