/**
 * Incident facts for analytics (issue 17). Theory of operation: each pass stores the figures
 * of up to 500 incidents resolved since the latest stored resolution (less five minutes, for
 * resolving transactions that committed late), found through the partial index
 * `incidents_resolved`; analytics/facts.service.ts computes them exactly as a request would.
 * The first passes after migration 0031 are the backfill, oldest resolution first, 500 at a
 * time (the engine runs another pass at once while one reports work, so escalation runs
 * between batches). Idempotent: a stored incident is never taken again, and two nodes that
 * take the same incident insert it once (ON CONFLICT DO NOTHING). Requests never wait for
 * it: an incident without stored facts is read from the incident tables.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { fillIncidentFacts } from '../../analytics/facts.service.js';
import type { EngineModule } from '../engine.js';

export class AnalyticsFactsModule implements EngineModule {
  readonly name = 'analytics-facts';

  constructor(private readonly db: Kysely<Database>) {}

  async tick(): Promise<number> {
    return fillIncidentFacts(this.db);
  }
}
