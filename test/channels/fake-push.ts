/**
 * A local Web Push service (RFC 8030) that checks what a real one checks, with code of its
 * own rather than the sender's library:
 *  - `TTL` present, `Content-Encoding: aes128gcm`, `Urgency` one of RFC 8030's values;
 *  - `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292): an ES256 JWT verified with
 *    node:crypto against `k`, `aud` = this service's origin, `exp` in the future and at most
 *    24 h ahead, `sub` a mailto: or https: URL; `k` must be the key the subscription was
 *    made with (403 otherwise);
 *  - the body decrypted per RFC 8291 (ECDH + HKDF + AES-128-GCM with node:crypto) with the
 *    subscriber keys the test created, so the payload is what a browser would read.
 * Subscriptions answer 201, or 410 once the test marks them gone.
 */
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startServer, type TestServer } from './helpers.js';

export interface TestSubscription {
  id: string;
  ecdh: ECDH;
  auth: Buffer;
  /** The VAPID public key (base64url) the browser subscribed with. */
  applicationServerKey: string;
  /** What a browser's PushSubscription.toJSON() answers. */
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

export interface DeliveredPush {
  subscription: string;
  /** When the request arrived (epoch ms, fractional). */
  receivedAt: number;
  ttl: number;
  urgency: string | undefined;
  topic: string | undefined;
  claims: { aud: string; exp: number; sub: string };
  vapidKey: string;
  payload: any;
}

export interface FakePushService extends TestServer {
  delivered: DeliveredPush[];
  rejected: { status: number; why: string }[];
  subscribe(applicationServerKey: string): TestSubscription;
  gone(id: string): void;
}

const b64u = (b: Buffer) => b.toString('base64url');

/** Verifies an ES256 JWT with a raw uncompressed P-256 public key. */
function verifyJwt(jwt: string, rawKey: Buffer): any | string {
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'JWT must have three parts';
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString());
  if (header.alg !== 'ES256' || header.typ !== 'JWT') return `JWT header ${JSON.stringify(header)}`;
  if (rawKey.length !== 65 || rawKey[0] !== 4) return 'k is not an uncompressed P-256 point';
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(rawKey.subarray(1, 33)), y: b64u(rawKey.subarray(33, 65)) }, format: 'jwk' });
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2]!, 'base64url'));
  if (!ok) return 'JWT signature does not verify with k';
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString());
}

/** RFC 8291 §3.4 + RFC 8188: one aes128gcm record, decrypted with the subscriber's keys. */
export function decryptAes128gcm(body: Buffer, ua: ECDH, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  if (rs < 18 || record.length > rs) throw new Error('record size');
  const ecdhSecret = ua.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ua.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('last record must end with delimiter 0x02');
  return padded.subarray(0, end);
}

export async function startFakePushService(): Promise<FakePushService> {
  const subs = new Map<string, TestSubscription>();
  const gone = new Set<string>();
  const delivered: DeliveredPush[] = [];
  const rejected: { status: number; why: string }[] = [];
  let origin = '';
  const server = await startServer((req, res) => {
    const fail = (status: number, why: string) => {
      rejected.push({ status, why });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: status, errno: 0, error: why, message: why }));
    };
    const m = /^\/push\/([\w-]+)$/.exec(req.url);
    if (req.method !== 'POST' || !m) return fail(404, 'no such endpoint');
    const sub = subs.get(m[1]!);
    if (!sub) return fail(404, 'unknown subscription');
    if (gone.has(sub.id)) return fail(410, 'subscription gone');
    const ttl = req.headers.ttl;
    if (typeof ttl !== 'string' || !/^\d+$/.test(ttl)) return fail(400, 'TTL header required');
    const urgency = req.headers.urgency as string | undefined;
    if (urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(urgency)) return fail(400, 'bad Urgency');
    if (req.headers['content-encoding'] !== 'aes128gcm') return fail(400, 'Content-Encoding must be aes128gcm');
    const auth = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(String(req.headers.authorization ?? ''));
    if (!auth) return fail(401, 'Authorization must be vapid t=..., k=...');
    const claims = verifyJwt(auth[1]!, Buffer.from(auth[2]!, 'base64url'));
    if (typeof claims === 'string') return fail(401, claims);
    const now = Math.floor(Date.now() / 1000);
    if (claims.aud !== origin) return fail(403, `aud ${claims.aud} is not ${origin}`);
    if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 24 * 3600) return fail(403, 'exp must be in the next 24 hours');
    if (!/^(mailto:|https:)/.test(String(claims.sub))) return fail(403, 'sub must be mailto: or https:');
    if (auth[2] !== sub.applicationServerKey) return fail(403, 'k is not the key this subscription was made with');
    if (req.body.length > 4096) return fail(413, 'payload too large');
    let payload: unknown;
    try {
      payload = JSON.parse(decryptAes128gcm(req.body, sub.ecdh, sub.auth).toString('utf8'));
    } catch (e) {
      return fail(400, `cannot decrypt: ${(e as Error).message}`);
    }
    delivered.push({ subscription: sub.id, receivedAt: performance.timeOrigin + performance.now(), ttl: Number(ttl), urgency, topic: req.headers.topic as string | undefined, claims, vapidKey: auth[2]!, payload });
    res.writeHead(201, { location: `${origin}/message/${randomBytes(6).toString('hex')}`, ttl });
    res.end();
  });
  origin = server.url;
  return Object.assign(server, {
    delivered,
    rejected,
    subscribe(applicationServerKey: string): TestSubscription {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const sub: TestSubscription = { id, ecdh, auth, applicationServerKey, json: { endpoint: `${origin}/push/${id}`, expirationTime: null, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } } };
      subs.set(id, sub);
      return sub;
    },
    gone: (id: string) => void gone.add(id),
  });
}
