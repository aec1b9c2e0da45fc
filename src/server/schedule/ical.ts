import type IcalGenerator from 'ical-generator';
import { lazyRequire } from '../lib/lazy-require.js';

/** Loaded with the first calendar feed asked for. */
const icalGenerator = lazyRequire<{ default: typeof IcalGenerator }>('ical-generator');
import type { FinalEntry } from './schedule.js';

/** A final entry, optionally from another calendar than the feed's own (a user's feed spans schedules). */
export interface ICalShift extends FinalEntry {
  /** Replaces the feed's name in this event's summary and its uidScope in the UID. */
  source?: { name: string; uidScope: string };
}

export interface ScheduleICalInput {
  /** Calendar name, also used in each event's summary. */
  name: string;
  /** Usually renderFinal's output; gaps (userId null) produce no event. */
  entries: readonly ICalShift[];
  /** userId → display name; an unknown id is shown as itself. */
  userNames: Readonly<Record<string, string>>;
  /** '//Company//Product//EN' (the leading '-' of PRODID is added). */
  prodId: string;
  /** DTSTAMP of every event; injected so the same input gives the same bytes. */
  now: number;
  /** Keeps UIDs distinct across calendars (e.g. the schedule id). */
  uidScope?: string;
}

/**
 * An iCalendar feed of final shifts, one VEVENT each, in UTC. A UID depends
 * only on the shift (scope, user, start, end), so re-rendering an unchanged
 * schedule keeps every UID and calendar clients update in place.
 */
export function scheduleToICal(input: ScheduleICalInput): string {
  const scope = input.uidScope ?? 'schedule';
  const calendar = icalGenerator().default({ name: input.name, prodId: input.prodId.replace(/^-/, '') });
  for (const entry of input.entries) {
    if (entry.userId === null) continue;
    const userName = input.userNames[entry.userId] ?? entry.userId;
    const eventScope = entry.source?.uidScope ?? scope;
    calendar.createEvent({
      id: `${encodeURIComponent(eventScope)}.${encodeURIComponent(entry.userId)}.${entry.start}.${entry.end}@vigil`,
      start: new Date(entry.start),
      end: new Date(entry.end),
      stamp: new Date(input.now),
      summary: `${userName} on call (${entry.source?.name ?? input.name})`,
    });
  }
  return calendar.toString();
}
