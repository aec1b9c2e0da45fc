/**
 * A small reader of PagerDuty's REST API v2 (shared/reference/opsgenie/BRIEF.md §4.2):
 * `Authorization: Token token=<key>`, `Accept: application/vnd.pagerduty+json;version=2`,
 * classic pagination (`limit`/`offset` until `more` is false; PagerDuty refuses
 * offset+limit over 10 000), `include[]` repeated, and 429 answered by waiting Retry-After
 * or `ratelimit-reset` (bounded), through the importers' one reader (source-reader.ts: the
 * outbound address policy, pinned connections, redirects not followed, errors naming the
 * path, the status and PagerDuty's `error.message`).
 */
import { SourceError, SourceReader, sourceBase, type SourceClientOptions } from './source-reader.js';

export const PD_ACCEPT = 'application/vnd.pagerduty+json;version=2';
const PAGE = 100;
const MAX_OFFSET = 10_000;

export type PagerDutyClientOptions = SourceClientOptions;

export type PdQuery = Record<string, string | number | boolean | (string | number)[]>;

export class PagerDutyClient {
  private readonly base: string;
  private readonly reader: SourceReader;

  constructor(private readonly opts: PagerDutyClientOptions) {
    this.base = sourceBase(opts.apiUrl);
    this.reader = new SourceReader(opts, { authorization: `Token token=${opts.token}`, accept: PD_ACCEPT }, (b: { error?: { message?: string; errors?: string[] } }) =>
      b?.error?.message ? [b.error.message, ...(b.error.errors ?? [])].join(': ') : undefined,
    );
  }

  /** Requests made and 429s waited out (reported after an import). */
  get stats(): { requests: number; rateLimited: number } {
    return this.reader.stats;
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
    return this.reader.getJson(this.url(path, query));
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
