/**
 * Maintenance: starts and ends the occurrences of maintenance windows.
 *
 * Theory of operation. A window's next edge is a row (maintenance_windows.next_transition_at);
 * build.ts wakes the engine exactly then. A tick claims the windows whose edge is due and,
 * for each, compares the occurrence in force at `now` (maintenance.ts, pure) with the one the
 * engine last started (`active_since`): it ends that one if it is over, starts the one in force
 * if it has not been started, writes a timeline entry on each of the window's services for
 * each, and sets the next edge. Ingest reads `active_since` in every batch's transaction, so
 * from the commit of a start the services' new alerts are stored suppressed and page nobody;
 * from the commit of an end they page again.
 *
 * At an end, alerts the window suppressed that are still open are resolved: they hold their
 * dedup keys, and a trigger after the window must open an incident as if the window had never
 * been (a sender that still sees the problem reports it again; PagerDuty drops such events).
 * A heartbeat that went silent during the window has no sender to report again: it is made
 * due at once, so the heartbeat module pages if it still is: this module reports work, so the
 * engine runs another pass at once, whose read of the deadlines sees it due.
 *
 * Idempotent: a window's plan at the same `now` is empty once applied, and a claim skips
 * windows another node holds.
 */
import type { Kysely } from 'kysely';
import type { Database, MaintenanceWindowTable } from '../../storage/schema.js';
import { appendLog, type Tx } from '../../incident/timeline.js';
import { closeSuppressedAlerts } from '../../incident/alert.store.js';
import { isoIn, planTransition, windowTimes, type TransitionPlan } from '../../maintenance/maintenance.js';
import { claimDueWindows, servicesOfWindows, updateWindow } from '../../maintenance/maintenance.store.js';
import { HEARTBEAT_DEDUP_KEY } from '../../ingest/heartbeat.js';
import { getIntegration, setHeartbeat } from '../../service/service.store.js';
import type { EngineModule } from '../engine.js';
import { say, word } from '../../lib/i18n/translate.js';

const CHANNEL = { type: 'auto' as const, reason: 'maintenance window' };
/**
 * A window whose rule cannot be expanded (stored rules are checked; a library change could
 * still break one) is looked at again this much later, so it cannot hold back the others;
 * meanwhile its services are not in maintenance (a broken window must not silence them).
 */
const RETRY_BROKEN_MS = 3_600_000;

export class MaintenanceModule implements EngineModule {
  readonly name = 'maintenance';
  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: { batch: number } = { batch: 100 },
  ) {}

  async tick(now: number): Promise<number> {
    let broken: unknown = null;
    const n = await this.db.transaction().execute(async (trx) => {
      const due = await claimDueWindows(trx, now, this.opts.batch);
      const tx: Tx = { trx, now, changes: [] };
      for (const w of due) {
        const err = await this.step(tx, w);
        broken ??= err;
      }
      return due.length;
    });
    // The others were stepped and committed; the engine logs this one's failure.
    if (broken) throw broken;
    return n;
  }

  /** Returns the error of a window whose rule could not be expanded (null when stepped). */
  private async step(tx: Tx, w: MaintenanceWindowTable): Promise<unknown> {
    let plan: TransitionPlan;
    try {
      plan = planTransition(windowTimes(w), w.active_since === null ? null : Number(w.active_since), tx.now);
    } catch (err) {
      if (w.active_since !== null) {
        for (const { service_id } of await servicesOfWindows(tx.trx, w.org_id, [w.id])) {
          await appendLog(tx, w.org_id, service_id, null, 'maintenance_end_log_entry', say('timeline.maintenance.unreadable', { error: (err as Error).message }), null, CHANNEL, { maintenance_window_id: w.id });
        }
      }
      await updateWindow(tx.trx, w.org_id, w.id, { active_since: null, next_transition_at: tx.now + RETRY_BROKEN_MS });
      return err;
    }
    if (plan.end || plan.start) {
      const serviceIds = (await servicesOfWindows(tx.trx, w.org_id, [w.id])).map((s) => s.service_id);
      const name = w.description ?? say('timeline.maintenance.window', { number: String(w.sequence_number) });
      const details = { maintenance_window_id: w.id, sequence_number: Number(w.sequence_number) };
      if (plan.end) {
        const closed = await closeSuppressedAlerts(tx.trx, w.org_id, serviceIds, 'maintenance', tx.now);
        for (const a of closed) {
          if (a.dedup_key !== HEARTBEAT_DEDUP_KEY || !a.service_id) continue;
          const i = await getIntegration(tx.trx, w.org_id, a.service_id, a.integration_id);
          if (i?.type === 'heartbeat') await setHeartbeat(tx.trx, w.org_id, i.id, { heartbeat_state: 'up', heartbeat_next_due: tx.now });
        }
        for (const s of serviceIds) {
          const n = closed.filter((a) => a.service_id === s).length;
          await appendLog(tx, w.org_id, s, null, 'maintenance_end_log_entry', say('timeline.maintenance.ended', { alerts: n }), null, CHANNEL, { ...details, description: typeof name === 'string' ? name : word('en', name), resolved_suppressed_alerts: n });
        }
      }
      if (plan.start) {
        const until = isoIn(plan.start.end, w.time_zone);
        for (const s of serviceIds) {
          await appendLog(tx, w.org_id, s, null, 'maintenance_start_log_entry', say('timeline.maintenance.started', { name, until }), null, CHANNEL, { ...details, start: isoIn(plan.start.start, w.time_zone), end: until });
        }
      }
    }
    await updateWindow(tx.trx, w.org_id, w.id, { active_since: plan.activeSince, next_transition_at: plan.nextTransitionAt });
    return null;
  }
}
