/**
 * The rules editor's model, pure: a rule path as the form edits it (the draft), the
 * path the server takes back, where each of the server's error messages belongs in the
 * form, the sample event a tester types, and a test result in plain words.
 *
 * The draft keeps each rule's actions in the wire shape, so actions the form does not
 * show (variables, event_action, regex extractions) go back to the server as they came.
 * Indices of sets, rules, actions and extractions are the wire's; only blank conditions
 * are left out when sending, and errors are mapped back through that.
 */
import type { Extraction, OrchestrationPath, OrchestrationPathIn, RouterTestResult, RuleActions, SampleEvent, ServiceTestResult } from './types';
import { msg } from '../i18n';

export interface DraftRule {
  /** Stable across edits and moves (React key, element ids); never sent. */
  key: string;
  id?: string;
  label: string;
  disabled: boolean;
  conditions: string[];
  actions: RuleActions;
}

export interface DraftSet {
  key: string;
  id: string;
  rules: DraftRule[];
}

export interface Draft {
  type: string;
  sets: DraftSet[];
  catchAll: RuleActions;
}

let seq = 0;
const freshKey = () => `r${++seq}`;

export function newRule(): DraftRule {
  return { key: freshKey(), label: '', disabled: false, conditions: [''], actions: {} };
}

/** The draft of a path as read; `keep` (the draft just saved) lends its keys by position, so rows keep their focus. */
export function toDraft(p: OrchestrationPath, keep?: Draft): Draft {
  return {
    type: p.type,
    sets: p.sets.map((s, si) => ({
      key: keep?.sets[si]?.key ?? freshKey(),
      id: s.id,
      rules: s.rules.map((r, ri) => ({
        key: keep?.sets[si]?.rules[ri]?.key ?? freshKey(),
        id: r.id,
        label: r.label ?? '',
        disabled: r.disabled,
        conditions: r.conditions.map((c) => c.expression),
        actions: r.actions,
      })),
    })),
    catchAll: p.catch_all.actions,
  };
}

/** Drop the keys the form cleared (undefined, empty text, empty lists): "not set". */
export function cleanActions(a: RuleActions): RuleActions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as RuleActions;
}

export function toWire(d: Draft): OrchestrationPathIn {
  return {
    type: d.type,
    sets: d.sets.map((s) => ({
      id: s.id,
      rules: s.rules.map((r) => ({
        ...(r.id ? { id: r.id } : {}),
        ...(r.label.trim() ? { label: r.label.trim() } : {}),
        disabled: r.disabled,
        conditions: r.conditions.filter((c) => c.trim()).map((expression) => ({ expression: expression.trim() })),
        actions: cleanActions(r.actions),
      })),
    })),
    catch_all: { actions: cleanActions(d.catchAll) },
  };
}

/**
 * What the rules do, to tell whether a test result is still theirs: the wire without
 * rule ids (a save assigns them) and with keys sorted (a save may reorder them).
 */
export function fingerprint(p: OrchestrationPathIn): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sorted(x)])) : v;
  return JSON.stringify(sorted({ ...p, sets: p.sets?.map((s) => ({ ...s, rules: s.rules?.map((r) => ({ ...r, id: undefined })) })) }));
}

// ---------- templates: the incident title and the dedup key ----------

export type TemplateTarget = 'event.summary' | 'event.dedup_key';

const isTemplate = (e: Extraction, target: TemplateTarget) => e.target === target && e.template !== undefined;

export function templateOf(a: RuleActions, target: TemplateTarget): string {
  return a.extractions?.find((e) => isTemplate(e, target))?.template ?? '';
}

/** Set (or, when empty, remove) the template extraction for target, leaving the others in place. */
export function withTemplate(a: RuleActions, target: TemplateTarget, template: string): RuleActions {
  const list = [...(a.extractions ?? [])];
  const i = list.findIndex((e) => isTemplate(e, target));
  if (i >= 0) {
    if (template) list[i] = { target, template };
    else list.splice(i, 1);
  } else if (template) list.push({ target, template });
  return { ...a, extractions: list };
}

/** What the form does not show of these actions, to say that it is kept. */
export function keptActions(a: RuleActions): string[] {
  const out: string[] = [];
  const other = (a.extractions ?? []).filter((e) => !isTemplate(e, 'event.summary') && !isTemplate(e, 'event.dedup_key')).length;
  if (other) out.push(`${other} other extraction${other === 1 ? '' : 's'}`);
  if (a.variables?.length) out.push(`${a.variables.length} variable${a.variables.length === 1 ? '' : 's'}`);
  if (a.event_action) out.push(msg('data.rule-draft.event_action', { event_action: a.event_action }));
  return out;
}

export type Outcome = 'open' | 'suppress' | 'drop';
export const outcomeOf = (a: RuleActions): Outcome => (a.drop_event ? 'drop' : a.suppress ? 'suppress' : 'open');
export function withOutcome(a: RuleActions, o: Outcome): RuleActions {
  const rest = { ...a };
  delete rest.suppress;
  delete rest.drop_event;
  return o === 'drop' ? { ...rest, drop_event: true } : o === 'suppress' ? { ...rest, suppress: true } : rest;
}

// ---------- the server's errors, next to their fields ----------

/**
 * Where a message goes: a key the form gives the matching field. Rule fields are
 * `s<set>.r<rule>.<part>` (part: label, cond<i>, outcome, suspend, severity, urgency,
 * priority, annotate, title, dedup, route_to, or nothing for the rule as a whole), a set
 * is `s<set>`, the catch-all `catch.<part>` or `catch`, the sample event `event`.
 */
export type FieldErrors = Record<string, string[]>;

export const ruleKey = (si: number, ri: number) => `s${si}.r${ri}`;

const ACTION_PART: Record<string, string> = {
  suppress: 'outcome',
  drop_event: 'outcome',
  suspend: 'suspend',
  severity: 'severity',
  urgency: 'urgency',
  priority: 'priority',
  annotate: 'annotate',
  route_to: 'route_to',
};

function actionPart(a: RuleActions | undefined, rest: string): string {
  const m = /^([a-z_]+)(?:\[(\d+)\])?/.exec(rest);
  if (!m) return '';
  if (m[1] === 'extractions' && m[2] !== undefined) {
    const e = a?.extractions?.[Number(m[2])];
    return e && isTemplate(e, 'event.summary') ? 'title' : e && isTemplate(e, 'event.dedup_key') ? 'dedup' : '';
  }
  return ACTION_PART[m[1]!] ?? '';
}

const join = (base: string, part: string) => (part ? `${base}.${part}` : base);

function keyOf(field: string, d: Draft): string | null {
  let m = /^orchestration_path\.sets\[(\d+)\]\.rules\[(\d+)\](?:\.(.*))?$/.exec(field);
  if (m) {
    const si = Number(m[1]);
    const ri = Number(m[2]);
    const rule = d.sets[si]?.rules[ri];
    const rest = m[3] ?? '';
    const base = ruleKey(si, ri);
    let c: RegExpExecArray | null;
    if (rest.startsWith('label')) return `${base}.label`;
    if ((c = /^conditions\[(\d+)\]/.exec(rest))) {
      // The server counts the conditions sent; the form also has blank ones, which are not.
      const shown = rule ? rule.conditions.map((x, i) => (x.trim() ? i : -1)).filter((i) => i >= 0) : [];
      const i = shown[Number(c[1])];
      return i === undefined ? base : `${base}.cond${i}`;
    }
    if (rest.startsWith('actions.')) return join(base, actionPart(rule?.actions, rest.slice('actions.'.length)));
    return base;
  }
  if ((m = /^orchestration_path\.sets\[(\d+)\]/.exec(field))) return `s${m[1]}`;
  if ((m = /^orchestration_path\.catch_all\.actions\.(.*)$/.exec(field))) return join('catch', actionPart(d.catchAll, m[1]!));
  if (field.startsWith('orchestration_path.catch_all')) return 'catch';
  if (field.startsWith('event') || field === 'now') return 'event';
  return null;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Sort the messages of a 400 by the field they name (`orchestration_path.sets[0].rules[2].conditions[0].expression: unknown field…`),
 * each without its field path; messages that name no field of the form stay in `other`, whole.
 */
export function placeErrors(messages: readonly string[], d: Draft): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const msg of messages) {
    const m = /^([A-Za-z0-9_.[\]]+)(?::\s*|\s+)([\s\S]*)$/.exec(msg);
    const key = m ? keyOf(m[1]!, d) : null;
    if (!m || key === null) {
      other.push(msg);
      continue;
    }
    // The sample event's messages stay whole: "event.payload.severity must be…" says which part of the JSON.
    (fields[key] ??= []).push(key === 'event' ? msg : capital(m[2]!.trim()) || msg);
  }
  return { fields, other };
}

// ---------- the sample event ----------

/** A PagerDuty Events API v2 event to try the rules on (routing_key and event_action are not needed). */
export const SAMPLE_EVENT = JSON.stringify(
  {
    event_action: 'trigger',
    dedup_key: 'db-7-disk',
    payload: {
      summary: 'Disk 91% full on db-7',
      source: 'db-7.eu-west-3',
      severity: 'error',
      component: 'postgres',
      custom_details: { region: 'eu-west-3', used_pct: 91 },
    },
  },
  null,
  2,
);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The event as the test endpoints take it, from what was typed: an Events API v2 body (or its payload alone). */
export function parseSample(text: string): { ok: true; event: SampleEvent } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: msg('data.rule-draft.the_sample_event_is_not_valid', { message: (e as Error).message }) };
  }
  if (!isObject(v)) return { ok: false, error: msg('data.rule-draft.the_sample_event_must_be_a') };
  const body = isObject(v.payload) ? v : { payload: v };
  const p = body.payload as Record<string, unknown>;
  if (typeof p.summary !== 'string' || !p.summary) return { ok: false, error: msg('data.rule-draft.the_sample_event_needs_payload_summary') };
  if (typeof p.severity !== 'string') return { ok: false, error: msg('data.rule-draft.the_sample_event_needs_payload_severity') };
  const event: Record<string, unknown> = { payload: p };
  for (const k of ['dedup_key', 'links', 'client'] as const) if (body[k] !== undefined) event[k] = body[k];
  return { ok: true, event: event as SampleEvent };
}

// ---------- results in plain words ----------

const minutes = (s: number) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);
const quoted = (label: string | null, id: string | null) => (label ? `“${label}”` : `${id ?? 'without a label'}`);

/** Which rule acted in each set the event went through. */
export function describeMatches(matched: ServiceTestResult['matched'], router = false): string[] {
  if (matched.length === 0) return [msg('data.rule-draft.no_rule_matched')];
  return matched.map((m) => {
    const where = router || m.set_id === 'start' ? '' : ` in set ${m.set_id}`;
    return m.catch_all ? msg('data.rule-draft.no_rule_matched_the_catch_all', { where }) : msg('data.rule-draft.rule_matched', { v0: quoted(m.label, m.rule_id), where });
  });
}

/** What happens to the event, one sentence each, the decisive one first. */
export function describeOutcome(r: ServiceTestResult): string[] {
  const a = r.actions;
  const out: string[] = [];
  if (a.drop_event) return [msg('data.rule-draft.dropped_the_event_is_counted_and')];
  if (a.suppress) out.push(msg('data.rule-draft.suppressed_the_alert_is_stored_and'));
  else if (a.event_action === 'resolve') out.push(msg('data.rule-draft.resolves_the_open_alert_with_this'));
  else out.push(msg('data.rule-draft.opens_an_incident_or_joins_the'));
  if (a.suspend && !a.suppress) out.push(msg('data.rule-draft.notifications_paused_someone_is_paged_only', { v0: minutes(a.suspend) }));
  if (a.urgency) out.push(msg('data.rule-draft.urgency', { urgency: a.urgency }));
  if (a.priority) out.push(msg('data.rule-draft.priority', { v0: a.priority.summary ?? a.priority.id }));
  if (a.severity) out.push(msg('data.rule-draft.severity_set_to', { severity: a.severity }));
  for (const n of a.annotations) out.push(msg('data.rule-draft.note_added', { n }));
  return out;
}

export function describeRoute(r: RouterTestResult): string {
  if (r.route_to) return msg('data.rule-draft.goes_to_the_service_whose_own', { v0: r.route_to.summary ?? r.route_to.id });
  return msg('data.rule-draft.unrouted_kept_as_a_suppressed_alert');
}
