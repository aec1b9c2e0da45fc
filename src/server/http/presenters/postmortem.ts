/** Postmortems and action items on the wire (src/contract/postmortem.ts). */
import { iso, isoOrNull } from '../../lib/clock.js';
import { isOpenItem } from '../../postmortem/postmortem.js';
import type { ActionItemTable, PostmortemTable } from '../../storage/schema.js';

export type IncidentBrief = { id: string; number: number | null; title: string | null };

export function presentActionItem(a: ActionItemTable, now: number, owner: string, incident: IncidentBrief): Record<string, unknown> {
  return {
    id: a.id,
    type: 'action_item',
    postmortem_id: a.postmortem_id,
    incident,
    summary: a.summary,
    owner: { id: a.owner_id, type: 'user_reference', summary: owner },
    due_date: a.due_date,
    status: a.status,
    overdue: isOpenItem(a.status) && a.due_at <= now,
    reminders_sent: a.reminders_sent,
    created_at: iso(a.created_at),
    updated_at: iso(a.updated_at),
    completed_at: isoOrNull(a.completed_at),
  };
}

export function presentPostmortem(p: PostmortemTable, items: Record<string, unknown>[], incident: IncidentBrief): Record<string, unknown> {
  return {
    id: p.id,
    type: 'postmortem',
    incident,
    title: p.title,
    status: p.status,
    body: p.body,
    action_items: items,
    created_at: iso(p.created_at),
    updated_at: iso(p.updated_at),
    published_at: isoOrNull(p.published_at),
  };
}
