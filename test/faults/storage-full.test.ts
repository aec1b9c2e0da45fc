/**
 * Storage refusing writes, in process (docs/reliability.md, rows "disk full" and
 * "read-only database file"). SQLite's own limits inject the fault, so it runs anywhere
 * without root: `PRAGMA max_page_count` set to the pages in use makes the next write
 * that needs a page fail with SQLITE_FULL, exactly as a full disk does; `PRAGMA
 * query_only` makes every write fail with SQLITE_READONLY, as a read-only file does.
 * test/faults/disk-full.test.ts does the same with a real full filesystem (tmpfs).
 *
 * Shown: ingest answers 503 with Retry-After and a JSON body naming the reason (never
 * 500, never 202), nothing refused is stored, /readyz answers 503 with the reason while
 * writes fail, and both come back without a restart: /readyz by its own probe write, the
 * sender's next event with 202.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, serviceWithKey, trigger, type TestApp } from '../harness.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const big = (i: number) => ({ note: `event ${i} `.repeat(2_000) });

async function send(t: TestApp, key: string, dedup: string) {
  return t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: dedup }, { custom_details: big(dedup.length) }) });
}

async function storedKeys(t: TestApp): Promise<Set<string>> {
  return new Set((await t.db.handle.db.selectFrom('alerts').select('dedup_key').execute()).map((r) => r.dedup_key));
}

describe('fault: SQLite refuses writes (in process)', () => {
  it('disk full (max_page_count): 503 + Retry-After, never 500 or 202; /readyz says disk_full; back without a restart', async () => {
    t = await createTestApp('sqlite');
    const { key } = await serviceWithKey(t);
    for (let i = 0; i < 3; i++) expect((await send(t, key, `before-${i}`)).statusCode).toBe(202);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });

    const db = t.db.handle.db;
    const pages = (await sql<{ page_count: number }>`PRAGMA page_count`.execute(db)).rows[0]!.page_count;
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(db);
    const startedAt = Date.now();

    const statuses: number[] = [];
    const refused: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await send(t, key, `full-${i}`);
      statuses.push(r.statusCode);
      if (r.statusCode === 503) {
        refused.push(`full-${i}`);
        expect(r.headers['retry-after']).toBe('30');
        expect(r.headers['content-type']).toMatch(/application\/json/);
        expect(r.json()).toEqual({ status: 'error', message: 'Storage Unavailable', errors: [expect.stringMatching(/disk is full \(disk_full\).*retry after 30 s/)] });
        expect(r.body).not.toMatch(/cannot rollback/);
      }
    }
    // Every event needs new pages (each carries ~20 KB): all refused, none half-accepted.
    expect(statuses).toEqual(Array(20).fill(503));

    const notReady = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: 'unavailable', reason: 'disk_full', refused: expect.any(Number) });
    expect(Date.parse(notReady.json().since)).toBeGreaterThanOrEqual(startedAt - 1);
    // The REST API answers the same way (a write through another route).
    const rest = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: t.auth, payload: { service: { name: 'x'.repeat(20_000).slice(0, 255), description: 'y'.repeat(60_000) } } });
    expect([201, 400, 503]).toContain(rest.statusCode);
    if (rest.statusCode === 503) expect(rest.json().error).toMatchObject({ code: 2031, message: 'Storage Unavailable' });

    // Space returns: /readyz comes back by its own probe write, then events are taken again.
    await sql.raw('PRAGMA max_page_count = 1073741823').execute(db);
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode, ready.body).toBe(200);
    expect(t.db.handle.health.problem).toBeNull();
    expect(t.db.handle.health.lastOutageMs).toBeGreaterThanOrEqual(0);
    expect((await send(t, key, 'after-0')).statusCode).toBe(202);

    const stored = await storedKeys(t);
    for (const k of ['before-0', 'before-1', 'before-2', 'after-0']) expect(stored.has(k), k).toBe(true);
    for (const k of refused) expect(stored.has(k), k).toBe(false);
    const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(db);
    expect(check.rows).toEqual([{ integrity_check: 'ok' }]);
  });

  it('read-only (query_only): 503 read_only, /readyz says so, ready again after a write commits', async () => {
    t = await createTestApp('sqlite');
    const { key } = await serviceWithKey(t);
    expect((await send(t, key, 'before')).statusCode).toBe(202);
    const db = t.db.handle.db;
    await sql`PRAGMA query_only = ON`.execute(db);

    const r = await send(t, key, 'ro-0');
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('10');
    expect(r.json().errors[0]).toMatch(/read-only \(read_only\)/);
    const ack = await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: { routing_key: key, event_action: 'acknowledge', dedup_key: 'before' } });
    expect(ack.statusCode).toBe(503);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'unavailable', reason: 'read_only', refused: 3 });

    await sql`PRAGMA query_only = OFF`.execute(db);
    // This time the sender's retry comes first: the write that commits clears the state.
    expect((await send(t, key, 'ro-0')).statusCode).toBe(202);
    expect(t.db.handle.health.problem).toBeNull();
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const stored = await storedKeys(t);
    expect(stored).toEqual(new Set(['before', 'ro-0']));
    const status = await db.selectFrom('alerts').select('status').where('dedup_key', '=', 'before').executeTakeFirstOrThrow();
    expect(status.status).toBe('triggered');
  });
});
