/**
 * Heartbeat watch: a heartbeat integration expects a ping every interval. When a
 * ping is overdue, an alert opens on its service (dedup key "heartbeat", so one
 * incident however long the silence); the next ping resolves it (see
 * ingest/heartbeat.ts). The due time is a row (integrations.heartbeat_next_due). A service
 * in a maintenance window still gets the alert, stored suppressed like ingest's: nobody is
 * paged for a silence the window announced.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import { triggerAlert } from '../../incident/trigger.service.js';
import { servicePlan } from '../../incident/alert-plan.js';
import { HEARTBEAT_DEDUP_KEY } from '../../ingest/heartbeat.js';
import { claimOverdueHeartbeats, getService, setHeartbeat } from '../../service/service.store.js';
import { servicesInMaintenance } from '../../maintenance/maintenance.store.js';
import type { EngineModule } from '../engine.js';

export class HeartbeatModule implements EngineModule {
  readonly name = 'heartbeat';
  constructor(
    private readonly db: Kysely<Database>,
    private readonly publish: (c: IncidentChange[]) => void,
  ) {}

  async tick(now: number): Promise<number> {
    const changes: IncidentChange[] = [];
    const n = await this.db.transaction().execute(async (trx) => {
      const due = await claimOverdueHeartbeats(trx, now, 100);
      for (const i of due) {
        const service = await getService(trx, i.org_id, i.service_id);
        await setHeartbeat(trx, i.org_id, i.id, { heartbeat_state: 'down' });
        if (!service || service.status === 'disabled') continue;
        const lateBy = Math.round((now - Number(i.heartbeat_next_due)) / 1000);
        const inMaintenance = (await servicesInMaintenance(trx, i.org_id, [service.id])).has(service.id);
        await triggerAlert(
          { trx, now, changes },
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
            plan: { ...servicePlan(service, 'critical', now), suppressed: inMaintenance ? 'maintenance' : null },
          },
        );
      }
      return due.length;
    });
    this.publish(changes);
    return n;
  }
}
