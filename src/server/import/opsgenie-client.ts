/**
 * A small reader of Opsgenie's public REST API (shared/reference/opsgenie/BRIEF.md §4.1):
 * `Authorization: GenieKey <key>`, offset/limit pages followed through `paging.next`, and
 * 429 answered by waiting Retry-After (bounded), through the importers' one reader
 * (source-reader.ts: the outbound address policy, pinned connections, errors naming the path).
 */
import { onConfiguredHost, SourceError, SourceReader, sourceBase, type SourceClientOptions } from './source-reader.js';

export { retryAfterMs, SourceError, type SourceClientOptions } from './source-reader.js';

const PAGE = 100;
const MAX_PAGES = 1000;

export class OpsgenieClient {
  private readonly base: string;
  private readonly reader: SourceReader;

  constructor(private readonly opts: SourceClientOptions) {
    this.base = sourceBase(opts.apiUrl);
    this.reader = new SourceReader(opts, { authorization: `GenieKey ${opts.token}`, accept: 'application/json' }, (b: { message?: string }) => b?.message);
  }

  /** Requests made and 429s waited out (reported after an import). */
  get stats(): { requests: number; rateLimited: number } {
    return this.reader.stats;
  }

  /** GET one resource; answers the parsed body. */
  async get(path: string, query: Record<string, string | number> = {}): Promise<any> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return this.reader.getJson(url);
  }

  /** Every item of a paged list: `limit`/`offset`, then each `paging.next` until it is absent. */
  async list(path: string, query: Record<string, string | number> = {}): Promise<any[]> {
    const out: any[] = [];
    let url: URL | null = new URL(this.base + path);
    for (const [k, v] of Object.entries({ limit: this.opts.pageSize ?? PAGE, offset: 0, ...query })) url.searchParams.set(k, String(v));
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const body = await this.reader.getJson(url);
      const data: unknown = body?.data;
      if (!Array.isArray(data)) throw new SourceError(`GET ${url.pathname}: the answer has no data list`, 200);
      out.push(...data);
      const next: unknown = body?.paging?.next;
      url = typeof next === 'string' && next && data.length ? onConfiguredHost(this.base, next, /^.*?(\/v\d+\/)/) : null;
    }
    return out;
  }
}
