/**
 * A small reader of PagerDuty's REST API v2 (shared/reference/opsgenie/BRIEF.md §4.2):
 * `Authorization: Token token=<key>`, `Accept: application/vnd.pagerduty+json;version=2`,
 * classic pagination (`limit`/`offset` until `more` is false; PagerDuty refuses
 * offset+limit over 10 000), `include[]` repeated, and 429 answered by waiting Retry-After
 * or `ratelimit-reset` (bounded). Any other failure stops the import with the path, status and
 * PagerDuty's `error.message`; what was written before it stays mapped, so running again resumes.
 *
 * Requests obey the outbound address policy like every other request Vigil makes: the host is
 * resolved and checked first, the connection is pinned to the address checked, and redirects
 * are not followed (VIGIL_OUTBOUND_ALLOW opens an internal PagerDuty stand-in or proxy).
 */
import http from 'node:http';
import https from 'node:https';
import { BLOCKED_MESSAGE, OutboundPolicy, pinnedLookup } from '../lib/outbound-policy.js';
import { SourceError, retryAfterMs, type SourceClientOptions } from './opsgenie-client.js';

export const PD_ACCEPT = 'application/vnd.pagerduty+json;version=2';
const PAGE = 100;
const MAX_OFFSET = 10_000;

export interface PagerDutyClientOptions extends SourceClientOptions {
  /** Which addresses may be reached; the default refuses every non-public address. */
  policy?: OutboundPolicy;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const TIMEOUT_MS = 30_000;

export type PdQuery = Record<string, string | number | boolean | (string | number)[]>;

export class PagerDutyClient {
  private readonly base: string;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Requests made and 429s waited out (reported after an import). */
  readonly stats = { requests: 0, rateLimited: 0 };

  constructor(private readonly opts: PagerDutyClientOptions) {
    let u: URL;
    try {
      u = new URL(opts.apiUrl);
    } catch {
      throw new SourceError(`--api-url must be an http(s) URL, got ${opts.apiUrl}`, null);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new SourceError(`--api-url must be an http(s) URL, got ${opts.apiUrl}`, null);
    this.base = u.toString().replace(/\/+$/, '');
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private url(path: string, query: PdQuery): URL {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(query)) {
      if (Array.isArray(v)) for (const x of v) url.searchParams.append(k, String(x));
      else url.searchParams.set(k, String(v));
    }
    return url;
  }

  /** GET one resource; answers the parsed body. */
  async get(path: string, query: PdQuery = {}): Promise<any> {
    const url = this.url(path, query);
    const maxRetries = this.opts.maxRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      const res = await this.fetch(url);
      const text = res.text;
      if (res.status === 429 && attempt < maxRetries) {
        this.stats.rateLimited++;
        const header = (name: string) => (typeof res.headers[name] === 'string' ? (res.headers[name] as string) : null);
        const wait = retryAfterMs(header('retry-after') ?? header('ratelimit-reset'), attempt);
        this.opts.log?.(`rate limited on GET ${url.pathname}; waiting ${Math.ceil(wait / 1000)} s`);
        await this.sleep(Math.min(wait, this.opts.maxWaitMs ?? 60_000));
        continue;
      }
      if (res.status < 200 || res.status > 299) {
        let message = text.slice(0, 200);
        try {
          const e = (JSON.parse(text) as { error?: { message?: string; errors?: string[] } }).error;
          if (e?.message) message = [e.message, ...(e.errors ?? [])].join(': ');
        } catch {
          // not JSON: keep the text
        }
        throw new SourceError(`GET ${url.pathname} answered ${res.status}: ${message}`, res.status);
      }
      try {
        return JSON.parse(text);
      } catch {
        throw new SourceError(`GET ${url.pathname} answered ${res.status} with a body that is not JSON`, res.status);
      }
    }
  }

  /** One GET through the outbound policy: resolved, checked, pinned; a redirect is an answer, not followed. */
  private async fetch(url: URL): Promise<Reply> {
    const target = await (this.opts.policy ?? new OutboundPolicy()).resolve(url.hostname);
    if (!target.ok) throw new SourceError(`GET ${url.pathname}: ${target.blocked ? `${url.hostname} is ${BLOCKED_MESSAGE} (VIGIL_OUTBOUND_ALLOW)` : target.error.message}`, null);
    const mod = url.protocol === 'https:' ? https : http;
    const headers = { authorization: `Token token=${this.opts.token}`, accept: PD_ACCEPT, 'user-agent': 'vigil-import' };
    return new Promise<Reply>((resolve, reject) => {
      const req = mod.request(url, { method: 'GET', headers, lookup: pinnedLookup(target.address, target.family), signal: AbortSignal.timeout(TIMEOUT_MS) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(new SourceError(`GET ${url.pathname}: ${err.message}`, null)));
      });
      req.on('error', (err) => reject(new SourceError(`GET ${url.pathname}: ${err.message}`, null)));
      req.end();
    });
  }

  /** Every item of a classic paginated list (`key` names the wrapped array, e.g. `users`). */
  async list(path: string, key: string, query: PdQuery = {}): Promise<any[]> {
    const out: any[] = [];
    const limit = this.opts.pageSize ?? PAGE;
    for (let offset = 0; ; offset += limit) {
      if (offset + limit > MAX_OFFSET) throw new SourceError(`GET ${path}: more than ${MAX_OFFSET} items; PagerDuty's classic pagination stops there`, null);
      const body = await this.get(path, { ...query, limit, offset });
      const items: unknown = body?.[key];
      if (!Array.isArray(items)) throw new SourceError(`GET ${path}: the answer has no ${key} list`, 200);
      out.push(...items);
      if (body.more !== true || !items.length) return out;
    }
  }
}
