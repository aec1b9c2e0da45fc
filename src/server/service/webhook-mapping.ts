/**
 * A generic webhook integration's mapping: JSONata expressions over the payload that give each
 * event's summary, source, severity (through a value map), dedup key, action (through a value
 * map), custom details and links. `events`, when set, picks the items of a payload that each
 * become one event (Grafana's `alerts`); the other expressions are then evaluated on each item,
 * with the whole payload bound to `$payload`.
 *
 * JSONata (not JMESPath or JSONPath) because the mapping must transform, not only select:
 * concatenate a summary, build a link object, default a missing field. It has no I/O. It is
 * bounded here: every expression runs with JSONata's own guardrails (a time limit checked at
 * each evaluation step, a nesting limit, a sequence-size limit), the whole payload shares one
 * time budget, regular expressions whose quantifiers nest (catastrophic backtracking happens
 * inside one step, where no limit is checked) are refused at save time, and each event's size
 * is capped. `$now()` and `$millis()` read the injected clock. Pure apart from that clock.
 */
import type jsonataType from 'jsonata';
import { lazyRequire } from '../lib/lazy-require.js';

/** Loaded with the first generic webhook mapping compiled: a node with none never holds it. */
const jsonata = lazyRequire<typeof jsonataType>('jsonata');

export const WEBHOOK_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export const WEBHOOK_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type WebhookAction = (typeof WEBHOOK_ACTIONS)[number];

/** The expression fields, in the order they are evaluated and reported. */
export const EXPRESSION_FIELDS = ['events', 'summary', 'source', 'severity', 'dedup_key', 'action', 'custom_details', 'links'] as const;
export type ExpressionField = (typeof EXPRESSION_FIELDS)[number];

export interface WebhookMapping {
  events?: string;
  summary: string;
  source?: string;
  severity?: string;
  severity_map?: Record<string, string>;
  dedup_key?: string;
  action?: string;
  action_map?: Record<string, string>;
  custom_details?: string;
  links?: string;
}

export interface WebhookConfig {
  preset: string | null;
  mapping: WebhookMapping;
}

/** What one mapped event is: an Events API v2 event's fields. */
export interface MappedEvent {
  action: WebhookAction;
  dedup_key: string | null;
  summary: string;
  source: string | null;
  severity: (typeof WEBHOOK_SEVERITIES)[number];
  custom_details: unknown;
  links: { href: string; text?: string }[];
}

export type MappingResult = { ok: true; events: MappedEvent[] } | { ok: false; error: string };

export const MAPPING_LIMITS = {
  /** The time budget of one payload, all expressions and events together (ms). */
  timeMs: 250,
  /** JSONata's evaluation depth. */
  stack: 500,
  /** Items in one JSONata sequence. */
  sequence: 100_000,
  /** One event, as JSON (characters). */
  eventChars: 64 * 1024,
  /** Events from one payload. */
  events: 100,
  expressionChars: 4096,
  mapEntries: 100,
  summary: 1024,
  dedupKey: 255,
  source: 1024,
  links: 20,
} as const;

type Compiled = Partial<Record<ExpressionField, jsonataType.Expression>>;

export interface CompiledMapping {
  mapping: WebhookMapping;
  expressions: Compiled;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A group holding a quantifier, itself quantified: `(a+)+`, `(x*)*`, `(a|aa)+` is not caught; this is the common disaster. */
const NESTED_QUANTIFIER = /\([^()]*[+*}][^()]*\)\s*[+*{]/;

/**
 * Checks a mapping from a request body (`field` prefixes each error: `integration.mapping`);
 * returns the errors, each naming its field, or the compiled mapping.
 */
export function compileMapping(input: unknown, field = 'mapping'): { ok: true; value: CompiledMapping } | { ok: false; errors: string[] } {
  if (!isObject(input)) return { ok: false, errors: [`${field}: must be an object`] };
  const errors: string[] = [];
  const known = new Set<string>([...EXPRESSION_FIELDS, 'severity_map', 'action_map']);
  for (const k of Object.keys(input)) if (!known.has(k)) errors.push(`${field}.${k}: unknown field; the fields are ${[...known].join(', ')}`);
  const mapping: Partial<WebhookMapping> = {};
  const expressions: Compiled = {};
  for (const f of EXPRESSION_FIELDS) {
    const v = input[f];
    if (v === undefined || v === null || v === '') {
      if (f === 'summary') errors.push(`${field}.summary: is required (a JSONata expression giving the alert's summary)`);
      continue;
    }
    if (typeof v !== 'string') {
      errors.push(`${field}.${f}: must be a JSONata expression (a string)`);
      continue;
    }
    if (v.length > MAPPING_LIMITS.expressionChars) {
      errors.push(`${field}.${f}: is too long (maximum is ${MAPPING_LIMITS.expressionChars} characters)`);
      continue;
    }
    if (NESTED_QUANTIFIER.test(v)) {
      errors.push(`${field}.${f}: a regular expression with nested quantifiers (like (a+)+) is refused: it can run for minutes`);
      continue;
    }
    try {
      expressions[f] = jsonata()(v, { timeout: MAPPING_LIMITS.timeMs, stack: MAPPING_LIMITS.stack, sequence: MAPPING_LIMITS.sequence } as never);
      mapping[f] = v;
    } catch (err) {
      errors.push(`${field}.${f}: ${jsonataMessage(err)}`);
    }
  }
  for (const [f, allowed] of [
    ['severity_map', WEBHOOK_SEVERITIES],
    ['action_map', WEBHOOK_ACTIONS],
  ] as const) {
    const m = input[f];
    if (m === undefined || m === null) continue;
    if (!isObject(m)) {
      errors.push(`${field}.${f}: must be an object from the payload's values to ${allowed.join(', ')}`);
      continue;
    }
    if (Object.keys(m).length > MAPPING_LIMITS.mapEntries) errors.push(`${field}.${f}: has too many entries (maximum is ${MAPPING_LIMITS.mapEntries})`);
    for (const [k, val] of Object.entries(m)) {
      if (typeof val !== 'string' || !(allowed as readonly string[]).includes(val)) errors.push(`${field}.${f}.${k}: must be one of ${allowed.join(', ')}`);
    }
    mapping[f] = m as Record<string, string>;
  }
  if (mapping.severity_map && !mapping.severity) errors.push(`${field}.severity_map: needs ${field}.severity (the expression whose value it maps)`);
  if (mapping.action_map && !mapping.action) errors.push(`${field}.action_map: needs ${field}.action (the expression whose value it maps)`);
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { mapping: mapping as WebhookMapping, expressions } };
}

function jsonataMessage(err: unknown): string {
  if (isObject(err)) {
    const msg = typeof err.message === 'string' ? err.message : String(err.code ?? 'error');
    const code = typeof err.code === 'string' ? ` (${err.code}${typeof err.position === 'number' ? ` at character ${err.position}` : ''})` : '';
    if (err.code === 'D1012') return `the mapping ran longer than ${MAPPING_LIMITS.timeMs} ms and was stopped`;
    if (err.code === 'D1011') return `the mapping nested deeper than ${MAPPING_LIMITS.stack} evaluation steps and was stopped`;
    return `${msg}${code}`;
  }
  return String(err);
}

const keyOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

/** JSONata sequences are arrays with a marker; plain JSON is what leaves. */
function plain(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v)) as unknown;
}

class MappingFailure extends Error {}

/**
 * The events a payload yields, or the error that stopped the mapping (the expression that
 * failed, or a value out of range). Never throws.
 */
export async function evaluateMapping(compiled: CompiledMapping, payload: unknown, nowMs: number): Promise<MappingResult> {
  const started = performance.now();
  const { expressions: x, mapping } = compiled;
  const bindings = { payload, now: () => new Date(nowMs).toISOString(), millis: () => nowMs };
  const run = async (f: ExpressionField, input: unknown): Promise<unknown> => {
    const e = x[f];
    if (!e) return undefined;
    const left = MAPPING_LIMITS.timeMs - (performance.now() - started);
    if (left <= 0) throw new MappingFailure(`${f}: the mapping ran longer than ${MAPPING_LIMITS.timeMs} ms and was stopped`);
    try {
      return plain(await e.evaluate(input, bindings));
    } catch (err) {
      if (err instanceof RangeError) throw new MappingFailure(`${f}: ${err.message}`);
      throw new MappingFailure(`${f}: ${jsonataMessage(err)}`);
    }
  };
  try {
    let items: unknown[] = [payload];
    if (x.events) {
      const v = await run('events', payload);
      items = v === undefined ? [] : Array.isArray(v) ? v : [v];
      if (items.length === 0) throw new MappingFailure('events: the expression gave no items, so the payload yields no event');
      if (items.length > MAPPING_LIMITS.events) throw new MappingFailure(`events: gave ${items.length} items (maximum is ${MAPPING_LIMITS.events})`);
    }
    const events: MappedEvent[] = [];
    for (const [i, item] of items.entries()) {
      const at = x.events ? `events[${i}].` : '';
      try {
        events.push(await mapOne(run, mapping, item, payload));
      } catch (err) {
        if (err instanceof MappingFailure) throw new MappingFailure(at + err.message);
        throw err;
      }
    }
    return { ok: true, events };
  } catch (err) {
    if (err instanceof MappingFailure) return { ok: false, error: err.message };
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

async function mapOne(run: (f: ExpressionField, input: unknown) => Promise<unknown>, mapping: WebhookMapping, item: unknown, payload: unknown): Promise<MappedEvent> {
  const summaryRaw = await run('summary', item);
  const summaryText = keyOf(summaryRaw)?.trim();
  if (!summaryText) throw new MappingFailure(`summary: gave ${describe(summaryRaw)}; it must give a non-empty text`);
  const sourceRaw = await run('source', item);
  const source = keyOf(sourceRaw)?.trim() || null;
  const severityRaw = await run('severity', item);
  const severity = severityOf(severityRaw, mapping.severity_map);
  const dedupRaw = await run('dedup_key', item);
  const dedup = keyOf(dedupRaw)?.trim() || null;
  if (dedup && [...dedup].length > MAPPING_LIMITS.dedupKey) throw new MappingFailure(`dedup_key: is too long (maximum is ${MAPPING_LIMITS.dedupKey} characters)`);
  const action = actionOf(await run('action', item), mapping);
  if (action !== 'trigger' && !dedup) throw new MappingFailure(`dedup_key: gave ${describe(dedupRaw)}; a ${action} needs the key of the alert it acts on`);
  const custom_details = mapping.custom_details ? await run('custom_details', item) : payload;
  const links = linksOf(await run('links', item));
  const event: MappedEvent = { action, dedup_key: dedup, summary: truncate(summaryText, MAPPING_LIMITS.summary), source: source ? truncate(source, MAPPING_LIMITS.source) : null, severity, custom_details: custom_details ?? null, links };
  const size = JSON.stringify(event).length;
  if (size > MAPPING_LIMITS.eventChars) throw new MappingFailure(`the event is ${size} characters as JSON (maximum is ${MAPPING_LIMITS.eventChars}); narrow custom_details`);
  return event;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const truncate = (s: string, max: number): string => ([...s].length > max ? [...s].slice(0, max - 1).join('') + '…' : s);

/** The raw value through the map, then as it is; anything else (or nothing) is "error", the Events API's usual severity. */
function severityOf(raw: unknown, map: Record<string, string> | undefined): MappedEvent['severity'] {
  const k = keyOf(raw);
  if (k === undefined) return 'error';
  const mapped = map?.[k] ?? map?.[k.toLowerCase()] ?? k.toLowerCase();
  return (WEBHOOK_SEVERITIES as readonly string[]).includes(mapped) ? (mapped as MappedEvent['severity']) : 'error';
}

/** No action expression, or one that gives nothing: trigger. A value neither mapped nor an action is a mapping error (never guessed). */
function actionOf(raw: unknown, mapping: WebhookMapping): WebhookAction {
  if (!mapping.action || raw === undefined || raw === null) return 'trigger';
  const k = keyOf(raw);
  const mapped = k === undefined ? undefined : (mapping.action_map?.[k] ?? k);
  if (mapped && (WEBHOOK_ACTIONS as readonly string[]).includes(mapped)) return mapped as WebhookAction;
  throw new MappingFailure(`action: gave ${describe(raw)}, which is not trigger, acknowledge or resolve${mapping.action_map ? ' and not in action_map' : ''}`);
}

function linksOf(v: unknown): MappedEvent['links'] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: MappedEvent['links'] = [];
  for (const [i, l] of list.entries()) {
    const href = typeof l === 'string' ? l : isObject(l) && typeof l.href === 'string' ? l.href : undefined;
    if (!href || !/^https?:\/\//i.test(href) || href.length > 2048) throw new MappingFailure(`links[${i}]: gave ${describe(l)}; a link is an http(s) URL or {"href": URL, "text": text}`);
    const text = isObject(l) && typeof l.text === 'string' ? l.text : undefined;
    out.push(text ? { href, text } : { href });
  }
  if (out.length > MAPPING_LIMITS.links) throw new MappingFailure(`links: gave ${out.length} links (maximum is ${MAPPING_LIMITS.links})`);
  return out;
}

const compiledCache = new Map<string, { config: WebhookConfig; compiled: CompiledMapping } | null>();

/**
 * The stored form (integrations.webhook_mapping) back to a compiled mapping; a stored mapping
 * was checked when saved. Compiled once per distinct text (a compiled expression keeps no state
 * between evaluations), so a busy integration does not parse its expressions on every event.
 */
export function storedMapping(text: string | null): { config: WebhookConfig; compiled: CompiledMapping } | null {
  if (!text) return null;
  const hit = compiledCache.get(text);
  if (hit !== undefined) return hit;
  const config = JSON.parse(text) as WebhookConfig;
  const c = compileMapping(config.mapping);
  const value = c.ok ? { config, compiled: c.value } : null;
  if (compiledCache.size >= 500) compiledCache.clear();
  compiledCache.set(text, value);
  return value;
}
