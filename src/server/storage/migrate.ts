import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { currentSchema, type DbHandle } from './dialect.js';
import * as m0001 from './migrations/0001_core.js';
import * as m0002 from './migrations/0002_oncall.js';
import * as m0003 from './migrations/0003_engine.js';
import * as m0004 from './migrations/0004_web.js';
import * as m0005 from './migrations/0005_impact.js';
import * as m0006 from './migrations/0006_volunteers.js';
import * as m0007 from './migrations/0007_open_shifts.js';
import * as m0008 from './migrations/0008_alert_operations.js';
import * as m0009 from './migrations/0009_event_orchestrations.js';
import * as m0010 from './migrations/0010_maintenance.js';
import * as m0011 from './migrations/0011_account_security.js';
import * as m0013 from './migrations/0013_postmortems.js';
import * as m0014 from './migrations/0014_push.js';
import * as m0015 from './migrations/0015_opsgenie_requests.js';
import * as m0016 from './migrations/0016_telegram.js';
import * as m0018 from './migrations/0018_two_factor.js';
import * as m0019 from './migrations/0019_imports.js';
import * as m0020 from './migrations/0020_oidc.js';
import * as m0021 from './migrations/0021_token_scopes.js';
import * as m0022 from './migrations/0022_self_checks.js';
import * as m0025 from './migrations/0025_sms_providers.js';
import * as m0026 from './migrations/0026_matrix_sync.js';
import * as m0027 from './migrations/0027_integration_forward.js';
import * as m0028 from './migrations/0028_analytics_timeline_index.js';
import * as m0029 from './migrations/0029_incident_collaboration.js';
import * as m0030 from './migrations/0030_audit_handoff.js';
import * as m0031 from './migrations/0031_incident_facts.js';
import * as m0034 from './migrations/0034_test_pages.js';
import * as m0036 from './migrations/0036_sms_receipts.js';
import * as m0037 from './migrations/0037_forward_integration.js';
import * as m0040 from './migrations/0040_teams.js';
import * as m0041 from './migrations/0041_generic_webhook.js';
import * as m0042 from './migrations/0042_email_integrations.js';
import * as m0043 from './migrations/0043_status_subscriptions.js';
import * as m0044 from './migrations/0044_languages.js';
import * as m0045 from './migrations/0045_subscriber_language.js';
import * as m0046 from './migrations/0046_log_entry_wording.js';
import * as m0047 from './migrations/0047_volunteer_follow_up_due.js';

/** Versioned migrations, in order. Kysely's Migrator runs them under its own lock (a lock table, plus an advisory lock on PostgreSQL). */
const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_oncall': m0002,
  '0003_engine': m0003,
  '0004_web': m0004,
  '0005_impact': m0005,
  '0006_volunteers': m0006,
  '0007_open_shifts': m0007,
  '0008_alert_operations': m0008,
  '0009_event_orchestrations': m0009,
  '0010_maintenance': m0010,
  '0011_account_security': m0011,
  '0013_postmortems': m0013,
  '0014_push': m0014,
  '0015_opsgenie_requests': m0015,
  '0016_telegram': m0016,
  '0018_two_factor': m0018,
  '0019_imports': m0019,
  '0020_oidc': m0020,
  '0021_token_scopes': m0021,
  '0022_self_checks': m0022,
  '0025_sms_providers': m0025,
  '0026_matrix_sync': m0026,
  '0027_integration_forward': m0027,
  '0028_analytics_timeline_index': m0028,
  '0029_incident_collaboration': m0029,
  '0030_audit_handoff': m0030,
  '0031_incident_facts': m0031,
  '0034_test_pages': m0034,
  '0036_sms_receipts': m0036,
  '0037_forward_integration': m0037,
  '0040_teams': m0040,
  '0041_generic_webhook': m0041,
  '0042_email_integrations': m0042,
  '0043_status_subscriptions': m0043,
  '0044_languages': m0044,
  '0045_subscriber_language': m0045,
  '0046_log_entry_wording': m0046,
  '0047_volunteer_follow_up_due': m0047,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export async function migrateToLatest(handle: DbHandle): Promise<string[]> {
  return migrate(handle, (m) => m.migrateToLatest());
}

/** Up to and including `name` (tests of a migration over rows written by the versions before it). */
export async function migrateTo(handle: DbHandle, name: keyof typeof migrations & string): Promise<string[]> {
  return migrate(handle, (m) => m.migrateTo(name));
}

async function migrate(handle: DbHandle, run: (m: Migrator) => ReturnType<Migrator['migrateToLatest']>): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every visible schema unless told which one:
  // pin it to the schema we migrate (several Vigil databases may share one PostgreSQL).
  const schema = await currentSchema(handle.db);
  const migrator = new Migrator({ db: handle.db, provider: new StaticProvider(), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await run(migrator);
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Migrations not yet applied to an existing Vigil database (one that has applied at
 * least one). A new, empty database answers [] — there is nothing to protect.
 */
export async function pendingOnExisting(handle: DbHandle): Promise<string[]> {
  const schema = await currentSchema(handle.db);
  const migrator = new Migrator({ db: handle.db, provider: new StaticProvider(), ...(schema ? { migrationTableSchema: schema } : {}) });
  const infos = await migrator.getMigrations();
  if (!infos.some((m) => m.executedAt)) return [];
  return infos.filter((m) => !m.executedAt).map((m) => m.name);
}

/** Names of the migrations applied to this database ([] for a new, empty one). */
export async function appliedMigrations(handle: DbHandle): Promise<string[]> {
  const schema = await currentSchema(handle.db);
  const migrator = new Migrator({ db: handle.db, provider: new StaticProvider(), ...(schema ? { migrationTableSchema: schema } : {}) });
  return (await migrator.getMigrations()).filter((m) => m.executedAt).map((m) => m.name);
}
