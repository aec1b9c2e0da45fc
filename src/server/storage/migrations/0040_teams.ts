import { sql, type Kysely } from 'kysely';

/**
 * PagerDuty's teams (issue 16 item 1).
 *
 * `teams`: a named group of members in an organization; the name is unique among the
 * organization's live teams (org/team.service.ts answers 400; a partial unique index holds it under a race). Removal sets
 * `deleted_at` and drops the team's members and associations in the same transaction.
 *
 * `team_members`: a member's PagerDuty team role (observer, responder or manager).
 *
 * `team_links`: the escalation policies, services and schedules a team owns
 * (PagerDuty's `teams` field on each, and PUT /teams/{id}/escalation_policies/{id}).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('teams')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('parent_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('teams_pk', ['org_id', 'id'])
    .execute();
  // Two live teams of an organization never share a name (the service answers 400 first; this holds under a race).
  await db.schema.createIndex('teams_live_name').on('teams').columns(['org_id', 'name']).unique().where(sql.ref('deleted_at'), 'is', null).execute();
  await db.schema
    .createTable('team_members')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('team_members_pk', ['org_id', 'team_id', 'user_id'])
    .execute();
  await db.schema.createIndex('team_members_user').on('team_members').columns(['org_id', 'user_id']).execute();
  await db.schema
    .createTable('team_links')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('team_links_pk', ['org_id', 'team_id', 'object_type', 'object_id'])
    .execute();
  await db.schema.createIndex('team_links_object').on('team_links').columns(['org_id', 'object_type', 'object_id']).execute();
}
