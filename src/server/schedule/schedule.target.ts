/** A schedule named by a policy level: whoever is on call in it when the level fires. */
import type { TargetResolver } from '../escalation/targets.js';
import { whoIsOnCall } from './on-call.js';
import { pureSchedule } from './schedule.service.js';
import { getSchedule, getSchedules } from './schedule.store.js';
import { say } from '../lib/i18n/translate.js';

const WINDOW_MS = 90 * 86_400_000;

export const scheduleTarget: TargetResolver = {
  type: 'schedule_reference',
  aliases: ['schedule'],
  noun: 'schedule',
  async resolve(db, ctx, id) {
    const row = await getSchedule(db, ctx.orgId, id);
    if (!row) return { users: [], problems: [say('timeline.schedule.gone', { id })], handsBack: false };
    const shift = whoIsOnCall(await pureSchedule(db, ctx.orgId, row, { since: ctx.now - WINDOW_MS, until: ctx.now + WINDOW_MS }), ctx.now);
    if (!shift) return { users: [], problems: [say('timeline.schedule.nobodyOnCall', { schedule: row.name })], handsBack: false };
    return { users: [{ userId: shift.userId, via: say('timeline.reached.schedule', { schedule: row.name }), shift: { start: shift.start, end: shift.end } }], problems: [], handsBack: false };
  },
  existing: async (db, orgId, ids) => new Set((await getSchedules(db, orgId, [...ids])).map((s) => s.id)),
};
