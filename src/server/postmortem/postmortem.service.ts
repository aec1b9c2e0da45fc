/**
 * Postmortem use cases. A postmortem starts from a resolved incident (one per incident),
 * prefilled with its timeline and the people it affected; it moves draft → in review →
 * published (postmortem.ts says which moves are allowed). Action items have an owner (a live
 * member), a due date (a day in the organization's zone) and a status; an open item past its
 * due date is reminded by email through the outbox (engine/action-item-reminders).
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import { isUniqueViolation } from '../storage/dialect.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { incidentLogEntries } from '../incident/incident-read.service.js';
import { requireIncident } from '../incident/incident.service.js';
import { getIncidentsByIds } from '../incident/incident.store.js';
import { impactFigure } from '../impact/impact.service.js';
import { findOrganization, findUser, userNames } from '../org/org.service.js';
import { requireService } from '../service/service.service.js';
import type { ActionItemStatus, ActionItemTable, Database, PostmortemStatus, PostmortemTable } from '../storage/schema.js';
import { ITEM_STATUSES, STATUSES, canMove, dueAt, exportMarkdown, isOpenItem, nextReminder, summarySection, template } from './postmortem.js';
import * as store from './postmortem.store.js';

type Db = Kysely<Database>;
interface Deps {
  db: Db;
  clock: Clock;
}

const MAX_BODY = 200_000;
const MAX_TIMELINE = 500;

async function orgZone(db: Db, orgId: string): Promise<string> {
  return (await findOrganization(db, orgId))?.time_zone ?? 'UTC';
}

export async function requirePostmortem(db: Db, orgId: string, id: string): Promise<PostmortemTable> {
  const p = await store.getPostmortem(db, orgId, id);
  if (!p) throw notFound(`postmortem ${id}`);
  return p;
}

export async function postmortemOfIncident(db: Db, orgId: string, incidentIdOrNumber: string): Promise<PostmortemTable> {
  const inc = await requireIncident(db, orgId, incidentIdOrNumber);
  const p = await store.postmortemOfIncident(db, orgId, inc.id);
  if (!p) throw notFound(`postmortem of incident ${incidentIdOrNumber}`);
  return p;
}

/** Start the review of a resolved incident, prefilled. Refused for an open incident (400) or when one exists (409). */
export async function startPostmortem(u: Deps, orgId: string, incidentIdOrNumber: string, userId: string, baseUrl: string): Promise<PostmortemTable> {
  const inc = await requireIncident(u.db, orgId, incidentIdOrNumber);
  if (inc.status !== 'resolved') throw invalid(`incident: #${inc.number} is ${inc.status}; a postmortem starts once it is resolved`);
  if (await store.postmortemOfIncident(u.db, orgId, inc.id)) throw new VigilError('conflict', [`incident: #${inc.number} already has a postmortem`]);
  const [zone, service, log, figure] = await Promise.all([
    orgZone(u.db, orgId),
    requireService(u.db, orgId, inc.service_id).catch(() => null),
    incidentLogEntries(u.db, orgId, inc, { limit: MAX_TIMELINE, offset: 0 }),
    impactFigure(u.db, orgId, inc.id),
  ]);
  const firstAck = log.rows.find((e) => e.type === 'acknowledge_log_entry');
  const { title, body } = template({
    incident: {
      number: Number(inc.number),
      title: inc.title,
      service: service?.name ?? inc.service_id,
      urgency: inc.urgency,
      createdAt: Number(inc.created_at),
      acknowledgedAt: firstAck ? Number(firstAck.created_at) : null,
      resolvedAt: inc.resolved_at === null ? null : Number(inc.resolved_at),
      url: `${baseUrl.replace(/\/$/, '')}/incidents/${inc.number}`,
    },
    timeline: log.rows.map((e) => ({ at: Number(e.created_at), type: e.type, summary: e.summary })),
    affected:
      figure && figure.row.estimate !== null
        ? { estimate: figure.row.estimate, low: figure.row.low, high: figure.row.high, label: figure.row.label, windowStart: Number(figure.row.window_start), windowEnd: figure.row.window_end === null ? null : Number(figure.row.window_end) }
        : null,
    zone,
  });
  const now = u.clock.now();
  const row: PostmortemTable = { org_id: orgId, id: newId(now), incident_id: inc.id, title, status: 'draft', body, created_by: userId, created_at: now, updated_at: now, published_at: null };
  try {
    await store.insertPostmortem(u.db, row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new VigilError('conflict', [`incident: #${inc.number} already has a postmortem`]);
    throw err;
  }
  return row;
}

export interface PostmortemChange {
  title?: string;
  body?: string;
  status?: string;
}

export async function changePostmortem(u: Deps, orgId: string, id: string, change: PostmortemChange): Promise<PostmortemTable> {
  const p = await requirePostmortem(u.db, orgId, id);
  const errors: string[] = [];
  if (change.title !== undefined && !change.title.trim()) errors.push('postmortem.title must not be empty');
  if (change.body !== undefined && change.body.length > MAX_BODY) errors.push(`postmortem.body: at most ${MAX_BODY} characters`);
  let status: PostmortemStatus | undefined;
  if (change.status !== undefined) {
    if (!(STATUSES as readonly string[]).includes(change.status)) errors.push(`postmortem.status must be one of ${STATUSES.join(', ')}`);
    else if (!canMove(p.status, change.status as PostmortemStatus)) errors.push(`postmortem.status: a ${p.status.replace('_', ' ')} postmortem cannot become ${change.status.replace('_', ' ')}${change.status === 'published' ? ' (it is reviewed first)' : ''}`);
    else status = change.status as PostmortemStatus;
  }
  if (errors.length) throw invalid(...errors);
  const now = u.clock.now();
  const patch = {
    ...(change.title !== undefined ? { title: change.title.trim() } : {}),
    ...(change.body !== undefined ? { body: change.body } : {}),
    ...(status ? { status } : {}),
    ...(status === 'published' && p.status !== 'published' ? { published_at: now } : {}),
    updated_at: now,
  };
  await store.updatePostmortem(u.db, orgId, id, patch);
  return { ...p, ...patch };
}

export async function listPostmortems(db: Db, orgId: string, q: { status?: string; incidentIds?: string[]; limit: number; offset: number }) {
  if (q.status !== undefined && !(STATUSES as readonly string[]).includes(q.status)) throw invalid(`status must be one of ${STATUSES.join(', ')}`);
  return store.listPostmortems(db, orgId, { ...(q.status ? { status: q.status as PostmortemStatus } : {}), ...(q.incidentIds ? { incidentIds: q.incidentIds } : {}), limit: q.limit, offset: q.offset });
}

export interface ActionItemInput {
  summary?: string;
  owner_id?: string;
  due_date?: string;
  status?: string;
}

async function checkItem(db: Db, orgId: string, input: ActionItemInput, creating: boolean): Promise<{ dueAt?: number; status?: ActionItemStatus }> {
  const errors: string[] = [];
  if (creating || input.summary !== undefined) if (!input.summary?.trim()) errors.push('action_item.summary is required');
  if (creating && input.owner_id === undefined) errors.push('action_item.owner_id is required');
  if (input.owner_id !== undefined && !(await findUser(db, orgId, input.owner_id))) errors.push(`action_item.owner_id: unknown user ${input.owner_id}`);
  let due: number | undefined;
  if (creating || input.due_date !== undefined) {
    const d = input.due_date === undefined ? null : dueAt(input.due_date, await orgZone(db, orgId));
    if (d === null) errors.push(`action_item.due_date must be a date YYYY-MM-DD, got ${JSON.stringify(input.due_date ?? null)}`);
    else due = d;
  }
  let status: ActionItemStatus | undefined;
  if (input.status !== undefined) {
    if (!(ITEM_STATUSES as readonly string[]).includes(input.status)) errors.push(`action_item.status must be one of ${ITEM_STATUSES.join(', ')}`);
    else status = input.status as ActionItemStatus;
  }
  if (errors.length) throw invalid(...errors);
  return { ...(due !== undefined ? { dueAt: due } : {}), ...(status ? { status } : {}) };
}

export async function addActionItem(u: Deps, orgId: string, postmortemId: string, input: ActionItemInput): Promise<ActionItemTable> {
  const p = await requirePostmortem(u.db, orgId, postmortemId);
  const c = await checkItem(u.db, orgId, input, true);
  const now = u.clock.now();
  const status = c.status ?? 'open';
  const row: ActionItemTable = {
    org_id: orgId, id: newId(now), postmortem_id: p.id, incident_id: p.incident_id, summary: input.summary!.trim(), owner_id: input.owner_id!, due_date: input.due_date!, due_at: c.dueAt!, status,
    next_reminder_at: null, reminders_sent: 0, created_at: now, updated_at: now, completed_at: status === 'done' ? now : null,
  };
  row.next_reminder_at = nextReminder(row, null);
  await store.insertActionItem(u.db, row);
  return row;
}

export async function requireActionItem(db: Db, orgId: string, id: string): Promise<ActionItemTable> {
  const a = await store.getActionItem(db, orgId, id);
  if (!a) throw notFound(`action item ${id}`);
  return a;
}

export async function changeActionItem(u: Deps, orgId: string, id: string, input: ActionItemInput): Promise<ActionItemTable> {
  const a = await requireActionItem(u.db, orgId, id);
  const c = await checkItem(u.db, orgId, input, false);
  const now = u.clock.now();
  const next: ActionItemTable = {
    ...a,
    ...(input.summary !== undefined ? { summary: input.summary.trim() } : {}),
    ...(input.owner_id !== undefined ? { owner_id: input.owner_id } : {}),
    ...(input.due_date !== undefined ? { due_date: input.due_date, due_at: c.dueAt! } : {}),
    ...(c.status ? { status: c.status } : {}),
    updated_at: now,
  };
  if (c.status) next.completed_at = c.status === 'done' ? (a.status === 'done' ? a.completed_at : now) : null;
  // A new due date starts the reminders over; closing the item stops them.
  next.next_reminder_at = isOpenItem(next.status) ? (input.due_date !== undefined || !isOpenItem(a.status) ? nextReminder(next, null) : (a.next_reminder_at ?? nextReminder(next, null))) : null;
  const { org_id: _o, id: _i, ...patch } = next;
  await store.updateActionItem(u.db, orgId, id, patch);
  return next;
}

export async function listActionItems(db: Db, now: number, orgId: string, q: { status?: string[]; ownerId?: string; overdue?: boolean; limit: number; offset: number }) {
  const bad = (q.status ?? []).filter((s) => !(ITEM_STATUSES as readonly string[]).includes(s));
  if (bad.length) throw invalid(`statuses[]: ${bad.join(', ')} is not one of ${ITEM_STATUSES.join(', ')}`);
  if (q.ownerId && !(await findUser(db, orgId, q.ownerId))) throw invalid(`owner_id: unknown user ${q.ownerId}`);
  return store.listActionItems(db, orgId, {
    ...(q.status?.length ? { statuses: q.status as ActionItemStatus[] } : {}),
    ...(q.ownerId ? { ownerId: q.ownerId } : {}),
    ...(q.overdue ? { overdueAt: now } : {}),
    limit: q.limit,
    offset: q.offset,
  });
}

export async function actionItemsOf(db: Db, orgId: string, postmortemId: string): Promise<ActionItemTable[]> {
  return store.actionItemsOf(db, orgId, postmortemId);
}

export async function ownerNames(db: Db, orgId: string, items: readonly ActionItemTable[]): Promise<Map<string, string>> {
  return userNames(db, orgId, items.map((i) => i.owner_id));
}

/** The document with its action items, as Markdown. */
export async function postmortemMarkdown(db: Db, orgId: string, p: PostmortemTable): Promise<string> {
  const items = await store.actionItemsOf(db, orgId, p.id);
  const names = await ownerNames(db, orgId, items);
  return exportMarkdown(p, items.map((i) => ({ summary: i.summary, owner: names.get(i.owner_id) ?? i.owner_id, dueDate: i.due_date, status: i.status })));
}

/** Number and title of these incidents, for answers that name them. */
export async function incidentBriefs(db: Db, orgId: string, ids: Iterable<string>): Promise<Map<string, { id: string; number: number | null; title: string | null }>> {
  const rows = await getIncidentsByIds(db, orgId, [...new Set(ids)]);
  return new Map(rows.map((r) => [r.id, { id: r.id, number: Number(r.number), title: r.title }]));
}

/** Postmortems first published in [since, until) (at most 200), and action items marked done in it. */
export async function publishedPostmortemsIn(db: Db, orgId: string, since: number, until: number): Promise<PostmortemTable[]> {
  return (await store.listPostmortems(db, orgId, { status: 'published', since, until, limit: 200, offset: 0 })).rows;
}

export async function actionItemsClosedIn(db: Db, orgId: string, since: number, until: number): Promise<number> {
  return store.actionItemsClosedIn(db, orgId, since, until);
}

/** The summary section of the published postmortems of these incidents (for the public status page): nothing else of them. */
export async function publishedSummaries(db: Db, orgId: string, incidentIds: readonly string[]): Promise<Map<string, { summary: string; publishedAt: number }>> {
  const out = new Map<string, { summary: string; publishedAt: number }>();
  if (!incidentIds.length) return out;
  const { rows } = await store.listPostmortems(db, orgId, { status: 'published', incidentIds: [...incidentIds], limit: incidentIds.length, offset: 0 });
  for (const p of rows) {
    const summary = summarySection(p.body);
    if (summary && p.published_at !== null) out.set(p.incident_id, { summary, publishedAt: Number(p.published_at) });
  }
  return out;
}
