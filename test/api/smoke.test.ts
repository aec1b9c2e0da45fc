import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, serviceWithKey, trigger, type TestApp } from '../harness.js';

describe.each(DIALECTS)('smoke on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(async () => t.close());

  it('trigger → incident → resolve', async () => {
    const { key } = await serviceWithKey(t);
    const r = await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'k1' }) });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'k1' });
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: t.auth });
    expect(list.statusCode).toBe(200);
    expect(list.json().incidents).toHaveLength(1);
    const res = await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: { routing_key: key, event_action: 'resolve', dedup_key: 'k1' } });
    expect(res.statusCode).toBe(202);
    const inc = await t.app.inject({ method: 'GET', url: '/api/v1/incidents/1', headers: t.auth });
    expect(inc.json().incident.status).toBe('resolved');
  });
});
