/**
 * Status page subscriptions: tells subscribers what changed on the public page. Each pass
 * forgets unconfirmed email subscribers past their 48 hours, then, for every organization
 * whose published page has confirmed subscribers, compares the components' states with what
 * subscribers were last told (throttled: status-page/subscriptions.ts) and queues the
 * maintenance notices that came due (announced ahead, started, ended). Messages go through
 * the outbox (the deliver module sends them). Idempotent: each message's key names what it
 * tells, so a pass replayed, or run by two nodes, queues it once.
 *
 * The states are derived (incidents, maintenance), not stored, so the pass looks at them
 * every `everyMs` (10 s by default) rather than at every engine tick.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { forgetUnconfirmed, notifyOrganization, organizationsToNotify } from '../../status-page/subscription-notify.service.js';
import type { EngineModule } from '../engine.js';

export class StatusSubscriptionsModule implements EngineModule {
  readonly name = 'status-subscriptions';
  private nextAt = -Infinity;
  private readonly everyMs: number;
  private readonly baseUrl: string;

  constructor(
    private readonly db: Kysely<Database>,
    opts: { baseUrl: string; everyMs?: number },
  ) {
    this.baseUrl = opts.baseUrl;
    this.everyMs = opts.everyMs ?? 10_000;
  }

  async tick(now: number): Promise<number> {
    if (now < this.nextAt) return 0;
    this.nextAt = now + this.everyMs;
    let n = await forgetUnconfirmed(this.db, now);
    for (const orgId of await organizationsToNotify(this.db)) n += await notifyOrganization(this.db, now, this.baseUrl, orgId);
    return n;
  }
}
