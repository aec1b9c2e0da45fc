import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A 32-character lowercase alphanumeric key: 32·log2(36) ≈ 165 random bits, and it
 * passes PagerDuty clients' own routing-key checks (32 chars, alphanumeric).
 * Rejection sampling keeps every character uniform.
 */
export function newRoutingKey(): string {
  let out = '';
  while (out.length < 32) {
    for (const b of randomBytes(48)) {
      if (b < 252 && out.length < 32) out += ALNUM[b % 36];
    }
  }
  return out;
}

/** API tokens: 32 random bytes (256 bits), URL-safe, with a prefix that secret scanners can find. */
export function newApiToken(): string {
  return 'vgl_' + randomBytes(32).toString('base64url');
}

/**
 * Credentials are high-entropy random strings, so a fast keyed-free SHA-256 is the right
 * hash (a slow KDF protects low-entropy passwords, not 165-bit keys). Lookup is by hash,
 * so the secret itself is never compared.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
