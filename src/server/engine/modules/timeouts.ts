/**
 * Acknowledgement timeout and auto-resolve, both driven by service settings.
 * Ack timeout: an incident acknowledged longer than the service's
 * acknowledgement_timeout goes back to triggered and escalates again from the
 * first level (PagerDuty semantics). Auto-resolve: an incident open longer than
 * auto_resolve_timeout since its last status change is resolved by the system.
 */
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../../storage/dialect.js';
import type { Database, IncidentTable } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import { setStatus, type Tx } from '../../incident/incident.service.js';
import type { EngineModule } from '../engine.js';

abstract class TimeoutModule implements EngineModule {
  abstract readonly name: string;
  protected abstract readonly column: 'acknowledgement_timeout' | 'auto_resolve_timeout';
  protected abstract readonly statuses: IncidentTable['status'][];
  protected abstract act(tx: Tx, inc: IncidentTable): Promise<void>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly publish: (c: IncidentChange[]) => void,
  ) {}

  async tick(now: number): Promise<number> {
    const changes: IncidentChange[] = [];
    const n = await this.db.transaction().execute(async (trx) => {
      const lock = this.dialect === 'postgres' ? sql`FOR NO KEY UPDATE OF i SKIP LOCKED` : sql``;
      const col = sql.ref(`s.${this.column}`);
      const rows = await sql<IncidentTable>`
        SELECT i.* FROM incidents i JOIN services s ON s.org_id = i.org_id AND s.id = i.service_id
        WHERE i.status IN (${sql.join(this.statuses)}) AND ${col} IS NOT NULL
          AND i.last_status_change_at + ${col} * 1000 <= ${now}
        ORDER BY i.last_status_change_at LIMIT 100 ${lock}`.execute(trx);
      for (const r of rows.rows) await this.act({ trx, dialect: this.dialect, now, changes }, { ...r, escalation_epoch: Number(r.escalation_epoch) });
      return rows.rows.length;
    });
    this.publish(changes);
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
