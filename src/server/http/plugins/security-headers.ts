/**
 * Security headers on every answer (issue 14 item 7):
 * - `X-Content-Type-Options: nosniff` everywhere: a JSON error or a calendar feed is
 *   never run as a script or style.
 * - `frame-ancestors 'none'` (and `X-Frame-Options: DENY` for older browsers) everywhere:
 *   no page of Vigil may be framed, so the acknowledge/resolve buttons and the web app
 *   cannot be click-jacked.
 * - `Strict-Transport-Security` when the public URL is https (then the server is only
 *   reached through TLS, and a browser should never try plain HTTP again).
 * - The one-click action pages (`/a/<token>`) carry a strict CSP: no scripts at all,
 *   only their own inline style, forms posting back to themselves.
 * The web app gets `frame-ancestors`, `object-src` and `base-uri` limits only: a script
 * and style policy for the built app would need to follow the bundler's output.
 */
import type { FastifyInstance } from 'fastify';

export const ACTION_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
export const APP_CSP = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'";
export const HSTS = 'max-age=31536000';

export function registerSecurityHeaders(app: FastifyInstance, publicUrl: string): void {
  const https = publicUrl.startsWith('https://');
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    if (https) reply.header('strict-transport-security', HSTS);
    // The matched route, not the raw URL: /%61/<token> reaches the same page.
    reply.header('content-security-policy', request.routeOptions.url?.startsWith('/a/') ? ACTION_PAGE_CSP : APP_CSP);
  });
}
