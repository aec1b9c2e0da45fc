/**
 * Volunteer pools as escalation targets, and the care-limit gate for volunteers on call
 * through a schedule. Registered with the escalation target registry at composition.
 */
import type { PersonGate, TargetResolver } from '../escalation/targets.js';
import { recordPoolPages, resolveVolunteerPool, scheduledVolunteerRefusal } from './pool.service.js';
import { getPools } from './volunteer.store.js';

export const volunteerPoolTarget: TargetResolver = {
  type: 'volunteer_pool_reference',
  aliases: ['volunteer_pool'],
  noun: 'volunteer pool',
  async resolve(db, ctx, id) {
    const pool = await resolveVolunteerPool(db, ctx.orgId, id, ctx.now);
    // A pool that reaches nobody hands its level back: volunteers are a backup layer.
    return { users: pool.users, problems: pool.problems, handsBack: true };
  },
  existing: async (db, orgId, ids) => new Set((await getPools(db, orgId, [...ids])).filter((p) => (p as { deleted_at?: number | null }).deleted_at == null).map((p) => p.id)),
  afterLevel: recordPoolPages,
};

/** A volunteer on call in a schedule keeps their care limits (paused, pages this shift, cool-down). */
export const volunteerCareGate: PersonGate = (db, ctx, person) => scheduledVolunteerRefusal(db, ctx.orgId, person.userId, person.shift, ctx.now, ctx.incidentId);
