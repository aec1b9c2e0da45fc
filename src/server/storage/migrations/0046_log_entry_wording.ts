import type { Kysely } from 'kysely';

/**
 * Timeline entries are read in the reader's language (issue 19 item 3): `log_entries.wording`
 * is what the entry says as a catalog message and its values (JSON `{"id": "timeline.…",
 * "values": {…}}`, lib/i18n/translate.ts `Wording`), worded when read, in the reader's locale.
 * `summary` keeps the English text, for readers without a locale and for search. NULL: the
 * summary is a person's own words (a note, a status update) or the entry predates wording.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('log_entries').addColumn('wording', 'text').execute();
}
