/**
 * "ack 42" typed in a Matrix room where Vigil paged someone (read by the engine's
 * matrix-sync module through the organization's bot). The room must be the room of one of
 * the organization's verified matrix methods, and the sender the Matrix user linked to that
 * method (`matrix_user_id`): the reply then acts as the method's owner. A bare `ack` in
 * reply to a page acknowledges the incidents of that page. The owner must still be a member
 * with a role that may respond, and an assignee of the incident or someone it was paged to.
 *
 * Answers the confirmation to post in the room, or null for a message that is not an
 * acknowledgement for Vigil (chatter in the room is never answered).
 */
import type { MatrixRoomMessage } from '../notify/channels/matrix/sync.js';
import { parseAckCommand } from '../notify/channels/matrix/sync.js';
import { matrixMethodsInRoom } from '../notify/matrix-sync.store.js';
import { findByProviderId, wasPaged } from '../notify/outbox.store.js';
import { getUser } from '../org/org.store.js';
import { memberLocale } from '../org/org.service.js';
import { format } from '../lib/i18n/translate.js';
import { can } from '../org/roles.js';
import type { IncidentTable } from '../storage/schema.js';
import type { UnitOfWork } from './incident.service.js';
import { assignmentsOf, getIncidentByNumber, getIncidentsByIds } from './incident.store.js';
import { respondAs } from './respond.service.js';

export async function actOnMatrixMessage(u: UnitOfWork, orgId: string, botUserId: string, m: MatrixRoomMessage): Promise<string | null> {
  if (m.sender === botUserId) return null;
  const cmd = parseAckCommand(m.body);
  if (!cmd) return null;
  const methods = await matrixMethodsInRoom(u.db, orgId, m.roomId);
  if (!methods.length) return null;
  const method = methods.find((cm) => cm.matrix_user_id === m.sender);
  // The room pages its method's owner: answer in their language (else the organization's).
  const locale = await memberLocale(u.db, orgId, (method ?? methods[0]!).user_id);
  if (!method) return format(locale, 'matrixReply.notLinked', { sender: m.sender });
  const user = await getUser(u.db, orgId, method.user_id);
  if (!user || user.deleted_at !== null) return format(locale, 'oneClick.refused', { reason: 'not_member', number: 0 });
  if (!can(user.role, 'respond')) return format(locale, 'matrixReply.cannotRespond', { role: user.role });
  let incidents: IncidentTable[];
  if (cmd.number !== null) {
    const inc = await getIncidentByNumber(u.db, orgId, cmd.number);
    incidents = inc ? [inc] : [];
    if (!incidents.length) return format(locale, 'matrixReply.noIncident', { number: cmd.number });
  } else if (m.inReplyTo) {
    const rows = (await findByProviderId(u.db, m.inReplyTo)).filter((r) => r.org_id === orgId && r.channel === 'matrix' && r.incident_id);
    incidents = await getIncidentsByIds(u.db, orgId, [...new Set(rows.map((r) => r.incident_id!))]);
    if (!incidents.length) return format(locale, 'matrixReply.notAPage');
  } else return format(locale, 'matrixReply.sayWhich');
  const said: string[] = [];
  const assigned = await assignmentsOf(u.db, orgId, incidents.map((i) => i.id));
  for (const inc of incidents) {
    const mine = (assigned.get(inc.id) ?? []).some((a) => a.user_id === user.id) || (await wasPaged(u.db, orgId, inc.id, user.id));
    if (!mine) {
      said.push(format(locale, 'matrixReply.notAssigned', { name: user.name, number: Number(inc.number) }));
      continue;
    }
    const out = await respondAs(u, orgId, inc.id, user.id, 'acknowledge', { type: 'matrix', sender: m.sender, room_id: m.roomId, event_id: m.eventId });
    said.push(out.ok ? format(locale, 'matrixReply.done', { done: out.done, number: Number(out.incident.number), name: user.name }) : format(locale, 'oneClick.refused', { reason: out.reason, number: out.number }));
  }
  return said.join(' ');
}
