/**
 * Fastify's per-route serializers by status code are stored compactly
 * (src/server/http/compact-response-schemas.ts, issue 18 item 5). The patch must engage on
 * the Fastify in package-lock (a Fastify upgrade that moves its internals fails here, so
 * the lost memory saving is noticed), and every lookup Fastify makes — the exact status,
 * its `4xx` class, `default`, per content type — must answer as before, GET and HEAD.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { compactByStatus, installResponseSchemaCompaction } from '../../src/server/http/compact-response-schemas.js';

describe('response serializers by status code, stored compactly', () => {
  it('engages on this Fastify', () => {
    expect(installResponseSchemaCompaction()).toBe(true);
    // Idempotent: a second install (another app in the same process) changes nothing.
    expect(installResponseSchemaCompaction()).toBe(true);
  });

  it('keeps every entry, in the same order, under the same keys', () => {
    const f200 = () => '200';
    const f404 = () => '404';
    const f4xx = () => '4xx';
    const byContentType = { 'application/json': () => 'json' };
    const compact = compactByStatus({ 200: f200, 404: f404, '4xx': f4xx, 503: byContentType, default: f200 });
    expect(Object.keys(compact)).toEqual(['200', '404', '503', '4xx', 'default']);
    expect(compact[200]).toBe(f200);
    expect((compact as Record<string, unknown>)['404']).toBe(f404);
    expect(compact['4xx']).toBe(f4xx);
    expect(compact[503]).toBe(byContentType);
    expect(compact.default).toBe(f200);
    expect((compact as Record<string, unknown>)['201']).toBeUndefined();
  });

  it('serializes each status with its own schema, falls back to the class and default, on GET and HEAD', async () => {
    installResponseSchemaCompaction();
    const app = Fastify();
    const obj = (field: string) => ({ type: 'object', properties: { [field]: { type: 'string' } } });
    app.get<{ Querystring: { code?: string } }>(
      '/x',
      { schema: { response: { 200: obj('ok'), 404: obj('missing'), '4xx': obj('client'), default: obj('other') } } },
      async (request, reply) => {
        const code = Number(request.query.code ?? 200);
        reply.code(code);
        return { ok: 'a', missing: 'b', client: 'c', other: 'd', secret: 'never sent' };
      },
    );
    await app.ready();
    const body = async (code: number) => (await app.inject({ method: 'GET', url: `/x?code=${code}` })).json();
    expect(await body(200)).toEqual({ ok: 'a' });
    expect(await body(404)).toEqual({ missing: 'b' });
    expect(await body(418)).toEqual({ client: 'c' });
    expect(await body(503)).toEqual({ other: 'd' });
    const head = await app.inject({ method: 'HEAD', url: '/x?code=404' });
    expect(head.statusCode).toBe(404);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(JSON.stringify({ missing: 'b' }).length);
    await app.close();
  });
});
