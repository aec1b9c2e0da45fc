/**
 * A person asked to join an incident (a responder request) accepts by acknowledging it:
 * their pending requests on the incident become `joined`, on the timeline. Called by
 * setStatus in the acknowledging transaction, whether or not the incident was already
 * acknowledged.
 */
import type { IncidentTable } from '../storage/schema.js';
import type { AgentRef, Channel } from './incident.js';
import * as store from './collab.store.js';
import { appendLog, type Tx } from './timeline.js';
import { say } from '../lib/i18n/translate.js';

export async function joinResponder(tx: Tx, incident: IncidentTable, agent: AgentRef, channel: Channel): Promise<void> {
  const pending = (await store.respondersOf(tx.trx, incident.org_id, [incident.id])).filter((r) => r.user_id === agent.id && r.state === 'pending');
  if (!pending.length) return;
  await store.setResponderState(tx.trx, incident.org_id, pending.map((r) => r.id), 'joined', tx.now);
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'responder_join_log_entry', say('timeline.responders.joined', { agent: agent.summary }), agent, channel, { request_ids: [...new Set(pending.map((r) => r.request_id))] });
}
