/**
 * Wording shared by the human-facing channels (email, chat, SMS, voice), so a page
 * says the same thing everywhere. Pure.
 */
import type { IncidentEventType, IncidentView, Message } from '../channel.js';
import { format, formatDateTime, type MessageId, type Values } from '../../lib/i18n/translate.js';

/** A catalog text in the message's language (lib/i18n): every word a person reads goes through here. */
export function tr(msg: Pick<Message, 'locale'>, id: MessageId, values?: Values): string {
  return format(msg.locale, id, values);
}

/** A date as the message's reader writes it, in their zone. */
export function when(msg: Pick<Message, 'locale' | 'timeZone'>, isoDate: string): string {
  return formatDateTime(msg.locale, Date.parse(isoDate), msg.timeZone ?? 'UTC');
}

export function eventLabel(eventType: IncidentEventType, locale?: string): string {
  return format(locale, `event.${eventType}`);
}

/** "triggered", "acknowledged", "resolved" in the reader's language. */
export function statusWord(status: IncidentView['status'], locale?: string): string {
  return format(locale, `status.${status}`);
}

/** "high", "low" (a fact's value, after "Urgency") in the reader's language. */
export function urgencyValue(urgency: IncidentView['urgency'], locale?: string): string {
  return format(locale, `urgencyValue.${urgency}`);
}

/** "high urgency", "low urgency" in the reader's language. */
export function urgencyWords(urgency: IncidentView['urgency'], locale?: string): string {
  return format(locale, `urgency.${urgency}`);
}

/**
 * Titles come from monitoring payloads: one line, no control characters, so they cannot
 * break a header, an SMS or a chat layout.
 */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Cuts at `max` characters with an ASCII ellipsis (GSM-7 has no "…"). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 3) return s.slice(0, max);
  return s.slice(0, max - 3).trimEnd() + '...';
}

/** The service name when every incident in the message belongs to one service. */
export function commonService(incidents: IncidentView[]): string | null {
  const first = incidents[0];
  if (!first) return null;
  return incidents.every((i) => i.service.id === first.service.id) ? first.service.name : null;
}

/** Messages without incidents: a contact-method verification or a test. */
export function isVerification(msg: Message): boolean {
  return msg.kind === 'verification';
}

export function isTest(msg: Message): boolean {
  return msg.kind === 'test' || msg.eventType === 'pagey.ping';
}

/** A scheduled test's one-tap confirm link, as a sentence to append (empty for any other message). */
export function confirmSuffix(msg: Message): string {
  return msg.confirmUrl ? tr(msg, 'text.confirmSuffix', { url: msg.confirmUrl }) : '';
}

/** "3 incidents TRIGGERED (Chat line)": the heading of a message carrying several incidents. */
export function bundleHeadline(msg: Message): string {
  const service = commonService(msg.incidents);
  const label = eventLabel(msg.eventType, msg.locale);
  return service ? tr(msg, 'text.bundleHeadlineService', { count: msg.incidents.length, label, service: oneLine(service) }) : tr(msg, 'text.bundleHeadline', { count: msg.incidents.length, label });
}

/** "Chat line · high urgency · triggered": where an incident is and how it stands. */
export function incidentStatusLine(inc: IncidentView, locale?: string): string {
  return format(locale, 'text.statusLine', { service: oneLine(inc.service.name), urgency: urgencyWords(inc.urgency, locale), status: statusWord(inc.status, locale) });
}

/** "#42 TRIGGERED: Disk full": an incident's one-line title in a message. */
export function incidentTitle(msg: Message, inc: IncidentView): string {
  return tr(msg, 'text.incidentTitle', { number: inc.number, label: eventLabel(msg.eventType, msg.locale), title: oneLine(inc.title) });
}

/** The title of a notification (push-like channels: ntfy, Telegram): what happened, cut at `max`. */
export function notificationTitle(msg: Message, max: number): string {
  if (isVerification(msg)) return tr(msg, 'text.verificationTitle');
  if (msg.incidents.length === 0) return isTest(msg) ? tr(msg, 'text.testTitle', { org: oneLine(msg.orgName) }) : (msg.notice?.subject ?? tr(msg, 'text.noticeTitle', { org: oneLine(msg.orgName) }));
  const [first] = msg.incidents;
  if (msg.incidents.length === 1) return truncate(incidentTitle(msg, first!), max);
  return bundleHeadline(msg);
}

/** The lines under a single incident's title: where and how, the people affected, who has it. */
export function incidentLines(inc: IncidentView, locale?: string): string[] {
  const lines = [incidentStatusLine(inc, locale)];
  if (inc.impactLine) lines.push(oneLine(inc.impactLine));
  if (inc.assignees.length) lines.push(format(locale, 'text.assignedTo', { names: inc.assignees.map((a) => oneLine(a.name)).join(', ') }));
  return lines;
}

/** One incident as a line of a bundle. */
export function bundleLine(inc: IncidentView, locale?: string): string {
  return `#${inc.number} ${oneLine(inc.title)} · ${oneLine(inc.service.name)} · ${statusWord(inc.status, locale)}${inc.impactLine ? ` · ${oneLine(inc.impactLine)}` : ''}`;
}

/** The plain lines of a page's body: the note, then the incident's lines or one line per incident. */
export function pageLines(msg: Message): string[] {
  const lines: string[] = [];
  if (msg.note) lines.push(tr(msg, 'text.note', { content: oneLine(msg.note.content) }));
  if (msg.incidents.length === 1) lines.push(...incidentLines(msg.incidents[0]!, msg.locale));
  else for (const inc of msg.incidents) lines.push(bundleLine(inc, msg.locale));
  return lines;
}
