/**
 * The writer thread's entry (writer-thread.ts starts it): its own connection to the SQLite
 * file, and the same batch code as the main thread (batch-runner.ts). A batch's reply is
 * posted once it committed; the main thread's WalSync then flushes the WAL that holds it
 * before anything is answered (fsync covers the file whichever connection wrote it,
 * storage/wal-sync.ts), so a 202 still means "on disk". Batches run one at a time, in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../storage/dialect.js';
import { IngestBatchRunner } from './batch-runner.js';
import { Keyring, installKeyring } from '../lib/secret-box.js';
import { carryError, type BatchReply, type BatchRequest, type WriterData } from './writer-protocol.js';

const port = parentPort;
if (!port) throw new Error('batch.worker.js runs as a worker thread (ingest/writer-thread.ts)');
const { sqliteFile, keys } = workerData as WriterData;
if (keys) installKeyring(new Keyring(keys.map((k) => Buffer.from(k, 'base64'))));
// A failed fsync of the WAL (at close) ends this thread with code 70; the main thread then exits too (writer-thread.ts).
const handle = openDatabase({ sqliteFile });
const runner = new IngestBatchRunner(handle.db);
let queue: Promise<void> = Promise.resolve();

port.on('message', (m: BatchRequest | 'close') => {
  if (m === 'close') {
    queue = queue.then(() => handle.close()).then(() => port.close());
    return;
  }
  queue = queue.then(async () => {
    let reply: BatchReply;
    try {
      const result = await runner.run(m.jobs, m.now);
      reply = { id: m.id, ok: true, result };
    } catch (err) {
      reply = { id: m.id, ok: false, error: carryError(err) };
    }
    port.postMessage(reply);
  });
});
