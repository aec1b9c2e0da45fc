/**
 * A slow disk (docs/reliability.md): SQLite's write-ahead log flush stalls (the fsync that
 * every answered change waits for takes 2 s). A change is never answered 2xx before the
 * disk confirms it: after VIGIL_DURABLE_WAIT_MS (here 300 ms) the answer is 503 with
 * Retry-After, in the sender's own protocol; reads still answer; once the disk is fast
 * again the sender's retry is accepted and deduplicated (one alert, counted twice, one
 * incident), and the stalled flush itself still completes. SQLite only: PostgreSQL's
 * commit is its own flush (its stalls are the pool-exhaustion test's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { WalSync } from '../../src/server/storage/wal-sync.js';

describe('fault: a slow disk (SQLite fsync stalls)', () => {
  let t: TestApp;
  let wal: WalSync;
  let key: string;
  const fast = { fn: null as WalSync['fsyncFile'] | null };
  beforeAll(async () => {
    t = await createTestApp('sqlite', { config: { durableWaitMs: 300 } });
    wal = t.db.handle.wal!;
    fast.fn = wal.fsyncFile;
    key = (await serviceWithKey(t)).key;
  });
  afterAll(async () => {
    wal.fsyncFile = fast.fn!;
    await t.close();
  });

  const stall = (ms: number) => {
    wal.fsyncFile = async (fd) => {
      await new Promise((r) => setTimeout(r, ms));
      await fast.fn!(fd);
    };
  };

  it('answers 503 with Retry-After at the bound, never 202 unconfirmed; reads answer; the retry is deduplicated once the disk is back', async () => {
    stall(2_000);
    const started = Date.now();
    const r = await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'slow-1' }) });
    const waited = Date.now() - started;
    expect(r.statusCode).toBe(503);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // In the Events API's own shape, saying what happened.
    expect(r.json()).toMatchObject({ status: 'error', errors: [expect.stringMatching(/disk has not confirmed the write after 0\.3 s \(storage_slow\)/)] });
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1_500);

    // A REST change too, in PagerDuty's error shape.
    const put = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: t.auth, payload: { service: { name: 'Text line' } } });
    expect(put.statusCode).toBe(503);
    expect(put.json()).toMatchObject({ error: { code: 2031, errors: [expect.stringContaining('storage_slow')] } });

    // The disk recovers (the stalled flush completes): the sender retries the same event,
    // accepted and counted on the same alert.
    wal.fsyncFile = fast.fn!;
    await t.deps.sync();
    const again = await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'slow-1' }) });
    expect(again.statusCode).toBe(202);
    const alerts = await t.db.handle.db.selectFrom('alerts').select(['dedup_key', 'count']).where('dedup_key', '=', 'slow-1').execute();
    expect(alerts).toEqual([{ dedup_key: 'slow-1', count: 2 }]);
    expect((await t.db.handle.db.selectFrom('incidents').select('id').execute()).length).toBe(1);

    // A read during a stall waits for the flush and answers (it promises nothing new).
    stall(600);
    await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'slow-2' }) });
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: t.auth });
    expect(read.statusCode).toBe(200);
    wal.fsyncFile = fast.fn!;
    await t.deps.sync();
    expect(wal.flushedUpTo).toBe(wal.commits);
  });
});
