/**
 * Wording shared by the human-facing channels (email, chat, SMS, voice), so a page
 * says the same thing everywhere. Pure.
 */
import type { IncidentEventType, IncidentView, Message } from '../channel.js';

const LABELS: Record<IncidentEventType, string> = {
  'incident.triggered': 'TRIGGERED',
  'incident.acknowledged': 'ACKNOWLEDGED',
  'incident.unacknowledged': 'UNACKNOWLEDGED',
  'incident.resolved': 'RESOLVED',
  'incident.escalated': 'ESCALATED',
  'incident.reassigned': 'REASSIGNED',
  'incident.annotated': 'NOTE',
  'incident.priority_updated': 'PRIORITY',
  'pagey.ping': 'TEST',
};

export function eventLabel(eventType: IncidentEventType): string {
  return LABELS[eventType];
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
  return msg.confirmUrl ? ` Tap to confirm it reached you: ${msg.confirmUrl}` : '';
}

/** "3 incidents TRIGGERED (Chat line)": the heading of a message carrying several incidents. */
export function bundleHeadline(msg: Message): string {
  const service = commonService(msg.incidents);
  return `${msg.incidents.length} incidents ${eventLabel(msg.eventType)}${service ? ` (${oneLine(service)})` : ''}`;
}

/** "Chat line · high urgency · triggered": where an incident is and how it stands. */
export function incidentStatusLine(inc: IncidentView): string {
  return `${oneLine(inc.service.name)} · ${inc.urgency} urgency · ${inc.status}`;
}

/** The title of a notification (push-like channels: ntfy, Telegram): what happened, cut at `max`. */
export function notificationTitle(msg: Message, max: number): string {
  if (isVerification(msg)) return 'Vigil verification code';
  if (msg.incidents.length === 0) return isTest(msg) ? `Vigil test for ${oneLine(msg.orgName)}` : (msg.notice?.subject ?? `Vigil: ${oneLine(msg.orgName)}`);
  const [first] = msg.incidents;
  if (msg.incidents.length === 1) return truncate(`#${first!.number} ${eventLabel(msg.eventType)}: ${oneLine(first!.title)}`, max);
  return bundleHeadline(msg);
}

/** The lines under a single incident's title: where and how, the people affected, who has it. */
export function incidentLines(inc: IncidentView): string[] {
  const lines = [incidentStatusLine(inc)];
  if (inc.impactLine) lines.push(oneLine(inc.impactLine));
  if (inc.assignees.length) lines.push(`Assigned to ${inc.assignees.map((a) => oneLine(a.name)).join(', ')}`);
  return lines;
}

/** One incident as a line of a bundle. */
export function bundleLine(inc: IncidentView): string {
  return `#${inc.number} ${oneLine(inc.title)} · ${oneLine(inc.service.name)} · ${inc.status}${inc.impactLine ? ` · ${oneLine(inc.impactLine)}` : ''}`;
}

/** The plain lines of a page's body: the note, then the incident's lines or one line per incident. */
export function pageLines(msg: Message): string[] {
  const lines: string[] = [];
  if (msg.note) lines.push(`Note: ${oneLine(msg.note.content)}`);
  if (msg.incidents.length === 1) lines.push(...incidentLines(msg.incidents[0]!));
  else for (const inc of msg.incidents) lines.push(bundleLine(inc));
  return lines;
}
