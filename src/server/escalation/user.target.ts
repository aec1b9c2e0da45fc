/** A user named directly by a policy level: always that person (whether they can be reached is notify's question). */
import { getUsers } from '../org/org.store.js';
import type { TargetResolver } from './targets.js';
import { say } from '../lib/i18n/translate.js';

export const userTarget: TargetResolver = {
  type: 'user_reference',
  aliases: ['user'],
  noun: 'user',
  resolve: async (_db, _ctx, id) => ({ users: [{ userId: id, via: say('timeline.reached.direct') }], problems: [], handsBack: false }),
  existing: async (db, orgId, ids) => new Set((await getUsers(db, orgId, [...ids])).filter((u) => u.deleted_at === null).map((u) => u.id)),
};
