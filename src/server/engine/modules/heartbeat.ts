/**
 * Heartbeat watch: a heartbeat integration expects a ping every interval. When a
 * ping is overdue, an alert opens on its service (dedup key "heartbeat", so one
 * incident however long the silence); the next ping resolves it (see
 * ingest/heartbeat.ts). The due time is a row (integrations.heartbeat_next_due).
 */
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../../storage/dialect.js';
import type { Database, IntegrationTable } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import { triggerAlert } from '../../incident/incident.service.js';
import type { EngineModule } from '../engine.js';

export const HEARTBEAT_DEDUP_KEY = 'heartbeat';

export class HeartbeatModule implements EngineModule {
  readonly name = 'heartbeat';
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly publish: (c: IncidentChange[]) => void,
  ) {}

  async tick(now: number): Promise<number> {
    const changes: IncidentChange[] = [];
    const n = await this.db.transaction().execute(async (trx) => {
      const lock = this.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
      const due = await sql<IntegrationTable>`
        SELECT * FROM integrations WHERE type = 'heartbeat' AND deleted_at IS NULL
          AND heartbeat_next_due <= ${now} AND heartbeat_state <> 'down'
        LIMIT 100 ${lock}`.execute(trx);
      for (const i of due.rows) {
        const service = await trx.selectFrom('services').selectAll().where('org_id', '=', i.org_id).where('id', '=', i.service_id).where('deleted_at', 'is', null).executeTakeFirst();
        await trx.updateTable('integrations').set({ heartbeat_state: 'down' }).where('org_id', '=', i.org_id).where('id', '=', i.id).execute();
        if (!service || service.status === 'disabled') continue;
        const lateBy = Math.round((now - Number(i.heartbeat_next_due)) / 1000);
        await triggerAlert(
          { trx, dialect: this.dialect, now, changes },
          {
            orgId: i.org_id,
            service,
            integrationId: i.id,
            agent: { id: i.id, type: 'integration_reference', summary: i.name },
            channel: { type: 'auto', reason: 'missed heartbeat' },
            dedupKey: HEARTBEAT_DEDUP_KEY,
            summary: `Missed heartbeat: ${i.name} on ${service.name} expected a ping every ${Number(i.heartbeat_interval)} s${lateBy > 0 ? ` (${lateBy} s overdue)` : ''}`,
            severity: 'critical',
            source: i.name,
            details: { custom_details: { interval_seconds: Number(i.heartbeat_interval), expected_by: new Date(Number(i.heartbeat_next_due)).toISOString() } },
          },
        );
      }
      return due.rows.length;
    });
    this.publish(changes);
    return n;
  }
}
