/**
 * The rules stage of the pipeline, between a validated event and the incidents: an
 * organization-wide key's router picks the service; the service's rules then act on the
 * event (extractions, severity, urgency, priority, suppress, drop, pause, notes, resolve).
 * Pure: the caller loads the compiled rules and the service.
 *
 * An event no rule matched comes out exactly as it went in (rules/rules.property.test.ts).
 */
import type { RuleEvent, RuleMatch, ServiceOutcome } from '../rules/rules.js';
import { parseTimestamp } from '../lib/timestamp.js';

/** The trigger fields rules can read and change. */
export interface TriggerFields {
  dedupKey: string;
  summary: string;
  severity: string;
  source: string | null;
  details: unknown;
}

/** What the rules decided beyond the event's own fields. */
export interface RuleDecision {
  suppress: boolean;
  urgency: 'high' | 'low' | null;
  priorityId: string | null;
  pauseSeconds: number | null;
  notes: string[];
  matched: RuleMatch[];
  /** A rule turned the trigger into a resolve of its dedup key. */
  resolve: boolean;
}

type Details = { custom_details?: unknown; component?: string; group?: string; class?: string; timestamp?: string; links?: { href: string; text?: string }[]; client?: string; [k: string]: unknown };

/** The event as rules see it (PagerDuty's PD-CEF fields). A payload without a timestamp is dated when it was received. */
export function ruleEventOf(t: TriggerFields, receivedAt: number): RuleEvent {
  const d = (t.details ?? {}) as Details;
  const ts = typeof d.timestamp === 'string' ? parseTimestamp(d.timestamp) : null;
  return {
    summary: t.summary,
    source: t.source,
    severity: t.severity,
    ...(typeof d.component === 'string' ? { component: d.component } : {}),
    ...(typeof d.group === 'string' ? { group: d.group } : {}),
    ...(typeof d.class === 'string' ? { class: d.class } : {}),
    ...(d.custom_details !== undefined ? { custom_details: d.custom_details } : {}),
    ...(Array.isArray(d.links) ? { links: d.links } : {}),
    timestamp: ts ?? receivedAt,
    dedup_key: t.dedupKey,
    ...(typeof d.client === 'string' ? { client: d.client } : {}),
  };
}

/** The trigger after the rules: the fields extractions changed, and the decision. */
export function applyOutcome(t: TriggerFields, o: ServiceOutcome): { fields: TriggerFields; decision: RuleDecision } {
  const e = o.event;
  const d = { ...((t.details ?? {}) as Details) };
  for (const k of ['component', 'group', 'class'] as const) if (e[k] !== undefined) d[k] = e[k];
  if (e.custom_details !== undefined) d.custom_details = e.custom_details;
  return {
    fields: { dedupKey: e.dedup_key ?? t.dedupKey, summary: e.summary, severity: o.severity ?? t.severity, source: e.source, details: d },
    decision: {
      suppress: o.suppress,
      urgency: o.urgency ?? null,
      priorityId: o.priorityId ?? null,
      pauseSeconds: o.pauseSeconds ?? null,
      notes: o.notes,
      matched: o.matched,
      resolve: o.eventAction === 'resolve',
    },
  };
}

export const NO_DECISION: RuleDecision = { suppress: false, urgency: null, priorityId: null, pauseSeconds: null, notes: [], matched: [], resolve: false };
