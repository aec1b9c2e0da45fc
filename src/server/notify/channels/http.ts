/**
 * One HTTP POST and its classified outcome, shared by the channels that speak HTTP
 * (webhook, Slack, Twilio). The rules follow what PagerDuty promises its webhook
 * subscribers (BRIEF.md §4 "Delivery behaviour"): 2xx is delivered; 408, 429, 5xx,
 * timeouts, refused/reset/closed connections, DNS failures and expired certificates
 * are worth retrying; any other 4xx, a redirect, or another TLS failure is not.
 *
 * Never throws for a delivery problem: every failure comes back as a DeliveryResult.
 *
 * Every request passes the outbound policy (lib/outbound-policy.ts): the host is resolved
 * once, checked, and the connection made to exactly that address (a pinned `lookup` on
 * node:http), so DNS rebinding cannot reach an address the policy refused. Redirects
 * are never followed.
 */
import http from 'node:http';
import https from 'node:https';
import { BLOCKED_MESSAGE, OutboundPolicy, pinnedLookup } from '../../lib/outbound-policy.js';
import { permanent, retryable, type DeliveryResult } from '../channel.js';

export type FetchLike = typeof fetch;

/** The reason code of a target the outbound policy refused (detail: BLOCKED_MESSAGE). */
export const OUTBOUND_BLOCKED = 'outbound_blocked';

export const blockedResult = (): DeliveryResult => withDetail(permanent(OUTBOUND_BLOCKED), BLOCKED_MESSAGE);

const STRICT = new OutboundPolicy();

export interface HttpOptions {
  /** Which addresses may be reached; the default refuses every non-public address. */
  policy?: OutboundPolicy;
  /**
   * Tests only: a stand-in for the network that simulates transport failures. No
   * connection is made, so the policy is not consulted.
   */
  fetch?: FetchLike;
  /** Whole request, connect to last body byte. */
  timeoutMs?: number;
  now?: () => number;
  /** How much of a reply is read (default 64 KiB: receivers' replies are read for an error code; a Matrix /sync batch is read whole). */
  maxReplyBytes?: number;
}

export interface HttpReply {
  status: number;
  headers: Headers;
  /** At most MAX_REPLY_BYTES of the reply, decoded as UTF-8. */
  body: string;
}

export type HttpAttempt = { reply: HttpReply } | { failure: DeliveryResult };

/** Receivers' replies are only read for an error code; a larger body is not worth waiting for. */
const MAX_REPLY_BYTES = 64 * 1024;

export const DEFAULT_HTTP_TIMEOUT_MS = 5_000;

export function withDetail(result: DeliveryResult, detail: string | undefined): DeliveryResult {
  if (result.kind === 'sent' || !detail) return result;
  return { ...result, detail: detail.length > 300 ? detail.slice(0, 300) + '...' : detail };
}

/** The address as a URL if it is an absolute http(s) URL; anything else is the subscriber's mistake. */
export function parseHttpUrl(address: string): URL | DeliveryResult {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return withDetail(permanent('invalid_url'), 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return withDetail(permanent('invalid_url'), `scheme ${url.protocol} not allowed`);
  return url;
}

export async function postHttp(url: URL, headers: Headers, body: string | Uint8Array, opts: HttpOptions, signal?: AbortSignal): Promise<HttpAttempt> {
  return sendHttp('POST', url, headers, body, opts, signal);
}

/** postHttp with another method: Matrix sends with an idempotent `PUT` (its transaction id is in the path) and reads replies with `GET /sync` (no body). */
export async function sendHttp(method: 'POST' | 'PUT' | 'GET', url: URL, headers: Headers, body: string | Uint8Array, opts: HttpOptions, signal?: AbortSignal): Promise<HttpAttempt> {
  if (signal?.aborted) return { failure: retryable('aborted') };
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const cap = opts.maxReplyBytes ?? MAX_REPLY_BYTES;
    if (opts.fetch) return { reply: await viaFetch(opts.fetch, method, url, headers, body, combined, cap) };
    const target = await (opts.policy ?? STRICT).resolve(url.hostname);
    if (!target.ok) {
      if (target.blocked) return { failure: blockedResult() };
      throw target.error;
    }
    return { reply: await viaNodeHttp(method, url, headers, body, combined, target.address, target.family, cap) };
  } catch (err) {
    if (timeout.aborted && !signal?.aborted) return { failure: retryable('timeout') };
    return { failure: classifyFetchError(err) };
  }
}

async function viaFetch(doFetch: FetchLike, method: 'POST' | 'PUT' | 'GET', url: URL, headers: Headers, body: string | Uint8Array, signal: AbortSignal, cap: number): Promise<HttpReply> {
  const res = await doFetch(url, { method, headers, ...(method === 'GET' ? {} : { body }), signal, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: await readCapped(res, cap) };
}

/**
 * One POST to `address` (already checked) for `url`'s host: TLS still verifies the
 * certificate against the host name. A redirect is answered as it is, never followed:
 * it would re-send a signed body (and custom auth headers) to a host the subscriber
 * never named, and could point anywhere.
 */
function viaNodeHttp(method: 'POST' | 'PUT' | 'GET', url: URL, headers: Headers, body: string | Uint8Array, signal: AbortSignal, address: string, family: 4 | 6, cap: number): Promise<HttpReply> {
  // Web Push sends its encrypted payload as bytes; everything else is JSON or form text.
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const head: Record<string, string> = {};
  headers.forEach((value, name) => {
    head[name] = value;
  });
  if (method !== 'GET') head['content-length'] = String(payload.byteLength);
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise<HttpReply>((resolve, reject) => {
    const req = mod.request(
      url,
      { method, headers: head, signal, lookup: pinnedLookup(address, family) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const replyHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue;
            for (const one of Array.isArray(v) ? v : [v]) replyHeaders.append(k, one);
          }
          resolve({ status: res.statusCode ?? 0, headers: replyHeaders, body: Buffer.concat(chunks).subarray(0, cap).toString('utf8') });
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.byteLength;
          // Receivers' replies are only read for an error code: stop early, free the socket.
          if (size >= cap) {
            res.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : payload);
  });
}

async function readCapped(res: Response, cap: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < cap) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Frees the connection when we stopped early; harmless when the body is done.
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}

/**
 * The generic classification of an HTTP status. Channels may look at the body first
 * for a more precise reason (Twilio's error code), but not overrule the kind except
 * where the provider documents it.
 */
export function classifyStatus(reply: HttpReply, nowMs: number): DeliveryResult {
  const { status } = reply;
  if (status >= 200 && status < 300) return { kind: 'sent' };
  const reason = `http_${status}`;
  if (status === 429 || status === 503) {
    const after = parseRetryAfter(reply.headers.get('retry-after'), nowMs);
    return retryable(reason, after);
  }
  if (status === 408 || status >= 500) return retryable(reason);
  return permanent(reason);
}

/**
 * Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Unparseable
 * values are ignored rather than guessed at; a date in the past means "now".
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

const TLS_CODE = /CERT|TLS|SSL|UNABLE_TO_(GET|VERIFY)|SELF_SIGNED|HOSTNAME/;

/** What fetch's rejection means. Unknown failures are retryable: a page must not be dropped on a guess. */
export function classifyFetchError(err: unknown): DeliveryResult {
  const e = err as { name?: string; message?: string; cause?: unknown } | undefined;
  if (e?.name === 'TimeoutError') return retryable('timeout');
  if (e?.name === 'AbortError') return retryable('aborted');
  const code = errorCode(e?.cause) ?? errorCode(e);
  const detail = describe(e);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NODATA':
    case 'EAI_NONAME':
      return withDetail(retryable('dns'), detail);
    case 'ECONNREFUSED':
      return withDetail(retryable('connection_refused'), detail);
    case 'ECONNRESET':
    case 'EPIPE':
      return withDetail(retryable('connection_reset'), detail);
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return withDetail(retryable('connection_closed'), detail);
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return withDetail(retryable('timeout'), detail);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return withDetail(retryable('unreachable'), detail);
    // PagerDuty retries an expired certificate (it may be renewed) but drops every
    // other TLS failure (a wrong or self-signed certificate will not fix itself).
    case 'CERT_HAS_EXPIRED':
      return withDetail(retryable('tls_expired'), detail);
  }
  if (code && TLS_CODE.test(code)) return withDetail(permanent('tls'), detail);
  return withDetail(retryable('network'), detail);
}

function errorCode(x: unknown): string | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const o = x as { code?: unknown; errors?: unknown };
  if (typeof o.code === 'string') return o.code;
  // Happy-eyeballs connects fail with an AggregateError of one error per address.
  if (Array.isArray(o.errors)) return errorCode(o.errors[0]);
  return undefined;
}

function describe(e: { message?: string; cause?: unknown } | undefined): string | undefined {
  const cause = e?.cause as { message?: string } | undefined;
  return cause?.message || e?.message || undefined;
}
