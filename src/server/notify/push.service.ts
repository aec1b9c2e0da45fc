/**
 * Web Push subscriptions as contact methods. The browser's `PushSubscription.toJSON()`
 * (`{endpoint, expirationTime, keys: {p256dh, auth}}`) is checked here: the endpoint
 * becomes the address, the keys (the `auth` secret among them) the method's write-only
 * secret, together with the VAPID public key the browser subscribed with (the server's
 * current key), so a subscription made before a rotation is still sent with its own key.
 */
import type { Kysely } from 'kysely';
import { invalid } from '../errors.js';
import type { ContactMethodTable, Database } from '../storage/schema.js';
import type { Destination } from './channel.js';
import { currentVapidKey, vapidKeyFor } from './vapid.service.js';

export interface StoredPushKeys {
  p256dh: string;
  auth: string;
  /** The VAPID public key (base64url) the subscription was made for. */
  vapid: string;
  expirationTime: number | null;
}

const B64URL = /^[A-Za-z0-9_-]+={0,2}$/;

function b64urlBytes(v: unknown, field: string, length: number, errors: string[]): string | null {
  if (typeof v !== 'string' || !B64URL.test(v)) {
    errors.push(`${field} must be a base64url string`);
    return null;
  }
  const bytes = Buffer.from(v, 'base64url');
  if (bytes.length !== length) errors.push(`${field} must decode to ${length} bytes, got ${bytes.length}`);
  else if (length === 65 && bytes[0] !== 4) errors.push(`${field} must be an uncompressed P-256 point (first byte 0x04)`);
  return bytes.toString('base64url');
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The endpoint and keys of a subscription, or a 400 naming each bad field. Pure. */
export function parsePushSubscription(sub: unknown, address: string | undefined): { endpoint: string; p256dh: string; auth: string; expirationTime: number | null } {
  const F = 'contact_method.subscription';
  if (sub === undefined || sub === null || typeof sub !== 'object' || Array.isArray(sub)) throw invalid(`${F} is required: the browser's PushSubscription.toJSON() ({endpoint, keys: {p256dh, auth}})`);
  const o = sub as Record<string, unknown>;
  const errors: string[] = [];
  for (const k of Object.keys(o)) if (!['endpoint', 'expirationTime', 'keys'].includes(k)) errors.push(`${F}.${k} is not a subscription field`);
  let endpoint = '';
  try {
    const url = new URL(String(o.endpoint ?? ''));
    // Push services are HTTPS; plain HTTP only to a push service on this machine (tests, development).
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) errors.push(`${F}.endpoint must be an https URL`);
    else if (url.username || url.password) errors.push(`${F}.endpoint must not carry credentials`);
    endpoint = url.toString();
  } catch {
    errors.push(`${F}.endpoint must be an absolute https URL`);
  }
  if (endpoint.length > 2048) errors.push(`${F}.endpoint must be at most 2048 characters`);
  if (address !== undefined && address !== endpoint) errors.push('contact_method.address, when given, must equal contact_method.subscription.endpoint');
  const exp = o.expirationTime ?? null;
  if (exp !== null && (typeof exp !== 'number' || !Number.isFinite(exp))) errors.push(`${F}.expirationTime must be null or a time in milliseconds`);
  const keys = o.keys;
  let p256dh: string | null = null;
  let auth: string | null = null;
  if (!keys || typeof keys !== 'object' || Array.isArray(keys)) errors.push(`${F}.keys must be an object with p256dh and auth`);
  else {
    const k = keys as Record<string, unknown>;
    for (const name of Object.keys(k)) if (name !== 'p256dh' && name !== 'auth') errors.push(`${F}.keys.${name} is not a subscription key`);
    p256dh = b64urlBytes(k.p256dh, `${F}.keys.p256dh`, 65, errors);
    auth = b64urlBytes(k.auth, `${F}.keys.auth`, 16, errors);
  }
  if (errors.length) throw invalid(...errors);
  return { endpoint, p256dh: p256dh!, auth: auth!, expirationTime: exp as number | null };
}

/** What to store for a new push method: the endpoint as address, the keys and the VAPID key as secret. */
export async function pushSubscriptionFor(db: Kysely<Database>, orgId: string, sub: unknown, address: string | undefined, now: number): Promise<{ address: string; secret: string }> {
  const s = parsePushSubscription(sub, address);
  if (s.expirationTime !== null && s.expirationTime <= now) throw invalid('contact_method.subscription.expirationTime is in the past: the subscription has expired');
  const vapid = await currentVapidKey(db, orgId, now);
  const stored: StoredPushKeys = { p256dh: s.p256dh, auth: s.auth, vapid: vapid.public_key, expirationTime: s.expirationTime };
  return { address: s.endpoint, secret: JSON.stringify(stored) };
}

/** The subscription's keys and its VAPID key pair, for the push channel; undefined when either is gone. */
export async function pushKeysFor(db: Kysely<Database>, cm: Pick<ContactMethodTable, 'org_id' | 'secret'>): Promise<Destination['push']> {
  if (!cm.secret) return undefined;
  const stored = JSON.parse(cm.secret) as StoredPushKeys;
  const key = await vapidKeyFor(db, cm.org_id, stored.vapid);
  if (!key) return undefined;
  return { p256dh: stored.p256dh, auth: stored.auth, vapidPublicKey: key.public_key, vapidPrivateKey: key.private_key };
}
