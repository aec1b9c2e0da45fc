/**
 * The ingest writer thread (ingest/writer-thread.ts, issue 18 item 6): batches run on a
 * worker thread with its own connection to the SQLite file, while the main thread's
 * connection keeps writing. Shown here: the two writers never fail each other with
 * SQLITE_BUSY and lose nothing (every transaction takes the write lock at BEGIN IMMEDIATE,
 * storage/dialect.ts); a batch's time is the main thread's clock; a thread that stops
 * mid-batch fails its callers with 503 and Retry-After, never a 202, and the next batch
 * starts a new one. The worker's entry is the built dist/ (npm test builds first). SQLite only:
 * PostgreSQL batches stay on the main thread.
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { Bus } from '../../src/server/lib/bus.js';
import { IngestService, type IngestJob, type ResolvedIntegration } from '../../src/server/ingest/ingest.service.js';
import { WriterThread } from '../../src/server/ingest/writer-thread.js';
import { WriterLost } from '../../src/server/ingest/writer-lost.js';
import { createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { enqueue } from '../api/helpers.js';

const OPTS = { ratePerIntegration: 0, burstPerIntegration: 0, maxBatch: 200 };

describe('the ingest writer thread (sqlite)', () => {
  let t: TestApp | undefined;
  let ingest: IngestService | undefined;
  afterEach(async () => {
    await ingest?.close();
    await t?.close();
    t = undefined;
    ingest = undefined;
  });

  async function setUp(): Promise<{ t: TestApp; ingest: IngestService; writer: WriterThread; target: ResolvedIntegration }> {
    t = await createTestApp('sqlite', { clock: manualClock() });
    const writer = new WriterThread(t.db.handle.file!, () => t.db.handle.wal?.noteCommit());
    ingest = new IngestService(t.deps.db, t.clock, new Bus(), OPTS, writer);
    const { key } = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    const target = (await ingest.resolveKey(key, 'any'))!;
    return { t, ingest, writer, target };
  }
  const job = (target: ResolvedIntegration, dedupKey: string): IngestJob => ({ kind: 'trigger', target, channel: { type: 'events_api_v2' }, dedupKey, summary: `event ${dedupKey}`, severity: 'critical', source: 'probe', details: {} });

  it('main-thread write transactions and writer-thread batches run side by side: no SQLITE_BUSY, nothing lost, the batch time is the main clock', async () => {
    const { t, ingest, writer, target } = await setUp();
    const db = t.deps.db;
    const errors: unknown[] = [];
    let mainCommits = 0;
    let ingesting = true;
    // The main connection: transactions that read, then write after the writer thread may have committed
    // (the case a DEFERRED transaction fails at once with SQLITE_BUSY_SNAPSHOT), and autocommit writes.
    const main = (async () => {
      while (ingesting) {
        try {
          await db.transaction().execute(async (trx) => {
            await trx.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
            await new Promise((r) => setImmediate(r));
            await sql`UPDATE kysely_migration_lock SET is_locked = is_locked WHERE id = 'migration_lock'`.execute(trx);
          });
          await sql`UPDATE kysely_migration_lock SET is_locked = is_locked WHERE id = 'migration_lock'`.execute(db);
          mainCommits++;
        } catch (err) {
          errors.push(err);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const ROUNDS = 20;
    const PER_ROUND = 100;
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.allSettled(Array.from({ length: PER_ROUND }, (_, i) => ingest.submit(job(target, `r${round}-${i}`))));
      for (const r of results) if (r.status === 'rejected') errors.push(r.reason);
    }
    ingesting = false;
    await main;
    expect(errors).toEqual([]);
    expect(mainCommits).toBeGreaterThan(20);
    expect(writer.started).toBe(1);
    const rows = await db.selectFrom('alerts').select(['dedup_key', 'first_seen_at']).where('org_id', '=', t.org.org.id).execute();
    expect(new Set(rows.map((r) => r.dedup_key)).size).toBe(ROUNDS * PER_ROUND);
    expect(rows.length).toBe(ROUNDS * PER_ROUND);
    // No clock is read on the writer thread: every row carries the main thread's (manual) time.
    expect(new Set(rows.map((r) => Number(r.first_seen_at)))).toEqual(new Set([t.clock.now()]));
    expect(ingest.metrics.batchedJobs).toBe(ROUNDS * PER_ROUND);
  }, 60_000);

  it('a writer thread that stops mid-batch fails that batch with WriterLost (never a success); the next batch starts a new thread', async () => {
    const { t, ingest, writer, target } = await setUp();
    await ingest.submit(job(target, 'warm-up'));
    const thread = writer.thread!;
    // Stop the thread the moment a batch is handed to it.
    const post = thread.postMessage.bind(thread);
    thread.postMessage = (m: unknown) => {
      post(m);
      void thread.terminate();
    };
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => ingest.submit(job(target, `lost-${i}`))));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as WriterLost;
      expect(err).toBeInstanceOf(WriterLost);
      expect(err.status).toBe(503);
      expect(err.retryAfterSeconds).toBe(1);
    }
    await ingest.submit(job(target, 'after'));
    expect(writer.started).toBe(2);
    const keys = (await t.deps.db.selectFrom('alerts').select('dedup_key').execute()).map((r) => r.dedup_key);
    expect(keys).toContain('after');
    // The lost batch ran in one transaction: all of it or none of it.
    const lost = keys.filter((k) => k.startsWith('lost-')).length;
    expect([0, 50]).toContain(lost);
  });

  it('over HTTP: a 202 only after the writer committed; a lost writer answers 503 with Retry-After; the app recovers', async () => {
    t = await createTestApp('sqlite', { clock: manualClock(), config: { ingest: { ...OPTS, writer: 'thread' } } });
    const app = t;
    const writer = app.deps.ingest.writer as WriterThread;
    expect(writer).toBeInstanceOf(WriterThread);
    const { key } = await serviceWithKey(app, 'events_v2', 'Text line');
    const wal = app.db.handle.wal!;
    const fsyncs = wal.fsyncs;
    const first = await enqueue(app, trigger(key, { dedup_key: 'one' }));
    expect(first.statusCode).toBe(202);
    // The writer's commit was counted on this thread's WalSync, and the 202 waited for the fsync that covers it.
    expect(wal.fsyncs).toBeGreaterThan(fsyncs);
    expect(wal.pending).toBe(false);
    expect(await app.deps.db.selectFrom('alerts').select('dedup_key').where('dedup_key', '=', 'one').executeTakeFirst()).toBeDefined();
    const thread = writer.thread!;
    const post = thread.postMessage.bind(thread);
    thread.postMessage = (m: unknown) => {
      post(m);
      void thread.terminate();
    };
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => enqueue(app, trigger(key, { dedup_key: `burst-${i}` }))));
    for (const a of answers) {
      expect(a.statusCode).toBe(503);
      expect(a.headers['retry-after']).toBe('1');
    }
    const again = await enqueue(app, trigger(key, { dedup_key: 'two' }));
    expect(again.statusCode).toBe(202);
    expect(writer.started).toBe(2);
    expect(await app.deps.db.selectFrom('alerts').select('dedup_key').where('dedup_key', '=', 'two').executeTakeFirst()).toBeDefined();
  });
});
