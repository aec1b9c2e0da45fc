/**
 * Impact detect (DESIGN §8): every 5 minutes per service with an impact metric, load
 * its minute counts, run the silent-drop detector, and act on what it says: two consecutive
 * breaches at α = 1e-4 open an incident (dedup key "impact-drop", summary = the detector's
 * one-sentence explanation), a watch-level breach posts a non-paging note on the service
 * timeline, and three calm evaluations in a row resolve an open impact-drop alert. The same
 * pass recomputes the people affected by the service's incidents until they freeze, a day
 * after resolution.
 *
 * Durable and idempotent: the due time (next_eval_at) and the detector state are columns of
 * impact_metrics. A claim moves next_eval_at forward by a lease in a short transaction; the
 * (slow) evaluation runs outside any transaction; the results are written in a second short
 * transaction only if the lease still holds. A node that dies mid-way leaves the row to be
 * claimed again when the lease runs out.
 */
import type { Kysely } from 'kysely';
import type { IncidentChange } from '../../lib/bus.js';
import type { Database } from '../../storage/schema.js';
import { claimDueMetrics } from '../../impact/impact.store.js';
import { applyEvaluation, EVAL_LEASE_MS, prepareEvaluation } from '../../impact/impact.service.js';
import type { EngineModule } from '../engine.js';

export class ImpactDetectModule implements EngineModule {
  readonly name = 'impact-detect';
  constructor(
    private readonly db: Kysely<Database>,
    private readonly publish: (c: IncidentChange[]) => void,
    private readonly opts: { batch: number } = { batch: 20 },
  ) {}

  async tick(now: number): Promise<number> {
    // A little jitter makes two nodes' leases distinct even when their clocks agree.
    const lease = now + EVAL_LEASE_MS + Math.floor(Math.random() * 1000);
    const due = await claimDueMetrics(this.db, now, lease, this.opts.batch);
    let failure: unknown = null;
    for (const metric of due) {
      try {
        const prepared = await prepareEvaluation(this.db, metric, now);
        this.publish(await applyEvaluation(this.db, prepared));
      } catch (err) {
        // The others still run; this one is retried when its lease runs out.
        failure ??= err;
      }
    }
    if (failure) throw failure;
    return due.length;
  }
}
