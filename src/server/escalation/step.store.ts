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

/** The step that fired last for an incident (the level now responsible), or undefined before the first. */
export async function lastFiredStep(db: Kysely<Database>, orgId: string, incidentId: string): Promise<Pick<EscalationStepTable, 'epoch' | 'loop' | 'level'> | undefined> {
  const r = await db
    .selectFrom('escalation_steps')
    .select(['epoch', 'loop', 'level'])
    .where('org_id', '=', orgId)
    .where('incident_id', '=', incidentId)
    .orderBy('fired_at', 'desc')
    .orderBy('epoch', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && { epoch: Number(r.epoch), loop: Number(r.loop), level: Number(r.level) };
}
