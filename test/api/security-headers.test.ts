/**
 * Issue 14 item 7 on both dialects: /metrics was public and instance-wide; there was no
 * HSTS with an https public URL; the one-click action pages had no CSP, frame-ancestors
 * or nosniff.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActionToken } from '../../src/server/notify/action-token.js';
import { DIALECTS, METRICS_AUTH, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { member } from './helpers.js';

describe.each(DIALECTS)('security headers and /metrics on %s', (dialect) => {
  let t: TestApp;
  afterEach(() => t.close());

  it('/metrics answers only the operator token: not anonymous callers, not an owner, not a wrong token', async () => {
    t = await createTestApp(dialect);
    const admin = await member(t, 'admin');
    for (const headers of [{}, t.auth, admin.auth, { authorization: 'Bearer wrong-token' }]) {
      const r = await t.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(r.statusCode, JSON.stringify(headers)).toBe(401);
      expect(r.body).not.toContain('vigil_');
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    const ok = await t.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toMatch(/^vigil_ingest_batch_size_avg /m);
  });

  it('/metrics is off (404) when no VIGIL_METRICS_TOKEN is configured', async () => {
    t = await createTestApp(dialect, { config: { metricsToken: null } });
    const r = await t.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.errors[0]).toMatch(/VIGIL_METRICS_TOKEN/);
  });

  it('no HSTS on an http public URL; nosniff and no framing everywhere', async () => {
    t = await createTestApp(dialect);
    for (const url of ['/healthz', '/api/v1/services', '/', '/api/v1/openapi.json']) {
      const r = await t.app.inject({ method: 'GET', url, headers: t.auth });
      expect(r.headers['strict-transport-security'], url).toBeUndefined();
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
      expect(r.headers['x-frame-options'], url).toBe('DENY');
      expect(String(r.headers['content-security-policy']), url).toContain("frame-ancestors 'none'");
    }
  });

  it('HSTS with an https public URL; the action page has a script-free CSP, also when its path is percent-encoded', async () => {
    const clock = manualClock();
    t = await createTestApp(dialect, { clock, config: { publicUrl: 'https://vigil.example.org' } });
    const svc = await serviceWithKey(t);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'x' }) })).statusCode).toBe(202);
    const incident = (await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: t.auth })).json().incidents[0];
    const token = await createActionToken(t.db.handle.db, clock.now(), { orgId: t.org.org.id, incidentId: incident.id, userId: t.org.user.id, action: 'acknowledge', channel: 'email' });
    for (const path of [`/a/${token}`, `/%61/${token}`]) {
      const page = await t.app.inject({ method: 'GET', url: path });
      expect(page.statusCode, path).toBe(200);
      expect(page.body).toContain('<form method="post">');
      expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).not.toContain('script-src');
    }
  });
});
