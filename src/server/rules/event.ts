/**
 * The event as rules see it (PagerDuty's PD-CEF fields), and the paths that name its
 * fields in conditions, templates and extraction targets: `event.summary`,
 * `event.custom_details.region`, `event.links[0].href`…
 *
 * Reading a path never throws and never reaches an object's prototype (a path is
 * user input: `event.custom_details.constructor` is simply absent). A path that
 * crosses an array without an index reads every element, so
 * `event.custom_details.hosts.name` is the list of every host's name and a condition
 * on it holds when it holds for any of them (PagerDuty reads lists that way).
 */

export interface RuleEvent {
  summary: string;
  source: string | null;
  severity: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details?: unknown;
  links?: { href: string; text?: string }[];
  /** Epoch milliseconds. */
  timestamp: number;
  dedup_key?: string;
  client?: string;
}

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The PD-CEF fields a path may start with, after `event.`. */
const SCALAR_FIELDS = ['summary', 'source', 'severity', 'component', 'group', 'class', 'dedup_key', 'client'] as const;
type ScalarField = (typeof SCALAR_FIELDS)[number];

/** A segment of a path: an object key, or an index into a list. */
export type Segment = string | number;

export type FieldRef =
  | { kind: 'scalar'; name: ScalarField }
  | { kind: 'timestamp' }
  | { kind: 'custom_details'; path: Segment[] }
  | { kind: 'links'; path: Segment[] };

/** Fields an extraction may set (PagerDuty's targets that Vigil stores). */
const WRITABLE: ReadonlySet<string> = new Set(['summary', 'source', 'component', 'group', 'class', 'dedup_key']);

/** Values an extraction writes are cut to what the Events API accepts for the field. */
export const MAX_LENGTH: Partial<Record<ScalarField, number>> = { summary: 1024, dedup_key: 255, source: 1024, component: 1024, group: 1024, class: 1024 };

/**
 * Parse `event.<field>[.<path>]`. Returns the reference, or a problem that names the
 * path (the caller adds where it was found).
 */
export function parseFieldPath(text: string): { ok: true; ref: FieldRef } | { ok: false; problem: string } {
  if (text.startsWith('raw_event.') || text === 'raw_event') return { ok: false, problem: `${text}: raw_event fields are not supported; use the PD-CEF fields under event.` };
  if (text.startsWith('cache_var.')) return { ok: false, problem: `${text}: cache variables are not supported` };
  if (!text.startsWith('event.')) return { ok: false, problem: `unknown field ${text} (fields start with event.)` };
  if (text === 'event.event_action') return { ok: false, problem: `${text}: conditions cannot read the event action; the event_action action sets it` };
  const segs = splitPath(text.slice('event.'.length));
  if (!segs) return { ok: false, problem: `malformed field path ${text}` };
  const [head, ...rest] = segs;
  if (typeof head !== 'string') return { ok: false, problem: `malformed field path ${text}` };
  if (head === 'custom_details') return { ok: true, ref: { kind: 'custom_details', path: rest } };
  if (head === 'links') {
    const key = rest.find((s) => typeof s === 'string');
    if (key !== undefined && (key !== 'href' && key !== 'text')) return { ok: false, problem: `unknown field ${text} (a link has href and text)` };
    if (rest.length > 2 || (rest.length === 2 && typeof rest[0] !== 'number')) return { ok: false, problem: `unknown field ${text} (a link has href and text)` };
    return { ok: true, ref: { kind: 'links', path: rest } };
  }
  if (head === 'timestamp' || (SCALAR_FIELDS as readonly string[]).includes(head)) {
    if (rest.length) return { ok: false, problem: `unknown field ${text} (event.${head} has no fields)` };
    return { ok: true, ref: head === 'timestamp' ? { kind: 'timestamp' } : { kind: 'scalar', name: head as ScalarField } };
  }
  return { ok: false, problem: `unknown field ${text}` };
}

/** `a.b[0].c` → ['a', 'b', 0, 'c']; null when malformed (empty key, bad index). */
function splitPath(s: string): Segment[] | null {
  const out: Segment[] = [];
  for (const part of s.split('.')) {
    const m = /^([^[\]]+)((?:\[\d{1,6}\])*)$/.exec(part);
    if (!m) return null;
    out.push(m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** Where an extraction may write: `event.summary`, `event.dedup_key`, `event.custom_details.<keys>`… */
export function parseTargetPath(text: string): { ok: true; ref: FieldRef } | { ok: false; problem: string } {
  const parsed = parseFieldPath(text);
  if (!parsed.ok) return parsed;
  const ref = parsed.ref;
  if (ref.kind === 'custom_details') {
    if (!ref.path.length) return { ok: false, problem: `${text}: set a key under event.custom_details, not the whole object` };
    if (ref.path.some((s) => typeof s === 'number')) return { ok: false, problem: `${text}: list indexes cannot be written` };
    return parsed;
  }
  if (ref.kind === 'scalar' && WRITABLE.has(ref.name)) return parsed;
  if (ref.kind === 'scalar' && ref.name === 'severity') return { ok: false, problem: `${text} cannot be an extraction target; use the severity action` };
  return { ok: false, problem: `${text} cannot be an extraction target (writable: event.summary, event.source, event.component, event.group, event.class, event.dedup_key, event.custom_details.<key>)` };
}

/** A compiled reader: the field's value, or a list of values when the path crosses a list. */
export type Reader = (e: RuleEvent) => unknown;

export function reader(ref: FieldRef): Reader {
  switch (ref.kind) {
    case 'scalar': {
      const name = ref.name;
      return (e) => e[name];
    }
    case 'timestamp':
      return (e) => e.timestamp;
    case 'custom_details': {
      const path = ref.path;
      if (!path.length) return (e) => e.custom_details;
      if (path.length === 1 && typeof path[0] === 'string') {
        const key = path[0];
        // The common case, one key: a plain read cannot reach the prototype unless the
        // key names something on Object.prototype, which only then needs the own check.
        const inherited = key in Object.prototype;
        return (e) => {
          const d = e.custom_details;
          if (d === null || typeof d !== 'object') return undefined;
          if (Array.isArray(d)) return walk(d, path, 0);
          if (inherited && !Object.hasOwn(d, key)) return undefined;
          return (d as Record<string, unknown>)[key];
        };
      }
      return (e) => walk(e.custom_details, path, 0);
    }
    case 'links': {
      const path = ref.path;
      // `event.links` alone reads every link's text and href.
      if (!path.length) return (e) => (e.links?.length ? e.links.flatMap((l) => (l.text === undefined ? [l.href] : [l.href, l.text])) : undefined);
      return (e) => walk(e.links, path, 0);
    }
  }
}

function walk(value: unknown, path: Segment[], from: number): unknown {
  let cur = value;
  for (let i = from; i < path.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const seg = path[i]!;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
      continue;
    }
    if (Array.isArray(cur)) {
      const out: unknown[] = [];
      for (const el of cur) {
        const v = walk(el, path, i);
        if (v === undefined || v === null) continue;
        if (Array.isArray(v)) out.push(...v);
        else out.push(v);
      }
      return out.length ? out : undefined;
    }
    cur = Object.hasOwn(cur, seg) ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return cur;
}

/** A value as text: strings as they are, numbers and booleans printed, objects as JSON; absent is undefined. */
export function textOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** A value as a number: numbers, and strings that are exactly a decimal number; NaN otherwise. */
export function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
  return Number.NaN;
}

/**
 * The event with `ref` set to `value`, copying only what changes (the input is never
 * mutated). A custom_details key is created with its parent objects; if the path runs
 * into something that is not an object (a string, a list), the event is returned as it
 * was: there is nowhere to write.
 */
export function withField(e: RuleEvent, ref: FieldRef, value: string): RuleEvent {
  if (ref.kind === 'scalar') {
    const max = MAX_LENGTH[ref.name];
    return { ...e, [ref.name]: max !== undefined && value.length > max ? value.slice(0, max) : value };
  }
  if (ref.kind !== 'custom_details') return e;
  const keys = ref.path as string[];
  const root = e.custom_details === undefined || e.custom_details === null ? {} : e.custom_details;
  const written = setIn(root, keys, 0, value);
  return written === undefined ? e : { ...e, custom_details: written };
}

function setIn(obj: unknown, keys: string[], i: number, value: string): unknown {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const key = keys[i]!;
  const copy: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  if (i === keys.length - 1) {
    // defineProperty: a key named __proto__ is data, not the prototype.
    Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    return copy;
  }
  const child = Object.hasOwn(copy, key) ? copy[key] : undefined;
  const next = setIn(child === undefined || child === null ? {} : child, keys, i + 1, value);
  if (next === undefined) return undefined;
  Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
  return copy;
}
