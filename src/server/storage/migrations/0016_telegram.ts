import type { Kysely } from 'kysely';

/**
 * Telegram: one bot per organization and the one-time codes that link a chat to a person.
 *
 * `telegram_bots`: the bot token (sealed, write-only), the Bot API base URL (self-hosted
 * Bot API servers exist), and the secret Telegram sends back in
 * `X-Telegram-Bot-Api-Secret-Token` (sealed: Vigil hands it to setWebhook again). The
 * row's `id` is the non-secret path segment of the inbound webhook, which names the
 * organization before the secret is compared.
 *
 * `telegram_link_codes`: a code a person sends as `/start <code>`; only its hash is kept,
 * valid minutes, used once. A linked chat is a contact method of type telegram whose
 * address is the chat id.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('telegram_bots')
    .addColumn('org_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('bot_token', 'text', (c) => c.notNull())
    .addColumn('api_base_url', 'text', (c) => c.notNull())
    .addColumn('webhook_secret', 'text', (c) => c.notNull())
    .addColumn('bot_username', 'text')
    .addColumn('webhook_set_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('telegram_bots_id').on('telegram_bots').columns(['id']).unique().execute();
  await db.schema
    .createTable('telegram_link_codes')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('telegram_link_codes_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('telegram_link_codes_hash').on('telegram_link_codes').columns(['org_id', 'code_hash']).unique().execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
