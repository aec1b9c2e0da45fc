/**
 * Non-negotiable 3, over every REST operation that takes a body: a field Vigil does not
 * implement is refused by name with 400, never accepted and ignored, and never a 500.
 * The operations come from the OpenAPI document, so a new route is covered the day it is
 * added. Read-only fields of an answer may be sent back unchanged (a PagerDuty client's
 * read-change-write), and nothing is written for a refused body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestApp } from '../harness.js';
import { counts, createApp, req, type Json } from './helpers.js';

const FIELD = 'zz_not_a_vigil_field';

/**
 * Bodies whose required fields are checked before the service names unknown ones: the
 * unknown field rides on an otherwise valid body (the analytics queries check their
 * fields themselves, after the schema's required ones).
 */
const RANGE = { created_at_start: '2026-11-01T00:00:00Z', created_at_end: '2026-12-01T00:00:00Z' };
function baseBody(path: string): Json {
  if (path.includes('/analytics/metrics/responders')) return { filters: { date_range_start: RANGE.created_at_start, date_range_end: RANGE.created_at_end } };
  if (path.includes('/analytics/')) return { filters: RANGE };
  return {};
}

describe.each(DIALECTS)('unknown body fields on %s', (dialect) => {
  let t: TestApp;
  let doc: { paths: Record<string, Record<string, { requestBody?: unknown }>> };

  beforeAll(async () => {
    t = await createApp(dialect);
    doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('every REST operation with a body refuses an unknown top-level field by name, with 400, writing nothing', async () => {
    const before = await counts(t);
    const tried: string[] = [];
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        if (!['post', 'put', 'patch'].includes(method) || !op.requestBody) continue;
        const url = path.replace(/\{[^}]+\}/g, 'PZZZZZZ');
        const r = await req(t, method.toUpperCase() as 'POST', url, { ...baseBody(path), [FIELD]: 1 });
        tried.push(`${method.toUpperCase()} ${path}`);
        const body = r.json() as Json;
        if (r.statusCode !== 400 || !JSON.stringify(body.error?.errors ?? []).includes(FIELD)) problems.push(`${method.toUpperCase()} ${path}: ${r.statusCode} ${r.body.slice(0, 200)}`);
      }
    }
    expect(tried.length).toBeGreaterThan(60);
    expect(problems).toEqual([]);
    expect(await counts(t)).toEqual(before);
  });

  it('a nested unknown field is refused by its path; the answer’s read-only fields may be sent back', async () => {
    const created = await req(t, 'POST', '/api/v1/escalation_policies', {
      escalation_policy: { name: 'Nights', escalation_rules: [{ escalation_delay_in_minutes: 5, targets: [{ id: t.org.user.id, type: 'user_reference', [FIELD]: 'x' }] }] },
    });
    expect(created.statusCode, created.body).toBe(400);
    expect(created.json().error.errors.join(' | ')).toContain(`escalation_policy.escalation_rules[0].targets[0].${FIELD} is not a field Vigil knows here`);

    const ok = await req(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'Nights', escalation_rules: [{ escalation_delay_in_minutes: 5, targets: [{ id: t.org.user.id, type: 'user_reference' }] }] } });
    expect(ok.statusCode, ok.body).toBe(201);
    // Read, change the name, send the whole entity back: its id, self, html_url and the targets' summaries ride along.
    const policy = ok.json().escalation_policy as Json;
    const back = await req(t, 'PUT', `/api/v1/escalation_policies/${policy.id}`, { escalation_policy: { ...policy, name: 'Nights and weekends' } });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json().escalation_policy.name).toBe('Nights and weekends');
    expect(back.json().escalation_policy.id).toBe(policy.id);
  });
});
