/**
 * Status page subscriptions: tells subscribers what changed on the public page. Each pass
 * forgets unconfirmed email subscribers past their 48 hours, then, for every organization
 * whose published page has confirmed subscribers, compares the components' states with what
 * subscribers were last told (throttled: status-page/subscriptions.ts) and queues the
 * maintenance notices that came due (announced ahead, started, ended). Messages go through
 * the outbox (the deliver module sends them). Idempotent: each message's key names what it
 * tells, so a pass replayed, or run by two nodes, queues it once.
 *
 * When it looks. The states are derived (incidents, maintenance), not stored, so there is no
 * row to wait on; the module looks only when something may have changed or comes due:
 *
 *   - after a write: the engine's wake (the bus on this node, PostgreSQL NOTIFY from the
 *     others) calls `written()`; a burst of writes is looked at once per MIN_GAP_MS;
 *   - at its next deadline, which it reports to the engine (`nextDeadline()`, so the engine
 *     wakes for it exactly): a throttled component notice coming due, a maintenance
 *     occurrence starting or ending;
 *   - at the latest LOOK_AGAIN_MS after the last look, for what no write announces (an
 *     announcement entering its 3-day horizon, an unconfirmed subscriber expiring, a page
 *     or service edited without a wake).
 *
 * With nothing pending and no writes it runs no query between those looks.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { forgetUnconfirmed, notifyOrganization, organizationsToNotify } from '../../status-page/subscription-notify.service.js';
import type { EngineModule } from '../engine.js';

/** A burst of writes is looked at once per this long. */
export const MIN_GAP_MS = 10_000;
/** The longest the module goes without a look. */
export const LOOK_AGAIN_MS = 5 * 60_000;
/** After a failed look, the next one. */
const RETRY_MS = 10_000;

export class StatusSubscriptionsModule implements EngineModule {
  readonly name = 'status-subscriptions';
  private readonly baseUrl: string;
  /** A write was committed since the last look (the first look needs none). */
  private dirty = true;
  private lastLook = -Infinity;
  /** The next look due without a write. */
  private nextAt = -Infinity;
  /** Looks taken (queries run), for tests and health. */
  looks = 0;

  constructor(
    private readonly db: Kysely<Database>,
    opts: { baseUrl: string },
  ) {
    this.baseUrl = opts.baseUrl;
  }

  written(): void {
    this.dirty = true;
  }

  /** When the module next has something to look at: its deadline, or soon after a write. */
  nextDeadline(): number | null {
    const at = this.dirty ? Math.min(this.nextAt, this.lastLook + MIN_GAP_MS) : this.nextAt;
    return Number.isFinite(at) ? at : null;
  }

  async tick(now: number): Promise<number> {
    const due = this.nextDeadline();
    // A clock stepped back (now before the last look) looks at once.
    if (due !== null && now < due && now >= this.lastLook) return 0;
    this.dirty = false;
    this.lastLook = now;
    this.looks++;
    try {
      let n = await forgetUnconfirmed(this.db, now);
      let next = now + LOOK_AGAIN_MS;
      for (const orgId of await organizationsToNotify(this.db)) {
        const pass = await notifyOrganization(this.db, now, this.baseUrl, orgId);
        n += pass.queued;
        if (pass.nextAt !== null) next = Math.min(next, Math.max(pass.nextAt, now + 1));
      }
      this.nextAt = next;
      return n;
    } catch (err) {
      this.nextAt = now + RETRY_MS;
      throw err;
    }
  }
}
