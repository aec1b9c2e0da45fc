import type { Kysely } from 'kysely';

/**
 * Status page subscribers remember their language (issue 19 item 3): `status_subscribers.language`
 * is the language the subscriber was reading the page in when they subscribed (one of the page's
 * languages, `en`, `fr` or `es`); every mail to them is in it, or in the page's first language
 * once the page no longer offers it. NULL: subscribed before languages were remembered, and
 * webhook subscribers (their events are data, the same in every language).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('status_subscribers').addColumn('language', 'text').execute();
}
