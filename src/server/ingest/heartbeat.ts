/**
 * A heartbeat ping: the job is alive. Moves the due time forward and, if the heartbeat
 * was down, resolves the alert the heartbeat module opened (engine/heartbeat/).
 */
import type { Tx } from '../incident/timeline.js';
import { inTransaction, resolveAlert, type UnitOfWork } from '../incident/incident.service.js';
import { heartbeatState, setHeartbeat } from '../service/service.store.js';
import type { IntegrationTable } from '../storage/schema.js';

/** The dedup key of the alert a missed heartbeat opens: one incident however long the silence. */
export const HEARTBEAT_DEDUP_KEY = 'heartbeat';

export async function recordPing(tx: Tx, integration: IntegrationTable): Promise<{ recovered: boolean; nextDue: number }> {
  const interval = Number(integration.heartbeat_interval ?? 300);
  const nextDue = tx.now + interval * 1000;
  const state = await heartbeatState(tx.trx, integration.org_id, integration.id);
  await setHeartbeat(tx.trx, integration.org_id, integration.id, { heartbeat_next_due: nextDue, heartbeat_state: 'up' });
  let recovered = false;
  if (state === 'down') {
    recovered = await resolveAlert(tx, {
      orgId: integration.org_id,
      integrationId: integration.id,
      dedupKey: HEARTBEAT_DEDUP_KEY,
      agent: { id: integration.id, type: 'integration_reference', summary: integration.name },
      channel: { type: 'auto', reason: 'heartbeat received' },
    });
  }
  return { recovered, nextDue };
}

/** A ping from the API: recordPing in its own transaction. */
export async function acceptPing(u: UnitOfWork, integration: IntegrationTable): Promise<{ recovered: boolean; nextDue: number }> {
  return inTransaction(u, (tx) => recordPing(tx, integration));
}
