/**
 * 0008 over rows written before it: existing alerts keep every column and their dedup
 * guarantee (the SQLite table is rebuilt to let incident_id be NULL), existing services
 * and organizations keep grouping every alert into the open incident, and every
 * organization gets P1–P5.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDb, type TestDb } from '../harness.js';
import { migrateToLatest } from '../../src/server/storage/migrate.js';

describe.each(DIALECTS)('migration 0008 over existing rows (%s)', (dialect) => {
  let db: TestDb;
  afterEach(async () => db?.drop());

  it('keeps alerts and their dedup index, keeps grouping for existing services, adds priorities', async () => {
    db = await createTestDb(dialect, '0007_open_shifts');
    const k = db.handle.db as any;
    await k.insertInto('organizations').values({ id: 'org1', org_id: 'org1', name: 'Harbor', time_zone: 'UTC', incident_seq: 1, created_at: 1 }).execute();
    await k.insertInto('services').values({ org_id: 'org1', id: 'svc1', name: 'Chat', description: null, status: 'active', escalation_policy_id: null, urgency_rule: 'high', acknowledgement_timeout: null, auto_resolve_timeout: null, created_at: 1, updated_at: 1, deleted_at: null }).execute();
    const alert = { org_id: 'org1', id: 'al1', integration_id: 'int1', service_id: 'svc1', incident_id: 'inc1', dedup_key: 'k', open: 1, status: 'triggered', severity: 'critical', summary: 'Chat down', source: 'gw', details: '{}', count: 3, first_seen_at: 10, last_seen_at: 20, resolved_at: null };
    await k.insertInto('alerts').values(alert).execute();

    await migrateToLatest(db.handle);

    const [row] = await k.selectFrom('alerts').selectAll().execute();
    expect({ ...row, count: Number(row.count), first_seen_at: Number(row.first_seen_at), last_seen_at: Number(row.last_seen_at) }).toMatchObject(alert);
    expect(row.suppressed_by).toBeNull();
    // Still one open alert per key: the unique index survived the rebuild.
    await expect(k.insertInto('alerts').values({ ...alert, id: 'al2' }).execute()).rejects.toThrow();
    // A suppressed alert belongs to no incident.
    await k.insertInto('alerts').values({ ...alert, id: 'al3', dedup_key: 'k2', incident_id: null, status: 'suppressed', suppressed_by: 'rule' }).execute();

    const svc = await k.selectFrom('services').select('alert_grouping').executeTakeFirst();
    expect(JSON.parse(svc.alert_grouping)).toEqual({ type: 'time', config: { timeout: 0 } });
    const org = await k.selectFrom('organizations').select('default_alert_grouping').executeTakeFirst();
    expect(JSON.parse(org.default_alert_grouping)).toEqual({ type: 'time', config: { timeout: 0 } });
    const priorities = await k.selectFrom('priorities').select(['name', 'rank']).orderBy('rank').execute();
    expect(priorities.map((p: { name: string }) => p.name)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
  });
});
