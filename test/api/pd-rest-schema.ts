/**
 * Validate answers against PagerDuty's own published REST schema,
 * shared/reference/pagerduty/REST/openapiv3.json: `expectPagerDutyShape(body, '/event_orchestrations/{id}', 'get', '200')`
 * checks a body against what PagerDuty documents for that operation. OpenAPI 3.0 is
 * turned into JSON Schema for Ajv on a copy: local $refs (including pointers into other
 * schemas, which the file uses) are resolved, `nullable` becomes a null type, bare enums
 * get their type, and examples go.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvMod from 'ajv';
import { expect } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PD_REST_OAS = path.resolve(repoRoot, '../shared/reference/pagerduty/REST/openapiv3.json');

let oas: Record<string, any> | undefined;
const doc = () => (oas ??= JSON.parse(fs.readFileSync(PD_REST_OAS, 'utf8')) as Record<string, any>);

function pointer(ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((acc, k) => acc?.[k], doc());
}

/**
 * `tolerant`: PagerDuty's own schema quirks forgiven, as the conformance figures count them:
 * fields PagerDuty answers null without declaring `nullable` (resolved_at, escalation_policy)
 * accept null, and overlapping `oneOf` branches (references that match two) become `anyOf`.
 * Two places where the document contradicts itself are read the way PagerDuty answers:
 * `AcknowledgeLogEntry.type` enumerates `acknowledgement_log_entry` while `LogEntry.type` (and
 * `LogEntryReference`, `acknowledge_log_entry_reference`) name it `acknowledge_log_entry`, which
 * is what PagerDuty sends; and `IncidentBody.details` is typed `object` while the document's own
 * POST /incidents example sends a string, as PagerDuty's clients (go-pagerduty's
 * `IncidentBody.Details string`) read and write it: a string is accepted there.
 */
let tolerant = false;

const refStack: string[] = [];
const TOLERATED_ENUM: Record<string, string> = { acknowledgement_log_entry: 'acknowledge_log_entry' };

function toJsonSchema(node: unknown, depth = 0): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, depth + 1));
  if (!node || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if (typeof o.$ref === 'string') {
    // A recursive schema (email parsers' predicate children) is unrolled twice, then anything is accepted.
    if (refStack.filter((r) => r === o.$ref).length >= 2 || depth > 60) return {};
    const target = pointer(o.$ref);
    if (target === undefined) throw new Error(`unresolved ${o.$ref}`);
    refStack.push(o.$ref);
    let converted: Record<string, any>;
    try {
      converted = toJsonSchema(structuredClone(target), depth + 1) as Record<string, any>;
    } finally {
      refStack.pop();
    }
    if (tolerant && o.$ref === '#/components/schemas/IncidentBody') {
      const details = converted.properties.details;
      converted.properties.details = { anyOf: [details, { type: 'string' }] };
    }
    return converted;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'example' || k === 'examples' || k === 'nullable' || k.startsWith('x-')) continue;
    // Property maps are names, not schemas: keep every key, convert the values.
    if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, tolerant ? { anyOf: [{ type: 'null' }, toJsonSchema(pv, depth + 1)] } : toJsonSchema(pv, depth + 1)]));
    else if (k === 'oneOf' && tolerant) out.anyOf = toJsonSchema(v, depth + 1);
    else out[k] = toJsonSchema(v, depth + 1);
  }
  if (tolerant && Array.isArray(out.enum)) out.enum = [...out.enum, ...out.enum.flatMap((e) => (typeof e === 'string' && TOLERATED_ENUM[e] ? [TOLERATED_ENUM[e]] : []))];
  if (Array.isArray(out.enum) && !out.type && out.enum.every((e) => typeof e === 'string')) out.type = 'string';
  if (o.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    // Some enums already list null (AlertGroupingParameters.type): Ajv refuses duplicates.
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

const AjvCtor = ((AjvMod as any).default ?? AjvMod) as typeof import('ajv').default;
const ajv = new AjvCtor({ allErrors: true, strict: false, validateFormats: false });
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

export function pagerDutyResponseSchema(apiPath: string, method: string, status: string, forgiving = false): unknown {
  const op = doc().paths?.[apiPath]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${apiPath} not in ${PD_REST_OAS}`);
  let res = op.responses?.[status];
  if (res?.$ref) res = pointer(res.$ref);
  const schema = res?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no JSON ${status} answer for ${method.toUpperCase()} ${apiPath}`);
  tolerant = forgiving;
  try {
    return toJsonSchema(schema);
  } finally {
    tolerant = false;
  }
}

export function pagerDutySchema(name: string): unknown {
  return toJsonSchema({ $ref: `#/components/schemas/${name}` });
}

/** The body conforms to PagerDuty's documented answer for that operation and status. */
export function expectPagerDutyShape(body: unknown, apiPath: string, method: string, status = '200'): void {
  const key = `${method} ${apiPath} ${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(pagerDutyResponseSchema(apiPath, method, status) as object);
    compiled.set(key, validate);
  }
  const ok = validate(body);
  expect(ok, `${key}: ${JSON.stringify(validate.errors, null, 1)}`).toBe(true);
}

/** Every operation of PagerDuty's REST API, as `METHOD /path` (PagerDuty's path template). */
export function pagerDutyOperations(): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  for (const [p, ops] of Object.entries(doc().paths as Record<string, Record<string, unknown>>)) {
    for (const m of Object.keys(ops)) if (['get', 'post', 'put', 'patch', 'delete'].includes(m)) out.push({ method: m.toUpperCase(), path: p });
  }
  return out;
}

/** A route's path in PagerDuty's template form: `/api/v1/incidents/:id/notes` is `/incidents/{}/notes`. */
export function templateOf(path: string): string {
  return path.replace(/^\/api\/v1/, '').replace(/:[A-Za-z_]+|\{[^}]+\}/g, '{}');
}

/** Whether a body conforms, with Ajv's errors (for counting rather than failing). */
export function checkPagerDutyShape(body: unknown, apiPath: string, method: string, status = '200'): { ok: boolean; errors: unknown } {
  const key = `tolerant ${method} ${apiPath} ${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(pagerDutyResponseSchema(apiPath, method, status, true) as object);
    } finally {
      tolerant = false;
    }
    compiled.set(key, validate);
  }
  const ok = validate(body) as boolean;
  return { ok, errors: validate.errors };
}

/** As expectPagerDutyShape, forgiving PagerDuty's own schema quirks (see `tolerant`). */
export function expectPagerDutyShapeTolerant(body: unknown, apiPath: string, method: string, status = '200'): void {
  const r = checkPagerDutyShape(body, apiPath, method, status);
  expect(r.ok, `${method} ${apiPath} ${status}: ${JSON.stringify(r.errors, null, 1)}`).toBe(true);
}
