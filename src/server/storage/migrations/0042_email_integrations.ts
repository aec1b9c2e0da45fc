import type { Kysely } from 'kysely';

/**
 * Inbound email integrations (ingest/email/): an integration of type `email` keeps its
 * PagerDuty email settings (email_incident_creation, email_filter_mode, email_filters,
 * email_parsers, email_parsing_fallback), its sender allow-list and its Mailgun signing key
 * (sealed) as one JSON document; NULL for every other type. The address is
 * `<routing key>@<VIGIL_EMAIL_DOMAIN>`, found by the key's hash like any other key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('integrations').addColumn('email_config', 'text').execute();
}
