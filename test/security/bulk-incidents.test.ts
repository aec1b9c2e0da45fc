/**
 * Issue 14 item 6: PUT /api/v1/incidents is all or nothing. Before the fix, a later
 * unknown id answered 404 after the earlier items were saved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { counts, enqueue, incident, req, type Json } from '../api/helpers.js';

describe.each(DIALECTS)('bulk incident update on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let n = 0;

  async function open(): Promise<Json> {
    n++;
    expect((await enqueue(t, trigger(key, { dedup_key: `bulk-${n}` }))).statusCode).toBe(202);
    const list = (await req(t, 'GET', '/api/v1/incidents?limit=100&sort_by=created_at:desc')).json().incidents as Json[];
    return list[0]!;
  }

  beforeAll(async () => {
    t = await createTestApp(dialect);
    ({ key } = await serviceWithKey(t));
  });
  afterAll(async () => t.close());

  it('a later unknown id answers 404 naming the item, and nothing is saved', async () => {
    const a = await open();
    const b = await open();
    const before = await counts(t);
    const r = await req(t, 'PUT', '/api/v1/incidents', {
      incidents: [
        { id: a.id, type: 'incident_reference', status: 'acknowledged' },
        { id: String(b.incident_number), type: 'incident_reference', status: 'resolved' },
        { id: 'PNOSUCHINCIDENT', type: 'incident_reference', status: 'resolved' },
      ],
    });
    expect(r.statusCode, r.body).toBe(404);
    expect(r.json().error.errors.join(' ')).toMatch(/incidents\[2\]\.id/);
    expect((await incident(t, a.id)).status).toBe('triggered');
    expect((await incident(t, b.id)).status).toBe('triggered');
    expect(await counts(t)).toEqual(before);
  });

  it('a later item that fails its own checks rolls back the earlier ones (400 naming the item)', async () => {
    const a = await open();
    const resolved = await open();
    expect((await req(t, 'PUT', `/api/v1/incidents/${resolved.id}`, { incident: { type: 'incident_reference', status: 'resolved' } })).statusCode).toBe(200);
    const before = await counts(t);
    const r = await req(t, 'PUT', '/api/v1/incidents', {
      incidents: [
        { id: a.id, type: 'incident_reference', status: 'acknowledged', title: 'renamed in bulk' },
        { id: resolved.id, type: 'incident_reference', title: 'a resolved incident keeps its title' },
      ],
    });
    expect(r.statusCode, r.body).toBeGreaterThanOrEqual(400);
    expect(r.statusCode).toBeLessThan(500);
    expect(r.json().error.errors.join(' ')).toMatch(/incidents\[1\]/);
    const after = await incident(t, a.id);
    expect(after.status).toBe('triggered');
    expect(after.title).toBe(a.title);
    expect(await counts(t)).toEqual(before);
  });

  it('all valid items are written together and answered in order', async () => {
    const a = await open();
    const b = await open();
    const r = await req(t, 'PUT', '/api/v1/incidents', {
      incidents: [
        { id: a.id, type: 'incident_reference', status: 'acknowledged' },
        { id: b.id, type: 'incident_reference', status: 'resolved' },
      ],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().incidents.map((i: Json) => [i.id, i.status])).toEqual([
      [a.id, 'acknowledged'],
      [b.id, 'resolved'],
    ]);
    expect((await incident(t, a.id)).status).toBe('acknowledged');
    expect((await incident(t, b.id)).status).toBe('resolved');
  });
});
