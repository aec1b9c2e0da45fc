/**
 * A received message → the event it makes, by PagerDuty's email integration rules. Pure: the
 * caller passes `uniqueKey` (a fresh id for "a new incident per message").
 *
 * 1. Filters (`email_filter_mode`): `all-email` lets every message in; `or-rules-email` one
 *    whose message passes any filter, `and-rules-email` one passing every filter. A filter
 *    passes when its subject, body and from conditions all hold (`always`; `match`: the RE2
 *    pattern is found; `no-match`: it is not; a from pattern is tried on each From address).
 * 2. Incident creation: `on_new_email` a new alert (so incident) per message;
 *    `on_new_email_subject` messages with the same normalized subject (Re:/Fwd: prefixes,
 *    case and spacing dropped) join one alert while it is open; `only_if_no_open_incidents`
 *    every message joins this integration's open alert, and a new one opens once it is
 *    resolved; `use_rules` the first parser whose predicate matches decides trigger or
 *    resolve and its `incident_key` extractor gives the dedup key; none matches:
 *    `email_parsing_fallback` (`open_new_incident`, or `discard`).
 */
import { createHash } from 'node:crypto';
import { mustCompile, type EmailConfig, type EmailFilter, type Extractor, type Part, type Predicate } from './email-config.js';

export interface InboundMessage {
  /** From header addresses (or the envelope sender when there is none), lowercased. */
  from: string[];
  to: string[];
  subject: string;
  /** The plain-text body (a provider's text part, or mailparser's text). */
  text: string;
  /** Names of attachments; their content is never kept. */
  attachments: string[];
}

export type EmailDecision =
  | { action: 'drop'; reason: string }
  | { action: 'trigger'; dedupKey: string; summary: string; details: Record<string, unknown> }
  | { action: 'resolve'; dedupKey: string };

/** The body kept in the alert's details, at most (the rest is cut, and says so). */
export const BODY_KEPT = 16 * 1024;
const SUMMARY_MAX = 1024;
const KEY_MAX = 255;

export function normalizeSubject(subject: string): string {
  let s = subject.trim();
  for (;;) {
    const next = s.replace(/^\s*(re|fw|fwd|aw|sv|tr)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === s) break;
    s = next;
  }
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

function partValues(m: InboundMessage, part: Part): string[] {
  return part === 'subject' ? [m.subject] : part === 'body' ? [m.text] : m.from.length ? m.from : [''];
}

function matches(p: Predicate, m: InboundMessage): boolean {
  switch (p.type) {
    case 'all':
      return p.children.every((c) => matches(c, m));
    case 'any':
      return p.children.some((c) => matches(c, m));
    case 'not':
      return !p.children.some((c) => matches(c, m));
    case 'contains':
      return partValues(m, p.part).some((v) => v.includes(p.matcher));
    case 'exactly':
      return partValues(m, p.part).some((v) => v.trim() === p.matcher.trim());
    case 'regex': {
      const re = mustCompile(p.matcher);
      return partValues(m, p.part).some((v) => re.test(v));
    }
  }
}

function passes(f: EmailFilter, m: InboundMessage): boolean {
  const check = (mode: string, pattern: string | undefined, values: string[]) => {
    if (mode === 'always') return true;
    const found = values.some((v) => mustCompile(pattern!).test(v));
    return mode === 'match' ? found : !found;
  };
  return check(f.subject_mode, f.subject_regex, [m.subject]) && check(f.body_mode, f.body_regex, [m.text]) && check(f.from_email_mode, f.from_email_regex, m.from.length ? m.from : ['']);
}

export function extract(x: Extractor, m: InboundMessage): string | undefined {
  const source = partValues(m, x.part)[0] ?? '';
  if (x.type === 'entire') return source.trim() || undefined;
  if (x.type === 'regex') return mustCompile(x.regex!).extract(source)?.trim() || undefined;
  const start = source.indexOf(x.starts_after!);
  if (start < 0) return undefined;
  const rest = source.slice(start + x.starts_after!.length);
  const end = x.ends_with !== undefined ? rest.indexOf(x.ends_with) : rest.search(/\r?\n/);
  if (x.ends_with !== undefined && end < 0) return undefined;
  return (end < 0 ? rest : rest.slice(0, end)).trim() || undefined;
}

const keyOf = (prefix: string, value: string) => (prefix.length + value.length <= KEY_MAX ? `${prefix}${value}` : `${prefix}${hash(value)}`);

export function mapEmail(config: EmailConfig, m: InboundMessage, uniqueKey: string): EmailDecision {
  if (config.email_filter_mode !== 'all-email') {
    const results = config.email_filters.map((f) => passes(f, m));
    const ok = config.email_filter_mode === 'or-rules-email' ? results.some(Boolean) : results.every(Boolean);
    if (!ok) return { action: 'drop', reason: `no email filter let it in (${config.email_filter_mode})` };
  }
  const extracted: Record<string, string> = {};
  let dedupKey: string;
  switch (config.email_incident_creation) {
    case 'on_new_email':
      dedupKey = `email:${uniqueKey}`;
      break;
    case 'on_new_email_subject':
      dedupKey = `subject:${hash(normalizeSubject(m.subject))}`;
      break;
    case 'only_if_no_open_incidents':
      dedupKey = 'email:open-incident';
      break;
    case 'use_rules': {
      const parser = config.email_parsers.find((p) => matches(p.match_predicate, m));
      if (!parser) {
        if (config.email_parsing_fallback === 'discard') return { action: 'drop', reason: 'no email parser matched (email_parsing_fallback discard)' };
        dedupKey = `email:${uniqueKey}`;
        break;
      }
      let key: string | undefined;
      for (const x of parser.value_extractors ?? []) {
        const v = extract(x, m);
        if (x.value_name === 'incident_key') key = v;
        else if (v !== undefined) extracted[x.value_name] = v;
      }
      if (parser.action === 'resolve') {
        if (key === undefined) return { action: 'drop', reason: 'a resolve parser matched but its incident_key extractor found nothing' };
        return { action: 'resolve', dedupKey: keyOf('', key) };
      }
      dedupKey = key === undefined ? `email:${uniqueKey}` : keyOf('', key);
      break;
    }
  }
  const subject = m.subject.trim() || '(no subject)';
  const body = m.text.length > BODY_KEPT ? `${m.text.slice(0, BODY_KEPT)}\n[… ${m.text.length - BODY_KEPT} more characters not kept]` : m.text;
  const details: Record<string, unknown> = {
    custom_details: {
      from: m.from.join(', '),
      to: m.to.join(', '),
      subject: m.subject,
      body,
      attachments: { count: m.attachments.length, names: m.attachments.slice(0, 50) },
      ...(Object.keys(extracted).length ? { extracted } : {}),
    },
  };
  return { action: 'trigger', dedupKey, summary: subject.length > SUMMARY_MAX ? `${subject.slice(0, SUMMARY_MAX - 1)}…` : subject, details };
}
