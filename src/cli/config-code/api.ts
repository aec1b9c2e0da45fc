/**
 * The REST calls `vigil export` and `vigil apply` make, through a transport: `fetch` against a
 * running Vigil (`--api-url`, `--token`) from the CLI, or any other HTTP path a caller supplies.
 * Each call goes through the same routes, role checks and validation as any API client.
 */
export type Json = Record<string, any>;

export interface Answer {
  status: number;
  body: Json | null;
}

export type Transport = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<Answer>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
    readonly body: Json | null,
  ) {
    const e = body?.error as { message?: string; errors?: string[] } | undefined;
    super(`${what}: HTTP ${status}${e?.message ? `: ${e.message}` : ''}${e?.errors?.length ? ` (${e.errors.join('; ')})` : ''}`);
  }
}

/** A transport over fetch, with the token as a bearer. */
export function fetchTransport(apiUrl: string, token: string): Transport {
  const base = apiUrl.replace(/\/+$/, '');
  return async (method, path, body) => {
    let r: Response;
    try {
      r = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      const cause = (e as { cause?: { message?: string } }).cause?.message;
      throw new Error(`cannot reach ${base}: ${cause ?? (e as Error).message}`);
    }
    const text = await r.text();
    let parsed: Json | null = null;
    try {
      parsed = text ? (JSON.parse(text) as Json) : null;
    } catch {
      parsed = null;
    }
    return { status: r.status, body: parsed };
  };
}

export class Api {
  constructor(private readonly send: Transport) {}

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Json> {
    const r = await this.send(method, path, body);
    if (r.status < 200 || r.status > 299) throw new ApiError(r.status, `${method} ${path}`, r.body);
    return r.body ?? {};
  }

  /** Every row of a PagerDuty-style list (limit/offset/more). */
  async list(path: string, key: string): Promise<Json[]> {
    const out: Json[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await this.call('GET', `${path}${path.includes('?') ? '&' : '?'}limit=100&offset=${offset}`);
      const rows = (page[key] ?? []) as Json[];
      out.push(...rows);
      if (!page.more || rows.length === 0) return out;
    }
  }
}
