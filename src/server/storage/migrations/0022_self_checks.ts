import type { Kysely } from 'kysely';

/**
 * Self-checks (issue 18): a service Vigil creates for itself in each organization ("Vigil
 * health"), on which the self-check engine module opens and resolves incidents. `built_in`
 * names what created it (`vigil_health`); NULL for every service people create.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('services').addColumn('built_in', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
