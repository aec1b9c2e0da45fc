import type { Kysely } from 'kysely';

/**
 * API tokens with a scope (`read`, `incidents_write`, `full`: what the token may do, within
 * what its member's role allows), an optional expiry, and when each was last used (written
 * at most once a minute per token). Existing tokens keep doing everything: `full`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('scope', 'text', (c) => c.notNull().defaultTo('full')).execute();
  await db.schema.alterTable('api_tokens').addColumn('expires_at', 'bigint').execute();
  await db.schema.alterTable('api_tokens').addColumn('last_used_at', 'bigint').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
