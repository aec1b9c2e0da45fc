import type { Kysely } from 'kysely';

/**
 * Impact (DESIGN §8): a metric per service with its detector state, per-minute
 * counts with hourly and daily roll-ups (all keyed by UTC instants and kept in step by the
 * store on every write), the last counter sample per integration, and the people-affected
 * figure per incident. Only counts are stored, never content.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('impact_metrics')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('unit_label', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('people_per_unit', 'double precision')
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('opening_hours', 'text')
    .addColumn('iris_metric_id', 'text')
    .addColumn('detector', 'text', (c) => c.notNull())
    .addColumn('holidays', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // Detector: when the engine evaluates next (also its lease while evaluating), the state
    // between evaluations, where the current episode started, and the last evaluation.
    .addColumn('next_eval_at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('episode_start', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_evaluation', 'text')
    .addColumn('evaluated_at', 'bigint')
    .addPrimaryKeyConstraint('impact_metrics_pk', ['org_id', 'service_id'])
    .execute();
  await db.schema.createIndex('impact_metrics_due').on('impact_metrics').column('next_eval_at').execute();

  for (const [table, key] of [
    ['impact_minutes', 'minute'],
    ['impact_hours', 'hour'],
    ['impact_days', 'day'],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn('org_id', 'text', (c) => c.notNull())
      .addColumn('service_id', 'text', (c) => c.notNull())
      .addColumn(key, 'bigint', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addColumn('offered', 'bigint')
      .addColumn('answered', 'bigint')
      .addPrimaryKeyConstraint(`${table}_pk`, ['org_id', 'service_id', key])
      .execute();
  }

  await db.schema
    .createTable('impact_counters')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('offered', 'bigint')
    .addColumn('answered', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('impact_counters_pk', ['org_id', 'integration_id'])
    .execute();

  await db.schema
    .createTable('incident_impact')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('window_end', 'bigint')
    .addColumn('label', 'text')
    .addColumn('factor', 'double precision')
    .addColumn('estimate', 'double precision')
    .addColumn('low', 'double precision')
    .addColumn('high', 'double precision')
    .addColumn('net', 'double precision')
    .addColumn('net_low', 'double precision')
    .addColumn('net_high', 'double precision')
    .addColumn('expected', 'double precision')
    .addColumn('observed', 'double precision')
    .addColumn('catch_up', 'double precision')
    .addColumn('catch_up_complete', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('complete', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('computed_at', 'bigint')
    .addColumn('frozen', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('incident_impact_pk', ['org_id', 'incident_id'])
    .execute();
  await db.schema.createIndex('incident_impact_service').on('incident_impact').columns(['org_id', 'service_id', 'window_start']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
