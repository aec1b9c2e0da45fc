import type { Kysely } from 'kysely';

/**
 * Volunteer responders: the organization's volunteer settings, partner
 * companies, volunteer profiles (one per user with role `volunteer`, per
 * organization), one-off unavailability, pools and their members, the pages pools
 * sent (pages per shift, round-robin fairness and hand-over), coordinator approvals
 * of the hours ledger, and the audit log.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('volunteer_settings')
    .addColumn('org_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('terms_version', 'text')
    .addColumn('terms_url', 'text')
    .addColumn('value_per_hour', 'double precision')
    .addColumn('currency', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('partner_companies')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('employee_count', 'integer', (c) => c.notNull())
    .addColumn('contact_email', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('partner_companies_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('volunteers')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('company_id', 'text')
    // JSON string[]
    .addColumn('skills', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    // JSON AvailabilityWindow[] (volunteer/availability.ts), read in time_zone
    .addColumn('availability', 'text', (c) => c.notNull())
    // active | paused
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('paused_at', 'bigint')
    .addColumn('pause_reason', 'text')
    .addColumn('consent_version', 'text')
    .addColumn('consented_at', 'bigint')
    .addColumn('references_checked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('background_checked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('vetting_note', 'text')
    .addColumn('vetted_by', 'text')
    .addColumn('vetted_at', 'bigint')
    // NULL: the default cap (volunteer/caps.ts DEFAULT_CAPS)
    .addColumn('weekly_hour_cap', 'double precision')
    .addColumn('min_rest_hours', 'double precision')
    .addColumn('pages_per_shift', 'integer')
    .addColumn('cooldown_hours', 'double precision')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('volunteers_pk', ['org_id', 'user_id'])
    .execute();
  await db.schema.createIndex('volunteers_company').on('volunteers').columns(['org_id', 'company_id']).execute();

  await db.schema
    .createTable('volunteer_unavailability')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('start', 'bigint', (c) => c.notNull())
    .addColumn('end', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('volunteer_unavailability_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('volunteer_unavailability_user').on('volunteer_unavailability').columns(['org_id', 'user_id', 'end']).execute();

  await db.schema
    .createTable('volunteer_pools')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    // all | round_robin
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('round_robin_timeout_minutes', 'integer', (c) => c.notNull())
    .addColumn('requires_references', 'integer', (c) => c.notNull())
    .addColumn('requires_background_check', 'integer', (c) => c.notNull())
    // JSON string[]: a member must have every one of these skills
    .addColumn('required_skills', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('volunteer_pools_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('volunteer_pool_members')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('pool_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('volunteer_pool_members_pk', ['org_id', 'pool_id', 'user_id'])
    .execute();
  await db.schema.createIndex('volunteer_pool_members_user').on('volunteer_pool_members').columns(['org_id', 'user_id']).execute();

  await db.schema
    .createTable('volunteer_pages')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('pool_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    // incident:epoch:loop:level of the escalation step (as in notifications.step_key)
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('paged_at', 'bigint', (c) => c.notNull())
    .addColumn('shift_start', 'bigint')
    .addColumn('shift_end', 'bigint')
    // Where the incident's escalation stands right after this step: a round-robin
    // hand-over only happens while it still stands there.
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('next_level', 'integer', (c) => c.notNull())
    .addColumn('next_loop', 'integer', (c) => c.notNull())
    // Round robin: when to hand over to the next member if nobody acknowledged.
    .addColumn('follow_up_at', 'bigint')
    .addColumn('followed_up_at', 'bigint')
    .addPrimaryKeyConstraint('volunteer_pages_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('volunteer_pages_step_user').on('volunteer_pages').columns(['org_id', 'step_key', 'user_id']).unique().execute();
  await db.schema.createIndex('volunteer_pages_user').on('volunteer_pages').columns(['org_id', 'user_id', 'paged_at']).execute();
  await db.schema.createIndex('volunteer_pages_follow_up').on('volunteer_pages').columns(['follow_up_at']).execute();

  await db.schema
    .createTable('volunteer_hour_approvals')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    // YYYY-MM in the organization's zone
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('on_call_ms', 'bigint', (c) => c.notNull())
    .addColumn('response_ms', 'bigint', (c) => c.notNull())
    .addColumn('total_ms', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('approved_by', 'text', (c) => c.notNull())
    .addColumn('approved_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('volunteer_hour_approvals_pk', ['org_id', 'user_id', 'month'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_log_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('audit_log_user').on('audit_log').columns(['org_id', 'user_id', 'at']).execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').columns(['org_id', 'at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
