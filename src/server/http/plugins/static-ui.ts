/**
 * Serves the built web app (vite build → dist/web) from the Vigil process itself:
 * one artefact, nothing else to deploy. Hashed assets under /assets/ are cached
 * for a year; index.html is answered for every page path of the app (client-side
 * routing), never cached, with a Content-Security-Policy that allows only this
 * origin: no external fonts, scripts or connections, so the UI works offline on a
 * private network and an injected script has nowhere to load from or send to.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { App, AppDeps } from '../deps.js';

/** The app's page paths. They mirror the html_url links the API hands out (/incidents/:id, /services/:id, /users/:id …). */
export const PAGE_PATHS = [
  '/',
  '/login',
  '/welcome',
  '/reset',
  '/forgot',
  '/volunteering',
  '/volunteers',
  '/analytics',
  '/analytics/*',
  '/event_orchestrations',
  '/event_orchestrations/*',
  '/incidents',
  '/incidents/*',
  '/services',
  '/services/*',
  '/maintenance',
  '/maintenance/*',
  '/schedules',
  '/schedules/*',
  '/escalation_policies',
  '/escalation_policies/*',
  '/people',
  '/users/*',
  '/settings',
  '/settings/*',
  '/status/*',
];

/** Files the app needs at the site's root: icons, the install manifest, the service worker. */
const ROOT_FILES: Record<string, string> = {
  'favicon.svg': 'image/svg+xml',
  'manifest.webmanifest': 'application/manifest+json',
  'icon-192.png': 'image/png',
  'icon-512.png': 'image/png',
  'apple-touch-icon.png': 'image/png',
  'sw.js': 'text/javascript; charset=utf-8',
};

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** dist/web beside dist/server (compiled) or the repository's dist/web (tests run from src/). VIGIL_WEB_DIR overrides. */
export function webRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VIGIL_WEB_DIR) return path.resolve(env.VIGIL_WEB_DIR);
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '../../../../dist/web');
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vigil</title></head><body><main><h1>The web UI is not built</h1><p>Run <code>npm run build</code>, then start Vigil again. The API works meanwhile.</p></main></body></html>`;

export function staticUiRoutes(app: App, _deps: AppDeps, root: string = webRoot()): void {
  const indexFile = path.join(root, 'index.html');
  const built = fs.existsSync(indexFile);
  let indexHtml: string | null = null;
  const index = (): string => (indexHtml ??= fs.readFileSync(indexFile, 'utf8'));

  const htmlHeaders = (reply: FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');

  if (built) {
    app.register(fastifyStatic, {
      root: path.join(root, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      immutable: true,
      maxAge: '365d',
      index: false,
      setHeaders: (reply) => void reply.header('x-content-type-options', 'nosniff'),
    });
    for (const [file, type] of Object.entries(ROOT_FILES)) {
      const full = path.join(root, file);
      if (!fs.existsSync(full)) continue;
      // The service worker is served from the root so its scope is the whole app, and never cached: an update must reach phones.
      const cache = file === 'sw.js' ? 'no-cache' : 'public, max-age=86400';
      app.get(`/${file}`, { config: { permission: 'public' }, schema: { hide: true } }, async (_request, reply) =>
        reply.type(type).header('cache-control', cache).header('x-content-type-options', 'nosniff').send(fs.readFileSync(full)),
      );
    }
  }

  for (const url of PAGE_PATHS) {
    app.get(url, { config: { permission: 'public' }, schema: { hide: true } }, async (_request, reply) => {
      htmlHeaders(reply);
      if (!built) return reply.code(503).send(NOT_BUILT);
      return reply.send(index());
    });
  }
}
