/**
 * One HTTP POST and its classified outcome, shared by the channels that speak HTTP
 * (webhook, Slack, Twilio). The rules follow what PagerDuty promises its webhook
 * subscribers (BRIEF.md §4 "Delivery behaviour"): 2xx is delivered; 408, 429, 5xx,
 * timeouts, refused/reset/closed connections, DNS failures and expired certificates
 * are worth retrying; any other 4xx, a redirect, or another TLS failure is not.
 *
 * Never throws for a delivery problem: every failure comes back as a DeliveryResult.
 */
import { permanent, retryable, type DeliveryResult } from '../channel.js';

export type FetchLike = typeof fetch;

export interface HttpOptions {
  fetch?: FetchLike;
  /** Whole request, connect to last body byte. */
  timeoutMs?: number;
  now?: () => number;
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
  if (signal?.aborted) return { failure: retryable('aborted') };
  const doFetch = opts.fetch ?? fetch;
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers,
      body,
      signal: combined,
      // Following a redirect would re-send a signed body (and custom auth headers) to a
      // host the subscriber never named; a receiver that redirects is misconfigured.
      redirect: 'manual',
    });
    const text = await readCapped(res);
    return { reply: { status: res.status, headers: res.headers, body: text } };
  } catch (err) {
    if (timeout.aborted && !signal?.aborted) return { failure: retryable('timeout') };
    return { failure: classifyFetchError(err) };
  }
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_REPLY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Frees the connection when we stopped early; harmless when the body is done.
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_REPLY_BYTES).toString('utf8');
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
