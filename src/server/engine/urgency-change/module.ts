/**
 * Urgency change: when a service's support hours begin, its open low-urgency incidents
 * become high (PagerDuty's scheduled action `urgency_change` at `support_hours_start`).
 *
 * Theory of operation. A service with that action holds the next start of its support hours
 * in `services.urgency_change_at` (set when its settings are saved; indexed; nextDeadline in
 * build.ts wakes the engine exactly then). A tick claims the services whose change is due
 * (FOR NO KEY UPDATE SKIP LOCKED, so several nodes take disjoint services), decides without
 * I/O what to do (support-hours.ts planUrgencyChange: raise or not, and the next start in the
 * hours' own zone, so 09:00 stays 09:00 across daylight-saving changes), raises each open
 * low-urgency incident through the incident domain (incident/urgency.service.ts: triggered
 * ones are paged again at high urgency through the escalate module and the outbox) and moves
 * `urgency_change_at` to the next start, all in one transaction.
 *
 * Idempotent: once committed, the service's change is in the future and its incidents are
 * high, so a second tick (on this node or another) finds nothing to do.
 */
import type { Kysely } from 'kysely';
import type { Database, ServiceTable } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import type { Tx } from '../../incident/timeline.js';
import { lockOpenLowUrgency } from '../../incident/incident.store.js';
import { raiseForSupportHours } from '../../incident/urgency.service.js';
import { claimDueUrgencyChanges, setUrgencyChangeAt } from '../../service/service.store.js';
import { localTimeWords, planUrgencyChange, type ScheduledAction } from '../../service/support-hours.js';
import { supportHoursOf } from '../../incident/alert-plan.js';
import type { EngineModule } from '../engine.js';

export class UrgencyChangeModule implements EngineModule {
  readonly name = 'urgency-change';

  constructor(
    private readonly db: Kysely<Database>,
    private readonly publish: (c: IncidentChange[]) => void,
    private readonly opts: { batch: number } = { batch: 20 },
  ) {}

  async tick(now: number): Promise<number> {
    const changes: IncidentChange[] = [];
    const n = await this.db.transaction().execute(async (trx) => {
      const due = await claimDueUrgencyChanges(trx, now, this.opts.batch);
      const tx: Tx = { trx, now, changes };
      for (const s of due) await this.step(tx, s);
      return due.length;
    });
    this.publish(changes);
    return n;
  }

  private async step(tx: Tx, s: ServiceTable): Promise<void> {
    const supportHours = supportHoursOf(s);
    const actions = s.scheduled_actions ? (JSON.parse(s.scheduled_actions) as ScheduledAction[]) : [];
    const plan = planUrgencyChange({ urgencyRule: s.urgency_rule, supportHours, actions, deleted: s.deleted_at !== null }, tx.now);
    if (plan.raise && supportHours) {
      const when = localTimeWords(supportHours, Number(s.urgency_change_at));
      for (const inc of await lockOpenLowUrgency(tx.trx, s.org_id, s.id)) await raiseForSupportHours(tx, inc, when);
    }
    await setUrgencyChangeAt(tx.trx, s.org_id, s.id, plan.next);
  }
}
