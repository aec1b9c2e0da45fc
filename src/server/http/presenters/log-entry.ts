import { iso } from '../../lib/clock.js';
import { wordStored } from '../../lib/i18n/translate.js';
import type { LogEntryTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';
import { PD_LOG_TYPE } from './pd-enums.js';

/**
 * A timeline entry. event_details values are strings only: go-pagerduty decodes them into
 * map[string]string. `summary` is in the reader's language (`locale`) when Vigil wrote it;
 * a person's own words (a note) and entries written before wording are as stored.
 */
export function presentLogEntry(p: BasePresenter, e: LogEntryTable, serviceName: string | null, incidentTitle: string | null, locale?: string) {
  const details = e.details ? (JSON.parse(e.details) as Record<string, unknown>) : {};
  const eventDetails: Record<string, string> = {};
  for (const [k, v] of Object.entries(details)) eventDetails[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const type = PD_LOG_TYPE[e.type];
  if (type) eventDetails.vigil_type = e.type;
  return {
    id: e.id,
    type: type ?? e.type,
    summary: wordStored(locale, e.wording) ?? e.summary,
    self: `${p.baseUrl}/api/v1/log_entries/${e.id}`,
    html_url: null,
    created_at: iso(e.created_at),
    agent: p.agent(e.agent, e.service_id),
    channel: channelObject(JSON.parse(e.channel) as { type: string; channel?: unknown }),
    service: p.ref('service_reference', e.service_id, serviceName, 'services'),
    incident: e.incident_id ? p.ref('incident_reference', e.incident_id, incidentTitle, 'incidents') : null,
    teams: [],
    contexts: [],
    ...(e.type === 'annotate_log_entry' ? { note: e.summary } : {}),
    event_details: eventDetails,
  };
}

/** PagerDuty's `channel.channel` is an object: a chat channel's name goes in it as its summary. */
function channelObject(c: { type: string; channel?: unknown }): { type: string; [k: string]: unknown } {
  return typeof c.channel === 'string' ? { ...c, channel: { summary: c.channel } } : c;
}

/** A note is an annotate_log_entry seen from the notes endpoint. */
export function presentNote(p: BasePresenter, e: LogEntryTable) {
  return { id: e.id, user: p.agent(e.agent), content: e.summary, created_at: iso(e.created_at) };
}

/** The answer to adding a note: its author is the caller. */
export function presentAddedNote(p: BasePresenter, id: string, author: { id: string; summary: string }, content: string, at: number) {
  return { id, user: p.ref('user_reference', author.id, author.summary, 'users'), content, created_at: iso(at) };
}
