import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);
let lastTimeText = '';

/**
 * Time-ordered identifiers (ULID layout: 48-bit millisecond time, 80 random bits,
 * Crockford base32). Within one process they are strictly increasing, which keeps
 * log entries written in the same millisecond in order. Not secrets.
 */
export function newId(now: number = Date.now()): string {
  let rnd: Uint8Array;
  if (now <= lastTime) {
    rnd = increment(lastRandom);
    now = lastTime;
  } else {
    rnd = randomBytes(10);
  }
  lastRandom = rnd;
  // A batch stamps many ids with one instant: its text is computed once.
  if (now !== lastTime || lastTimeText === '') lastTimeText = encodeTime(now);
  lastTime = now;
  return lastTimeText + encode80(rnd);
}

/** 48-bit milliseconds as 10 Crockford base32 characters, most significant first. */
export function encodeTime(now: number): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

function increment(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 255) {
      out[i]! += 1;
      return out;
    }
    out[i] = 0;
  }
  return out;
}

/** 80 bits as 16 Crockford base32 characters, most significant first (5 bits at a time; plain numbers, no BigInt: this runs for every row ingest writes). */
export function encode80(bytes: Uint8Array): string {
  let s = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += CROCKFORD[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return s;
}
