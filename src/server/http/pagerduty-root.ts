/**
 * PagerDuty's REST API at the root, as PagerDuty clients expect after a host change:
 * `GET /incidents` is `GET /api/v1/incidents` when the request carries PagerDuty's
 * `Accept: application/vnd.pagerduty+json;version=2` header (every PagerDuty client sends it;
 * browsers never do), or arrives on the configured API host. Only paths whose first segment
 * is a REST resource Vigil serves under /api/v1 are rewritten, so the web app's pages, the
 * ingest endpoints (`/v2/enqueue`, `/v2/alerts`), `/healthz` and `/metrics` are never shadowed.
 * The rewrite happens before routing: authentication and permissions see `/api/v1/…`.
 */
import type { IncomingMessage } from 'node:http';

const PD_ACCEPT = /application\/vnd\.pagerduty\+json/i;

export interface RootRewrite {
  /** Fastify's rewriteUrl. */
  rewrite(req: IncomingMessage): string;
  /** Called for each registered route: learns the /api/v1 resources. */
  learn(url: string): void;
}

export function pagerDutyRoot(apiHost: string | null | undefined): RootRewrite {
  const resources = new Set<string>();
  return {
    learn(url) {
      const m = /^\/api\/v1\/([a-z_]+)(?:\/|$)/.exec(url);
      if (m && m[1] !== 'openapi') resources.add(m[1]!);
    },
    rewrite(req) {
      const url = req.url ?? '/';
      if (url.startsWith('/api/')) return url;
      const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
      const wanted = PD_ACCEPT.test(String(req.headers.accept ?? '')) || (apiHost ? host === apiHost : false);
      if (!wanted) return url;
      const first = /^\/([a-z_]+)(?:[/?]|$)/.exec(url)?.[1];
      return first && resources.has(first) ? `/api/v1${url}` : url;
    },
  };
}
