import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);

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
  lastTime = now;
  lastRandom = rnd;
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + encode80(rnd);
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

function encode80(bytes: Uint8Array): string {
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let s = '';
  for (let i = 0; i < 16; i++) {
    s = CROCKFORD[Number(bits & 31n)] + s;
    bits >>= 5n;
  }
  return s;
}
