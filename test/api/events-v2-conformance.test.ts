/**
 * Every Events API v2 answer (202, 400, 413, 415, 429) conforms to PagerDuty's own
 * published schema, shared/reference/pagerduty/events-v2/openapiv3.json: the 202
 * body to `Success`, every error body to `Error`. The request examples in that file
 * are accepted as they are (with our routing key in place of theirs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvMod from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { changeEnqueue, counts, createApp, enqueue, neverIssuedKey } from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OAS_FILE = path.resolve(repoRoot, '../shared/reference/pagerduty/events-v2/openapiv3.json');
const oas = JSON.parse(fs.readFileSync(OAS_FILE, 'utf8')) as Record<string, any>;

/**
 * The reference keeps Success and Error under components.responses (the brief calls
 * them schemas); take them from wherever they are. Known defects of the file (see
 * shared/reference/pagerduty/README.md): enums without "type", 400/429 responses
 * written as descriptions instead of $refs. Both are repaired here, on a copy.
 */
function componentSchema(name: string): Record<string, any> {
  const fromSchemas = oas.components?.schemas?.[name];
  const fromResponses = oas.components?.responses?.[name]?.content?.['application/json']?.schema;
  const s = fromSchemas ?? fromResponses;
  if (!s) throw new Error(`${name} not found in ${OAS_FILE}`);
  return structuredClone(s);
}

/** OpenAPI 3.0 → JSON Schema for Ajv: resolve local $refs, give bare enums a type. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  if (typeof o.$ref === 'string') {
    const target = o.$ref.replace(/^#\//, '').split('/').reduce<any>((acc, k) => acc?.[k], oas);
    if (!target) throw new Error(`unresolved ${o.$ref}`);
    return toJsonSchema(structuredClone(target));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'examples' || k === 'example' || k.startsWith('x-')) continue;
    out[k] = toJsonSchema(v);
  }
  if (Array.isArray(out.enum) && !out.type && out.enum.every((e) => typeof e === 'string')) out.type = 'string';
  return out;
}

const AjvCtor = ((AjvMod as any).default ?? AjvMod) as typeof import('ajv').default;
const ajv = new AjvCtor({ allErrors: true, strict: false, validateFormats: false });
const validateSuccess = ajv.compile(toJsonSchema(componentSchema('Success')) as object);
const validateError = ajv.compile(toJsonSchema(componentSchema('Error')) as object);
const enqueueRequest = oas.paths['/enqueue'].post.requestBody.content['application/json'];
const changeRequest = oas.paths['/change/enqueue'].post.requestBody.content['application/json'];
const validateEventRequest = ajv.compile(toJsonSchema(enqueueRequest.schema) as object);
const validateChangeRequest = ajv.compile(toJsonSchema(changeRequest.schema) as object);

function expectSuccess(body: unknown) {
  const ok = validateSuccess(body);
  expect(ok, JSON.stringify(validateSuccess.errors)).toBe(true);
  expect((body as { status: string }).status).toBe('success');
}

function expectErrorBody(body: unknown) {
  const ok = validateError(body);
  expect(ok, JSON.stringify(validateError.errors)).toBe(true);
  // Vigil always names what is wrong (errors[] is optional in the schema; we promise it).
  expect(Array.isArray((body as { errors?: unknown }).errors)).toBe(true);
  expect((body as { errors: string[] }).errors.length).toBeGreaterThan(0);
}

describe('the reference schema itself', () => {
  it('is where the brief says, with Success and Error', () => {
    expect(fs.existsSync(OAS_FILE)).toBe(true);
    expect(componentSchema('Success').required).toEqual(['status']);
    expect(componentSchema('Error').required).toEqual(['status', 'message']);
  });

  it("its own examples validate against its own schemas (sanity check of the repair)", () => {
    expect(validateSuccess(oas.components.responses.Success.content['application/json'].examples.default.value)).toBe(true);
    expect(validateError(oas.components.responses.Error.content['application/json'].examples.response.value)).toBe(true);
    for (const ex of Object.values(enqueueRequest.examples ?? {}) as { value: unknown }[]) expect(validateEventRequest(ex.value)).toBe(true);
    for (const ex of Object.values(changeRequest.examples ?? {}) as { value: unknown }[]) expect(validateChangeRequest(ex.value)).toBe(true);
    // The repaired enum refuses what PagerDuty refuses.
    expect(validateEventRequest({ routing_key: 'x', event_action: 'snooze' })).toBe(false);
    expect(validateEventRequest({ routing_key: 'x', event_action: 7 })).toBe(false);
  });
});

describe.each(DIALECTS)('Events API v2 answers conform to PagerDuty schema on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createApp(dialect);
    key = (await serviceWithKey(t)).key;
  });
  afterAll(async () => t.close());

  it('202 answers to trigger, acknowledge, resolve (known and unknown keys) and change events', async () => {
    const bodies = [
      trigger(key, { dedup_key: 'conf-1' }),
      trigger(key),
      trigger(key, { dedup_key: 'conf-1' }),
      { routing_key: key, event_action: 'acknowledge', dedup_key: 'conf-1' },
      { routing_key: key, event_action: 'resolve', dedup_key: 'conf-1' },
      { routing_key: key, event_action: 'resolve', dedup_key: 'never-seen' },
    ];
    for (const b of bodies) {
      // Our own fixtures are valid PagerDuty requests.
      expect(validateEventRequest(b), JSON.stringify(validateEventRequest.errors)).toBe(true);
      const r = await enqueue(t, b);
      expect(r.statusCode).toBe(202);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expectSuccess(r.json());
      expect(r.json().message).toBe('Event processed');
      expect(typeof r.json().dedup_key).toBe('string');
    }
    const change = { routing_key: key, payload: { summary: 'deploy 42', source: 'ci' } };
    expect(validateChangeRequest(change)).toBe(true);
    const c = await changeEnqueue(t, change);
    expect(c.statusCode).toBe(202);
    expectSuccess(c.json());
  });

  it('the request examples published in the OAS are accepted', async () => {
    const examples = [
      ...Object.entries(enqueueRequest.examples ?? {}).map(([name, ex]) => ({ name, url: '/v2/enqueue', value: (ex as { value: Record<string, unknown> }).value })),
      ...Object.entries(changeRequest.examples ?? {}).map(([name, ex]) => ({ name, url: '/v2/change/enqueue', value: (ex as { value: Record<string, unknown> }).value })),
    ];
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const ex of examples) {
      const before = await counts(t);
      const r = await t.app.inject({ method: 'POST', url: ex.url, payload: { ...ex.value, routing_key: key } });
      expect(r.statusCode, `${ex.name}: ${r.body}`).toBe(202);
      expectSuccess(r.json());
      const after = await counts(t);
      if (ex.url === '/v2/enqueue') {
        expect(r.json().dedup_key).toBe(ex.value.dedup_key ?? r.json().dedup_key);
        expect(after.log_entries).toBeGreaterThan(before.log_entries);
      } else expect(after.change_events - before.change_events).toBe(1);
    }
  });

  it('400 answers (unparseable JSON, invalid events, unknown key) conform to Error', async () => {
    const common: { body: string; status: string }[] = [
      { body: '{"routing_key": ', status: 'Unrecognized object' },
      { body: '', status: 'Unrecognized object' },
      { body: '[]', status: 'invalid event' },
      { body: '"just a string"', status: 'invalid event' },
      { body: JSON.stringify({ routing_key: key }), status: 'invalid event' },
      { body: JSON.stringify(trigger('short')), status: 'invalid event' },
      { body: JSON.stringify(trigger(neverIssuedKey())), status: 'invalid event' },
    ];
    const perUrl: Record<string, { body: string; status: string }[]> = {
      '/v2/enqueue': [
        ...common,
        { body: JSON.stringify({ ...trigger(key), event_action: 'snooze' }), status: 'invalid event' },
        { body: JSON.stringify({ routing_key: key, event_action: 'resolve' }), status: 'invalid event' },
        { body: JSON.stringify(trigger(key, {}, { severity: 'fatal' })), status: 'invalid event' },
      ],
      '/v2/change/enqueue': [...common, { body: JSON.stringify({ routing_key: key, payload: { source: 'ci' } }), status: 'invalid event' }],
    };
    for (const [url, cases] of Object.entries(perUrl)) {
      for (const c of cases) {
        const r = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: c.body });
        expect(r.statusCode, `${url} ${c.body}`).toBe(400);
        expect(r.headers['content-type']).toMatch(/^application\/json/);
        expectErrorBody(r.json());
        expect(r.json().status, `${url} ${c.body}`).toBe(c.status);
      }
    }
    const parse = await t.app.inject({ method: 'POST', url: '/v2/enqueue', headers: { 'content-type': 'application/json' }, payload: '{nope' });
    expect(parse.json()).toMatchObject({ status: 'Unrecognized object', message: 'Event object format is unrecognized' });
    expect(parse.json().errors.join(' ')).toMatch(/JSON parse error/);
    const invalid = await enqueue(t, { routing_key: key, event_action: 'trigger' });
    expect(invalid.json()).toMatchObject({ status: 'invalid event', message: 'Event object is invalid' });
  });

  it('413, 415 and 429 answers conform to Error too', async () => {
    const big = await enqueue(t, trigger(key, {}, { custom_details: { blob: 'x'.repeat(600 * 1024) } }));
    expect(big.statusCode).toBe(413);
    expectErrorBody(big.json());
    const form = await t.app.inject({ method: 'POST', url: '/v2/enqueue', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `routing_key=${key}&event_action=trigger` });
    expect(form.statusCode).toBe(415);
    expectErrorBody(form.json());

    const limited = await createApp(dialect, { config: { ingest: { ratePerIntegration: 0.001, burstPerIntegration: 2, maxBatch: 200 } } });
    try {
      const k = (await serviceWithKey(limited)).key;
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await enqueue(limited, trigger(k, { dedup_key: `flood-${i}` })));
      expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 429, 429]);
      const r = answers[2]!;
      expectErrorBody(r.json());
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      // Not ingested.
      expect(await counts(limited)).toMatchObject({ alerts: 2, incidents: 2 });
    } finally {
      await limited.close();
    }
  });

  it("Vigil's own OpenAPI document describes both endpoints with a 202 that fits PagerDuty's Success", async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    for (const p of ['/v2/enqueue', '/v2/change/enqueue']) {
      const op = doc.paths[p]?.post;
      expect(op, p).toBeTruthy();
      const schema = op.responses['202'].content['application/json'].schema;
      expect(schema.properties.status.type).toBe('string');
      expect(op.responses['400']).toBeTruthy();
    }
  });
});
