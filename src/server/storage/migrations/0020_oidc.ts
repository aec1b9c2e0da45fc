import type { Kysely } from 'kysely';

/**
 * Sign-in with the organization's identity provider (issue 14 item 8): OpenID Connect.
 *
 * `oidc_configs`: one row per organization. `client_secret` is sealed with the secret box;
 * `allowed_domains` and `group_roles` are JSON arrays; `jit_membership` and
 * `password_sign_in` are 0/1.
 *
 * `oidc_logins`: a sign-in in flight, between the redirect to the provider and its
 * callback: the state (hashed, the lookup key), the nonce and the PKCE verifier. Single
 * use (`used_at`), 10 minutes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oidc_configs')
    .addColumn('org_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('slug', 'text')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('allowed_domains', 'text', (c) => c.notNull())
    .addColumn('groups_claim', 'text', (c) => c.notNull())
    .addColumn('group_roles', 'text', (c) => c.notNull())
    .addColumn('jit_membership', 'integer', (c) => c.notNull())
    .addColumn('password_sign_in', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oidc_configs_slug').on('oidc_configs').columns(['slug']).unique().execute();
  await db.schema
    .createTable('oidc_logins')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('state_hash', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_logins_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('oidc_logins_state').on('oidc_logins').columns(['state_hash']).unique().execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
