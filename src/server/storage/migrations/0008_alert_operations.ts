import type { Kysely } from 'kysely';
import { newId } from '../../lib/ids.js';
import { dropNotNull } from '../dialect.js';

/**
 * Alerts that fit real operations: alert grouping per service (PagerDuty's
 * alert_grouping_parameters; the organization's default for new services), support hours
 * and the urgency rule that uses them, scheduled urgency changes, pausing notifications,
 * priorities, snooze, maintenance windows, and alerts that open no incident (suppressed by
 * a rule or a maintenance window: stored and shown, nobody paged).
 *
 * Existing services keep the behaviour they had: every alert joins the service's open
 * incident until it resolves (time grouping, timeout 0); so does an existing
 * organization's default for the services it creates next. A new organization starts with
 * PagerDuty's default for a new service: each alert opens its own incident.
 */
const TIME_UNTIL_RESOLVED = JSON.stringify({ type: 'time', config: { timeout: 0 } });
const PRIORITIES = [
  ['P1', 'Critical: people cannot be served now'],
  ['P2', 'High: service degraded for many'],
  ['P3', 'Moderate: degraded for some'],
  ['P4', 'Low: minor, no one is blocked'],
  ['P5', 'Informational'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organizations').addColumn('default_alert_grouping', 'text').execute();
  await db.updateTable('organizations').set({ default_alert_grouping: TIME_UNTIL_RESOLVED }).execute();

  // services: NULL alert_grouping is PagerDuty's {"type": null}.
  await db.schema.alterTable('services').addColumn('alert_grouping', 'text').execute();
  await db.updateTable('services').set({ alert_grouping: TIME_UNTIL_RESOLVED }).execute();
  // urgency_rule gains 'use_support_hours': then urgency_during / urgency_outside apply.
  await db.schema.alterTable('services').addColumn('urgency_during', 'text').execute();
  await db.schema.alterTable('services').addColumn('urgency_outside', 'text').execute();
  // JSON {time_zone, days_of_week, start_time, end_time}.
  await db.schema.alterTable('services').addColumn('support_hours', 'text').execute();
  // JSON [{type: 'urgency_change', at: {type: 'named_time', name}, to_urgency}].
  await db.schema.alterTable('services').addColumn('scheduled_actions', 'text').execute();
  // When the next scheduled urgency change is due (the engine's timer row).
  await db.schema.alterTable('services').addColumn('urgency_change_at', 'bigint').execute();
  await db.schema.createIndex('services_urgency_change').on('services').columns(['urgency_change_at']).execute();
  // JSON {enabled, timeout}: PagerDuty's auto_pause_notifications_parameters.
  await db.schema.alterTable('services').addColumn('auto_pause', 'text').execute();

  // incidents: open_group now names the group an incident accepts alerts for (NULL: none).
  // group_until: the time grouping's window closes here (NULL: until resolved).
  await db.schema.alterTable('incidents').addColumn('group_until', 'bigint').execute();
  // The open grouping incident of a service was marked 'alerts'; time grouping names its group 'time'.
  await db.updateTable('incidents').set({ open_group: 'time' }).where('open_group', '=', 'alerts').execute();
  // JSON of the grouped field values (content-based grouping that matches on any field).
  await db.schema.alterTable('incidents').addColumn('group_fields', 'text').execute();
  await db.schema.alterTable('incidents').addColumn('priority_id', 'text').execute();
  await db.schema.alterTable('incidents').addColumn('snoozed_until', 'bigint').execute();
  await db.schema.createIndex('incidents_snoozed').on('incidents').columns(['snoozed_until']).execute();
  // Notifications paused by a rule or the service: nobody is paged before this instant.
  await db.schema.alterTable('incidents').addColumn('paused_until', 'bigint').execute();

  // alerts: a suppressed alert belongs to no incident; an event no router rule took (unrouted) to no service either.
  await dropNotNull(db, 'alerts', 'incident_id');
  await dropNotNull(db, 'alerts', 'service_id');
  // 'rule' | 'maintenance' while suppressed.
  await db.schema.alterTable('alerts').addColumn('suppressed_by', 'text').execute();
  // JSON [{set, rule, label}]: which event rules matched the latest trigger.
  await db.schema.alterTable('alerts').addColumn('rule_match', 'text').execute();
  await db.schema.createIndex('alerts_service_seen').on('alerts').columns(['org_id', 'service_id', 'last_seen_at']).execute();

  await db.schema
    .createTable('priorities')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // 1 is the most severe; lists are ordered by it.
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('color', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('priorities_pk', ['org_id', 'id'])
    .execute();
  const orgs = await db.selectFrom('organizations').select(['id']).execute();
  const now = Date.now();
  for (const o of orgs as { id: string }[]) {
    await db
      .insertInto('priorities')
      .values(PRIORITIES.map(([name, description], i) => ({ org_id: o.id, id: newId(now), name, description, rank: i + 1, color: null, created_at: now, updated_at: now, deleted_at: null })))
      .execute();
  }

  await db.schema
    .createTable('maintenance_windows')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('sequence_number', 'bigint', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    // For a recurring window: the end of its first occurrence (its length repeats).
    .addColumn('end_time', 'bigint', (c) => c.notNull())
    // RFC 5545 RRULE read in time_zone (a Vigil extension); NULL for a one-off window.
    .addColumn('recurrence', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    // The engine's timer row: the next start or end of an occurrence it has to act on.
    .addColumn('next_transition_at', 'bigint')
    // The occurrence in progress as the engine last saw it (start instant), NULL outside.
    .addColumn('active_since', 'bigint')
    .addPrimaryKeyConstraint('maintenance_windows_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('maintenance_windows_transition').on('maintenance_windows').columns(['next_transition_at']).execute();
  await db.schema
    .createTable('maintenance_window_services')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('window_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('maintenance_window_services_pk', ['org_id', 'window_id', 'service_id'])
    .execute();
  await db.schema.createIndex('maintenance_window_services_service').on('maintenance_window_services').columns(['org_id', 'service_id']).execute();
  await db.schema.alterTable('organizations').addColumn('maintenance_seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
