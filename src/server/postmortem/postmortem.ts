/**
 * Postmortems, pure: the states a review moves through, the Markdown it starts from (the
 * incident's timeline and the people it affected), its export with the action items, and
 * when an overdue action item is reminded. No I/O: postmortem.service.ts reads and writes.
 */
import { DateTime } from 'luxon';
import type { ActionItemStatus, ActionItemTable, PostmortemStatus } from '../storage/schema.js';
import { format, formatCalendarDate } from '../lib/i18n/translate.js';

export const STATUSES: readonly PostmortemStatus[] = ['draft', 'in_review', 'published'];
export const ITEM_STATUSES: readonly ActionItemStatus[] = ['open', 'in_progress', 'done', 'wont_do'];
/** An item is reminded when its due date has passed, then once a day until it is done or dropped. */
export const REMINDER_EVERY_MS = 86_400_000;

/** Draft → in review → published; a review can go back to draft, a published one back to review. Never straight from draft to published. */
const NEXT: Record<PostmortemStatus, readonly PostmortemStatus[]> = {
  draft: ['in_review'],
  in_review: ['draft', 'published'],
  published: ['in_review'],
};

export function canMove(from: PostmortemStatus, to: PostmortemStatus): boolean {
  return from === to || NEXT[from].includes(to);
}

export const isOpenItem = (s: ActionItemStatus): boolean => s === 'open' || s === 'in_progress';

/** The first instant after `date` (YYYY-MM-DD) in `zone`, or null if it is not a calendar date. */
export function dueAt(date: string, zone: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const d = DateTime.fromISO(date, { zone });
  return d.isValid ? d.plus({ days: 1 }).startOf('day').toMillis() : null;
}

/** When an item is reminded next: at its due instant, then every day; never once it is done or dropped. */
export function nextReminder(item: Pick<ActionItemTable, 'status' | 'due_at'>, lastSentAt: number | null): number | null {
  if (!isOpenItem(item.status)) return null;
  return lastSentAt === null ? item.due_at : Math.max(item.due_at, lastSentAt + REMINDER_EVERY_MS);
}

export interface TemplateFacts {
  incident: { number: number; title: string; service: string; urgency: string; createdAt: number; acknowledgedAt: number | null; resolvedAt: number | null; url: string };
  timeline: { at: number; type: string; summary: string }[];
  affected: { estimate: number; low: number | null; high: number | null; label: string | null; windowStart: number; windowEnd: number | null } | null;
  zone: string;
}

const when = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat("yyyy-LL-dd HH:mm:ss ZZZZ");
const duration = (ms: number) => {
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
};
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The document a new postmortem starts from. */
export function template(f: TemplateFacts): { title: string; body: string } {
  const i = f.incident;
  const lines = [
    `# Postmortem: #${i.number} ${i.title}`,
    '',
    `- Service: ${i.service}`,
    `- Urgency: ${i.urgency}`,
    `- Triggered: ${when(i.createdAt, f.zone)}`,
    ...(i.acknowledgedAt !== null ? [`- Acknowledged: ${when(i.acknowledgedAt, f.zone)} (${duration(i.acknowledgedAt - i.createdAt)} after triggering)`] : []),
    ...(i.resolvedAt !== null ? [`- Resolved: ${when(i.resolvedAt, f.zone)} (${duration(i.resolvedAt - i.createdAt)} after triggering)`] : []),
    `- Incident: ${i.url}`,
    '',
    '## People affected',
    '',
    f.affected
      ? `About ${Math.round(f.affected.estimate)} ${f.affected.label ?? 'people'} (90 % interval ${f.affected.low === null ? '?' : Math.round(f.affected.low)}–${f.affected.high === null ? '?' : Math.round(f.affected.high)}) between ${when(f.affected.windowStart, f.zone)} and ${f.affected.windowEnd === null ? 'now' : when(f.affected.windowEnd, f.zone)}.`
      : 'No estimate: the service reports no impact metric, or the estimate is not ready.',
    '',
    '## Summary',
    '',
    '_What happened, in two or three sentences._',
    '',
    '## Timeline',
    '',
    '| time | event | what |',
    '|---|---|---|',
    ...f.timeline.map((e) => `| ${when(e.at, f.zone)} | ${e.type.replace(/_log_entry$/, '')} | ${cell(e.summary)} |`),
    '',
    '## Contributing factors',
    '',
    '_What made this possible, and what made it worse or longer._',
    '',
    '## Lessons',
    '',
    '_What went well, what did not, where we were lucky._',
    '',
  ];
  return { title: `#${i.number} ${i.title}`, body: lines.join('\n') };
}

const PLACEHOLDER = /^_What happened, in two or three sentences\._$/;

/**
 * The text of the document's `## Summary` section (up to the next heading of level 1 or 2),
 * or null when it is missing, empty or still the template's placeholder. The only part of a
 * postmortem the public status page shows.
 */
export function summarySection(body: string): string | null {
  const lines = body.split(/\r?\n/);
  const at = lines.findIndex((l) => /^##\s+Summary\s*$/i.test(l));
  if (at < 0) return null;
  const end = lines.findIndex((l, i) => i > at && /^#{1,2}\s/.test(l));
  const text = lines
    .slice(at + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim();
  return text && !PLACEHOLDER.test(text) ? text.slice(0, 4000) : null;
}

/** The document as Markdown with its action items appended. */
export function exportMarkdown(p: { title: string; status: PostmortemStatus; body: string }, items: { summary: string; owner: string; dueDate: string; status: ActionItemStatus }[]): string {
  const head = `<!-- ${p.title} · ${p.status.replace('_', ' ')} -->\n`;
  const table = items.length
    ? ['## Action items', '', '| action | owner | due | status |', '|---|---|---|---|', ...items.map((a) => `| ${cell(a.summary)} | ${cell(a.owner)} | ${a.dueDate} | ${a.status.replace('_', ' ')} |`), '']
    : ['## Action items', '', 'None.', ''];
  return `${head}${p.body.trimEnd()}\n\n${table.join('\n')}`;
}

/**
 * An overdue action item's reminder to its owner (engine/action-item-reminders), in the
 * owner's `locale`: `late` days after its due date, from the postmortem of `incident` (null
 * when the incident is gone). Pure.
 */
export function reminderText(locale: string, item: { summary: string; due_date: string }, late: number, incident: { number: number; title: string; url: string } | null): { subject: string; text: string } {
  const text = [
    format(locale, 'actionItem.lead', { date: formatCalendarDate(locale, item.due_date, { weekday: true }), late }),
    '',
    `  ${item.summary}`,
    '',
    incident ? format(locale, 'actionItem.from', { number: incident.number, title: incident.title }) : format(locale, 'actionItem.fromUnknown'),
    ...(incident ? [incident.url] : []),
    '',
    format(locale, 'actionItem.stop'),
  ].join('\n');
  return { subject: format(locale, 'actionItem.subject', { summary: item.summary }), text };
}
