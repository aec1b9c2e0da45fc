import type { Kysely } from 'kysely';

/**
 * Matrix replies: an organization's bot account read through the client-server API's
 * `/sync`, so that "ack 42" (or a reply to a page) typed in a room where Vigil paged
 * someone acknowledges as that person.
 *
 * `matrix_syncs`: one per organization: the homeserver, the bot's access token (sealed,
 * write-only), the bot's own user id (its messages are skipped), the `since` token of the
 * last batch read (NULL until the first sync, which only takes the position: nothing
 * older than the configuration is acted on), the timer (`next_sync_at`) and the claim
 * (`claimed_until`) the engine's matrix-sync module takes, and the last outcome.
 *
 * `contact_methods.matrix_user_id`: the Matrix user (`@ada:example.org`) a matrix method's
 * owner writes from; only that user's replies in the method's room act as the owner.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('matrix_syncs')
    .addColumn('org_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('homeserver', 'text', (c) => c.notNull())
    .addColumn('access_token', 'text', (c) => c.notNull())
    .addColumn('bot_user_id', 'text', (c) => c.notNull())
    .addColumn('since', 'text')
    .addColumn('next_sync_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_sync_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('matrix_syncs_due').on('matrix_syncs').columns(['next_sync_at']).execute();
  await db.schema.alterTable('contact_methods').addColumn('matrix_user_id', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
