import type { Kysely } from 'kysely';

/**
 * The web UI's rows: passwords, browser sessions, one-time account links
 * (invitation and password reset), the public status page and the public updates
 * responders write on it. Secrets (session cookies, link tokens) are stored as
 * SHA-256 hashes; passwords as scrypt hashes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('user_passwords')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_passwords_pk', ['org_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('web_sessions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addPrimaryKeyConstraint('web_sessions_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('web_sessions_token').on('web_sessions').column('token_hash').unique().execute();
  await db.schema.createIndex('web_sessions_user').on('web_sessions').columns(['org_id', 'user_id']).execute();

  await db.schema
    .createTable('account_links')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('account_links_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('account_links_token').on('account_links').column('token_hash').unique().execute();

  await db.schema
    .createTable('status_pages')
    .addColumn('org_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('status_pages_slug').on('status_pages').column('slug').unique().execute();

  await db.schema
    .createTable('public_updates')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('public_updates_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('public_updates_incident').on('public_updates').columns(['org_id', 'incident_id', 'created_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
