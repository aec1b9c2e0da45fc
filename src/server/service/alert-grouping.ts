/**
 * Alert grouping, decided without I/O: which open incident of its service a new alert
 * joins, if any (PagerDuty's alert_grouping_parameters).
 *
 * - `{type: null}`: every new alert opens its own incident.
 * - `{type: 'time', config: {timeout}}`: alerts join the service's accepting incident while
 *   it is younger than `timeout` minutes (0: until it resolves); then the next alert opens
 *   a new one.
 * - `{type: 'content_based', config: {aggregate, fields, time_window}}`: alerts join an open
 *   incident whose grouped fields match theirs (every field with `all`, at least one with
 *   `any`), while the last alert it took is less than `time_window` seconds old.
 *
 * An incident that accepts alerts carries a group key (`open_group`, unique per service
 * among open incidents) and, for time windows, the instant its window closes
 * (`group_until`). Content grouping on `all` puts a digest of the field values in the key;
 * on `any` each incident has a key of its own under the prefix `any:`, and the values are
 * compared one by one (`group_fields`).
 */
import { createHash } from 'node:crypto';
import { say, type Wording } from '../lib/i18n/translate.js';

export type AlertGrouping =
  | { type: null }
  | { type: 'time'; config: { timeout: number } }
  | { type: 'content_based'; config: { aggregate: 'all' | 'any'; fields: string[]; time_window: number } };

export const NO_GROUPING: AlertGrouping = { type: null };
export const GROUP_UNTIL_RESOLVED: AlertGrouping = { type: 'time', config: { timeout: 0 } };

/** The event fields grouping may read: PagerDuty's names, custom_details.<path> into the details. */
export interface GroupedEvent {
  summary: string;
  source: string | null;
  severity: string;
  details: unknown;
}

const TOP_FIELDS = ['summary', 'source', 'severity', 'component', 'group', 'class'] as const;
export const MAX_GROUPING_FIELDS = 10;
const DEFAULT_CONTENT_WINDOW_S = 300;

/** Validate PagerDuty's wire shape; every problem names its field under `path`. */
export function parseGrouping(input: unknown, path: string): { value: AlertGrouping; errors: string[] } {
  const errors: string[] = [];
  if (input === null) return { value: NO_GROUPING, errors };
  if (typeof input !== 'object' || Array.isArray(input)) return { value: NO_GROUPING, errors: [`${path} must be an object such as {"type": "time", "config": {"timeout": 0}}, or null`] };
  const { type, config, ...rest } = input as { type?: unknown; config?: unknown };
  for (const k of Object.keys(rest)) errors.push(`${path}.${k} is not a field of alert_grouping_parameters`);
  const cfg = (config ?? {}) as Record<string, unknown>;
  if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) errors.push(`${path}.config must be an object`);
  if (type === null || type === undefined) {
    if (config !== undefined && config !== null) errors.push(`${path}.config must be absent when type is null`);
    return { value: NO_GROUPING, errors };
  }
  if (type === 'time') {
    for (const k of Object.keys(cfg)) if (k !== 'timeout') errors.push(`${path}.config.${k} is not a field of time grouping (timeout)`);
    const t = cfg['timeout'] ?? 0;
    if (!Number.isInteger(t) || (t as number) < 0 || (t as number) > 1440) errors.push(`${path}.config.timeout must be an integer number of minutes from 1 to 1440, or 0 to group until the incident resolves`);
    return { value: { type: 'time', config: { timeout: Number.isInteger(t) ? (t as number) : 0 } }, errors };
  }
  if (type === 'content_based') {
    for (const k of Object.keys(cfg)) if (!['aggregate', 'fields', 'time_window', 'recommended_time_window'].includes(k)) errors.push(`${path}.config.${k} is not a field of content-based grouping (aggregate, fields, time_window)`);
    const aggregate = cfg['aggregate'];
    if (aggregate !== 'all' && aggregate !== 'any') errors.push(`${path}.config.aggregate must be "all" or "any"`);
    const fields = cfg['fields'];
    if (!Array.isArray(fields) || fields.length === 0) errors.push(`${path}.config.fields must list at least one field, such as ["source", "component", "custom_details.region"]`);
    else {
      if (fields.length > MAX_GROUPING_FIELDS) errors.push(`${path}.config.fields may list at most ${MAX_GROUPING_FIELDS} fields`);
      fields.forEach((f, i) => {
        if (typeof f !== 'string' || !isGroupingField(f)) errors.push(`${path}.config.fields[${i}] must be one of ${TOP_FIELDS.join(', ')} or custom_details.<name>, got ${JSON.stringify(f).slice(0, 60)}`);
      });
      if (new Set(fields).size !== fields.length) errors.push(`${path}.config.fields lists a field twice`);
    }
    const w = cfg['time_window'] ?? 0;
    if (!Number.isInteger(w) || ((w as number) !== 0 && ((w as number) < 300 || (w as number) > 86_400))) errors.push(`${path}.config.time_window must be a number of seconds from 300 to 86400, or 0 for the recommended window (${DEFAULT_CONTENT_WINDOW_S} s)`);
    return {
      value: { type: 'content_based', config: { aggregate: aggregate === 'any' ? 'any' : 'all', fields: Array.isArray(fields) ? (fields as string[]) : [], time_window: Number.isInteger(w) ? (w as number) : 0 } },
      errors,
    };
  }
  if (type === 'intelligent') return { value: NO_GROUPING, errors: [`${path}.type "intelligent" is not available in Vigil: use "time" or "content_based"`] };
  return { value: NO_GROUPING, errors: [`${path}.type must be null, "time" or "content_based"`] };
}

export function isGroupingField(f: string): boolean {
  return (TOP_FIELDS as readonly string[]).includes(f) || /^custom_details\.[^.\s][^\s]{0,127}$/.test(f);
}

/** The stored JSON of a grouping (NULL for none), and back. */
export const storeGrouping = (g: AlertGrouping): string | null => (g.type === null ? null : JSON.stringify(g));
export const loadGrouping = (s: string | null | undefined): AlertGrouping => (s ? (JSON.parse(s) as AlertGrouping) : NO_GROUPING);

/** PagerDuty's wire shape: recommended_time_window is shown for content grouping. */
export function wireGrouping(g: AlertGrouping): { type: 'time' | 'content_based' | null; config?: Record<string, unknown> } {
  if (g.type === null) return { type: null };
  if (g.type === 'time') return { type: 'time', config: { timeout: g.config.timeout } };
  return { type: 'content_based', config: { aggregate: g.config.aggregate, fields: g.config.fields, time_window: g.config.time_window, recommended_time_window: DEFAULT_CONTENT_WINDOW_S } };
}

/** A field's value as grouping compares it (text; JSON for objects), or null when absent. */
export function fieldValue(e: GroupedEvent, field: string): string | null {
  const d = (e.details ?? {}) as Record<string, unknown>;
  let v: unknown;
  if (field === 'summary') v = e.summary;
  else if (field === 'source') v = e.source;
  else if (field === 'severity') v = e.severity;
  else if (field === 'component' || field === 'group' || field === 'class') v = d[field];
  else {
    v = d['custom_details'];
    for (const part of field.slice('custom_details.'.length).split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  }
  if (v === undefined || v === null || v === '') return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Where a new alert would go: the key of the group it belongs to, or none (an incident of its own). */
export interface GroupTarget {
  /** The incident's `open_group` while it accepts alerts; with `prefix`, every key that starts so (an `any` group, one key per incident). */
  key: string;
  prefix: boolean;
  /** The grouped values, for `any` matching and for the timeline ("grouped by source = gw-1"). */
  fields: Record<string, string | null> | null;
}

export function groupTarget(g: AlertGrouping, e: GroupedEvent): GroupTarget | null {
  if (g.type === null) return null;
  if (g.type === 'time') return { key: 'time', prefix: false, fields: null };
  const fields = Object.fromEntries(g.config.fields.map((f) => [f, fieldValue(e, f)]));
  if (g.config.aggregate === 'any') return { key: 'any:', prefix: true, fields };
  const digest = createHash('sha256').update(JSON.stringify(g.config.fields.map((f) => fields[f]))).digest('hex').slice(0, 32);
  return { key: `content:${digest}`, prefix: false, fields };
}

/** The `open_group` a new incident of this group takes. */
export function openGroupOf(target: GroupTarget, incidentId: string): string {
  return target.prefix ? `${target.key}${incidentId}` : target.key;
}

/** When an incident opened (or joined) at `at` stops accepting alerts; null: until it resolves. */
export function groupUntil(g: AlertGrouping, openedAt: number, joinedAt: number): number | null {
  if (g.type === 'time') return g.config.timeout === 0 ? null : openedAt + g.config.timeout * 60_000;
  if (g.type === 'content_based') return joinedAt + (g.config.time_window || DEFAULT_CONTENT_WINDOW_S) * 1000;
  return null;
}

export interface Candidate {
  id: string;
  group_until: number | null;
  group_fields: string | null;
}

/**
 * Which of the service's accepting incidents under `target.key` the alert joins at `now`
 * (null: open a new one). An incident whose window has closed takes no more alerts.
 * With `any`, the alert joins the first incident that shares a non-empty value of at least
 * one grouped field.
 */
export function chooseIncident<C extends Candidate>(g: AlertGrouping, target: GroupTarget, candidates: readonly C[], now: number): { join: C | null; expired: C[] } {
  const expired = candidates.filter((c) => c.group_until !== null && c.group_until <= now);
  const live = candidates.filter((c) => c.group_until === null || c.group_until > now);
  if (g.type !== 'content_based' || g.config.aggregate === 'all') return { join: live[0] ?? null, expired };
  const mine = target.fields ?? {};
  const join =
    live.find((c) => {
      const theirs = (c.group_fields ? JSON.parse(c.group_fields) : {}) as Record<string, string | null>;
      return Object.entries(mine).some(([f, v]) => v !== null && theirs[f] === v);
    }) ?? null;
  return { join, expired };
}

/** "grouped by source = gw-1, custom_details.region = eu" or "grouped by time (within 10 min)". */
export function groupingReason(g: AlertGrouping, target: GroupTarget | null): Wording {
  if (g.type === 'time') return say('timeline.grouped.time', { minutes: g.config.timeout });
  if (g.type === 'content_based' && target?.fields) {
    const parts = Object.entries(target.fields).filter(([, v]) => v !== null).map(([f, v]) => `${f} = ${String(v).slice(0, 80)}`);
    return say('timeline.grouped.content', { aggregate: g.config.aggregate === 'all' ? 'all' : 'any', fields: parts.length ? parts.join(', ') : say('timeline.grouped.allEmpty') });
  }
  return say('timeline.grouped');
}
