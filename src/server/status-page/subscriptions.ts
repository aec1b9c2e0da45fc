/**
 * Status page subscriptions: the pure rules. Who hears what, how often, and the words.
 *
 * Throttle (per component, so per subscriber and component: every subscriber of a component
 * hears the same stream). A component's state changes are not told one by one: the first
 * change opens a pending notice, due QUIET_MS after the latest change (a component that
 * settles is told soon), but never later than MAX_WAIT_MS after the first one (a component
 * that keeps flapping is still told), and never sooner than THROTTLE_MS after the previous
 * notice. The notice tells the latest state and how many changes happened: a component that
 * flaps twenty times in ten minutes sends one message, not twenty.
 *
 * Maintenance notices are not throttled: a window is announced once when it is within
 * ANNOUNCE_MS of its start (or when it is created inside that horizon), and told again when
 * it starts and when it ends. Public updates written by responders go out at once.
 *
 * The words are in the subscriber's language (the one they read the page in when subscribing,
 * while the page still offers it; else the page's first), dates in the organization's time zone
 * written that language's way (lib/i18n). Webhook `data` is machine-readable and stays the same
 * in every language.
 */
import type { ComponentState, PublicStatus } from './status-page.js';
import type { StatusComponentWatchTable } from '../storage/schema.js';
import { format, formatDateTime, type Language, type MessageId } from '../lib/i18n/translate.js';

export const QUIET_MS = 2 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;
export const THROTTLE_MS = 10 * 60_000;
/** Maintenance is announced this far ahead of its start. */
export const ANNOUNCE_MS = 3 * 86_400_000;
/** An unconfirmed email subscriber is deleted after this long. */
export const CONFIRM_TTL_MS = 48 * 3_600_000;
/** How far back the engine looks for maintenance that ended (to tell its end). */
export const ENDED_LOOKBACK_MS = 6 * 3_600_000;

/** The state subscribers are told about: maintenance has notices of its own, so it reads as operational here. */
export type WatchedState = Exclude<ComponentState, 'maintenance'>;
export const watched = (s: ComponentState): WatchedState => (s === 'maintenance' ? 'operational' : s);

/** The throttle's memory of one component: its stored row without the keys. */
export type Watch = Pick<StatusComponentWatchTable, 'state' | 'told_state' | 'changes' | 'first_change_at' | 'due_at' | 'last_sent_at'>;

/** A component observed in `state` at `now`: the watch after it (the same object when nothing changed). */
export function observe(w: Watch, state: WatchedState, now: number): Watch {
  if (w.state === state) return w;
  const first = w.first_change_at ?? now;
  const due = Math.max(Math.min(now + QUIET_MS, first + MAX_WAIT_MS), w.last_sent_at === null ? now : w.last_sent_at + THROTTLE_MS);
  return { ...w, state, changes: w.changes + 1, first_change_at: first, due_at: due };
}

/** Whether the pending changes are told at `now`. */
export function isDue(w: Watch, now: number): boolean {
  return w.due_at !== null && w.due_at <= now && w.changes > 0;
}

/** The watch once its pending changes were told at `now`. */
export function told(w: Watch, now: number): Watch {
  return { ...w, told_state: w.state, changes: 0, first_change_at: null, due_at: null, last_sent_at: now };
}

/** A subscriber follows a component when it follows all (`[]`) or names it. */
export function follows(components: readonly string[], serviceId: string): boolean {
  return components.length === 0 || components.includes(serviceId);
}

export const EMAIL_RE = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;

const STATE_IDS = { operational: 'statusPage.state.operational', degraded: 'statusPage.state.degraded', outage: 'statusPage.state.outage' } as const satisfies Record<WatchedState, MessageId>;
const STATUS_IDS = { investigating: 'statusPage.status.investigating', identified: 'statusPage.status.identified', monitoring: 'statusPage.status.monitoring', resolved: 'statusPage.status.resolved' } as const satisfies Record<PublicStatus, MessageId>;

/** A date in a subscriber mail: the subscriber's language, in the organization's zone (a subscriber has no zone of their own). */
const when = (lang: Language, zone: string, at: number) => formatDateTime(lang, at, zone);
/** "Label: text", with the language's spacing before the colon. */
const line = (lang: Language, label: string, text: string) => format(lang, 'statusMail.line', { label, text });

/** What a subscriber is told: the subject, the words, and the data of a webhook event. */
export interface Notice {
  /** `status_page.component_changed`, `status_page.incident_updated`, `status_page.maintenance_scheduled|started|ended`. */
  event: string;
  subject: string;
  text: string;
  data: Record<string, unknown>;
}

export function componentNotice(lang: Language, zone: string, page: string, component: { id: string; name: string }, w: Watch): Notice {
  const state = watched(w.state as ComponentState);
  return {
    event: 'status_page.component_changed',
    subject: format(lang, 'statusMail.component.subject', { page, component: component.name, state }),
    text: format(lang, 'statusMail.component.text', { component: component.name, state: format(lang, STATE_IDS[state]), changes: w.changes, since: when(lang, zone, w.first_change_at ?? 0) }),
    data: { component: { id: component.id, name: component.name }, state, previous_state: watched(w.told_state as ComponentState), changes: w.changes },
  };
}

export function updateNotice(lang: Language, zone: string, page: string, incidentId: string, components: string[], update: { status: PublicStatus; message: string; created_at: number }): Notice {
  const word = STATUS_IDS[update.status] ? format(lang, STATUS_IDS[update.status]) : update.status;
  const list = components.join(', ');
  return {
    event: 'status_page.incident_updated',
    subject: components.length ? format(lang, 'statusMail.update.subject_components', { page, status: word, components: list }) : line(lang, page, word),
    text: [line(lang, word, update.message), '', components.length ? line(lang, format(lang, 'statusMail.affects'), list) : '', format(lang, 'statusMail.update.posted', { date: when(lang, zone, update.created_at) })].filter(Boolean).join('\n'),
    data: { incident: { id: incidentId, status: update.status, components }, update: { status: update.status, message: update.message, created_at: new Date(update.created_at).toISOString() } },
  };
}

export type MaintenancePhase = 'scheduled' | 'started' | 'ended';

/** Which maintenance notices are due at `now` for an occurrence, given those already sent. */
export function maintenancePhases(occ: { start: number; end: number }, now: number, sent: ReadonlySet<MaintenancePhase>): MaintenancePhase[] {
  if (occ.end <= now) return sent.has('started') && !sent.has('ended') ? ['ended'] : [];
  if (occ.start <= now) return sent.has('started') ? [] : ['started'];
  return occ.start - now <= ANNOUNCE_MS && !sent.has('scheduled') ? ['scheduled'] : [];
}

export function maintenanceNotice(lang: Language, zone: string, page: string, phase: MaintenancePhase, m: { id: string; description: string | null; components: string[]; start: number; end: number }): Notice {
  const what = m.description?.trim() || format(lang, 'statusMail.maintenance.scheduled_title');
  const lead =
    phase === 'scheduled'
      ? format(lang, 'statusMail.maintenance.lead_scheduled', { start: when(lang, zone, m.start), end: when(lang, zone, m.end) })
      : phase === 'started'
        ? format(lang, 'statusMail.maintenance.lead_started', { end: when(lang, zone, m.end) })
        : format(lang, 'statusMail.maintenance.lead_ended');
  const kind = format(lang, phase === 'scheduled' ? 'statusMail.maintenance.scheduled_title' : phase === 'started' ? 'statusMail.maintenance.in_progress_title' : 'statusMail.maintenance.completed_title');
  return {
    event: `status_page.maintenance_${phase}`,
    subject: line(lang, line(lang, page, kind), what),
    text: [line(lang, lead, what), m.components.length ? line(lang, format(lang, 'statusMail.affects'), m.components.join(', ')) : ''].filter(Boolean).join('\n'),
    data: { maintenance: { id: m.id, status: phase === 'scheduled' ? 'scheduled' : phase === 'started' ? 'in_progress' : 'completed', description: m.description, components: m.components, start_time: new Date(m.start).toISOString(), end_time: new Date(m.end).toISOString() } },
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** An update mail's body: the notice, the page, and a visible unsubscribe link (the header carries the one-click one). */
export function noticeEmail(lang: Language, n: Notice, links: { page: string; unsubscribe: string }): { text: string; html: string } {
  const text = [n.text, '', line(lang, format(lang, 'statusMail.status_page'), links.page), '', line(lang, format(lang, 'statusMail.unsubscribe'), links.unsubscribe)].join('\n');
  const html = `<p style="white-space:pre-wrap">${esc(n.text)}</p><p><a href="${esc(links.page)}">${esc(format(lang, 'statusMail.see_the_page'))}</a></p><p style="font-size:14px;color:#444">${esc(format(lang, 'statusMail.why'))} <a href="${esc(links.unsubscribe)}">${esc(format(lang, 'statusMail.unsubscribe'))}</a></p>`;
  return { text, html };
}

export function confirmEmail(lang: Language, page: string, links: { confirm: string; page: string }): { subject: string; text: string; html: string } {
  const subject = format(lang, 'statusMail.confirm.subject', { page });
  const lead = format(lang, 'statusMail.confirm.lead', { page });
  return {
    subject,
    text: [lead, '', line(lang, format(lang, 'statusMail.confirm.confirm'), links.confirm), '', line(lang, format(lang, 'statusMail.status_page'), links.page)].join('\n'),
    html: `<p>${esc(lead)}</p><p><a href="${esc(links.confirm)}" style="display:inline-block;padding:10px 16px;border-radius:4px;background:#1a4fa3;color:#fff;font-weight:bold">${esc(format(lang, 'statusMail.confirm.button'))}</a></p><p><a href="${esc(links.page)}">${esc(format(lang, 'statusMail.see_the_page'))}</a></p>`,
  };
}
