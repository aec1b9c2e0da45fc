/**
 * Escalate: fire the due level of each triggered incident's frozen policy, then schedule
 * the next level (or the next loop).
 *
 * Theory: an incident row carries (epoch, loop, level, next_step_at). Due incidents are
 * claimed with their rows (incident.store `claimDueSteps`), and each step is recorded in
 * escalation_steps, whose primary key makes a step fire once even when two nodes race.
 * For each step the module reads the facts (who the level's targets resolve to now,
 * through the target registry; how each person would be reached, from notify), lets the
 * pure planner decide (escalation/step.ts), and applies the plan in the same transaction:
 * timeline, pages (notify's outbox), assignments, the targets' own bookkeeping, the last
 * resort, and the next deadline. That transaction commits without waiting for PostgreSQL's
 * log flush (storage/dialect.ts noFlushColumn, carried by the claim): its pages leave only after the deliver
 * module's claim of them, whose flushed commit carries this one to disk with it.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, IncidentTable } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import { readBeside, type Tx } from '../../incident/timeline.js';
import { claimDueSteps, setAssignments, setEscalationPosition } from '../../incident/incident.store.js';
import { planStep, stepKeyOf } from '../../escalation/step.js';
import type { PolicySnapshot } from '../../escalation/policy.js';
import { nextStep } from '../../escalation/policy.js';
import { claimStep } from '../../escalation/step.store.js';
import type { TargetRegistry } from '../../escalation/targets.js';
import type { EngineModule } from '../engine.js';
import { pageOwnersAndAdmins, peopleToPage, sendPages, writeTimeline } from './paging.js';

const BATCH = 50;
/** A step firing this long after its due time is logged (a stepped clock, a stopped engine, a database outage). */
const LATE_MS = 60_000;

export class EscalateModule implements EngineModule {
  readonly name = 'escalate';
  readonly eager = true;
  readonly dueOnTrigger = true;
  constructor(
    private readonly db: Kysely<Database>,
    private readonly targets: TargetRegistry,
    private readonly publish: (c: IncidentChange[]) => void,
    private readonly log: Pick<Logger, 'warn'> = { warn: () => {} },
  ) {}

  async tick(now: number): Promise<number> {
    const changes: IncidentChange[] = [];
    const fired = await this.db.transaction().execute(async (trx) => {
      let n = 0;
      const due = await claimDueSteps(trx, now, BATCH, { commitWithoutFlush: true });
      for (const inc of due) if (await this.fire({ trx, now, changes, db: this.db }, inc)) n++;
      return n;
    });
    this.publish(changes);
    return fired;
  }

  /** Fire the incident's pending step; false when another node already fired it (the incident still moves on). */
  private async fire(tx: Tx, inc: IncidentTable): Promise<boolean> {
    const { trx, now } = tx;
    const snapshot = inc.escalation_snapshot ? (JSON.parse(inc.escalation_snapshot) as PolicySnapshot) : null;
    const pos = { level: inc.escalation_level, loop: inc.escalation_loop };
    const claimed = await claimStep(trx, { org_id: inc.org_id, incident_id: inc.id, epoch: inc.escalation_epoch, loop: pos.loop, level: pos.level, fired_at: now, due_at: inc.next_step_at ?? now });
    if (!claimed) {
      await setEscalationPosition(trx, inc.org_id, inc.id, snapshot ? nextStep(snapshot, pos, now) : null);
      return false;
    }
    const lateMs = now - (inc.next_step_at ?? now);
    if (lateMs >= LATE_MS) this.log.warn({ orgId: inc.org_id, incidentId: inc.id, level: pos.level, loop: pos.loop, lateMs, dueAt: new Date(inc.next_step_at!).toISOString() }, `escalation step fired ${Math.round(lateMs / 1000)} s late`);
    const rule = snapshot?.rules[pos.level];
    const resolution = rule ? await this.targets.resolve(trx, { orgId: inc.org_id, now, incidentId: inc.id }, rule.targets) : undefined;
    const { people, avoided } = resolution ? await peopleToPage(readBeside(tx), inc, resolution.users.map((u) => u.userId), inc.urgency) : { people: new Map(), avoided: [] };
    const plan = planStep({ incident: inc, snapshot, now, ...(resolution ? { resolution } : {}), people });

    await sendPages(tx, inc, plan.stepKey, plan.pages);
    if (plan.pages.length) await writeTimeline(tx, inc, avoided);
    if (rule) await this.targets.afterLevel(trx, { incident: inc, targets: rule.targets, reached: plan.reached, stepKey: stepKeyOf(inc), now, next: plan.next ?? pos });
    if (plan.reached.length) await setAssignments(trx, inc.org_id, inc.id, plan.reached, now);
    await writeTimeline(tx, inc, plan.timeline);
    if (plan.updated) tx.changes.push({ orgId: inc.org_id, incidentId: inc.id, serviceId: inc.service_id, kind: 'updated' });
    if (plan.lastResort) await pageOwnersAndAdmins(tx, inc, plan.stepKey);
    await setEscalationPosition(trx, inc.org_id, inc.id, plan.next);
    return true;
  }
}
