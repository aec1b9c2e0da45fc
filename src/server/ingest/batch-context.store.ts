/**
 * What an ingest batch reads about an organization's services before its triggers: the
 * version of each service's event rules (rules/orchestration.store.ts) and which services are
 * in a maintenance window now (maintenance/maintenance.store.ts), in ONE statement. Each was
 * a round trip of its own in every batch on PostgreSQL. Read inside the batch's transaction,
 * after its organization lock, so a rule edit or a window's start or end made on any node,
 * or directly in the database, is seen by the next batch: nothing here is cached.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { run, statement, type Statement } from '../storage/prepared.js';
import { IN_MAINTENANCE_FROM } from '../maintenance/maintenance.store.js';
import { servicePathsFrom } from '../rules/orchestration.store.js';

export interface ServiceContext {
  /** By service id: its rule path's version and whether it is active; null when it has no stored path. Only the services asked about. */
  rules: Map<string, { version: number; active: number } | null>;
  /** Every service of the organization in a maintenance window now. */
  inMaintenance: Set<string>;
}

// One text per number of services asked about (a batch touches few).
const byCount = new Map<number, Statement>();
function statementFor(count: number): Statement {
  let s = byCount.get(count);
  if (!s) {
    const maintenance = `SELECT DISTINCT 'm' AS k, s.service_id AS id, 0 AS version, 0 AS active ${IN_MAINTENANCE_FROM}`;
    s = statement(count ? `SELECT 'r' AS k, parent_id AS id, version, active ${servicePathsFrom(count)} UNION ALL ${maintenance}` : maintenance);
    if (byCount.size < 64) byCount.set(count, s);
  }
  return s;
}

export async function readServiceContext(db: Kysely<Database>, orgId: string, serviceIds: readonly string[]): Promise<ServiceContext> {
  const ids = [...new Set(serviceIds)];
  const params = ids.length ? [orgId, ...ids, orgId] : [orgId];
  const rows = await run<{ k: string; id: string; version: number | string; active: number | string }>(db, statementFor(ids.length), params);
  const out: ServiceContext = { rules: new Map(ids.map((id) => [id, null])), inMaintenance: new Set() };
  for (const r of rows) {
    if (r.k === 'm') out.inMaintenance.add(r.id);
    else out.rules.set(r.id, { version: Number(r.version), active: Number(r.active) });
  }
  return out;
}
