/**
 * The SQLite database refuses writes (DESIGN.md §4 invariants 1 and 6).
 * A read-only file cannot be simulated with chmod when the tests run as root (root
 * writes anyway) and a full disk needs a mount; what any user can do is what a
 * stuck backup tool or a second process does to a live database: hold its write
 * lock. A second connection takes BEGIN EXCLUSIVE and keeps it beyond Vigil's
 * busy_timeout (5 s), so every write Vigil tries fails with SQLITE_BUSY.
 *
 * Shown: events sent meanwhile are answered 503 with a JSON body and Retry-After,
 * never 202, and none of them is in the database afterwards (no 202 without a
 * commit, nothing half-written); once the lock is released Vigil takes events again
 * by itself, and every 202 is stored once.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { distBuilt, initOrg, postJson, request, serviceWithKey, sleep, startVigil, tempDir, trigger, type VigilProcess } from './helpers.js';

const built = distBuilt();

describe.skipIf(!built)('fault: SQLite database locked by another process', () => {
  const dir = tempDir('vigil-sqlite-fault-');
  let vigil: VigilProcess | null = null;
  let locker: SQLite.Database | null = null;

  afterAll(async () => {
    if (locker?.inTransaction) locker.exec('ROLLBACK');
    locker?.close();
    await vigil?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with JSON and Retry-After while writes are refused, commits nothing for them, and recovers by itself', async () => {
    // The api role only, so the one writer under test is the ingest path. With the engine
    // running too, one run on a busy machine (4 fault files in parallel, load average
    // ~12) saw an answer take over 25 s while the lock was held; alone it is ~0.1–5 s
    // (better-sqlite3 waits out busy_timeout on the event loop).
    const env = { VIGIL_DATA_DIR: dir, VIGIL_INGEST_RATE: '0', VIGIL_ROLES: 'api' };
    const token = await initOrg(env);
    vigil = await startVigil(env);
    const { key } = await serviceWithKey(vigil.url, token);

    const acked: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await postJson(vigil.url, '/v2/enqueue', trigger(key, `before-${i}`));
      expect(r.status).toBe(202);
      acked.push(`before-${i}`);
    }

    locker = new SQLite(path.join(dir, 'vigil.db'));
    locker.pragma('busy_timeout = 2000');
    locker.exec('BEGIN EXCLUSIVE');
    const lockedAt = Date.now();

    // One at a time: each write waits out busy_timeout before failing.
    const refused: string[] = [];
    for (let i = 0; i < 2; i++) {
      const k = `locked-${i}`;
      const started = Date.now();
      const r = await postJson(vigil.url, '/v2/enqueue', trigger(key, k), {}, 25_000);
      expect(r.status, r.text).toBe(503);
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expect(r.json).toMatchObject({ status: expect.any(String), errors: [expect.stringMatching(/database/)] });
      expect(Date.now() - started).toBeLessThan(20_000);
      refused.push(k);
    }
    expect(vigil.alive()).toBe(true);

    locker.exec('ROLLBACK');
    locker.close();
    locker = null;
    const releasedAfter = Date.now() - lockedAt;

    // Back by itself: the next events are taken.
    let back = false;
    const deadline = Date.now() + 15_000;
    for (let i = 0; !back && Date.now() < deadline; i++) {
      const r = await postJson(vigil.url, '/v2/enqueue', trigger(key, `after-${i}`), {}, 10_000);
      if (r.status === 202) {
        back = true;
        acked.push(`after-${i}`);
      } else {
        expect(r.status).toBe(503);
        await sleep(200);
      }
    }
    expect(back, `no 202 within 15 s of releasing a lock held for ${releasedAfter} ms`).toBe(true);
    expect((await request(vigil.url, 'GET', '/readyz')).status).toBe(200);

    const check = new SQLite(path.join(dir, 'vigil.db'), { readonly: true });
    try {
      const count = (k: string) => (check.prepare('SELECT count(*) AS n FROM alerts WHERE dedup_key = ?').get(k) as { n: number }).n;
      for (const k of acked) expect(count(k), `acknowledged ${k}`).toBe(1);
      for (const k of refused) expect(count(k), `refused ${k}`).toBe(0);
    } finally {
      check.close();
    }
  }, 45_000);
});
