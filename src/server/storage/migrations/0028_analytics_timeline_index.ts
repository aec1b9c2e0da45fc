import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Incident analytics (issue 17) reads, per incident of a range, its first acknowledgement
 * and its escalations (analytics.store.ts `incidentFactsIn`). With only
 * `log_entries_incident` that join visited every entry of every incident (about ten each)
 * and the table row of each. This partial index holds only the acknowledgement and
 * escalation entries, with every column the join reads, so the join reads the index alone.
 *
 * Ingest is unaffected: a trigger writes trigger, assignment and notification entries,
 * which this index does not hold; only an acknowledgement or an escalation adds an entry.
 * Measured in docs/benchmarks.md, "Analytics over 100,000 incidents".
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('log_entries_timeline')
    .on('log_entries')
    .columns(['org_id', 'incident_id', 'type', 'created_at', 'details'])
    .where(sql.ref('type'), 'in', [sql.lit('acknowledge_log_entry'), sql.lit('escalate_log_entry')])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('log_entries_timeline').execute();
}
