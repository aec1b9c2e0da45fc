/**
 * Cleanup: keep tables bounded. Delivered or cancelled notifications and spent
 * action tokens older than the retention are deleted; change events are kept 90
 * days (PagerDuty's retention). Incidents, alerts and the timeline are history and
 * are kept. Runs at most once an hour; each pass deletes in bounded batches.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { deleteChangeEventsBefore } from '../../incident/log-entry.store.js';
import { deleteExpiredBefore } from '../../notify/action-token.store.js';
import { deleteLinkCodesBefore } from '../../notify/telegram.store.js';
import { deleteFinishedBefore } from '../../notify/outbox.store.js';
import { deleteAttemptsBefore } from '../../notify/sms-provider.store.js';
import type { EngineModule } from '../engine.js';

const DAY = 86_400_000;

export class CleanupModule implements EngineModule {
  readonly name = 'cleanup';
  private lastRun = -Infinity;
  constructor(
    private readonly db: Kysely<Database>,
    private readonly retention = { notificationsMs: 30 * DAY, changeEventsMs: 90 * DAY, tokensMs: 7 * DAY },
  ) {}

  async tick(now: number): Promise<number> {
    if (now - this.lastRun < 3_600_000) return 0;
    this.lastRun = now;
    await deleteFinishedBefore(this.db, now - this.retention.notificationsMs);
    await deleteExpiredBefore(this.db, now - this.retention.tokensMs);
    await deleteLinkCodesBefore(this.db, now - this.retention.tokensMs);
    // SMS attempts carry the month's spend and the providers' health: kept for at least two full months.
    await deleteAttemptsBefore(this.db, now - Math.max(this.retention.notificationsMs, 100 * 86_400_000));
    await deleteChangeEventsBefore(this.db, now - this.retention.changeEventsMs);
    // Housekeeping is not "work" for the drain loop: it never needs an immediate second pass.
    return 0;
  }
}
