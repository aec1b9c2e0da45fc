/**
 * A small reader of Grafana OnCall's public REST API (shared/reference/opsgenie/BRIEF.md §4.3):
 * `{API_URL}/api/v1/<resource>/` with `Authorization: <token>` (no scheme), pages of
 * `{count, next, previous, results, page_size, …}` followed through `next` until it is null,
 * and 429 answered by waiting Retry-After (bounded). Any other failure stops the import with
 * the path and status and OnCall's `{"detail": …}`; what was written before it stays mapped,
 * so running again resumes. Every request's host is checked against the outbound address policy.
 */
import { BLOCKED_MESSAGE, type OutboundPolicy } from '../lib/outbound-policy.js';
import { retryAfterMs, SourceError, type SourceClientOptions } from './opsgenie-client.js';

export interface GrafanaOnCallClientOptions extends SourceClientOptions {
  /** The outbound address policy: a refused host stops the import (VIGIL_OUTBOUND_ALLOW opens an internal OnCall). */
  outbound?: OutboundPolicy;
}

const MAX_PAGES = 1000;

export class GrafanaOnCallClient {
  /** The API root, e.g. `https://oncall.example.org` (without `/api/v1`). */
  private readonly base: string;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Requests made and 429s waited out (reported after an import). */
  readonly stats = { requests: 0, rateLimited: 0 };

  constructor(private readonly opts: GrafanaOnCallClientOptions) {
    let u: URL;
    try {
      u = new URL(opts.apiUrl);
    } catch {
      throw new SourceError(`--api-url must be an http(s) URL, got ${opts.apiUrl}`, null);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new SourceError(`--api-url must be an http(s) URL, got ${opts.apiUrl}`, null);
    // Accept the API URL as OnCall shows it, with or without the /api/v1 suffix.
    this.base = u.toString().replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The full URL of `/api/v1/<resource>/` with its query. */
  url(resource: string, query: Record<string, string | number> = {}): URL {
    const url = new URL(`${this.base}/api/v1/${resource.replace(/^\/+|\/+$/g, '')}/`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return url;
  }

  /** GET one resource; answers the parsed body. */
  async get(resource: string, query: Record<string, string | number> = {}): Promise<any> {
    return this.getUrl(this.url(resource, query));
  }

  private async getUrl(url: URL): Promise<any> {
    const maxRetries = this.opts.maxRetries ?? 5;
    if (this.opts.outbound && (await this.opts.outbound.refusesUrl(url.toString()))) throw new SourceError(`GET ${url.pathname}: ${url.hostname} is ${BLOCKED_MESSAGE} (allow it with VIGIL_OUTBOUND_ALLOW)`, null);
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      let res: Response;
      try {
        res = await fetch(url, { headers: { authorization: this.opts.token, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
      } catch (err) {
        throw new SourceError(`GET ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`, null);
      }
      const text = await res.text();
      if (res.status === 429 && attempt < maxRetries) {
        this.stats.rateLimited++;
        const wait = retryAfterMs(res.headers.get('retry-after'), attempt);
        this.opts.log?.(`rate limited on GET ${url.pathname}; waiting ${Math.ceil(wait / 1000)} s`);
        await this.sleep(Math.min(wait, this.opts.maxWaitMs ?? 60_000));
        continue;
      }
      if (!res.ok) {
        let message = text.slice(0, 200);
        try {
          message = (JSON.parse(text) as { detail?: string }).detail ?? message;
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

  /** Every item of a paged list: the first page, then each `next` until it is null. */
  async list(resource: string, query: Record<string, string | number> = {}): Promise<any[]> {
    const out: any[] = [];
    let url: URL | null = this.url(resource, { ...(this.opts.pageSize ? { perpage: this.opts.pageSize } : {}), ...query });
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const body = await this.getUrl(url);
      const results: unknown = body?.results;
      if (!Array.isArray(results)) throw new SourceError(`GET ${url.pathname}: the answer has no results list`, 200);
      out.push(...results);
      const next: unknown = body?.next;
      if (typeof next === 'string' && next && results.length) {
        // The next page is asked of the configured host (OnCall may name its public one).
        const n = new URL(next, this.base);
        const u: URL = new URL(this.base + n.pathname.replace(/^.*?(\/api\/v1\/)/, '$1'));
        n.searchParams.forEach((v, k) => u.searchParams.set(k, v));
        url = u;
      } else url = null;
    }
    return out;
  }
}
