import type { Kysely } from 'kysely';

/**
 * Email changes can be undone (issue 14): a change leaves an `email_undo` account link,
 * emailed to the address it replaced and valid 7 days, that puts that address back.
 * The link keeps the address it restores; other kinds of link leave it NULL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('account_links').addColumn('previous_email', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
