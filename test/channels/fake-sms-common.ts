/**
 * What the local SMS carriers (fake-vonage, fake-plivo, fake-sms-gateway) share: a script
 * of forced answers for the next requests (a status with the carrier's error body, or
 * `hang`: accept the request and never answer, as a carrier that times out), and the
 * record of texts accepted.
 */
import type http from 'node:http';

export type Forced = 'hang' | { status: number; body?: unknown; headers?: Record<string, string> };

export interface SmsAccepted {
  to: string;
  from?: string;
  text: string;
  /** The client reference / message id the sender gave, if any. */
  ref?: string;
  carrierId: string;
}

export interface FakeCarrierControls {
  texts: SmsAccepted[];
  /** The next requests answer these (in order) after authentication. */
  force(...answers: Forced[]): void;
}

export function forcedAnswer(queue: Forced[], res: http.ServerResponse, errorBody: (status: number) => unknown): boolean {
  const f = queue.shift();
  if (!f) return false;
  if (f === 'hang') return true;
  res.writeHead(f.status, { 'content-type': 'application/json', ...(f.headers ?? {}) });
  res.end(JSON.stringify(f.body ?? errorBody(f.status)));
  return true;
}

export function json(res: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(JSON.stringify(body));
}

export function parseBody(buf: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(buf.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const basicOf = (header: string | undefined): [string, string] | null => {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return null;
  const plain = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = plain.indexOf(':');
  return i < 0 ? null : [plain.slice(0, i), plain.slice(i + 1)];
};

/** A delivery receipt as the carrier would send it to the status URL, signed the carrier's way. */
export interface SignedCallback {
  url: string;
  headers: Record<string, string>;
  body: string;
}
