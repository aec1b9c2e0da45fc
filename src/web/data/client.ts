/**
 * The one way pages talk to the server: JSON over fetch, same origin, the session
 * cookie sent by the browser, the CSRF token added to every unsafe request, and
 * `X-Vigil-Client: web` so the timeline says an action came from the web UI.
 * Errors become ApiError with the server's own messages (they name the field).
 */
import type { ErrorBody } from './types';
import { msg } from '../i18n';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
const unauthenticatedListeners = new Set<() => void>();

/** The CSRF token for a request made without api() (a file download). */
export function csrfHeader(): string {
  return csrfToken;
}

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when the server says the session is gone (expired, signed out elsewhere). */
export function onUnauthenticated(fn: () => void): () => void {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
}

export type Query = Record<string, string | number | boolean | (string | number)[] | undefined | null>;

export function withQuery(path: string, q?: Query): string {
  if (!q) return path;
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) sp.append(k, String(x));
    else sp.append(k, String(v));
  }
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, opts: { quietAuth?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-vigil-client': 'web' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, [msg('data.client.the_server_cannot_be_reached_check')], 'network error');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    // Read defensively: a proxy in front of Vigil may answer an error of its own.
    const err = (json as Partial<ErrorBody> | null)?.error;
    if (res.status === 401 && !opts.quietAuth) for (const fn of unauthenticatedListeners) fn();
    throw new ApiError(res.status, err?.errors?.length ? err.errors : [err?.message ?? `HTTP ${res.status}`], err?.message ?? `HTTP ${res.status}`);
  }
  return json as T;
}

/** A feature another part of Vigil may not provide yet (404 on its route): null instead of an error. */
export async function optional<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}
