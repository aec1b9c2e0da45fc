/**
 * Editing and deleting an incident's notes (annotate_log_entry rows). Only the note's author,
 * or a manager (admin or owner), may: the route checks the role, this the authorship. An
 * edit keeps the entry where it is on the timeline and records when and by whom it was
 * edited (`details.updated_at`, `details.edited_by`); a delete removes the note (PagerDuty:
 * it is gone from the incident), for the note that should never have been written.
 */
import { forbidden, notFound } from '../errors.js';
import { iso } from '../lib/clock.js';
import type { LogEntryTable } from '../storage/schema.js';
import type { AgentRef } from './incident.js';
import { inTransaction, requireIncident, type UnitOfWork } from './incident.service.js';
import * as store from './collab.store.js';

async function requireOwnNote(tx: { trx: UnitOfWork['db'] }, orgId: string, incidentId: string, noteId: string, caller: AgentRef, isManager: boolean): Promise<{ note: LogEntryTable; incidentId: string; serviceId: string }> {
  const incident = await requireIncident(tx.trx, orgId, incidentId);
  const note = await store.getNote(tx.trx, orgId, incident.id, noteId);
  if (!note) throw notFound(`note ${noteId} on incident ${incidentId}`);
  const author = note.agent ? (JSON.parse(note.agent) as AgentRef) : null;
  if (!isManager && author?.id !== caller.id) throw forbidden(`only the note's author or a manager (admin or owner) may change or delete note ${noteId}`);
  return { note, incidentId: incident.id, serviceId: incident.service_id };
}

export async function editNote(u: UnitOfWork, orgId: string, incidentId: string, noteId: string, content: string, caller: AgentRef, isManager: boolean): Promise<LogEntryTable & { updated_at: number }> {
  return inTransaction(u, async (tx) => {
    const { note, serviceId } = await requireOwnNote(tx, orgId, incidentId, noteId, caller, isManager);
    const details = { ...(note.details ? (JSON.parse(note.details) as Record<string, unknown>) : {}), updated_at: iso(tx.now), edited_by: caller.id };
    await store.updateNote(tx.trx, orgId, note.id, content, JSON.stringify(details));
    tx.changes.push({ orgId, incidentId: note.incident_id!, serviceId, kind: 'annotated' });
    return { ...note, summary: content, details: JSON.stringify(details), updated_at: tx.now };
  });
}

export async function deleteNote(u: UnitOfWork, orgId: string, incidentId: string, noteId: string, caller: AgentRef, isManager: boolean): Promise<void> {
  await inTransaction(u, async (tx) => {
    const { note, serviceId } = await requireOwnNote(tx, orgId, incidentId, noteId, caller, isManager);
    await store.deleteNote(tx.trx, orgId, note.id);
    tx.changes.push({ orgId, incidentId: note.incident_id!, serviceId, kind: 'annotated' });
  });
}
