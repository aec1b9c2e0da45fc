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
