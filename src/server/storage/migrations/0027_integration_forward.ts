import type { Kysely } from 'kysely';

/**
 * Running both during a move (issue 16 item 4): an integration may forward every event it
 * accepts, unchanged, to another Events API v2 or Opsgenie endpoint. `forward_url` is the
 * other service's base URL, `forward_kind` `events_v2` or `opsgenie`, and `forward_key` its
 * routing key or API key, sealed at rest (lib/secret-box.ts) and never answered. All three
 * are NULL when the integration forwards nothing. The copies themselves are outbox rows
 * (channel `forward`), written in the event's transaction.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('integrations').addColumn('forward_url', 'text').execute();
  await db.schema.alterTable('integrations').addColumn('forward_kind', 'text').execute();
  await db.schema.alterTable('integrations').addColumn('forward_key', 'text').execute();
}
