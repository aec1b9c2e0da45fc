/**
 * A small reader of Opsgenie's public REST API (shared/reference/opsgenie/BRIEF.md §4.1):
 * `Authorization: GenieKey <key>`, offset/limit pages followed through `paging.next`, and
 * 429 answered by waiting Retry-After (bounded). Any other failure stops the import with
 * the path and status; what was written before it stays mapped, so running again resumes.
 */

export interface SourceClientOptions {
  apiUrl: string;
  token: string;
  /** Waits between retries; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>;
  /** How many 429s in a row one request may meet before the import gives up. */
  maxRetries?: number;
  /** Longest single wait honoured from Retry-After. */
  maxWaitMs?: number;
  log?: (line: string) => void;
  /** `limit` asked per page (Opsgenie allows up to 500; Grafana's importer uses 100). */
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

const PAGE = 100;
const MAX_PAGES = 1000;

export class OpsgenieClient {
  private readonly base: string;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Requests made and 429s waited out (reported after an import). */
  readonly stats = { requests: 0, rateLimited: 0 };

  constructor(private readonly opts: SourceClientOptions) {
    const u = new URL(opts.apiUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new SourceError(`--api-url must be an http(s) URL, got ${opts.apiUrl}`, null);
    this.base = u.toString().replace(/\/+$/, '');
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** GET one resource; answers the parsed body. */
  async get(path: string, query: Record<string, string | number> = {}): Promise<any> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return this.getUrl(url);
  }

  private async getUrl(url: URL): Promise<any> {
    const maxRetries = this.opts.maxRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      this.stats.requests++;
      let res: Response;
      try {
        res = await fetch(url, { headers: { authorization: `GenieKey ${this.opts.token}`, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
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
          message = (JSON.parse(text) as { message?: string }).message ?? message;
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

  /** Every item of a paged list: `limit`/`offset`, then each `paging.next` until it is absent. */
  async list(path: string, query: Record<string, string | number> = {}): Promise<any[]> {
    const out: any[] = [];
    let url: URL | null = new URL(this.base + path);
    for (const [k, v] of Object.entries({ limit: this.opts.pageSize ?? PAGE, offset: 0, ...query })) url.searchParams.set(k, String(v));
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const body = await this.getUrl(url);
      const data: unknown = body?.data;
      if (!Array.isArray(data)) throw new SourceError(`GET ${url.pathname}: the answer has no data list`, 200);
      out.push(...data);
      const next: unknown = body?.paging?.next;
      // The next page is asked of the configured host (paging.next names the public one).
      if (typeof next === 'string' && next && data.length) {
        const n = new URL(next, this.base);
        const u: URL = new URL(this.base + n.pathname.replace(/^.*?(\/v\d+\/)/, '$1'));
        n.searchParams.forEach((v, k) => u.searchParams.set(k, v));
        url = u;
      } else url = null;
    }
    return out;
  }
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
