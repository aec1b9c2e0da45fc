/**
 * Acknowledgement timeout and auto-resolve, both driven by service settings.
 * Ack timeout: an incident acknowledged longer than the service's
 * acknowledgement_timeout goes back to triggered and escalates again from the
 * first level (PagerDuty semantics). Auto-resolve: an incident open longer than
 * auto_resolve_timeout since its last status change is resolved by the system.
 *
 * Both look at every open incident of a service with the setting, so they look at most every
 * SCAN_EVERY_MS (sooner while a full page of timed-out incidents remains): on every tick
 * they cost the single SQLite writer milliseconds per pass among 10,000 open incidents
 * (docs/benchmarks.md). Timeouts are minutes to hours; a few seconds late is not felt.
 */
import type { Kysely } from 'kysely';
import type { Database, IncidentTable } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import { setStatus } from '../../incident/incident.service.js';
import type { Tx } from '../../incident/timeline.js';
import { claimTimedOut } from '../../incident/incident.store.js';
import type { EngineModule } from '../engine.js';

/** How often each timeout looks for incidents that timed out. */
export const SCAN_EVERY_MS = 5_000;
const PAGE = 100;

abstract class TimeoutModule implements EngineModule {
  abstract readonly name: string;
  protected abstract readonly column: 'acknowledgement_timeout' | 'auto_resolve_timeout';
  protected abstract readonly statuses: IncidentTable['status'][];
  protected abstract act(tx: Tx, inc: IncidentTable): Promise<void>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly publish: (c: IncidentChange[]) => void,
  ) {}

  private nextScanAt = -Infinity;

  async tick(now: number): Promise<number> {
    // (A clock stepped back looks at once rather than waiting out the step.)
    if (now < this.nextScanAt && this.nextScanAt - now <= SCAN_EVERY_MS) return 0;
    const changes: IncidentChange[] = [];
    const n = await this.db.transaction().execute(async (trx) => {
      const rows = await claimTimedOut(trx, this.column, this.statuses, now, PAGE);
      for (const r of rows) await this.act({ trx, now, changes }, r);
      return rows.length;
    });
    this.publish(changes);
    // A full page may leave more behind: look again on the next tick.
    this.nextScanAt = n < PAGE ? now + SCAN_EVERY_MS : -Infinity;
    return n;
  }
}

export class AckTimeoutModule extends TimeoutModule {
  readonly name = 'ack_timeout';
  protected readonly column = 'acknowledgement_timeout' as const;
  protected readonly statuses: IncidentTable['status'][] = ['acknowledged'];
  protected async act(tx: Tx, inc: IncidentTable): Promise<void> {
    await setStatus(tx, inc, 'triggered', null, { type: 'timeout', reason: 'acknowledgement timeout' });
  }
}

export class AutoResolveModule extends TimeoutModule {
  readonly name = 'auto_resolve';
  protected readonly column = 'auto_resolve_timeout' as const;
  protected readonly statuses: IncidentTable['status'][] = ['triggered', 'acknowledged'];
  protected async act(tx: Tx, inc: IncidentTable): Promise<void> {
    await setStatus(tx, inc, 'resolved', null, { type: 'timeout', reason: 'auto-resolve timeout' });
  }
}
