/**
 * "A 202 means the event is committed to disk" with SQLite's WAL flushed off the event
 * loop (storage/wal-sync.ts): every answer to a request that wrote something leaves the
 * server only after the flush that covers its commit. The flush is observed by wrapping
 * the real WalSync's fsync count; the ordering is checked at the moment each response is
 * written (onSend runs before the bytes go out).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, serviceWithKey, trigger, type TestApp } from '../harness.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('durable acknowledgement on SQLite', () => {
  it('no 202 leaves before the WAL flush that covers its commit; concurrent events share flushes', async () => {
    t = await createTestApp('sqlite');
    const wal = t.db.handle.wal!;
    expect(wal).toBeDefined();
    const { key } = await serviceWithKey(t);
    // For each event: how many commits existed once its batch had committed...
    const committedBy = new Map<string, number>();
    const submit = t.deps.ingest.submit.bind(t.deps.ingest);
    t.deps.ingest.submit = async (job) => {
      await submit(job);
      if ('dedupKey' in job) committedBy.set(job.dedupKey, wal.commits);
    };
    // ...and how many were on disk when its answer was written to the socket.
    const flushedAtSend = new Map<string, number>();
    t.app.server.prependListener('request', (req, res) => {
      const write = res.writeHead.bind(res);
      res.writeHead = ((...args: Parameters<typeof res.writeHead>) => {
        flushedAtSend.set(String(req.headers['x-key']), wal.flushedUpTo);
        return write(...args);
      }) as typeof res.writeHead;
    });
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const before = wal.fsyncs;
    const N = 60;
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        fetch(`${url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-key': `k-${i}` }, body: JSON.stringify(trigger(key, { dedup_key: `k-${i}` })) }).then((r) => r.status),
      ),
    );
    expect(answers).toEqual(Array(N).fill(202));
    expect(committedBy.size).toBe(N);
    for (const [k, commits] of committedBy) expect(flushedAtSend.get(k), k).toBeGreaterThanOrEqual(commits);
    // ...and flushes were shared: fewer than one per event.
    const flushes = wal.fsyncs - before;
    expect(flushes).toBeGreaterThanOrEqual(1);
    expect(flushes).toBeLessThan(N);
    const alerts = await t.db.handle.db.selectFrom('alerts').select('dedup_key').execute();
    expect(alerts).toHaveLength(N);
  });
});
