/**
 * Issue 14, item 7: input both dialects must refuse the same way. Impossible
 * calendar dates do not roll over; NUL characters and unpaired surrogates are
 * refused (PostgreSQL would fail the request with a 500, SQLite would store a
 * mangled string), the unauthenticated sign-in included; an invalid `time_zone`
 * query is a 400; and a percent-encoded path reaches the same role hooks as the
 * plain one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { counts, createApp, enqueue, jsonOf, member, req } from './helpers.js';
import { parseTimestamp } from '../../src/server/lib/timestamp.js';

describe('parseTimestamp keeps to the calendar', () => {
  it.each([
    ['2026-02-30T00:00:00Z'],
    ['2026-02-29'],
    ['2026-04-31T12:00:00Z'],
    ['2026-13-01T00:00:00Z'],
    ['2026-00-10T00:00:00Z'],
    ['2026-01-01T24:00:00Z'],
    ['2026-01-01T12:60:00Z'],
    ['2026-01-01T12:00:60Z'],
    ['2026-01-01T12:00:00+2400'],
  ])('refuses %s', (s) => expect(parseTimestamp(s)).toBeNull());

  it.each([
    ['2028-02-29T00:00:00Z', Date.UTC(2028, 1, 29)],
    ['2026-12-31T23:59:59Z', Date.UTC(2026, 11, 31, 23, 59, 59)],
    ['2026-03-08T02:30:00-0500', Date.UTC(2026, 2, 8, 7, 30)],
    ['2026-03-08T02:30:00-05', Date.UTC(2026, 2, 8, 7, 30)],
  ])('accepts %s', (s, ms) => expect(parseTimestamp(s)).toBe(ms));
});

describe.each(DIALECTS)('input hygiene (%s)', (dialect) => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createApp(dialect);
    key = (await serviceWithKey(t)).key;
  });
  afterAll(async () => t?.close());

  it('refuses an impossible payload.timestamp on the Events API and stores nothing', async () => {
    const before = await counts(t);
    const r = await enqueue(t, trigger(key, {}, { timestamp: '2026-02-30T10:00:00Z' }));
    expect(r.statusCode).toBe(400);
    expect(JSON.stringify(jsonOf(r).errors)).toContain('payload.timestamp');
    expect(await counts(t)).toEqual(before);
  });

  it('refuses an impossible since on a REST list', async () => {
    const r = await req(t, 'GET', '/api/v1/incidents?since=2026-02-30T00:00:00Z');
    expect(r.statusCode).toBe(400);
    expect(jsonOf(r).error.errors.join(' ')).toContain('since');
  });

  it('refuses NUL in an event and in a REST body, naming the field, on both dialects alike', async () => {
    const before = await counts(t);
    const e = await enqueue(t, trigger(key, {}, { summary: 'Chat\u0000queue down' }));
    expect(e.statusCode).toBe(400);
    expect(jsonOf(e).errors.join(' ')).toContain('payload.summary contains a NUL character');
    const s = await req(t, 'POST', '/api/v1/services', { service: { name: 'SMS\u0000gateway' } });
    expect(s.statusCode).toBe(400);
    expect(jsonOf(s).error.errors.join(' ')).toContain('service.name contains a NUL character');
    expect(await counts(t)).toEqual(before);
  });

  it('refuses NUL at the unauthenticated sign-in with 400, not 500', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'owner@harbor.example\u0000', password: 'x' } });
    expect(r.statusCode).toBe(400);
    expect(jsonOf(r).error.errors.join(' ')).toContain('email contains a NUL character');
  });

  it('refuses a lone surrogate in a body, a key and a query', async () => {
    const body = `{"service":{"name":"Chat \\ud800 queue"}}`;
    const a = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: { ...t.auth, 'content-type': 'application/json' }, payload: body });
    expect(a.statusCode).toBe(400);
    expect(jsonOf(a).error.errors.join(' ')).toContain('service.name contains an unpaired UTF-16 surrogate');
    const b = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: { ...t.auth, 'content-type': 'application/json' }, payload: `{"service":{"name":"ok","\\udc00":1}}` });
    expect(b.statusCode).toBe(400);
    const q = await req(t, 'GET', '/api/v1/incidents?query=%00');
    expect(q.statusCode).toBe(400);
    expect(jsonOf(q).error.errors.join(' ')).toContain('query.query contains a NUL character');
  });

  it('refuses an invalid time_zone query instead of ignoring it', async () => {
    for (const url of ['/api/v1/incidents?time_zone=Mars/Olympus', '/api/v1/oncalls?time_zone=Mars/Olympus']) {
      const r = await req(t, 'GET', url);
      expect(r.statusCode, url).toBe(400);
      expect(jsonOf(r).error.errors.join(' ')).toContain('time_zone');
    }
    expect((await req(t, 'GET', '/api/v1/incidents?time_zone=America/New_York')).statusCode).toBe(200);
  });

  it('holds a percent-encoded path to the same authentication and role checks', async () => {
    const anon = await t.app.inject({ method: 'GET', url: '/%61pi/v1/users' });
    expect(anon.statusCode).toBe(401);
    const observer = await member(t, 'observer');
    const w = await t.app.inject({ method: 'POST', url: '/%61pi/v1/services', headers: observer.auth, payload: { service: { name: 'Sneaky' } } });
    expect(w.statusCode).toBe(403);
    const plain = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: observer.auth, payload: { service: { name: 'Sneaky' } } });
    expect(plain.statusCode).toBe(403);
  });
});
