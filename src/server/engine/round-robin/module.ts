/**
 * Round robin: a volunteer paged by a round-robin pool who did not acknowledge within the
 * pool's short timeout hands over to the next qualifying member; when nobody is left, the
 * next level fires at once.
 *
 * Theory: each page a round-robin pool makes is a row (volunteer_pages) with its follow-up
 * time. Due follow-ups are claimed (volunteer store); the incident is locked and acts only
 * if its escalation still stands where that step left it (same epoch, level and loop), so a
 * hand-over never outlives an acknowledgement, a resolve, or the next level.
 */
import type { Kysely } from 'kysely';
import type { Database, VolunteerPageTable } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import { readBeside, type Tx } from '../../incident/timeline.js';
import { lockIncident, setAssignments, setNextStepAt } from '../../incident/incident.store.js';
import { planPages } from '../../escalation/step.js';
import { claimDueFollowUps } from '../../volunteer/volunteer.store.js';
import { nextRoundRobin, recordHandOver } from '../../volunteer/pool.service.js';
import type { EngineModule } from '../engine.js';
import { peopleToPage, sendPages, writeTimeline } from '../escalate/paging.js';
import { say } from '../../lib/i18n/translate.js';

const BATCH = 50;

export class RoundRobinModule implements EngineModule {
  readonly name = 'round-robin';
  constructor(
    private readonly db: Kysely<Database>,
    private readonly publish: (c: IncidentChange[]) => void,
  ) {}

  async tick(now: number): Promise<number> {
    const changes: IncidentChange[] = [];
    const acted = await this.db.transaction().execute(async (trx) => {
      let n = 0;
      for (const page of await claimDueFollowUps(trx, now, BATCH)) if (await this.handOver({ trx, now, changes, db: this.db }, page)) n++;
      return n;
    });
    this.publish(changes);
    return acted;
  }

  private async handOver(tx: Tx, page: VolunteerPageTable): Promise<boolean> {
    const { trx, now } = tx;
    const inc = await lockIncident(trx, page.org_id, page.incident_id);
    if (!inc || inc.status !== 'triggered' || inc.escalation_epoch !== page.epoch || inc.escalation_level !== page.next_level || inc.escalation_loop !== page.next_loop) return false;
    const next = await nextRoundRobin(trx, page, now);
    if (!next) return false;
    const { pool } = next;
    const head = say('timeline.roundRobin.head', { pool: pool.name, previous: next.previousName, minutes: pool.round_robin_timeout_minutes });

    const { people, avoided } = await peopleToPage(readBeside(tx), inc, next.users.map((u) => u.userId), inc.urgency);
    const paged = planPages(next.users.map((u) => u.userId), people);
    await sendPages(tx, inc, page.step_key, paged.pages);
    if (paged.pages.length) await writeTimeline(tx, inc, avoided);
    await writeTimeline(tx, inc, paged.timeline);
    if (paged.reached.length) {
      await setAssignments(trx, inc.org_id, inc.id, paged.reached, now);
      const names = paged.reached.map((id) => people.get(id)!.name).join(', ');
      await writeTimeline(tx, inc, [{ type: 'assign_log_entry', summary: say('timeline.roundRobin.handedOver', { head, names }), details: { pool_id: pool.id, user_ids: paged.reached, reason: 'round_robin_timeout' } }]);
      tx.changes.push({ orgId: inc.org_id, incidentId: inc.id, serviceId: inc.service_id, kind: 'assigned' });
      await recordHandOver(trx, inc, pool, page, paged.reached, now);
      return true;
    }
    const reasons = [...next.problems, ...paged.reasons];
    const why = reasons.length ? reasons : say('timeline.roundRobin.nobodyElse', { pool: pool.name });
    const firesNow = inc.next_step_at !== null && inc.next_step_at > now;
    await writeTimeline(tx, inc, [{ type: 'notify_log_entry', summary: say('timeline.roundRobin.exhausted', { head, why, firesNow: firesNow ? 'yes' : 'no' }), details: { pool_id: pool.id, reason: 'round_robin_exhausted' } }]);
    if (firesNow) await setNextStepAt(trx, inc.org_id, inc.id, now);
    return true;
  }
}
