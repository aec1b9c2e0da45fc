import type { Kysely } from 'kysely';

/**
 * Two-factor authentication (issue 14 item 9): TOTP (RFC 6238) with recovery codes.
 *
 * `user_two_factor`: one row per member who started enrolment. `secret` is the base32
 * TOTP secret sealed with the secret box; `confirmed_at` is NULL until a current code
 * confirmed it (only then is 2FA active); `last_step` is the last time step a code was
 * accepted for, so a code is never accepted twice (replay).
 *
 * `two_factor_recovery_codes`: ten single-use codes per member, SHA-256 only.
 *
 * `two_factor_tickets`: the short-lived, single-use "second step" of a sign-in whose
 * password was right; only the ticket's hash is kept.
 *
 * `two_factor_policies`: the roles an organization requires 2FA for (JSON array).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('user_two_factor')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_step', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_two_factor_pk', ['org_id', 'user_id'])
    .execute();
  await db.schema
    .createTable('two_factor_recovery_codes')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('two_factor_recovery_codes_pk', ['org_id', 'user_id', 'code_hash'])
    .execute();
  await db.schema
    .createTable('two_factor_tickets')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('two_factor_tickets_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('two_factor_tickets_hash').on('two_factor_tickets').columns(['token_hash']).unique().execute();
  await db.schema
    .createTable('two_factor_policies')
    .addColumn('org_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
