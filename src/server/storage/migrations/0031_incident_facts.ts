import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Incident analytics over a year (issue 17): the figures of each resolved incident, computed
 * once (the analytics-facts engine module, analytics/facts.service.ts) instead of on every
 * request from the incident, its timeline and its alerts. Analytics reads a range's facts by
 * `incident_facts_created`; incidents without a row are read from the incident tables.
 *
 * `incidents_resolved` (partial: only resolved incidents) lets the module find the incidents
 * resolved since its last pass without reading the others. An incident is inserted unresolved,
 * so ingest of a trigger writes no entry into it. The backfill is the module's first passes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('incident_facts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('escalation_policy_id', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('priority_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint', (c) => c.notNull())
    .addColumn('first_ack_at', 'bigint')
    .addColumn('first_escalation_at', 'bigint')
    .addColumn('escalations', 'integer', (c) => c.notNull())
    .addColumn('manual_escalations', 'integer', (c) => c.notNull())
    .addColumn('alerts', 'integer', (c) => c.notNull())
    .addColumn('repeat', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_facts_pk', ['org_id', 'incident_id'])
    .execute();
  await db.schema.createIndex('incident_facts_created').on('incident_facts').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('incident_facts_resolved').on('incident_facts').columns(['resolved_at']).execute();
  await db.schema
    .createIndex('incidents_resolved')
    .on('incidents')
    .columns(['resolved_at'])
    .where(sql.ref('resolved_at'), 'is not', sql.lit(null))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('incidents_resolved').execute();
  await db.schema.dropTable('incident_facts').execute();
}
