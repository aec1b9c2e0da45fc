/**
 * 0037 over rows written before it: each forward row gets the integration its key names, every
 * other row stays NULL, and the forward health reads the same figures through the new index.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDb, type TestDb } from '../harness.js';
import { migrateToLatest } from '../../src/server/storage/migrate.js';
import { forwardHealth } from '../../src/server/notify/forward.js';

describe.each(DIALECTS)('migration 0037 over existing outbox rows (%s)', (dialect) => {
  let db: TestDb;
  afterEach(async () => db?.drop());

  it('names the integration of each forward row; pages stay NULL', async () => {
    db = await createTestDb(dialect, '0028_analytics_timeline_index');
    const k = db.handle.db as any;
    const row = (id: string, channel: string, key: string, status: string, lastError: string | null = null) => ({
      org_id: 'org1', id, incident_id: null, user_id: null, contact_method_id: null, subscription_id: null, channel, kind: 'status', event_type: 'event.forward', status,
      attempts: 1, next_attempt_at: 5, claimed_until: null, idempotency_key: key, step_key: null, payload: '{}', last_error: lastError, provider_id: null, created_at: Number(id.slice(1)), sent_at: status === 'sent' ? 7 : null,
    });
    await k.insertInto('notifications').values([
      row('n1', 'forward', 'forward:intA:ev1', 'sent'),
      row('n2', 'forward', 'forward:intA:ev2', 'failed', 'http_500'),
      row('n3', 'forward', 'forward:intB:ev3', 'pending'),
      { ...row('n4', 'email', 'page:inc1:0:0:1:cm1', 'sent'), kind: 'page', event_type: 'incident.triggered' },
    ]).execute();

    await migrateToLatest(db.handle);

    const rows = await k.selectFrom('notifications').select(['id', 'forward_integration_id']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'n1', forward_integration_id: 'intA' },
      { id: 'n2', forward_integration_id: 'intA' },
      { id: 'n3', forward_integration_id: 'intB' },
      { id: 'n4', forward_integration_id: null },
    ]);
    expect(await forwardHealth(k, 'org1', 'intA')).toEqual({ pending: 0, failed: 1, last_error: 'http_500', last_error_at: 2, last_sent_at: 7 });
    expect(await forwardHealth(k, 'org1', 'intB')).toMatchObject({ pending: 1, failed: 0 });
  });
});
