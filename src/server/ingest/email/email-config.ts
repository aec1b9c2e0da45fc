/**
 * An email integration's settings, in PagerDuty's REST fields (generic_email_inbound_integration):
 * `email_incident_creation`, `email_filter_mode`, `email_filters`, `email_parsers`,
 * `email_parsing_fallback`; and Vigil's own `email_allowed_senders` (envelope senders let in)
 * and `mailgun_signing_key` (write-only: checks the signature of Mailgun's inbound webhook).
 * Pure: validation names each wrong field; a field that would change nothing in the chosen mode
 * is refused rather than kept and ignored. Regular expressions are RE2 (rules/regex.ts).
 */
import { compileRegex, type Regex } from '../../rules/regex.js';

export const INCIDENT_CREATION = ['on_new_email', 'on_new_email_subject', 'only_if_no_open_incidents', 'use_rules'] as const;
export const FILTER_MODES = ['all-email', 'or-rules-email', 'and-rules-email'] as const;
export const FALLBACKS = ['open_new_incident', 'discard'] as const;
const PARTS = ['body', 'subject', 'from_addresses'] as const;
const MODES = ['match', 'no-match', 'always'] as const;
const PREDICATES = ['all', 'any', 'not', 'contains', 'exactly', 'regex'] as const;
const EXTRACTORS = ['entire', 'regex', 'between'] as const;

export type Part = (typeof PARTS)[number];
export type Mode = (typeof MODES)[number];

export type Predicate =
  | { type: 'all' | 'any' | 'not'; children: Predicate[] }
  | { type: 'contains' | 'exactly' | 'regex'; part: Part; matcher: string };

export interface Extractor {
  type: (typeof EXTRACTORS)[number];
  part: Part;
  value_name: string;
  regex?: string;
  starts_after?: string;
  ends_with?: string;
}

export interface EmailParser {
  action: 'trigger' | 'resolve';
  match_predicate: Predicate;
  value_extractors?: Extractor[];
}

export interface EmailFilter {
  subject_mode: Mode;
  subject_regex?: string;
  body_mode: Mode;
  body_regex?: string;
  from_email_mode: Mode;
  from_email_regex?: string;
}

/** What is stored (integrations.email_config) and answered (but the key). */
export interface EmailConfig {
  email_incident_creation: (typeof INCIDENT_CREATION)[number];
  email_filter_mode: (typeof FILTER_MODES)[number];
  email_filters: EmailFilter[];
  email_parsers: EmailParser[];
  email_parsing_fallback: (typeof FALLBACKS)[number] | null;
  email_allowed_senders: string[];
  /** Sealed (lib/secret-box.ts) by the caller; never answered. */
  mailgun_signing_key: string | null;
}

export const EMAIL_FIELDS = ['email_incident_creation', 'email_filter_mode', 'email_filters', 'email_parsers', 'email_parsing_fallback', 'email_allowed_senders', 'mailgun_signing_key'] as const;

export const DEFAULT_EMAIL_CONFIG: EmailConfig = {
  email_incident_creation: 'on_new_email',
  email_filter_mode: 'all-email',
  email_filters: [],
  email_parsers: [],
  email_parsing_fallback: null,
  email_allowed_senders: [],
  mailgun_signing_key: null,
};

const MAX_ITEMS = 50;
const MAX_TEXT = 1024;
const MAX_DEPTH = 8;

type Errors = string[];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string, errors: Errors): T | undefined {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  errors.push(`${field}: must be one of ${allowed.join(', ')}${v === undefined ? ' (it is required)' : `, got ${JSON.stringify(v)}`}`);
  return undefined;
}

function text(v: unknown, field: string, errors: Errors): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT) {
    errors.push(`${field}: must be a string of 1 to ${MAX_TEXT} characters`);
    return undefined;
  }
  return v;
}

function regex(v: unknown, field: string, errors: Errors): string | undefined {
  const s = text(v, field, errors);
  if (s === undefined) return undefined;
  const c = compileRegex(s);
  if (!c.ok) {
    errors.push(`${field}: ${c.problem}`);
    return undefined;
  }
  return s;
}

function unknownKeys(o: Record<string, unknown>, known: readonly string[], field: string, errors: Errors): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) errors.push(`${field}.${k}: is not a field of ${field.replace(/\[\d+\]/g, '')} (${known.join(', ')})`);
}

function list(v: unknown, field: string, errors: Errors): unknown[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_ITEMS) {
    errors.push(`${field}: must be an array of 1 to ${MAX_ITEMS} items`);
    return [];
  }
  return v;
}

function predicate(v: unknown, field: string, depth: number, errors: Errors): Predicate | undefined {
  if (!isObject(v)) {
    errors.push(`${field}: must be an object`);
    return undefined;
  }
  if (depth > MAX_DEPTH) {
    errors.push(`${field}: predicates nest more than ${MAX_DEPTH} levels deep`);
    return undefined;
  }
  unknownKeys(v, ['type', 'part', 'matcher', 'children'], field, errors);
  const type = oneOf(v.type, PREDICATES, `${field}.type`, errors);
  if (!type) return undefined;
  if (type === 'all' || type === 'any' || type === 'not') {
    if (v.matcher !== undefined) errors.push(`${field}.matcher: applies to contains, exactly and regex only`);
    if (v.part !== undefined && v.part !== null) errors.push(`${field}.part: applies to contains, exactly and regex only`);
    const children = list(v.children, `${field}.children`, errors).map((c, i) => predicate(c, `${field}.children[${i}]`, depth + 1, errors));
    return children.every((c) => c !== undefined) ? { type, children: children as Predicate[] } : undefined;
  }
  if (v.children !== undefined && !(Array.isArray(v.children) && v.children.length === 0)) errors.push(`${field}.children: applies to all, any and not only`);
  const part = oneOf(v.part, PARTS, `${field}.part`, errors);
  const matcher = type === 'regex' ? regex(v.matcher, `${field}.matcher`, errors) : text(v.matcher, `${field}.matcher`, errors);
  return part && matcher !== undefined ? { type, part, matcher } : undefined;
}

function extractor(v: unknown, field: string, errors: Errors): Extractor | undefined {
  if (!isObject(v)) {
    errors.push(`${field}: must be an object`);
    return undefined;
  }
  unknownKeys(v, ['type', 'part', 'value_name', 'regex', 'starts_after', 'ends_with'], field, errors);
  const type = oneOf(v.type, EXTRACTORS, `${field}.type`, errors);
  const part = oneOf(v.part, PARTS, `${field}.part`, errors);
  const valueName = text(v.value_name, `${field}.value_name`, errors);
  if (!type || !part || valueName === undefined) return undefined;
  const out: Extractor = { type, part, value_name: valueName };
  if (type === 'regex') {
    const r = regex(v.regex, `${field}.regex`, errors);
    if (r !== undefined) out.regex = r;
  } else if (v.regex !== undefined) errors.push(`${field}.regex: applies to the regex extractor only`);
  if (type === 'between') {
    const s = text(v.starts_after, `${field}.starts_after`, errors);
    if (s !== undefined) out.starts_after = s;
    if (v.ends_with !== undefined) {
      const e = text(v.ends_with, `${field}.ends_with`, errors);
      if (e !== undefined) out.ends_with = e;
    }
  } else {
    if (v.starts_after !== undefined) errors.push(`${field}.starts_after: applies to the between extractor only`);
    if (v.ends_with !== undefined) errors.push(`${field}.ends_with: applies to the between extractor only`);
  }
  return out;
}

function parser(v: unknown, field: string, errors: Errors): EmailParser | undefined {
  if (!isObject(v)) {
    errors.push(`${field}: must be an object`);
    return undefined;
  }
  unknownKeys(v, ['action', 'match_predicate', 'value_extractors', 'id'], field, errors);
  const action = oneOf(v.action, ['trigger', 'resolve'] as const, `${field}.action`, errors);
  const match = predicate(v.match_predicate, `${field}.match_predicate`, 1, errors);
  let extractors: Extractor[] | undefined;
  if (v.value_extractors !== undefined) {
    const got = list(v.value_extractors, `${field}.value_extractors`, errors).map((x, i) => extractor(x, `${field}.value_extractors[${i}]`, errors));
    if (got.every((x) => x !== undefined)) extractors = got as Extractor[];
    const names = (v.value_extractors as unknown[]).filter(isObject).map((x) => x.value_name);
    const keys = names.filter((n) => n === 'incident_key').length;
    if (Array.isArray(v.value_extractors) && keys !== 1) errors.push(`${field}.value_extractors: exactly one must have value_name incident_key (found ${keys})`);
    if (new Set(names).size !== names.length) errors.push(`${field}.value_extractors: each value_name may appear once`);
  } else if (action === 'resolve') errors.push(`${field}.value_extractors: a resolve parser needs an incident_key extractor (which alert to resolve)`);
  if (!action || !match || (v.value_extractors !== undefined && !extractors)) return undefined;
  return { action, match_predicate: match, ...(extractors ? { value_extractors: extractors } : {}) };
}

function filter(v: unknown, field: string, errors: Errors): EmailFilter | undefined {
  if (!isObject(v)) {
    errors.push(`${field}: must be an object`);
    return undefined;
  }
  unknownKeys(v, ['subject_mode', 'subject_regex', 'body_mode', 'body_regex', 'from_email_mode', 'from_email_regex'], field, errors);
  const out: Partial<EmailFilter> = {};
  let ok = true;
  for (const name of ['subject', 'body', 'from_email'] as const) {
    const mode = oneOf(v[`${name}_mode`], MODES, `${field}.${name}_mode`, errors);
    if (!mode) {
      ok = false;
      continue;
    }
    out[`${name}_mode`] = mode;
    const raw = v[`${name}_regex`];
    if (mode === 'always') {
      if (raw !== undefined && raw !== null) errors.push(`${field}.${name}_regex: applies only when ${name}_mode is match or no-match`);
    } else {
      const r = regex(raw, `${field}.${name}_regex`, errors);
      if (r === undefined) ok = false;
      else out[`${name}_regex`] = r;
    }
  }
  return ok ? (out as EmailFilter) : undefined;
}

/** `*@example.com`, `*@*.example.com` or one address; compared case-insensitively. */
const SENDER = /^(\*|[^\s@*]+)@(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

export function senderAllowed(patterns: readonly string[], sender: string): boolean {
  if (patterns.length === 0) return true;
  const s = sender.trim().toLowerCase();
  const at = s.lastIndexOf('@');
  if (at < 1) return false;
  const domain = s.slice(at + 1);
  return patterns.some((raw) => {
    const p = raw.toLowerCase();
    const [local, dom] = [p.slice(0, p.lastIndexOf('@')), p.slice(p.lastIndexOf('@') + 1)];
    const domainOk = dom.startsWith('*.') ? domain.endsWith(dom.slice(1)) : domain === dom;
    return domainOk && (local === '*' || s === p);
  });
}

/**
 * The settings after applying `input` (the body's email fields) over `current`; errors name each
 * wrong field. `sealKey` seals a new Mailgun signing key (null clears it).
 */
export function parseEmailConfig(input: Record<string, unknown>, current: EmailConfig, sealKey: (plain: string) => string): { ok: true; config: EmailConfig } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const next: EmailConfig = { ...current };
  const prefix = 'integration.';
  if (input.email_incident_creation !== undefined) {
    const v = oneOf(input.email_incident_creation, INCIDENT_CREATION, `${prefix}email_incident_creation`, errors);
    if (v) next.email_incident_creation = v;
  }
  if (input.email_filter_mode !== undefined) {
    const v = oneOf(input.email_filter_mode, FILTER_MODES, `${prefix}email_filter_mode`, errors);
    if (v) next.email_filter_mode = v;
  }
  if (input.email_parsing_fallback !== undefined) {
    if (input.email_parsing_fallback === null) next.email_parsing_fallback = null;
    else {
      const v = oneOf(input.email_parsing_fallback, FALLBACKS, `${prefix}email_parsing_fallback`, errors);
      if (v) next.email_parsing_fallback = v;
    }
  }
  if (input.email_filters !== undefined) {
    if (input.email_filters === null || (Array.isArray(input.email_filters) && input.email_filters.length === 0)) next.email_filters = [];
    else {
      const got = list(input.email_filters, `${prefix}email_filters`, errors).map((f, i) => filter(f, `${prefix}email_filters[${i}]`, errors));
      if (got.every((f) => f !== undefined)) next.email_filters = got as EmailFilter[];
    }
  }
  if (input.email_parsers !== undefined) {
    if (input.email_parsers === null || (Array.isArray(input.email_parsers) && input.email_parsers.length === 0)) next.email_parsers = [];
    else {
      const got = list(input.email_parsers, `${prefix}email_parsers`, errors).map((p, i) => parser(p, `${prefix}email_parsers[${i}]`, errors));
      if (got.every((p) => p !== undefined)) next.email_parsers = got as EmailParser[];
    }
  }
  if (input.email_allowed_senders !== undefined) {
    if (input.email_allowed_senders === null) next.email_allowed_senders = [];
    else if (!Array.isArray(input.email_allowed_senders) || input.email_allowed_senders.length > 100) errors.push(`${prefix}email_allowed_senders: must be an array of at most 100 sender patterns`);
    else {
      const bad = input.email_allowed_senders.findIndex((s) => typeof s !== 'string' || s.length > 254 || !SENDER.test(s));
      if (bad >= 0) errors.push(`${prefix}email_allowed_senders[${bad}]: must be an address (ops@example.com), *@example.com or *@*.example.com`);
      else next.email_allowed_senders = (input.email_allowed_senders as string[]).map((s) => s.toLowerCase());
    }
  }
  if (input.mailgun_signing_key !== undefined) {
    if (input.mailgun_signing_key === null) next.mailgun_signing_key = null;
    else if (typeof input.mailgun_signing_key !== 'string' || input.mailgun_signing_key.length < 16 || input.mailgun_signing_key.length > 200) errors.push(`${prefix}mailgun_signing_key: must be the Mailgun HTTP webhook signing key (16 to 200 characters), or null`);
    else next.mailgun_signing_key = sealKey(input.mailgun_signing_key);
  }
  // Consistency: nothing accepted that the chosen mode would ignore.
  const rules = next.email_incident_creation === 'use_rules';
  if (rules && next.email_parsers.length === 0) errors.push(`${prefix}email_parsers: email_incident_creation use_rules needs at least one parser`);
  if (!rules && next.email_parsers.length > 0) errors.push(`${prefix}email_parsers: apply only when email_incident_creation is use_rules`);
  if (!rules && next.email_parsing_fallback !== null) errors.push(`${prefix}email_parsing_fallback: applies only when email_incident_creation is use_rules`);
  if (rules && next.email_parsing_fallback === null) next.email_parsing_fallback = 'open_new_incident';
  const filtered = next.email_filter_mode !== 'all-email';
  if (filtered && next.email_filters.length === 0) errors.push(`${prefix}email_filters: email_filter_mode ${next.email_filter_mode} needs at least one filter`);
  if (!filtered && next.email_filters.length > 0) errors.push(`${prefix}email_filters: apply only when email_filter_mode is or-rules-email or and-rules-email`);
  return errors.length ? { ok: false, errors: [...new Set(errors)] } : { ok: true, config: next };
}

export function readEmailConfig(stored: string | null): EmailConfig {
  return stored ? { ...DEFAULT_EMAIL_CONFIG, ...(JSON.parse(stored) as Partial<EmailConfig>) } : { ...DEFAULT_EMAIL_CONFIG };
}

/** Compiled once per use (patterns were checked when saved). */
export function mustCompile(pattern: string): Regex {
  const c = compileRegex(pattern);
  if (!c.ok) throw new Error(`stored email pattern no longer compiles: ${c.problem}`);
  return c.regex;
}
