import type { Layer } from './schedule.js';
import { DAY_MS, HOUR_MS, type ZoneClock } from './zone.js';

/**
 * Where turns start. Turn k starts at handoff(k) and ends at handoff(k + 1);
 * its user is users[k mod n].
 *
 * - 'hours' turns are a fixed number of elapsed hours: a 12-hour rotation
 *   keeps its rhythm through DST and its local handoff time moves by an hour.
 * - 'days' and 'weeks' turns are local calendar arithmetic in the schedule's
 *   zone: a 09:00 handoff stays at 09:00 local, so the turn across a DST change
 *   lasts 23 or 25 hours. Each handoff is computed from rotationVirtualStart,
 *   never from the previous handoff, so a handoff that had to move does not
 *   drag the ones after it.
 * - A handoff whose wall time does not exist that day (02:30 when clocks jump
 *   02:00 → 03:00) happens at 03:30 local, as luxon and Temporal resolve it; one
 *   whose wall time occurs twice happens at the first occurrence.
 */
export interface Rotation {
  handoff(k: number): number;
  /** The k with handoff(k) <= at < handoff(k + 1). */
  turnAt(at: number): number;
}

export function rotationOf(layer: Layer, clock: ZoneClock): Rotation {
  const { unit, count } = layer.turnLength;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`turn count must be a positive integer, got ${count}`);
  const origin = layer.rotationVirtualStart;

  if (unit === 'hours') {
    const length = count * HOUR_MS;
    return {
      handoff: (k) => origin + k * length,
      turnAt: (at) => Math.floor((at - origin) / length),
    };
  }

  const wallLength = count * (unit === 'weeks' ? 7 : 1) * DAY_MS;
  const originWall = clock.wallOf(origin);
  // k = 0 is the origin itself even when its wall time is the second
  // occurrence of a repeated hour; the contract is that turn 0 starts there.
  const handoff = (k: number) => (k === 0 ? origin : clock.toInstant(originWall + k * wallLength));
  return {
    handoff,
    turnAt(at) {
      // Wall time estimates k to within one turn; handoffs are at least a day
      // apart and move by at most the size of a DST change, so nudge.
      let k = Math.floor((clock.wallOf(at) - originWall) / wallLength);
      while (handoff(k) > at) k--;
      while (handoff(k + 1) <= at) k++;
      return k;
    },
  };
}

/** users[k mod n] for any integer k, including negative ones. */
export function userForTurn(users: readonly string[], k: number): string {
  const n = users.length;
  const user = users[((k % n) + n) % n];
  if (user === undefined) throw new RangeError('a rotation needs at least one user');
  return user;
}
