/**
 * API tokens with scopes and an expiry (docs/security.md): a `read` token reads (and runs
 * analytics queries) but changes nothing, not even its own tokens; an `incidents_write`
 * token also acknowledges, resolves and annotates incidents, but cannot touch configuration
 * or mint a wider token; `full` is the member's role; a scope never lifts a role's limits.
 * An expired token is refused with when it expired. The tokens list says each token's scope,
 * expiry and last use (noted at most once a minute). Both dialects, with the manual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { member, req } from '../api/helpers.js';

describe.each(DIALECTS)('API token scopes on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let incidentId: string;
  beforeAll(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createTestApp(dialect, { clock });
    const { key } = await serviceWithKey(t);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key) })).statusCode).toBe(202);
    incidentId = (await req(t, 'GET', '/api/v1/incidents')).json().incidents[0].id;
  });
  afterAll(async () => t?.close());

  const tokenFor = async (scope: string, extra: Record<string, unknown> = {}, headers = t.auth) => {
    const r = await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: `${scope} token`, scope, ...extra } }, headers);
    expect(r.statusCode, r.body).toBe(201);
    return { auth: { authorization: `Bearer ${r.json().api_token.token}` }, body: r.json().api_token };
  };
  const ack = (auth: Record<string, string>) => req(t, 'PUT', `/api/v1/incidents/${incidentId}`, { incident: { type: 'incident_reference', status: 'acknowledged' } }, auth);

  it('read: reads and queries analytics; changes nothing, not even a token of its own', async () => {
    const { auth, body } = await tokenFor('read');
    expect(body).toMatchObject({ scope: 'read', expires_at: null, last_used_at: null });
    expect((await req(t, 'GET', '/api/v1/incidents', undefined, auth)).statusCode).toBe(200);
    expect((await req(t, 'GET', '/api/v1/services', undefined, auth)).statusCode).toBe(200);
    const analytics = await req(t, 'POST', '/api/v1/analytics/metrics/incidents/all', { filters: { created_at_start: '2026-03-01T00:00:00Z', created_at_end: '2026-03-03T00:00:00Z' } }, auth);
    expect(analytics.statusCode, analytics.body).toBe(200);
    const refused = await ack(auth);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.errors[0]).toMatch(/scope is read: it cannot change anything/);
    expect((await req(t, 'POST', '/api/v1/services', { service: { name: 'Text line' } }, auth)).statusCode).toBe(403);
    // No way out of the scope: it cannot create a token, even for itself.
    expect((await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'wider', scope: 'full' } }, auth)).statusCode).toBe(403);
  });

  it('incidents_write: acts on incidents (acknowledge, note), but not on configuration or tokens', async () => {
    const { auth } = await tokenFor('incidents_write');
    const acked = await ack(auth);
    expect(acked.statusCode, acked.body).toBe(200);
    expect(acked.json().incident.status).toBe('acknowledged');
    expect((await req(t, 'POST', `/api/v1/incidents/${incidentId}/notes`, { note: { content: 'Looking at the gateway' } }, auth)).statusCode).toBe(200);
    const svc = await req(t, 'POST', '/api/v1/services', { service: { name: 'Voice line' } }, auth);
    expect(svc.statusCode).toBe(403);
    expect(svc.json().error.errors[0]).toMatch(/scope is incidents_write: it cannot change anything but incidents/);
    expect((await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'wider', scope: 'full' } }, auth)).statusCode).toBe(403);
  });

  it('a scope never lifts a role: an observer’s incidents_write token cannot acknowledge', async () => {
    const observer = await member(t, 'observer');
    const { auth } = await tokenFor('incidents_write', {}, observer.auth);
    expect((await ack(auth)).statusCode).toBe(403);
  });

  it('full: the member’s whole role; expiry refuses the token afterwards, saying when; the list shows scope, expiry and last use', async () => {
    const { auth, body } = await tokenFor('full', { expires_at: '2026-03-02T10:00:00Z' });
    expect(body.expires_at).toBe('2026-03-02T10:00:00.000Z');
    expect((await req(t, 'POST', '/api/v1/services', { service: { name: 'Benefits helpline' } }, auth)).statusCode).toBe(201);
    // Last use is noted (to the minute).
    let listed = (await req(t, 'GET', '/api/v1/api_tokens')).json().api_tokens.find((x: { id: string }) => x.id === body.id);
    expect(listed).toMatchObject({ scope: 'full', expires_at: '2026-03-02T10:00:00.000Z', last_used_at: '2026-03-02T09:00:00.000Z' });
    clock.set('2026-03-02T09:00:30Z');
    await req(t, 'GET', '/api/v1/services', undefined, auth);
    listed = (await req(t, 'GET', '/api/v1/api_tokens')).json().api_tokens.find((x: { id: string }) => x.id === body.id);
    expect(listed.last_used_at).toBe('2026-03-02T09:00:00.000Z');
    clock.set('2026-03-02T09:05:00Z');
    await req(t, 'GET', '/api/v1/services', undefined, auth);
    listed = (await req(t, 'GET', '/api/v1/api_tokens')).json().api_tokens.find((x: { id: string }) => x.id === body.id);
    expect(listed.last_used_at).toBe('2026-03-02T09:05:00.000Z');

    clock.set('2026-03-02T10:00:00Z');
    const expired = await req(t, 'GET', '/api/v1/services', undefined, auth);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.errors[0]).toBe('the API token expired at 2026-03-02T10:00:00.000Z');
  });

  it('bad scopes and expiries are refused naming the field; nothing is stored', async () => {
    const before = (await req(t, 'GET', '/api/v1/api_tokens')).json().api_tokens.length;
    const scope = await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'x', scope: 'admin' } });
    expect(scope.statusCode).toBe(400);
    expect(JSON.stringify(scope.json().error.errors)).toMatch(/scope/);
    const past = await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'x', expires_at: '2020-01-01T00:00:00Z' } });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.errors).toEqual(['api_token.expires_at must be in the future']);
    const unknown = await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'x', ttl: 3600 } });
    expect(unknown.statusCode).toBe(400);
    expect(JSON.stringify(unknown.json().error.errors)).toMatch(/ttl/);
    expect((await req(t, 'GET', '/api/v1/api_tokens')).json().api_tokens.length).toBe(before);
  });
});
