/**
 * Matrix replies: reads what people write in the rooms where Vigil pages them, through each
 * organization's bot account (notify/channels/matrix/sync.ts), and acts on "ack 42"
 * (incident/matrix-reply.service.ts), answering in the room.
 *
 * Theory of operation: a configured organization has one `matrix_syncs` row whose
 * `next_sync_at` is its timer. A tick claims due rows under a lease (SKIP LOCKED: one node
 * reads a bot at a time) and starts one /sync per row, a long poll bounded by `longPollMs`
 * (the homeserver answers as soon as something arrives) plus the HTTP timeout. The poll
 * runs beside the engine's passes, never inside one, so a quiet room never holds back an
 * escalation. When it ends, the batch's messages are acted on, then the new position
 * (`since`) is recorded with the next run due at once; a failure is recorded and retried
 * after `retryMs`. The first sync of a configuration only takes the position: nothing
 * written before it is acted on. A node that dies mid-batch leaves the old position, so the
 * batch is read again: acknowledging twice changes nothing, and the confirmation's
 * transaction id makes the homeserver post it once.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import type { IncidentChange } from '../../lib/bus.js';
import type { Database, MatrixSyncTable } from '../../storage/schema.js';
import type { HttpOptions } from '../../notify/channels/http.js';
import { readSync, sendNotice } from '../../notify/channels/matrix/sync.js';
import { claimDueSyncs, finishSync } from '../../notify/matrix-sync.store.js';
import { actOnMatrixMessage } from '../../incident/matrix-reply.service.js';
import type { EngineModule } from '../engine.js';

export interface MatrixSyncOptions {
  /** How long the homeserver may hold one /sync open waiting for news (default 25 s). */
  longPollMs: number;
  /** After a failed sync (homeserver down, token revoked). */
  retryMs: number;
  http: HttpOptions;
}

export class MatrixSyncModule implements EngineModule {
  readonly name = 'matrix-sync';
  private readonly opts: MatrixSyncOptions;
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly publish: (c: IncidentChange[]) => void,
    opts: Partial<MatrixSyncOptions> = {},
    private readonly log: Pick<Logger, 'error'> = { error: () => {} },
  ) {
    this.opts = { longPollMs: 25_000, retryMs: 30_000, http: {}, ...opts };
  }

  async tick(now: number): Promise<number> {
    if (this.stopping.signal.aborted) return 0;
    const leaseMs = this.opts.longPollMs + (this.opts.http.timeoutMs ?? 10_000) + 30_000;
    const claimed = await claimDueSyncs(this.db, now, 20, leaseMs);
    for (const row of claimed) {
      const run = this.syncOnce(row, now + leaseMs).catch((err: unknown) => this.log.error({ err, module: this.name, org_id: row.org_id }, 'a Matrix sync failed'));
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
    // The polls run beside the engine: they are no work for this pass.
    return 0;
  }

  /** Engine stop: end the long polls now (their claims are released, not counted as failures). */
  stop(): void {
    this.stopping.abort();
  }

  /** Resolves when every poll started so far has ended (tests; engine stop). */
  async settle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private async syncOnce(row: MatrixSyncTable, claimedUntil: number): Promise<void> {
    const got = await readSync(row.homeserver, row.access_token, row.since, row.since === null ? 0 : this.opts.longPollMs, this.opts.http, this.stopping.signal);
    if (this.stopping.signal.aborted) {
      await finishSync(this.db, row.org_id, claimedUntil, { next_sync_at: this.clock.now(), last_sync_at: row.last_sync_at, last_error: row.last_error });
      return;
    }
    if (!got.ok) {
      const at = this.clock.now();
      await finishSync(this.db, row.org_id, claimedUntil, { next_sync_at: at + this.opts.retryMs, last_sync_at: at, last_error: got.reason });
      return;
    }
    // The first sync answers history: take the position, act on nothing.
    if (row.since !== null) {
      const u = { db: this.db, clock: this.clock, bus: { publish: this.publish } };
      for (const m of got.messages) {
        const answer = await actOnMatrixMessage(u, row.org_id, row.bot_user_id, m);
        if (answer !== null) await sendNotice(row.homeserver, row.access_token, m.roomId, m.eventId, answer, this.opts.http);
      }
    }
    const at = this.clock.now();
    await finishSync(this.db, row.org_id, claimedUntil, { since: got.nextBatch, next_sync_at: at, last_sync_at: at, last_error: null });
  }
}
