/**
 * Replies to pages ("42a") that arrive at an organization's SMS provider and are sent on
 * to Vigil, per provider type: how the request is signed and where the sender and text
 * are. Every check runs on the raw body before anything is parsed, in constant time.
 *
 *   android_gateway  `sms:received` webhook: X-Signature = hex HMAC-SHA256(signing key,
 *                    raw body + X-Timestamp), X-Timestamp (Unix s) within 5 minutes.
 *   plivo            message_url and status callbacks (form): X-Plivo-Signature-V3 = base64
 *                    HMAC-SHA256(auth token, URL + "?" + the sorted parameters as key+value
 *                    + "." + X-Plivo-Signature-V3-Nonce), several signatures comma-separated
 *                    (plivo-node `validateV3Signature`, POST); without V3 headers,
 *                    X-Plivo-Signature-V2 = base64 HMAC-SHA256(auth token, URL without
 *                    query + X-Plivo-Signature-V2-Nonce), which does not cover the body.
 *   vonage           inbound message webhook (JSON): Authorization: Bearer JWT, HS256 with
 *                    the account's signature secret, `iat` within 5 minutes and
 *                    `payload_hash` = hex SHA-256 of the body.
 *
 * The same webhook carries delivery receipts (`readReceipt`): Vonage's message status
 * (`delivered`; `rejected`, `undeliverable`), Plivo's status callback (`delivered`;
 * `failed`, `undelivered`) and the gateway's `sms:delivered` / `sms:failed` events.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SmsProviderType } from '../storage/schema.js';

const MAX_SKEW_S = 300;

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
};

export interface InboundRequest {
  raw: string;
  headers: Record<string, string | undefined>;
  /** The URL the provider called, as configured (VIGIL_PUBLIC_URL + path), without the query. */
  url: string;
  nowMs: number;
}

export function gatewaySignature(key: string, raw: string, timestamp: string): string {
  return createHmac('sha256', key).update(raw + timestamp, 'utf8').digest('hex');
}

export function plivoSignatureV2(authToken: string, url: string, nonce: string): string {
  return createHmac('sha256', authToken).update(url + nonce, 'utf8').digest('base64');
}

/** Plivo's V3 signature of a POST: the URL (no query), "?", the form's parameters sorted by name (then value) as name+value, ".", the nonce. */
export function plivoSignatureV3(authToken: string, url: string, params: URLSearchParams, nonce: string): string {
  const pairs = [...params.entries()].sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  const base = `${url}${pairs.length ? '?' : ''}${pairs.map(([k, v]) => k + v).join('')}`;
  return createHmac('sha256', authToken).update(`${base}.${nonce}`, 'utf8').digest('base64');
}

function verifyPlivo(authToken: string, h: Record<string, string | undefined>, req: InboundRequest): boolean {
  const v3 = h['x-plivo-signature-v3'];
  const v3nonce = h['x-plivo-signature-v3-nonce'];
  if (v3 !== undefined || v3nonce !== undefined) {
    if (!v3 || !v3nonce) return false;
    const expected = plivoSignatureV3(authToken, req.url, new URLSearchParams(req.raw), v3nonce);
    return v3.split(',').some((sig) => same(expected, sig.trim()));
  }
  const nonce = h['x-plivo-signature-v2-nonce'];
  if (!nonce) return false;
  return same(plivoSignatureV2(authToken, req.url, nonce), h['x-plivo-signature-v2'] ?? '');
}

function verifyVonageJwt(secret: string, authorization: string | undefined, raw: string, nowMs: number): boolean {
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(authorization ?? '');
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${m[2]}`).digest('base64url');
  if (!same(expected, m[3]!)) return false;
  try {
    const head = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as { alg?: string };
    const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString('utf8')) as { iat?: number; payload_hash?: string };
    if (head.alg !== 'HS256' || typeof claims.iat !== 'number' || Math.abs(nowMs / 1000 - claims.iat) > MAX_SKEW_S) return false;
    return typeof claims.payload_hash === 'string' && same(claims.payload_hash, createHash('sha256').update(raw, 'utf8').digest('hex'));
  } catch {
    return false;
  }
}

/** Whether the request is the provider's, signed with `creds`; false when the type takes no inbound replies or its secret is not set. */
export function verifyInbound(type: SmsProviderType, creds: Record<string, string>, req: InboundRequest): boolean {
  const h = req.headers;
  if (type === 'android_gateway') {
    const ts = h['x-timestamp'] ?? '';
    if (!creds.webhook_signing_key || !/^\d+$/.test(ts) || Math.abs(req.nowMs / 1000 - Number(ts)) > MAX_SKEW_S) return false;
    return same(gatewaySignature(creds.webhook_signing_key, req.raw, ts), h['x-signature'] ?? '');
  }
  if (type === 'plivo') return !!creds.auth_token && verifyPlivo(creds.auth_token, h, req);
  if (type === 'vonage') return !!creds.signature_secret && verifyVonageJwt(creds.signature_secret, h.authorization, req.raw, req.nowMs);
  return false;
}

const plus = (n: string): string => (n.startsWith('+') ? n : `+${n}`);

/** The sender (E.164) and text of an inbound SMS, or null for anything else the provider sends (status events, pings). */
export function readInbound(type: SmsProviderType, raw: string): { from: string; text: string } | null {
  try {
    if (type === 'plivo') {
      const f = new URLSearchParams(raw);
      const from = f.get('From');
      const text = f.get('Text');
      return from && text !== null ? { from: plus(from), text } : null;
    }
    const j = JSON.parse(raw) as Record<string, unknown>;
    if (type === 'android_gateway') {
      const p = j.payload as { phoneNumber?: unknown; message?: unknown } | undefined;
      return j.event === 'sms:received' && typeof p?.phoneNumber === 'string' && typeof p.message === 'string' ? { from: plus(p.phoneNumber), text: p.message } : null;
    }
    if (type === 'vonage') return typeof j.from === 'string' && typeof j.text === 'string' && (j.channel === undefined || j.channel === 'sms') ? { from: plus(j.from), text: j.text } : null;
  } catch {
    return null;
  }
  return null;
}

/** A carrier's final word on one message it took: delivered to the phone, or not. */
export interface SmsReceipt {
  /** The carrier's message id, as it answered when it took the message. */
  carrierId: string;
  outcome: 'delivered' | 'failed';
  /** The carrier's status, and its error where it gave one. */
  detail: string;
}

const VONAGE_FAILED = ['rejected', 'undeliverable'];
const PLIVO_FAILED = ['failed', 'undelivered', 'rejected'];

function vonageReceipt(j: Record<string, unknown>): SmsReceipt | null {
  const status = j.status;
  if (typeof j.message_uuid !== 'string' || typeof status !== 'string' || (j.channel !== undefined && j.channel !== 'sms')) return null;
  if (status !== 'delivered' && !VONAGE_FAILED.includes(status)) return null;
  const e = j.error as { title?: unknown; detail?: unknown; type?: unknown } | undefined;
  const why = e && typeof e === 'object' ? [e.title, e.detail].filter((x) => typeof x === 'string' && x).join(': ') : '';
  return { carrierId: j.message_uuid, outcome: status === 'delivered' ? 'delivered' : 'failed', detail: why ? `${status} (${why})` : status };
}

function gatewayReceipt(j: Record<string, unknown>): SmsReceipt | null {
  const p = j.payload as { messageId?: unknown; reason?: unknown } | undefined;
  if ((j.event !== 'sms:delivered' && j.event !== 'sms:failed') || typeof p?.messageId !== 'string') return null;
  if (j.event === 'sms:delivered') return { carrierId: p.messageId, outcome: 'delivered', detail: 'delivered' };
  return { carrierId: p.messageId, outcome: 'failed', detail: typeof p.reason === 'string' && p.reason ? `failed (${p.reason})` : 'failed' };
}

/** The delivery receipt a provider's webhook carries, or null for anything else (replies, progress such as `submitted` or `sent`, pings). */
export function readReceipt(type: SmsProviderType, raw: string): SmsReceipt | null {
  try {
    if (type === 'plivo') {
      const f = new URLSearchParams(raw);
      const id = f.get('MessageUUID');
      const status = f.get('Status');
      if (!id || !status || (status !== 'delivered' && !PLIVO_FAILED.includes(status))) return null;
      const code = f.get('ErrorCode');
      return { carrierId: id, outcome: status === 'delivered' ? 'delivered' : 'failed', detail: code ? `${status} (error ${code})` : status };
    }
    const j = JSON.parse(raw) as Record<string, unknown>;
    if (!j || typeof j !== 'object') return null;
    if (type === 'android_gateway') return gatewayReceipt(j);
    if (type === 'vonage') return vonageReceipt(j);
  } catch {
    return null;
  }
  return null;
}
