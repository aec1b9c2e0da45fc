/**
 * Ids: the plain-number encoder gives exactly what the BigInt one it replaced gave (ids
 * already stored must sort with new ones), and ids stay strictly increasing within a process.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode80, encodeTime, newId } from './ids.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** The encoder before: the 80 bits as one BigInt, 5 bits at a time from the least significant end. */
function reference80(bytes: Uint8Array): string {
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let s = '';
  for (let i = 0; i < 16; i++) {
    s = CROCKFORD[Number(bits & 31n)] + s;
    bits >>= 5n;
  }
  return s;
}

describe('ids', () => {
  it('encodes 80 random bits as the BigInt encoder did', () => {
    for (const edge of [new Uint8Array(10), new Uint8Array(10).fill(255), Uint8Array.from([128, 0, 0, 0, 0, 0, 0, 0, 0, 1])]) expect(encode80(edge)).toBe(reference80(edge));
    fc.assert(fc.property(fc.uint8Array({ minLength: 10, maxLength: 10 }), (b) => encode80(b) === reference80(b)), { numRuns: 2_000 });
  });

  it('is strictly increasing, within one millisecond and across them, and starts with the time', () => {
    // Later than any id this process made before (ids never go back in time, whatever the clock says).
    const at = Date.now() + 10 * 365 * 86_400_000;
    const ids = [...Array.from({ length: 500 }, () => newId(at)), ...Array.from({ length: 500 }, (_, i) => newId(at + 1 + (i >> 4)))];
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true);
    expect(ids[0]!.slice(0, 10)).toBe(encodeTime(at));
    expect(ids.at(-1)!.slice(0, 10)).toBe(encodeTime(at + 1 + (499 >> 4)));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
