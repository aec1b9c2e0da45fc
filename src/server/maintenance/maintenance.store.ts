import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

type Db = Kysely<Database>;

/**
 * Which of these services are inside a maintenance window now: a window whose occurrence
 * the engine has started and not yet ended (`active_since`). Ingest asks once per batch,
 * inside the batch's transaction, so a window's start or end and the events around it are
 * ordered by the database.
 */
export async function servicesInMaintenance(db: Db, orgId: string, serviceIds: readonly string[]): Promise<Set<string>> {
  if (!serviceIds.length) return new Set();
  const rows = await db
    .selectFrom('maintenance_window_services as s')
    .innerJoin('maintenance_windows as w', (j) => j.onRef('w.org_id', '=', 's.org_id').onRef('w.id', '=', 's.window_id'))
    .select('s.service_id')
    .distinct()
    .where('s.org_id', '=', orgId)
    .where('s.service_id', 'in', [...serviceIds])
    .where('w.active_since', 'is not', null)
    .where('w.deleted_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.service_id));
}
