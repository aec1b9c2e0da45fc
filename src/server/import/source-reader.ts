/**
 * How every importer reads its source's REST API (PagerDuty, Opsgenie, Grafana OnCall):
 * one GET through the same path as every other request Vigil makes
 * (notify/channels/http.ts `sendHttp`: the host resolved and checked against the outbound
 * address policy, the connection pinned to the address checked, redirects answered, never
 * followed), 429 waited out through Retry-After (bounded), any other failure a SourceError
 * naming the path and status with the source's own message. What was written before a
 * failure stays mapped, so running the import again resumes.
 *
 * The three clients keep only what differs: the authorization header, the source's error
 * body and its way of paging.
 */
import { sendHttp } from '../notify/channels/http.js';
import { BLOCKED_MESSAGE, type OutboundPolicy } from '../lib/outbound-policy.js';
import { OUTBOUND_BLOCKED } from '../notify/channels/http.js';

export interface SourceClientOptions {
  apiUrl: string;
  token: string;
  /** Which addresses may be reached; the default refuses every non-public address (VIGIL_OUTBOUND_ALLOW opens an internal source). */
  policy?: OutboundPolicy;
  /** Waits between retries; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>;
  /** How many 429s in a row one request may meet before the import gives up. */
  maxRetries?: number;
  /** Longest single wait honoured from Retry-After. */
  maxWaitMs?: number;
  log?: (line: string) => void;
  /** `limit` asked per page. */
  pageSize?: number;
}

export class SourceError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** How a source says what went wrong, read from a JSON error body (undefined: keep the text). */
export type ErrorMessageOf = (body: any) => string | undefined;

const TIMEOUT_MS = 30_000;
/** A page of users or schedules is tens of KiB; an answer over this is refused, not cut. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** `--api-url` as a URL without its trailing slashes, or a SourceError naming the flag. */
export function sourceBase(apiUrl: string): string {
  let u: URL;
  try {
    u = new URL(apiUrl);
  } catch {
    throw new SourceError(`--api-url must be an http(s) URL, got ${apiUrl}`, null);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new SourceError(`--api-url must be an http(s) URL, got ${apiUrl}`, null);
  return u.toString().replace(/\/+$/, '');
}

export class SourceReader {
  private readonly sleep: (ms: number) => Promise<void>;
  /** Requests made and 429s waited out (reported after an import). */
  readonly stats = { requests: 0, rateLimited: 0 };

  constructor(
    private readonly opts: SourceClientOptions,
    private readonly headers: Record<string, string>,
    private readonly errorMessageOf: ErrorMessageOf,
  ) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** GET `url`; answers the parsed JSON body. */
  async getJson(url: URL): Promise<any> {
    const maxRetries = this.opts.maxRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      const at = `GET ${url.pathname}`;
      const sent = await sendHttp('GET', url, new Headers({ ...this.headers, 'user-agent': 'vigil-import' }), '', { policy: this.opts.policy, timeoutMs: TIMEOUT_MS, maxReplyBytes: MAX_ANSWER_BYTES + 1 });
      if ('failure' in sent) {
        const f = sent.failure;
        if (f.kind !== 'sent' && f.reason === OUTBOUND_BLOCKED) throw new SourceError(`${at}: ${url.hostname} is ${BLOCKED_MESSAGE} (allow it with VIGIL_OUTBOUND_ALLOW)`, null);
        throw new SourceError(`${at}: ${f.kind === 'sent' ? 'failed' : (f.detail ?? f.reason)}`, null);
      }
      const { status, headers, body } = sent.reply;
      if (status === 429 && attempt < maxRetries) {
        this.stats.rateLimited++;
        const wait = retryAfterMs(headers.get('retry-after') ?? headers.get('ratelimit-reset'), attempt);
        this.opts.log?.(`rate limited on ${at}; waiting ${Math.ceil(wait / 1000)} s`);
        await this.sleep(Math.min(wait, this.opts.maxWaitMs ?? 60_000));
        continue;
      }
      if (status < 200 || status > 299) {
        let message = body.slice(0, 200);
        try {
          message = this.errorMessageOf(JSON.parse(body)) ?? message;
        } catch {
          // not JSON: keep the text
        }
        throw new SourceError(`${at} answered ${status}: ${message}`, status);
      }
      if (Buffer.byteLength(body) > MAX_ANSWER_BYTES) throw new SourceError(`${at} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB in one page`, status);
      try {
        return JSON.parse(body);
      } catch {
        throw new SourceError(`${at} answered ${status} with a body that is not JSON`, status);
      }
    }
  }
}

/**
 * The next page's URL asked of the configured host: sources name their public host in
 * `next` links, and the import must keep talking to the one it was pointed at (and checked).
 * `prefix` finds where the API path starts in the link (e.g. `/api/v1/`).
 */
export function onConfiguredHost(base: string, next: string, prefix: RegExp): URL {
  const n = new URL(next, base);
  const u = new URL(base + n.pathname.replace(prefix, '$1'));
  n.searchParams.forEach((v, k) => u.searchParams.set(k, v));
  return u;
}

/** Retry-After in seconds or as an HTTP date; without one, a growing pause. */
export function retryAfterMs(header: string | null, attempt: number): number {
  if (header) {
    const s = Number(header);
    if (Number.isFinite(s) && s >= 0) return s * 1000;
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  }
  return 1000 * 2 ** attempt;
}
