import type { Kysely } from 'kysely';

/**
 * Languages (issue 19 item 3): what people read from the server is in their language.
 *
 * `users.locale`: the member's language and region (PagerDuty's `user.locale`, e.g. `fr-FR`);
 * NULL: the organization's default.
 * `organizations.default_locale`: the language of members who chose none (`en-US` until set).
 * `status_pages.languages`: JSON list of the page's languages (`["fr","en"]`), the first the
 * default; the public page answers in the one `?lang=` or Accept-Language picks among them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('locale', 'text').execute();
  await db.schema.alterTable('organizations').addColumn('default_locale', 'text', (c) => c.notNull().defaultTo('en-US')).execute();
  await db.schema.alterTable('status_pages').addColumn('languages', 'text', (c) => c.notNull().defaultTo('["en"]')).execute();
}
