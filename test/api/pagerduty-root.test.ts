/**
 * PagerDuty's REST API at the root (issue 16, item 1): a request carrying PagerDuty's
 * `Accept: application/vnd.pagerduty+json;version=2`, or arriving on the configured API host,
 * reaches `/<resource>` exactly as `/api/v1/<resource>`, with the same authentication; the web
 * app's pages, the ingest endpoints, /healthz and /metrics are never shadowed. PagerDuty's
 * JavaScript client (@pagerduty/pdjs) is not in node_modules, so its offset paging (`all()`:
 * next offset = limit + offset while `more`, the page's items under the path's first segment)
 * and its headers (Content-Type on GET too) are replayed here over a real HTTP listener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, METRICS_AUTH, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, enqueue, type Json } from './helpers.js';

const PD_ACCEPT = 'application/vnd.pagerduty+json;version=2';

describe.each(DIALECTS)('PagerDuty REST at the root on %s', (dialect) => {
  let t: TestApp;
  let pd: Record<string, string>;
  beforeAll(async () => {
    t = await createApp(dialect, { config: { pagerDutyApiHost: 'api.vigil.example.com' } });
    pd = { accept: PD_ACCEPT, authorization: `Token token=${t.token}` };
  });
  afterAll(async () => t.close());

  it('answers /<resource> as /api/v1/<resource> for PagerDuty clients, with the same authentication', async () => {
    await serviceWithKey(t, 'events_v2', 'Root crisis line');
    for (const path of ['/services', '/users?limit=5', '/escalation_policies', '/priorities', '/incidents?statuses[]=triggered']) {
      const root = await t.app.inject({ method: 'GET', url: path, headers: pd });
      const api = await t.app.inject({ method: 'GET', url: `/api/v1${path}`, headers: pd });
      expect(root.statusCode, `${path} ${root.body}`).toBe(200);
      expect(root.headers['content-type']).toMatch(/^application\/json/);
      expect(root.json()).toEqual(api.json());
    }
    const anonymous = await t.app.inject({ method: 'GET', url: '/services', headers: { accept: PD_ACCEPT } });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe(2006);
    const created = await t.app.inject({ method: 'POST', url: '/services', headers: { ...pd, 'content-type': 'application/json; charset=utf-8' }, payload: { service: { name: 'Made at the root' } } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().service.self).toMatch(/\/api\/v1\/services\//);
  });

  it('never shadows the web app, the ingest endpoints, /healthz or /metrics', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/incidents', headers: { accept: 'text/html' } });
    expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
    const s = await serviceWithKey(t, 'events_v2', 'Root ingest');
    const ev = await enqueue(t, trigger(s.key), { accept: PD_ACCEPT });
    expect(ev.statusCode).toBe(202);
    expect(ev.json().status).toBe('success');
    for (const url of ['/healthz', '/metrics']) {
      const r = await t.app.inject({ method: 'GET', url, headers: { accept: PD_ACCEPT, ...(url === '/metrics' ? METRICS_AUTH : {}) } });
      expect(r.statusCode, url).toBe(200);
    }
    const og = await t.app.inject({ method: 'POST', url: '/v2/alerts', headers: { accept: PD_ACCEPT, authorization: 'GenieKey nope', 'content-type': 'application/json' }, payload: { message: 'x' } });
    expect(og.statusCode).toBe(401);
    expect(og.json().message).toBe('Could not authenticate');
  });

  it('serves every request on the configured API host at the root, whatever its Accept header', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/services', headers: { host: 'api.vigil.example.com', authorization: `Token token=${t.token}` } });
    expect(r.statusCode, r.body).toBe(200);
    expect(Array.isArray(r.json().services)).toBe(true);
    const other = await t.app.inject({ method: 'GET', url: '/services', headers: { host: 'vigil.example.com', accept: 'text/html' } });
    expect(String(other.headers['content-type'])).toMatch(/^text\/html/);
  });

  it("pages like pdjs's all() over HTTP: every item once, offset = limit + offset while more", async () => {
    for (let i = 0; i < 7; i++) await serviceWithKey(t, 'events_v2', `Paged ${i}`);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const headers = { ...pd, 'content-type': 'application/json; charset=utf-8', 'user-agent': 'pdjs/2.0.0 (vitest)' };
      const resource = 'services';
      const all: Json[] = [];
      let offset = 0;
      let pages = 0;
      for (;;) {
        const res = await fetch(`${address}/${resource}?limit=3&offset=${offset}&total=true`, { headers });
        expect(res.status).toBe(200);
        const body = (await res.json()) as Json;
        expect(typeof body.offset).toBe('number');
        expect(body.limit).toBe(3);
        all.push(...(body[resource] as Json[]));
        pages++;
        if (!body.more) {
          expect(all.length).toBe(body.total);
          break;
        }
        offset = body.limit + body.offset;
      }
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    } finally {
      await t.app.close();
    }
  });
});
