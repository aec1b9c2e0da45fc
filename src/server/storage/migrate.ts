import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { DbHandle } from './dialect.js';
import * as m0001 from './migrations/0001_core.js';
import * as m0002 from './migrations/0002_oncall.js';
import * as m0003 from './migrations/0003_engine.js';

/** Versioned migrations, in order. Kysely's Migrator runs them under its own lock (a lock table, plus an advisory lock on PostgreSQL). */
const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_oncall': m0002,
  '0003_engine': m0003,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export async function migrateToLatest(handle: DbHandle): Promise<string[]> {
  const migrator = new Migrator({ db: handle.db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
