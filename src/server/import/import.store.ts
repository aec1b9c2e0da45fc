import type { Kysely } from 'kysely';
import type { Database, ImportMappingTable } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function listMappings(db: Db, orgId: string, source: string): Promise<ImportMappingTable[]> {
  return db.selectFrom('import_mappings').selectAll().where('org_id', '=', orgId).where('source', '=', source).execute();
}

/** Insert or repoint one mapping (a mapped object deleted in Vigil since is made again and repointed). */
export async function putMapping(db: Db, row: ImportMappingTable): Promise<void> {
  await db
    .insertInto('import_mappings')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'source', 'kind', 'source_id']).doUpdateSet({ vigil_id: row.vigil_id }))
    .execute();
}
