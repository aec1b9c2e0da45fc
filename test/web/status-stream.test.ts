import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { componentState, effectiveComponents, overallState, publicImpact, publicIncidentStatus } from '../../src/server/status-page/status-page.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { CSP, staticUiRoutes } from '../../src/server/http/plugins/static-ui.js';
import Fastify from 'fastify';
import { ownerWithPassword, signIn } from './helpers.js';

describe('status page rules', () => {
  it('derives component and page states from open incidents', () => {
    expect(componentState('active', [])).toBe('operational');
    expect(componentState('maintenance', [])).toBe('maintenance');
    expect(componentState('active', [{ urgency: 'low' }])).toBe('degraded');
    expect(componentState('maintenance', [{ urgency: 'low' }, { urgency: 'high' }])).toBe('outage');
    expect(overallState(['operational', 'degraded', 'maintenance'])).toBe('degraded');
    expect(overallState([])).toBe('operational');
    expect(publicIncidentStatus('triggered', [])).toBe('investigating');
    expect(publicIncidentStatus('acknowledged', [{ status: 'identified', created_at: 1 }, { status: 'monitoring', created_at: 2 }])).toBe('monitoring');
    expect(publicIncidentStatus('resolved', [{ status: 'identified', created_at: 1 }])).toBe('resolved');
    expect(publicImpact('triggered', 'high')).toBe('outage');
    expect(publicImpact('acknowledged', 'low')).toBe('degraded');
    expect(publicImpact('resolved', 'high')).toBe('none');
    // Nothing is published until components are chosen (issue 14 item 7).
    expect(effectiveComponents([], [{ id: 'a', name: 'Chat' }])).toEqual([]);
    expect(effectiveComponents([{ service_id: 'a', name: '', group: 'Lines' }, { service_id: 'gone', name: 'X', group: 'Lines' }], [{ id: 'a', name: 'Chat' }])).toEqual([{ service_id: 'a', name: 'Chat', group: 'Lines' }]);
  });
});

for (const dialect of DIALECTS) {
  describe(`status page and live stream [${dialect}]`, () => {
    let t: TestApp;
    afterEach(async () => {
      await t?.close();
    });

    it('is off until published; shows states and public updates, never internal titles; follows resolution', async () => {
      t = await createTestApp(dialect);
      const { serviceId, key } = await serviceWithKey(t);
      expect((await t.app.inject({ method: 'GET', url: `/api/v1/public/status/${t.org.org.id.toLowerCase()}` })).statusCode).toBe(404);
      const put = await t.app.inject({ method: 'PUT', url: '/api/v1/status_page', headers: t.auth, payload: { status_page: { enabled: true, slug: 'harbor', components: [{ service_id: serviceId, name: 'Chat line', group: 'Lines' }] } } });
      expect(put.statusCode).toBe(200);
      expect(put.json().status_page.public_url).toBe('http://vigil.test/status/harbor');
      expect((await t.app.inject({ method: 'PUT', url: '/api/v1/status_page', headers: t.auth, payload: { status_page: { slug: '-Bad slug' } } })).statusCode).toBe(400);

      // Published with no component chosen: nothing about the organization's services is public.
      const bare = await t.app.inject({ method: 'PUT', url: '/api/v1/status_page', headers: t.auth, payload: { status_page: { components: [] } } });
      expect(bare.statusCode).toBe(200);
      const empty = await t.app.inject({ method: 'GET', url: '/api/v1/public/status/harbor' });
      expect(empty.json()).toMatchObject({ groups: [], incidents: [], maintenance: [] });
      expect(empty.body).not.toContain('Crisis chat');
      expect(empty.body).not.toContain(serviceId);
      await t.app.inject({ method: 'PUT', url: '/api/v1/status_page', headers: t.auth, payload: { status_page: { components: [{ service_id: serviceId, name: 'Chat line', group: 'Lines' }] } } });

      const calm = (await t.app.inject({ method: 'GET', url: '/api/v1/public/status/harbor' })).json();
      expect(calm).toMatchObject({ state: 'operational', groups: [{ name: 'Lines', components: [{ name: 'Chat line', state: 'operational' }] }], incidents: [] });

      expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'q' }, { summary: 'db password rotated wrongly on host x' }) })).statusCode).toBe(202);
      const inc = (await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: t.auth })).json().incidents[0];
      const upd = await t.app.inject({ method: 'POST', url: `/api/v1/incidents/${inc.id}/public_updates`, headers: t.auth, payload: { public_update: { status: 'identified', message: 'Chat is slow; call us meanwhile.' } } });
      expect(upd.statusCode).toBe(201);
      expect(upd.json().public_update.author.name).toBe('Olive Owner');

      const down = await t.app.inject({ method: 'GET', url: '/api/v1/public/status/harbor' });
      expect(down.body).not.toContain('db password');
      expect(down.body).not.toContain(inc.id);
      expect(down.body).not.toContain(serviceId);
      expect(down.json()).toMatchObject({ state: 'outage', groups: [{ components: [{ state: 'outage' }] }], incidents: [{ status: 'identified', impact: 'outage', components: ['Chat line'], resolved_at: null, updates: [{ message: 'Chat is slow; call us meanwhile.' }] }] });

      await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: { routing_key: key, event_action: 'resolve', dedup_key: 'q' } });
      const after = (await t.app.inject({ method: 'GET', url: '/api/v1/public/status/harbor' })).json();
      expect(after.state).toBe('operational');
      expect(after.incidents[0]).toMatchObject({ status: 'resolved', impact: 'none' });
      expect(after.incidents[0].resolved_at).not.toBeNull();
    });

    it('gives a slug to one organization only', async () => {
      t = await createTestApp(dialect);
      const other = await initOrganization(t.db.handle.db, t.clock, { orgName: 'Other line', email: 'o@other.example', userName: 'Otto' });
      const mine = await t.app.inject({ method: 'PUT', url: '/api/v1/status_page', headers: { authorization: `Bearer ${other.token}` }, payload: { status_page: { slug: 'harbor' } } });
      expect(mine.statusCode).toBe(200);
      const taken = await t.app.inject({ method: 'PUT', url: '/api/v1/status_page', headers: t.auth, payload: { status_page: { slug: 'Harbor' } } });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().error.errors).toEqual(['status_page.slug: harbor is taken']);
    });

    it('streams the organization’s incident changes over server-sent events, and only its own', async () => {
      t = await createTestApp(dialect);
      await ownerWithPassword(t);
      const b = await signIn(t);
      const { key } = await serviceWithKey(t);
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const ctrl = new AbortController();
      const res = await fetch(`${url}/api/v1/stream`, { headers: { cookie: b.cookie }, signal: ctrl.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      const readUntil = async (re: RegExp) => {
        const deadline = Date.now() + 5000;
        while (!re.test(text)) {
          if (Date.now() > deadline) throw new Error(`timed out; got ${text}`);
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          text += new TextDecoder().decode(value);
        }
      };
      await readUntil(/: connected/);
      // Another organization's change is not streamed here.
      t.deps.bus.publish([{ orgId: 'OTHER', incidentId: 'X', serviceId: 'Y', kind: 'triggered' }]);
      await fetch(`${url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(trigger(key)) });
      await readUntil(/event: incident\ndata: \{"kind":"triggered"/);
      expect(text).not.toContain('"incident_id":"X"');
      expect((await fetch(`${url}/api/v1/stream`)).status).toBe(401);
      ctrl.abort();
    });

    it('sends a test event through an integration, and a test page to verified methods only', async () => {
      t = await createTestApp(dialect);
      const { serviceId, integrationId } = await serviceWithKey(t);
      const r = await t.app.inject({ method: 'POST', url: `/api/v1/services/${serviceId}/integrations/${integrationId}/test_event`, headers: t.auth });
      expect(r.statusCode).toBe(202);
      const list = (await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: t.auth })).json().incidents;
      expect(list).toHaveLength(1);
      expect(list[0].title).toMatch(/^Test event for Crisis chat/);

      const none = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/test_page', headers: t.auth });
      expect(none.statusCode).toBe(400);
      const cm = await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.org.user.id}/contact_methods`, headers: t.auth, payload: { contact_method: { type: 'webhook_contact_method', address: 'https://hooks.example/x', label: 'Hook' } } });
      expect(cm.statusCode).toBe(201);
      await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.org.user.id}/contact_methods/${cm.json().contact_method.id}/mark_verified`, headers: t.auth });
      const ok = await t.app.inject({ method: 'POST', url: '/api/v1/users/me/test_page', headers: t.auth });
      expect(ok.statusCode).toBe(202);
      expect(ok.json()).toEqual({ queued: 1, contact_methods: ['Hook'] });
      const rows = await t.db.handle.db.selectFrom('notifications').selectAll().where('kind', '=', 'test').execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ channel: 'webhook', status: 'pending', incident_id: null });
    });
  });
}

describe('static web app', () => {
  it('serves index.html on page paths with a strict CSP, and hashed assets', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-web-'));
    fs.mkdirSync(path.join(root, 'assets'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="root"></div>');
    fs.writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    const t = await createTestApp('sqlite');
    const f = Fastify();
    staticUiRoutes(f as never, t.deps, root);
    await f.ready();
    for (const url of ['/', '/incidents/01ABC', '/status/harbor', '/users/U1']) {
      const r = await f.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-security-policy']).toBe(CSP);
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body).toContain('id="root"');
    }
    const a = await f.inject({ method: 'GET', url: '/assets/index-abc.js' });
    expect(a.statusCode).toBe(200);
    expect(a.headers['cache-control']).toMatch(/immutable/);
    expect((await f.inject({ method: 'GET', url: '/assets/../index.html' })).statusCode).not.toBe(500);
    await f.close();
    await t.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html on every page the web app routes (a reload or a shared link of any screen), not a 404', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-web-'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="root"></div>');
    const t = await createTestApp('sqlite');
    const f = Fastify();
    staticUiRoutes(f as never, t.deps, root);
    await f.ready();
    // The router's patterns, read from the app itself: `path === '/x'`, `path.startsWith('/x/')` and `match('/x/:id', path)`.
    const app = fs.readFileSync(path.join(import.meta.dirname, '../../src/web/app/App.tsx'), 'utf8');
    const urls = [...new Set([...app.matchAll(/path === '(\/[^']*)'|path\.startsWith\('(\/[^']*)'\)|match\('(\/[^']*)', path\)/g)].map((m) => m[1] ?? (m[2] ? m[2] + 'x' : m[3]!.replace(/:\w+/g, '01ABC'))))];
    expect(urls).toEqual(expect.arrayContaining(['/analytics', '/analytics/report', '/volunteering', '/volunteers', '/event_orchestrations', '/event_orchestrations/01ABC', '/forgot', '/services/01ABC/rules']));
    for (const url of urls) {
      const r = await f.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
      expect(r.body, url).toContain('id="root"');
    }
    await f.close();
    await t.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
});
