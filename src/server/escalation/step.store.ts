import type { Kysely } from 'kysely';
import type { Database, EscalationStepTable } from '../storage/schema.js';

/**
 * Record that a step fired. The primary key (org, incident, epoch, loop, level) makes a
 * step fire once whatever the number of nodes: false when another node recorded it first.
 */
export async function claimStep(db: Kysely<Database>, step: EscalationStepTable): Promise<boolean> {
  const r = await db
    .insertInto('escalation_steps')
    .values(step)
    .onConflict((oc) => oc.columns(['org_id', 'incident_id', 'epoch', 'loop', 'level']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}
