/**
 * A small reader of Grafana OnCall's public REST API (shared/reference/opsgenie/BRIEF.md §4.3):
 * `{API_URL}/api/v1/<resource>/` with `Authorization: <token>` (no scheme), pages of
 * `{count, next, previous, results, page_size, …}` followed through `next` until it is null,
 * and 429 answered by waiting Retry-After (bounded), through the importers' one reader
 * (source-reader.ts: the outbound address policy, pinned connections, errors naming the path,
 * the status and OnCall's `{"detail": …}`).
 */
import { onConfiguredHost, SourceError, SourceReader, sourceBase, type SourceClientOptions } from './source-reader.js';

export type GrafanaOnCallClientOptions = SourceClientOptions;

const MAX_PAGES = 1000;

export class GrafanaOnCallClient {
  /** The API root, e.g. `https://oncall.example.org` (without `/api/v1`). */
  private readonly base: string;
  private readonly reader: SourceReader;

  constructor(private readonly opts: GrafanaOnCallClientOptions) {
    // Accept the API URL as OnCall shows it, with or without the /api/v1 suffix.
    this.base = sourceBase(opts.apiUrl).replace(/\/api\/v1$/, '');
    this.reader = new SourceReader(opts, { authorization: opts.token, accept: 'application/json' }, (b: { detail?: string }) => b?.detail);
  }

  /** Requests made and 429s waited out (reported after an import). */
  get stats(): { requests: number; rateLimited: number } {
    return this.reader.stats;
  }

  /** The full URL of `/api/v1/<resource>/` with its query. */
  url(resource: string, query: Record<string, string | number> = {}): URL {
    const url = new URL(`${this.base}/api/v1/${resource.replace(/^\/+|\/+$/g, '')}/`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return url;
  }

  /** GET one resource; answers the parsed body. */
  async get(resource: string, query: Record<string, string | number> = {}): Promise<any> {
    return this.reader.getJson(this.url(resource, query));
  }

  /** Every item of a paged list: the first page, then each `next` until it is null. */
  async list(resource: string, query: Record<string, string | number> = {}): Promise<any[]> {
    const out: any[] = [];
    let url: URL | null = this.url(resource, { ...(this.opts.pageSize ? { perpage: this.opts.pageSize } : {}), ...query });
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const body = await this.reader.getJson(url);
      const results: unknown = body?.results;
      if (!Array.isArray(results)) throw new SourceError(`GET ${url.pathname}: the answer has no results list`, 200);
      out.push(...results);
      const next: unknown = body?.next;
      url = typeof next === 'string' && next && results.length ? onConfiguredHost(this.base, next, /^.*?(\/api\/v1\/)/) : null;
    }
    return out;
  }
}
