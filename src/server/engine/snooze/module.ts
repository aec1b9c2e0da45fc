/**
 * Snoozes that end. Theory of operation: a snoozed incident holds its end in
 * `incidents.snoozed_until` (indexed; nextDeadline in build.ts wakes the engine for it).
 * Each tick claims incidents whose snooze has ended (FOR NO KEY UPDATE SKIP LOCKED, so
 * several nodes take disjoint rows) and triggers each again in the same transaction
 * (incident/snooze.service.ts endSnooze: escalation from the first level, "Snooze ended:
 * re-triggered" on the timeline, `incident.unacknowledged` to webhook subscriptions), which
 * clears `snoozed_until`. Idempotent: a second tick at the same instant finds nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import { claimEndedSnoozes } from '../../incident/incident.store.js';
import { endSnooze } from '../../incident/snooze.service.js';
import type { EngineModule } from '../engine.js';

export class SnoozeModule implements EngineModule {
  readonly name = 'snooze';

  constructor(
    private readonly db: Kysely<Database>,
    private readonly publish: (c: IncidentChange[]) => void,
  ) {}

  async tick(now: number): Promise<number> {
    const changes: IncidentChange[] = [];
    const n = await this.db.transaction().execute(async (trx) => {
      const rows = await claimEndedSnoozes(trx, now, 100);
      for (const r of rows) await endSnooze({ trx, now, changes }, r);
      return rows.length;
    });
    this.publish(changes);
    return n;
  }
}
