/**
 * PagerDuty Events API v2 validation, pure. Messages follow the ones real
 * PagerDuty returns (see shared/reference/pagerduty/BRIEF.md §1), each naming
 * the field, so a client's log says what to fix.
 */
import { SEVERITIES } from '../../incident/incident.js';
import { parseTimestamp } from '../../lib/timestamp.js';

export const EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

export interface AlertEvent {
  routingKey: string;
  action: EventAction;
  dedupKey: string | null;
  payload: {
    summary: string;
    source: string;
    severity: string;
    timestamp: number | null;
    component: string | null;
    group: string | null;
    class: string | null;
    customDetails: unknown;
  } | null;
  images: { src: string; href?: string; alt?: string }[];
  links: { href: string; text?: string }[];
  client: string | null;
  clientUrl: string | null;
}

export interface ChangeEvent {
  routingKey: string;
  summary: string;
  source: string | null;
  timestamp: number | null;
  customDetails: unknown;
  links: { href: string; text?: string }[];
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export const LIMITS = { summary: 1024, dedupKey: 255, routingKey: 32, shortField: 1024, url: 2048, listItems: 100 } as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Limits are in characters (Unicode code points), not UTF-16 units: Alertmanager
 * truncates its summary to 1024 runes, so a summary with emoji or other astral
 * characters may be up to 2048 UTF-16 units long and must still be accepted.
 */
export function tooLong(s: string, max: number): boolean {
  if (s.length <= max) return false;
  if (s.length > 2 * max) return true;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    if (++n > max) return true;
  }
  return false;
}

export function validateRoutingKey(v: unknown, errors: string[]): string | null {
  if (v === undefined || v === null || v === '') {
    errors.push("'routing_key' is missing or blank");
    return null;
  }
  if (typeof v !== 'string') {
    errors.push("'routing_key' must be a string");
    return null;
  }
  if (v.length !== LIMITS.routingKey) {
    errors.push(`Length of 'routing_key' is incorrect (should be ${LIMITS.routingKey} characters)`);
    return null;
  }
  if (!/^[A-Za-z0-9]+$/.test(v)) {
    errors.push("'routing_key' cannot contain non-alphanumeric characters.");
    return null;
  }
  return v;
}

function optString(obj: Record<string, unknown>, key: string, path: string, errors: string[], max: number = LIMITS.shortField): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    errors.push(`'${path}' must be a string`);
    return null;
  }
  if (tooLong(v, max)) errors.push(`'${path}' is too long (maximum is ${max} characters)`);
  if (v.includes('\u0000')) errors.push(`'${path}' must not contain NUL characters`);
  return v;
}

function reqString(obj: Record<string, unknown>, key: string, path: string, errors: string[], max: number): string | null {
  const v = obj[key];
  if (v === undefined || v === null || v === '') {
    errors.push(`'${path}' is missing or blank`);
    return null;
  }
  if (typeof v !== 'string') {
    errors.push(`'${path}' must be a string`);
    return null;
  }
  if (v.trim() === '') {
    errors.push(`'${path}' is missing or blank`);
    return null;
  }
  if (tooLong(v, max)) errors.push(`'${path}' is too long (maximum is ${max} characters)`);
  if (v.includes('\u0000')) errors.push(`'${path}' must not contain NUL characters`);
  return v;
}

function links(v: unknown, errors: string[]): { href: string; text?: string }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errors.push("'links' must be an array");
    return [];
  }
  if (v.length > LIMITS.listItems) errors.push(`'links' has too many items (maximum is ${LIMITS.listItems})`);
  const out: { href: string; text?: string }[] = [];
  v.slice(0, LIMITS.listItems).forEach((l, i) => {
    if (!isObject(l)) return void errors.push(`'links[${i}]' must be an object`);
    const href = reqString(l, 'href', `links[${i}].href`, errors, LIMITS.url);
    const text = optString(l, 'text', `links[${i}].text`, errors);
    if (href) out.push(text ? { href, text } : { href });
  });
  return out;
}

function images(v: unknown, errors: string[]): { src: string; href?: string; alt?: string }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errors.push("'images' must be an array");
    return [];
  }
  if (v.length > LIMITS.listItems) errors.push(`'images' has too many items (maximum is ${LIMITS.listItems})`);
  const out: { src: string; href?: string; alt?: string }[] = [];
  v.slice(0, LIMITS.listItems).forEach((im, i) => {
    if (!isObject(im)) return void errors.push(`'images[${i}]' must be an object`);
    const src = reqString(im, 'src', `images[${i}].src`, errors, LIMITS.url);
    const href = optString(im, 'href', `images[${i}].href`, errors, LIMITS.url);
    const alt = optString(im, 'alt', `images[${i}].alt`, errors);
    if (src) out.push({ src, ...(href ? { href } : {}), ...(alt ? { alt } : {}) });
  });
  return out;
}

function timestamp(obj: Record<string, unknown>, path: string, errors: string[]): number | null {
  const v = obj.timestamp;
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') {
    errors.push(`'${path}' must be an ISO 8601 string`);
    return null;
  }
  const t = parseTimestamp(v);
  if (t === null) errors.push(`'${path}' is not a valid ISO 8601 timestamp`);
  return t;
}

/** Deepest nesting accepted anywhere in an event: deeper documents are refused before anything recurses over them. */
export const MAX_DEPTH = 64;

/** True when `v` nests deeper than `max`; iterative, so a hostile document cannot overflow the stack here. */
export function nestsDeeperThan(v: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d > max) return true;
    for (const c of Array.isArray(x) ? x : Object.values(x)) if (typeof c === 'object' && c !== null) stack.push([c, d + 1]);
  }
  return false;
}

const TOO_DEEP = `Event object is nested more than ${MAX_DEPTH} levels deep`;

export function validateAlertEvent(body: unknown): Validated<AlertEvent> {
  if (!isObject(body)) return { ok: false, errors: ['Event object format is unrecognized: expected a JSON object'] };
  if (nestsDeeperThan(body, MAX_DEPTH)) return { ok: false, errors: [TOO_DEEP] };
  const errors: string[] = [];
  const routingKey = validateRoutingKey(body.routing_key, errors);
  const rawAction = body.event_action;
  let action: EventAction | null = null;
  if (rawAction === undefined || rawAction === null || rawAction === '') errors.push("'event_action' is missing or blank");
  else if (typeof rawAction !== 'string' || !(EVENT_ACTIONS as readonly string[]).includes(rawAction)) errors.push("'event_action' must be one of trigger, acknowledge or resolve");
  else action = rawAction as EventAction;

  let dedupKey: string | null = null;
  const dk = body.dedup_key;
  if (dk !== undefined && dk !== null) {
    if (typeof dk !== 'string') errors.push("'dedup_key' must be a string");
    else if (tooLong(dk, LIMITS.dedupKey)) errors.push(`'dedup_key' is too long (maximum is ${LIMITS.dedupKey} characters)`);
    else if (dk !== '') dedupKey = dk;
  }
  if ((action === 'acknowledge' || action === 'resolve') && dedupKey === null && !errors.some((e) => e.startsWith("'dedup_key'"))) {
    errors.push(`'dedup_key' is missing or blank (required to ${action})`);
  }

  let payload: AlertEvent['payload'] = null;
  const p = body.payload;
  if (action === 'trigger') {
    if (p === undefined || p === null) errors.push("'payload' is missing (required to trigger)");
    else if (!isObject(p)) errors.push("'payload' must be an object");
    else {
      const summary = reqString(p, 'summary', 'payload.summary', errors, LIMITS.summary);
      const source = reqString(p, 'source', 'payload.source', errors, LIMITS.shortField);
      let severity: string | null = null;
      if (p.severity === undefined || p.severity === null || p.severity === '') errors.push("'payload.severity' is missing or blank");
      else if (typeof p.severity !== 'string' || !(SEVERITIES as readonly string[]).includes(p.severity)) errors.push("'payload.severity' must be one of critical, error, warning or info");
      else severity = p.severity;
      const ts = timestamp(p, 'payload.timestamp', errors);
      const component = optString(p, 'component', 'payload.component', errors);
      const group = optString(p, 'group', 'payload.group', errors);
      const klass = optString(p, 'class', 'payload.class', errors);
      if (summary && source && severity) {
        payload = { summary, source, severity, timestamp: ts, component, group, class: klass, customDetails: p.custom_details ?? null };
      }
    }
  } else if (p !== undefined && p !== null && !isObject(p)) {
    errors.push("'payload' must be an object");
  }
  const imgs = images(body.images, errors);
  const lnks = links(body.links, errors);
  const client = optString(body, 'client', 'client', errors);
  const clientUrl = optString(body, 'client_url', 'client_url', errors, LIMITS.url);

  if (errors.length || !routingKey || !action) return { ok: false, errors };
  return { ok: true, value: { routingKey, action, dedupKey, payload, images: imgs, links: lnks, client, clientUrl } };
}

export function validateChangeEvent(body: unknown): Validated<ChangeEvent> {
  if (!isObject(body)) return { ok: false, errors: ['Event object format is unrecognized: expected a JSON object'] };
  if (nestsDeeperThan(body, MAX_DEPTH)) return { ok: false, errors: [TOO_DEEP] };
  const errors: string[] = [];
  const routingKey = validateRoutingKey(body.routing_key, errors);
  const p = body.payload;
  let summary: string | null = null;
  let source: string | null = null;
  let ts: number | null = null;
  let customDetails: unknown = null;
  if (p === undefined || p === null) errors.push("'payload' is missing");
  else if (!isObject(p)) errors.push("'payload' must be an object");
  else {
    summary = reqString(p, 'summary', 'payload.summary', errors, LIMITS.summary);
    source = optString(p, 'source', 'payload.source', errors);
    ts = timestamp(p, 'payload.timestamp', errors);
    customDetails = p.custom_details ?? null;
  }
  const lnks = links(body.links, errors);
  if (errors.length || !routingKey || !summary) return { ok: false, errors };
  return { ok: true, value: { routingKey, summary, source, timestamp: ts, customDetails, links: lnks } };
}
