/**
 * Non-negotiable 3: a REST body field Vigil does not implement is refused by
 * name, never accepted and ignored. Route schemas list the fields each
 * operation implements; this closes every object of a REST request body that
 * leaves `additionalProperties` unset, so the validator answers 400
 * `<path>.<field> is not a field Vigil knows here` instead of dropping it.
 *
 * A field the operation's own answer carries (`id`, `self`, `html_url`,
 * `created_at`, a reference's `summary`…) may be sent back unchanged: PagerDuty
 * clients and PagerDuty's own examples read an entity, change it and send it
 * whole, and PagerDuty takes its read-only fields back the same way. Such a
 * field is read-only: it is accepted and never written.
 *
 * A schema that states `additionalProperties` keeps it: a map (`custom_details`)
 * stays open, and an object whose service checks its fields itself with its own
 * messages (services, maintenance windows) says `true`, and one whose service
 * checks its whole subtree is marked {@link CHECKED}. The ingest endpoints are
 * not touched: they speak the sender's protocol, whose senders add fields of
 * their own (Alertmanager, Opsgenie's clients).
 */

import { FIELDS_CHECKED } from '../../contract/common.js';

type Schema = Record<string, unknown>;

/** Marks a body object whose service checks every field of it and below (contract/common.ts FIELDS_CHECKED). */
const CHECKED = Object.keys(FIELDS_CHECKED)[0]!;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A read-only field echoed back: any value, and the service never sees it as input. */
const ECHO: Schema = { description: 'read-only: accepted as the answer gave it, never written' };

/** The properties an answer's schema node may carry, through `anyOf`/`oneOf` (nullable and union entities). */
function answerProperties(node: unknown): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  const visit = (n: unknown): void => {
    if (!isSchema(n)) return;
    if (isSchema(n.properties)) for (const [k, v] of Object.entries(n.properties)) out.set(k, [...(out.get(k) ?? []), v]);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) if (Array.isArray(n[key])) for (const b of n[key] as unknown[]) visit(b);
  };
  visit(node);
  return out;
}

function answerItems(nodes: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  const visit = (n: unknown): void => {
    if (!isSchema(n)) return;
    if (n.items !== undefined) out.push(n.items);
    for (const key of ['anyOf', 'oneOf'] as const) if (Array.isArray(n[key])) for (const b of n[key] as unknown[]) visit(b);
  };
  for (const n of nodes) visit(n);
  return out;
}

/**
 * A copy of the body schema `schema` with every object that lists properties and
 * states no `additionalProperties` closed; `answer` is the matching node of the
 * operation's success answer (its read-only fields may be echoed).
 */
export function closeBodySchema(schema: unknown, answer: readonly unknown[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => closeBodySchema(s, answer));
  if (!isSchema(schema) || schema[CHECKED] === true) return schema;
  const echoes = new Map<string, unknown[]>();
  for (const a of answer) for (const [k, v] of answerProperties(a)) echoes.set(k, [...(echoes.get(k) ?? []), ...v]);
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && isSchema(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, closeBodySchema(sub, echoes.get(name) ?? [])]));
    } else if (key === 'items') {
      out[key] = closeBodySchema(value, answerItems(answer));
    } else if (key === 'anyOf' || key === 'oneOf') {
      out[key] = closeBodySchema(value, answer);
    } else {
      out[key] = value;
    }
  }
  for (const sym of Object.getOwnPropertySymbols(schema)) (out as Record<symbol, unknown>)[sym] = (schema as Record<symbol, unknown>)[sym];
  if (isSchema(out.properties) && out.additionalProperties === undefined && out.patternProperties === undefined) {
    const own = out.properties;
    const readOnly = [...echoes.keys()].filter((k) => !(k in own));
    if (readOnly.length) out.properties = { ...own, ...Object.fromEntries(readOnly.map((k) => [k, ECHO])) };
    out.additionalProperties = false;
  }
  return out;
}

/** The success answer of a route's schema (the first 2xx), where its echoable fields are. */
export function successAnswer(response: unknown): unknown[] {
  if (!isSchema(response)) return [];
  const code = Object.keys(response).filter((c) => /^2\d\d$/.test(c)).sort()[0];
  return code ? [response[code]] : [];
}

/**
 * The closed body of a route, made once per (body, answer) schema pair for the process: the
 * validator's compiler caches by schema object, so every app built in this process (tests
 * build hundreds) reuses one compiled validator instead of compiling a fresh copy.
 */
const closedOnce = new WeakMap<object, WeakMap<object, unknown>>();
const NO_ANSWER = {};
export function closedBody(body: object, response: unknown): unknown {
  const answer = successAnswer(response);
  const key = isSchema(answer[0]) ? answer[0] : NO_ANSWER;
  let byAnswer = closedOnce.get(body);
  if (!byAnswer) closedOnce.set(body, (byAnswer = new WeakMap()));
  let closed = byAnswer.get(key);
  if (closed === undefined) byAnswer.set(key, (closed = closeBodySchema(body, answer)));
  return closed;
}

/** REST routes, the ones whose bodies are closed. */
export const closesBody = (url: string): boolean => url.startsWith('/api/');
