/**
 * A local Discord implementing "Execute Webhook" (discord.com/developers/docs/resources/webhook,
 * channels BRIEF §5): `POST /api/webhooks/{id}/{token}` (optionally `/api/v10/...`), no auth
 * header: the token in the path is the credential. It checks what Discord checks: a known
 * webhook id (else 404 `{code: 10015, message: "Unknown Webhook"}`), its token (else 401
 * `{code: 50027, message: "Invalid Webhook Token"}`), a JSON body with at least one of
 * `content` / `embeds`, and the documented limits (content 2000, ≤10 embeds, title 256,
 * description 4096, ≤25 fields with name 256 / value 1024, 6000 characters over all embeds),
 * else 400 `{code: 50035, message: "Invalid Form Body", errors}`. `?wait=true` answers 200
 * with the stored message; without it, 204. A forced 429 answers
 * `{message, retry_after, global}` with `Retry-After`.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startServer, type TestServer } from './helpers.js';

export interface DiscordEmbedIn {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  fields?: { name: string; value: string; inline?: boolean }[];
}

export interface DiscordPost {
  id: string;
  webhookId: string;
  content?: string;
  embeds: DiscordEmbedIn[];
  allowed_mentions?: { parse?: string[] };
  query: Record<string, string>;
}

export interface FakeDiscord extends TestServer {
  posts: DiscordPost[];
  /** A new webhook; answers its URL (`<base>/api/webhooks/<id>/<token>`). */
  addWebhook(): string;
  /** Deletes a webhook: later posts answer 404 10015. */
  deleteWebhook(url: string): void;
  /** The next posts answer 429 with this `retry_after` (seconds). */
  rateLimitNext(retryAfterSeconds: number, times?: number): void;
  /** The next post is refused as Discord refuses a body it will not take (400 50035, as for an embed over its limits). */
  refuseNext(): void;
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

export async function startFakeDiscord(): Promise<FakeDiscord> {
  const posts: DiscordPost[] = [];
  const hooks = new Map<string, string>();
  const limits: number[] = [];
  let refuse = false;
  let seq = 1_100_000_000_000_000_000n;
  const server = await startServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const m = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([^/]+)$/.exec(url.pathname);
    if (!m) return send(res, 404, { message: '404: Not Found', code: 0 });
    if (req.method !== 'POST') return send(res, 405, { message: '405: Method Not Allowed', code: 0 });
    const [, id, token] = m;
    const want = hooks.get(id!);
    if (want === undefined) return send(res, 404, { message: 'Unknown Webhook', code: 10015 });
    if (want !== token) return send(res, 401, { message: 'Invalid Webhook Token', code: 50027 });
    const limit = limits.shift();
    if (limit !== undefined) return send(res, 429, { message: 'You are being rate limited.', retry_after: limit, global: false }, { 'retry-after': String(Math.ceil(limit)), 'x-ratelimit-scope': 'shared' });
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 400, { message: 'Cannot send an empty message', code: 50006 });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return send(res, 400, { message: 'The request body contains invalid JSON.', code: 50109 });
    }
    const problems: string[] = [];
    if (refuse) {
      refuse = false;
      problems.push('embeds.0.fields.0.value: Must be between 1 and 1024 in length.');
    }
    const content = body.content;
    const embeds = (body.embeds ?? []) as DiscordEmbedIn[];
    if ((typeof content !== 'string' || content === '') && (!Array.isArray(embeds) || embeds.length === 0)) return send(res, 400, { message: 'Cannot send an empty message', code: 50006 });
    if (typeof content === 'string' && content.length > 2000) problems.push('content: Must be 2000 or fewer in length.');
    if (!Array.isArray(embeds) || embeds.length > 10) problems.push('embeds: Must be 10 or fewer in length.');
    let total = 0;
    for (const [i, e] of (Array.isArray(embeds) ? embeds : []).entries()) {
      if (e.title !== undefined && (typeof e.title !== 'string' || e.title.length > 256)) problems.push(`embeds.${i}.title: Must be 256 or fewer in length.`);
      if (e.description !== undefined && (typeof e.description !== 'string' || e.description.length > 4096)) problems.push(`embeds.${i}.description: Must be 4096 or fewer in length.`);
      if (e.url !== undefined && !/^https?:\/\//.test(String(e.url))) problems.push(`embeds.${i}.url: Not a well formed URL.`);
      if (e.color !== undefined && (!Number.isInteger(e.color) || e.color < 0 || e.color > 0xffffff)) problems.push(`embeds.${i}.color: Int value should be less than or equal to 16777215.`);
      const fields = e.fields ?? [];
      if (fields.length > 25) problems.push(`embeds.${i}.fields: Must be 25 or fewer in length.`);
      for (const [j, f] of fields.entries()) {
        if (typeof f.name !== 'string' || !f.name || f.name.length > 256) problems.push(`embeds.${i}.fields.${j}.name: Must be between 1 and 256 in length.`);
        if (typeof f.value !== 'string' || !f.value || f.value.length > 1024) problems.push(`embeds.${i}.fields.${j}.value: Must be between 1 and 1024 in length.`);
        total += (f.name?.length ?? 0) + (f.value?.length ?? 0);
      }
      total += (e.title?.length ?? 0) + (e.description?.length ?? 0);
    }
    if (total > 6000) problems.push('embeds: Embed size exceeds maximum size of 6000');
    if (problems.length) return send(res, 400, { message: 'Invalid Form Body', code: 50035, errors: problems });
    const post: DiscordPost = { id: String(seq++), webhookId: id!, ...(typeof content === 'string' ? { content } : {}), embeds, ...(body.allowed_mentions ? { allowed_mentions: body.allowed_mentions as DiscordPost['allowed_mentions'] } : {}), query: Object.fromEntries(url.searchParams) };
    posts.push(post);
    if (url.searchParams.get('wait') !== 'true') {
      res.writeHead(204);
      return res.end();
    }
    send(res, 200, { id: post.id, type: 0, content: post.content ?? '', channel_id: '1000', webhook_id: id, embeds, timestamp: new Date().toISOString() });
  });
  return Object.assign(server, {
    posts,
    addWebhook: () => {
      const id = String(1_200_000_000_000_000_000n + BigInt(hooks.size));
      const token = randomBytes(51).toString('base64url');
      hooks.set(id, token);
      return `${server.url}/api/webhooks/${id}/${token}`;
    },
    deleteWebhook: (hookUrl: string) => {
      const id = /webhooks\/(\d+)\//.exec(hookUrl)?.[1];
      if (id) hooks.delete(id);
    },
    refuseNext: () => {
      refuse = true;
    },
    rateLimitNext: (retryAfterSeconds: number, times = 1) => {
      for (let i = 0; i < times; i++) limits.push(retryAfterSeconds);
    },
  });
}
