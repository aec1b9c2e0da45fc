/**
 * Password hashing with Node's scrypt (RFC 7914), no extra dependency. The stored
 * form names its parameters, `scrypt$N$r$p$salt$hash` (base64url), so they can be
 * raised later and old hashes still verify; `needsRehash` says when to upgrade one
 * at the next successful sign-in. The default N = 2^15, r = 8 costs 32 MiB and about
 * 100–220 ms on the 2-core reference machine: slow for a guesser, fine for a person.
 * VIGIL_PASSWORD_COST (log2 N, 12–20) changes N for new hashes: higher on a strong
 * machine; lower only where sign-ins are many and guessing is not the threat (the test
 * suite's throttling tests, which sign in hundreds of times).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PASSWORD_COST } from '../config/config.js';

export { PASSWORD_COST };

const R = 8;
const P = 1;
const KEYLEN = 32;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 1024;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFKC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

const options = (n: number, r: number, p: number): ScryptOptions => ({ N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 });

/** Why a password is refused, or null. Length only: long passphrases beat composition rules (NIST SP 800-63B §5.1.1). */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `password: must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `password: must be at most ${PASSWORD_MAX} characters`;
  return null;
}

export async function hashPassword(password: string, cost: number = PASSWORD_COST.default): Promise<string> {
  const salt = randomBytes(16);
  const N = 2 ** cost;
  const key = await scrypt(password, salt, KEYLEN, options(N, R, P));
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time comparison of the derived key; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0) || n > 1 << 20) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length < 16) return false;
  const key = await scrypt(password.slice(0, PASSWORD_MAX), salt, expected.length, options(n, r, p));
  return timingSafeEqual(key, expected);
}

/** A hash made with less work than `cost` asks for (or not scrypt) is upgraded at the next successful sign-in. */
export function needsRehash(stored: string, cost: number = PASSWORD_COST.default): boolean {
  const parts = stored.split('$');
  return parts[0] !== 'scrypt' || Number(parts[1]) < 2 ** cost || Number(parts[2]) < R;
}

/** A hash of nothing in particular, verified when no account matches, so a wrong email costs as long as a wrong password. */
const dummies = new Map<number, Promise<string>>();
export async function burnVerification(password: string, cost: number = PASSWORD_COST.default): Promise<void> {
  let dummy = dummies.get(cost);
  if (!dummy) dummies.set(cost, (dummy = hashPassword(randomBytes(16).toString('hex'), cost)));
  await verifyPassword(password, await dummy);
}
