/**
 * A local ntfy server implementing the documented JSON publish (docs.ntfy.sh/publish,
 * "Publish as JSON"): `POST /` with `topic` in the body. It checks what ntfy checks:
 * the topic name, the priority range, at most three actions with a label and URL, the
 * message size, and, for protected topics, the bearer token (anonymous: 403 40301; a
 * wrong token: 401 40101). Errors are ntfy's `{code, http, error, link}`.
 */
import { randomBytes } from 'node:crypto';
import { startServer, type TestServer } from './helpers.js';

export interface NtfyMessage {
  id: string;
  topic: string;
  title?: string;
  message: string;
  priority?: number;
  tags?: string[];
  click?: string;
  actions?: { action: string; label: string; url: string; method?: string; clear?: boolean; body?: string; headers?: Record<string, string> }[];
  authorization?: string;
}

export interface FakeNtfy extends TestServer {
  messages: NtfyMessage[];
  /** topic → the only token allowed to publish to it */
  protect(topic: string, token: string): void;
  /** The next publishes answer this status with an ntfy error body. */
  failNext(status: number, code: number, times?: number): void;
}

export async function startFakeNtfy(): Promise<FakeNtfy> {
  const messages: NtfyMessage[] = [];
  const tokens = new Map<string, string>();
  const failures: { status: number; code: number }[] = [];
  const err = (res: import('node:http').ServerResponse, http: number, code: number, error: string) => {
    res.writeHead(http, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code, http, error, link: 'https://ntfy.sh/docs/publish/' }) + '\n');
  };
  const server = await startServer((req, res) => {
    if ((req.method !== 'POST' && req.method !== 'PUT') || req.url !== '/') return err(res, 404, 40401, 'page not found');
    const forced = failures.shift();
    if (forced) return err(res, forced.status, forced.code, 'forced by the test');
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return err(res, 400, 40017, 'invalid request: request body must be message JSON');
    }
    const topic = m.topic;
    if (typeof topic !== 'string' || !/^[-_A-Za-z0-9]{1,64}$/.test(topic)) return err(res, 400, 40009, 'invalid request: topic invalid');
    if (m.priority !== undefined && (!Number.isInteger(m.priority) || (m.priority as number) < 1 || (m.priority as number) > 5)) return err(res, 400, 40007, 'invalid priority');
    const actions = m.actions;
    if (actions !== undefined) {
      if (!Array.isArray(actions) || actions.length > 3) return err(res, 400, 40018, 'invalid request: actions invalid');
      for (const a of actions as Record<string, unknown>[]) {
        if (!['view', 'http', 'broadcast'].includes(String(a.action)) || typeof a.label !== 'string' || !a.label) return err(res, 400, 40018, 'invalid request: actions invalid');
        if ((a.action === 'view' || a.action === 'http') && !/^https?:\/\//.test(String(a.url ?? ''))) return err(res, 400, 40018, 'invalid request: action url invalid');
      }
    }
    const text = typeof m.message === 'string' ? m.message : 'triggered';
    if (Buffer.byteLength(text) > 4096) return err(res, 413, 41301, 'message too large');
    const auth = req.headers.authorization;
    const want = tokens.get(topic);
    if (want !== undefined) {
      if (!auth) return err(res, 403, 40301, 'forbidden');
      if (auth !== `Bearer ${want}`) return err(res, 401, 40101, 'unauthorized');
    }
    const stored: NtfyMessage = { id: randomBytes(6).toString('base64url'), topic, message: text, ...(m as object), ...(auth ? { authorization: auth } : {}) } as NtfyMessage;
    messages.push(stored);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: stored.id, time: Math.floor(Date.now() / 1000), event: 'message', topic, message: text }) + '\n');
  });
  return Object.assign(server, {
    messages,
    protect: (topic: string, token: string) => void tokens.set(topic, token),
    failNext: (status: number, code: number, times = 1) => {
      for (let i = 0; i < times; i++) failures.push({ status, code });
    },
  });
}
