/**
 * The checkpoint thread's entry (storage/wal-checkpointer.ts starts it): its own connection
 * to the SQLite file, which copies the write-ahead log's frames into the database file
 * (`PRAGMA wal_checkpoint(PASSIVE)`) each time the main thread asks. PASSIVE takes no lock
 * a writer or reader waits on; SQLite rewinds the log at the next write transaction once
 * every frame is copied (wal-checkpointer.ts says how the main thread sees to that). With
 * `synchronous = NORMAL` the checkpoint syncs the log before copying and the database file
 * after, as the main connection's own checkpoints did.
 *
 * It loads nothing but better-sqlite3, and ends itself after `idleMs` without a request,
 * so an idle server carries no second thread. Once it reports a log of `restartFrames` or
 * more it holds off until the main thread has run its own, finishing checkpoint: two
 * checkpoints cannot run at once, and the main thread's must not find this one running.
 */
import { parentPort, workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import type { CheckpointData, CheckpointReply } from './checkpoint-protocol.js';

const port = parentPort;
if (!port) throw new Error('checkpoint.worker.js runs as a worker thread (storage/wal-checkpointer.ts)');
const { sqliteFile, idleMs, restartFrames } = workerData as CheckpointData;
const conn = new SQLite(sqliteFile);
conn.pragma('synchronous = NORMAL');
conn.pragma('cache_size = -512');
// Reading the journal mode opens the log: a checkpoint before any read would report -1 frames.
const journal = conn.pragma('journal_mode', { simple: true });
if (journal !== 'wal') throw new Error(`the database is not in WAL mode (${String(journal)})`);

let asked = false;
let scheduled = false;
/** After reporting a long log: no checkpoint here until the main thread has finished it ('resume'). */
let holding = false;
let idle: NodeJS.Timeout | null = null;

function checkpoint(): void {
  scheduled = false;
  if (!conn.open) return;
  asked = false;
  let reply: CheckpointReply;
  try {
    const [row] = conn.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number }[];
    reply = { ok: true, busy: row!.busy !== 0, frames: row!.log };
  } catch (err) {
    reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  holding = reply.ok && !reply.busy && reply.frames >= restartFrames;
  port!.postMessage(reply);
  // Asked again while copying: the log has grown since this checkpoint began.
  if (asked) schedule();
}

function schedule(): void {
  if (scheduled || holding) return;
  scheduled = true;
  setImmediate(checkpoint);
}

function stop(): void {
  conn.close();
  port!.close();
}

port.on('message', (m: 'checkpoint' | 'resume' | 'close') => {
  if (idle) clearTimeout(idle);
  if (m === 'close') return stop();
  if (m === 'resume') holding = false;
  else asked = true;
  schedule();
  idle = setTimeout(stop, idleMs);
});
