/** What the checkpoint thread (checkpoint.worker.ts) and its starter (wal-checkpointer.ts) exchange. */

export interface CheckpointData {
  sqliteFile: string;
  /** The thread ends itself after this long without a request (ms). */
  idleMs: number;
  /** After reporting a log this long, the thread waits for 'resume' (the main thread's own checkpoint done). */
  restartFrames: number;
}

/** After each checkpoint: the frames in the log, or that another checkpoint held the lock (`busy`: nothing copied), or why it failed. */
export type CheckpointReply = { ok: true; busy: boolean; frames: number } | { ok: false; error: string };
