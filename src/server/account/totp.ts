/**
 * TOTP (RFC 6238 over HOTP, RFC 4226): the rules, no I/O. HMAC-SHA1, 6 digits, 30-second
 * steps, the parameters every authenticator app defaults to. Written on node:crypto (a
 * dozen lines of arithmetic) rather than taken from a package: see docs/security.md.
 * The tests check it against RFC 6238 Appendix B and an independent implementation.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const STEP_SECONDS = 30;
export const DIGITS = 6;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, without padding. */
export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(s: string): Buffer {
  const clean = s.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error('not base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new 160-bit secret, base32 (RFC 4226 recommends 160 bits). */
export const newTotpSecret = (): string => base32Encode(randomBytes(20));

export function hotp(key: Buffer, counter: number, digits = DIGITS): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

export const timeStep = (nowMs: number): number => Math.floor(nowMs / 1000 / STEP_SECONDS);

/** The code for a base32 secret at a time (what an authenticator app shows). */
export const totpAt = (secret: string, nowMs: number): string => hotp(base32Decode(secret), timeStep(nowMs));

/**
 * The time step whose code this is, looking one step either side of now (clock drift
 * and typing time), or null. The caller refuses a step it has already accepted (replay).
 */
export function matchingStep(secret: string, code: string, nowMs: number, window = 1): number | null {
  const c = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(c)) return null;
  const key = base32Decode(secret);
  const now = timeStep(nowMs);
  let found: number | null = null;
  for (let s = now - window; s <= now + window; s++) {
    // Every candidate is computed and compared in constant time, whatever matched first.
    if (timingSafeEqual(Buffer.from(hotp(key, s)), Buffer.from(c)) && found === null) found = s;
  }
  return found;
}

export function otpauthUri(email: string, secret: string): string {
  return `otpauth://totp/Vigil:${encodeURIComponent(email)}?secret=${secret}&issuer=Vigil`;
}

/** Ten single-use recovery codes, 80 bits each, written `xxxx-xxxx-xxxx-xxxx` (base32, lower case). */
export function newRecoveryCodes(n = 10): string[] {
  return Array.from({ length: n }, () => base32Encode(randomBytes(10)).toLowerCase().match(/.{4}/g)!.join('-'));
}

/** How a typed recovery code is compared: no dashes, spaces or case. */
export const normalizeRecoveryCode = (code: string): string => code.replace(/[\s-]/g, '').toLowerCase();
