/**
 * Opsgenie Alert API request bodies, checked against Opsgenie's documented fields and
 * limits (docs.opsgenie.com/docs/alert-api). Pure. Every field is either honoured or refused
 * with a reason: `responders`, `visibleTo` and `actions` ask for Opsgenie features Vigil does
 * not have (who is paged is the service's escalation policy), so a non-empty one is refused;
 * an unknown field is refused too. Errors read `<field>: <problem>`.
 */

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export type OpsgeniePriority = (typeof PRIORITIES)[number];

/** Opsgenie's priorities as PagerDuty severities (P3 is Opsgenie's default). */
export const SEVERITY_OF: Record<OpsgeniePriority, string> = { P1: 'critical', P2: 'error', P3: 'warning', P4: 'info', P5: 'info' };

export interface CreateAlert {
  message: string;
  alias?: string;
  description?: string;
  tags: string[];
  details: Record<string, string>;
  entity?: string;
  source?: string;
  priority: OpsgeniePriority;
  user?: string;
  note?: string;
}

export interface AlertAction {
  user?: string;
  source?: string;
  note?: string;
}

export type IdentifierType = 'id' | 'alias' | 'tiny';

type Result<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const UNSUPPORTED: Record<string, string> = {
  responders: 'Vigil pages the escalation policy of the service this key belongs to; route alerts with event rules or one integration per service instead of responders',
  visibleTo: 'Vigil has no per-alert visibility; everyone in the organization who can see the service sees its alerts',
  actions: 'Vigil has no custom alert actions',
};

const LIMITS: Record<string, number> = { message: 130, alias: 512, description: 15000, entity: 512, source: 100, user: 100, note: 25000 };

function text(body: Record<string, unknown>, field: string, errors: string[], required = false): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) errors.push(`${field}: ${field} can not be empty`);
    return undefined;
  }
  if (typeof v !== 'string') {
    errors.push(`${field}: must be a string`);
    return undefined;
  }
  if (required && !v.trim()) {
    errors.push(`${field}: ${field} can not be empty`);
    return undefined;
  }
  const limit = LIMITS[field]!;
  if ([...v].length > limit) {
    errors.push(`${field}: longer than ${limit} characters`);
    return undefined;
  }
  return v;
}

function unknownFields(body: Record<string, unknown>, known: readonly string[], errors: string[]): void {
  for (const k of Object.keys(body)) if (!known.includes(k)) errors.push(`${k}: not an Opsgenie alert field Vigil knows`);
}

const CREATE_FIELDS = ['message', 'alias', 'description', 'responders', 'visibleTo', 'actions', 'tags', 'details', 'entity', 'source', 'priority', 'user', 'note'];

export function validateCreate(input: unknown): Result<CreateAlert> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, errors: ['body: must be a JSON object'] };
  const body = input as Record<string, unknown>;
  const errors: string[] = [];
  unknownFields(body, CREATE_FIELDS, errors);
  const message = text(body, 'message', errors, true);
  const out: CreateAlert = { message: message ?? '', tags: [], details: {}, priority: 'P3' };
  for (const f of ['alias', 'description', 'entity', 'source', 'user', 'note'] as const) {
    const v = text(body, f, errors);
    if (v !== undefined && v !== '') out[f] = v;
  }
  for (const [field, why] of Object.entries(UNSUPPORTED)) {
    const v = body[field];
    if (v === undefined || v === null) continue;
    if (!Array.isArray(v)) errors.push(`${field}: must be an array`);
    else if (v.length > 0) errors.push(`${field}: not supported: ${why}`);
  }
  if (body.tags !== undefined && body.tags !== null) {
    if (!Array.isArray(body.tags)) errors.push('tags: must be an array of strings');
    else if (body.tags.length > 20) errors.push('tags: more than 20 tags');
    else
      body.tags.forEach((t, i) => {
        if (typeof t !== 'string') errors.push(`tags[${i}]: must be a string`);
        else if ([...t].length > 50) errors.push(`tags[${i}]: longer than 50 characters`);
        else out.tags.push(t);
      });
  }
  if (body.details !== undefined && body.details !== null) {
    if (typeof body.details !== 'object' || Array.isArray(body.details)) errors.push('details: must be an object of strings');
    else {
      let size = 0;
      for (const [k, v] of Object.entries(body.details as Record<string, unknown>)) {
        if (typeof v !== 'string') errors.push(`details.${k}: must be a string`);
        else {
          out.details[k] = v;
          size += [...k].length + [...v].length;
        }
      }
      if (size > 8000) errors.push('details: longer than 8000 characters in total');
    }
  }
  if (body.priority !== undefined && body.priority !== null) {
    if (!PRIORITIES.includes(body.priority as OpsgeniePriority)) errors.push(`priority: must be one of ${PRIORITIES.join(', ')}`);
    else out.priority = body.priority as OpsgeniePriority;
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: out };
}

/** The optional body of acknowledge and close, and the body of notes (`note` required). */
export function validateAction(input: unknown, opts: { noteRequired: boolean }): Result<AlertAction> {
  if (input === undefined || input === null) return opts.noteRequired ? { ok: false, errors: ['note: note can not be empty'] } : { ok: true, value: {} };
  if (typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: ['body: must be a JSON object'] };
  const body = input as Record<string, unknown>;
  const errors: string[] = [];
  unknownFields(body, ['user', 'source', 'note'], errors);
  const out: AlertAction = {};
  for (const f of ['user', 'source'] as const) {
    const v = text(body, f, errors);
    if (v !== undefined && v !== '') out[f] = v;
  }
  const note = text(body, 'note', errors, opts.noteRequired);
  if (note !== undefined && note !== '') out.note = note;
  return errors.length ? { ok: false, errors } : { ok: true, value: out };
}

export function identifierType(v: unknown): Result<IdentifierType> {
  if (v === undefined || v === '') return { ok: true, value: 'id' };
  if (v === 'id' || v === 'alias' || v === 'tiny') return { ok: true, value: v };
  return { ok: false, errors: ['identifierType: must be one of id, alias, tiny'] };
}
