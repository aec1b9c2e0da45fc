/**
 * A heartbeat ping: the job is alive. Moves the due time forward and, if the
 * heartbeat was down, resolves the alert the watch module opened.
 */
import type { Tx } from '../incident/incident.service.js';
import { resolveAlert } from '../incident/incident.service.js';
import type { IntegrationTable } from '../storage/schema.js';
import { HEARTBEAT_DEDUP_KEY } from '../engine/modules/heartbeat.js';

export async function recordPing(tx: Tx, integration: IntegrationTable): Promise<{ recovered: boolean; nextDue: number }> {
  const interval = Number(integration.heartbeat_interval ?? 300);
  const nextDue = tx.now + interval * 1000;
  const current = await tx.trx.selectFrom('integrations').select('heartbeat_state').where('org_id', '=', integration.org_id).where('id', '=', integration.id).executeTakeFirst();
  await tx.trx.updateTable('integrations').set({ heartbeat_next_due: nextDue, heartbeat_state: 'up' }).where('org_id', '=', integration.org_id).where('id', '=', integration.id).execute();
  let recovered = false;
  if (current?.heartbeat_state === 'down') {
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
