/**
 * Property tests of the Events API v2 validator (pure, no database):
 * - it never throws, whatever arrives (any JSON, any JS value, deep nesting, huge
 *   strings, own `__proto__` / `constructor` keys as JSON.parse makes them);
 * - every valid event, generated from PagerDuty's field rules, is accepted with
 *   exactly the values sent;
 * - every valid event with ONE field made invalid is rejected, with an error that
 *   names that field;
 * - whatever it accepts is well-formed (types and limits hold).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS, validateAlertEvent, validateChangeEvent, type AlertEvent, type ChangeEvent } from './validate.js';

// Bound each property (generation and shrinking) so a failure reports in seconds, not minutes.
fc.configureGlobal({ interruptAfterTimeLimit: 10_000 });

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
const ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
const codePoints = (s: string) => [...s].length;

// ---------------------------------------------------------------- arbitraries

const routingKey = fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 32, maxLength: 32 });

/** Characters of every kind: ASCII, BMP, astral (counted as one character each). */
const anyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  // NUL is refused by design (PostgreSQL text cannot hold it), so a valid event never carries one.
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\u0000') },
  { weight: 1, arbitrary: fc.constantFrom('🔥', '𝔘', '…', '\u00a0', 'é', '<', '&', '"', '\\', '\n') },
);
const text = (min: number, max: number) => fc.string({ unit: anyChar, minLength: min, maxLength: max });
/** A string of at most `max` characters with something other than whitespace in it; sometimes exactly at the limit. */
const nonBlank = (max: number) =>
  fc.oneof({ weight: 12, arbitrary: text(1, 40) }, { weight: 1, arbitrary: text(max - 3, max) }, { weight: 1, arbitrary: fc.constant('🔥'.repeat(max)) }).filter((s) => s.trim() !== '' && codePoints(s) <= max);
const optText = (max: number) => fc.oneof({ weight: 12, arbitrary: text(0, 30) }, { weight: 1, arbitrary: text(max - 2, max) }).filter((s) => codePoints(s) <= max);
/** Absent, null, or a value: the validator treats absent and null alike. */
const optional = <T>(arb: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), fc.constant(null), arb);

/** An ISO 8601 timestamp in one of the forms senders use, with the instant it denotes. */
const timestamp = fc
  .record({
    ms: fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) }),
    offsetMin: fc.oneof(fc.constant(0), fc.integer({ min: -12 * 60, max: 14 * 60 })),
    form: fc.constantFrom('Z', 'z', '+hh:mm', '+hhmm', '+hh', 'space'),
  })
  .map(({ ms, offsetMin, form }) => {
    if (form === '+hh') offsetMin = Math.trunc(offsetMin / 60) * 60;
    const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
    const sign = offsetMin < 0 ? '-' : '+';
    const hh = String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0');
    const mm = String(Math.abs(offsetMin) % 60).padStart(2, '0');
    const s =
      form === 'Z' ? new Date(ms).toISOString()
      : form === 'z' ? new Date(ms).toISOString().replace('Z', 'z')
      : form === 'space' ? new Date(ms).toISOString().replace('T', ' ')
      : form === '+hh:mm' ? `${local}${sign}${hh}:${mm}`
      : form === '+hhmm' ? `${local}${sign}${hh}${mm}`
      : `${local}${sign}${hh}`;
    return { s, ms };
  });

const image = fc.record({ src: nonBlank(LIMITS.url), href: optional(optText(LIMITS.url)), alt: optional(optText(LIMITS.shortField)) }, { requiredKeys: ['src'] });
const link = fc.record({ href: nonBlank(LIMITS.url), text: optional(optText(LIMITS.shortField)) }, { requiredKeys: ['href'] });
/** Absent, or a short list, or (rarely) exactly the 100-item limit of one repeated item. */
const list = <T>(arb: fc.Arbitrary<T>) =>
  optional(fc.oneof({ weight: 12, arbitrary: fc.array(arb, { maxLength: 4 }) }, { weight: 1, arbitrary: arb.map((x) => Array.from({ length: LIMITS.listItems }, () => x)) }));

/** Unknown top-level keys are ignored (Alertmanager and others send extra ones). */
const extras = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['routing_key', 'event_action', 'dedup_key', 'payload', 'images', 'links', 'client', 'client_url', '__proto__'].includes(k)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);

interface Spec {
  body: Record<string, unknown>;
  expected: AlertEvent;
}

const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const expectImages = (v: unknown) => ((v as { src: string; href?: string | null; alt?: string | null }[] | null | undefined) ?? []).map((i) => ({ src: i.src, ...(i.href ? { href: i.href } : {}), ...(i.alt ? { alt: i.alt } : {}) }));
const expectLinks = (v: unknown) => ((v as { href: string; text?: string | null }[] | null | undefined) ?? []).map((l) => (l.text ? { href: l.href, text: l.text } : { href: l.href }));
const strOrNull = (v: unknown) => (typeof v === 'string' ? v : null);

/** A valid trigger, built from the field rules, with the value the validator must return. */
const validTrigger: fc.Arbitrary<Spec> = fc
  .record({
    routing_key: routingKey,
    dedup_key: optional(fc.oneof(text(0, 40), text(LIMITS.dedupKey - 2, LIMITS.dedupKey).filter((s) => codePoints(s) <= LIMITS.dedupKey), fc.stringMatching(/^[0-9a-f]{64}$/))),
    summary: nonBlank(LIMITS.summary),
    source: nonBlank(LIMITS.shortField),
    severity: fc.constantFrom(...SEVERITIES),
    timestamp: optional(fc.oneof(timestamp, fc.constant({ s: '', ms: null }))),
    component: optional(optText(LIMITS.shortField)),
    group: optional(optText(LIMITS.shortField)),
    klass: optional(optText(LIMITS.shortField)),
    custom_details: optional(fc.jsonValue({ maxDepth: 3 })),
    images: list(image),
    links: list(link),
    client: optional(optText(LIMITS.shortField)),
    client_url: optional(optText(LIMITS.url)),
    extras,
  })
  .map((r) => {
    const payload = strip({ summary: r.summary, source: r.source, severity: r.severity, timestamp: r.timestamp === undefined || r.timestamp === null ? r.timestamp : r.timestamp.s, component: r.component, group: r.group, class: r.klass, custom_details: r.custom_details });
    const body = strip({ ...r.extras, routing_key: r.routing_key, event_action: 'trigger', dedup_key: r.dedup_key, payload, images: r.images, links: r.links, client: r.client, client_url: r.client_url });
    const expected: AlertEvent = {
      routingKey: r.routing_key,
      action: 'trigger',
      dedupKey: typeof r.dedup_key === 'string' && r.dedup_key !== '' ? r.dedup_key : null,
      payload: {
        summary: r.summary,
        source: r.source,
        severity: r.severity,
        timestamp: r.timestamp ? r.timestamp.ms : null,
        component: strOrNull(r.component),
        group: strOrNull(r.group),
        class: strOrNull(r.klass),
        customDetails: r.custom_details ?? null,
      },
      images: expectImages(r.images),
      links: expectLinks(r.links),
      client: strOrNull(r.client),
      clientUrl: strOrNull(r.client_url),
    };
    return { body, expected };
  });

/** A valid acknowledge or resolve; a payload may come along (Alertmanager sends one on resolve) and is ignored. */
const validAckResolve: fc.Arbitrary<Spec> = fc
  .record({
    routing_key: routingKey,
    action: fc.constantFrom('acknowledge' as const, 'resolve' as const),
    dedup_key: fc.oneof(text(1, 40), fc.stringMatching(/^[0-9a-f]{64}$/), text(LIMITS.dedupKey, LIMITS.dedupKey).filter((s) => codePoints(s) <= LIMITS.dedupKey)),
    payload: optional(fc.record({ summary: fc.string(), source: fc.string(), severity: fc.string(), custom_details: fc.jsonValue({ maxDepth: 2 }) })),
    client: optional(optText(20)),
    extras,
  })
  .map((r) => ({
    body: strip({ ...r.extras, routing_key: r.routing_key, event_action: r.action, dedup_key: r.dedup_key, payload: r.payload, client: r.client }),
    expected: { routingKey: r.routing_key, action: r.action, dedupKey: r.dedup_key, payload: null, images: [], links: [], client: strOrNull(r.client), clientUrl: null },
  }));

const validAlertEvent = fc.oneof({ weight: 3, arbitrary: validTrigger }, { weight: 1, arbitrary: validAckResolve });

// Values of the wrong kind, and over-long strings.
const nonString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }));
const notObject = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }));
const tooLong = (max: number) => fc.integer({ min: max + 1, max: max + 40 }).chain((n) => fc.constantFrom('x'.repeat(n), '🔥'.repeat(n), 'é'.repeat(n)));
const blankOrMissing = fc.constantFrom(undefined, null, '', '   ', '\t\n', '\u00a0');
const missingOrWrong = fc.oneof(blankOrMissing, nonString);

type Body = Record<string, any>;
interface Mutation {
  field: string;
  /** For which actions of the base event this mutation makes it invalid. */
  on: 'trigger' | 'ackresolve' | 'any';
  apply: (b: Body, v: unknown) => string | void;
  bad: fc.Arbitrary<unknown>;
}

const set = (o: Body, k: string, v: unknown) => {
  if (v === undefined) delete o[k];
  else o[k] = v;
};

const itemMutations = (list: 'images' | 'links', required: 'src' | 'href', optionals: [string, number][]): Mutation[] => [
  { field: list, on: 'any', bad: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 })), apply: (b, v) => set(b, list, v) },
  { field: list, on: 'any', bad: fc.integer({ min: LIMITS.listItems + 1, max: LIMITS.listItems + 5 }), apply: (b, n) => set(b, list, Array.from({ length: n as number }, () => ({ [required]: 'https://ok.example/x' }))) },
  {
    field: `${list}[i]`,
    on: 'any',
    bad: fc.tuple(fc.nat(3), fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 1 }))),
    apply: (b, tv) => {
      const [i, v] = tv as [number, unknown];
      const arr = Array.from({ length: i + 1 }, () => ({ [required]: 'https://ok.example/x' })) as unknown[];
      arr[i] = v;
      set(b, list, arr);
      return `${list}[${i}]`;
    },
  },
  {
    field: `${list}[i].${required}`,
    on: 'any',
    bad: fc.tuple(fc.nat(3), fc.oneof(missingOrWrong, tooLong(LIMITS.url))),
    apply: (b, tv) => {
      const [i, v] = tv as [number, unknown];
      const arr: Body[] = Array.from({ length: i + 1 }, () => ({ [required]: 'https://ok.example/x' }));
      set(arr[i]!, required, v);
      set(b, list, arr);
      return `${list}[${i}].${required}`;
    },
  },
  ...optionals.map(
    ([key, max]): Mutation => ({
      field: `${list}[0].${key}`,
      on: 'any',
      bad: fc.oneof(nonString, tooLong(max)),
      apply: (b, v) => set(b, list, [{ [required]: 'https://ok.example/x', [key]: v }]),
    }),
  ),
];

const payloadField = (key: string, bad: fc.Arbitrary<unknown>): Mutation => ({
  field: `payload.${key}`,
  on: 'trigger',
  bad,
  apply: (b, v) => set(b.payload as Body, key, v),
});

const alertMutations: Mutation[] = [
  { field: 'routing_key', on: 'any', bad: fc.oneof(blankOrMissing, nonString, fc.string({ unit: fc.constantFrom(...ALNUM), maxLength: 64 }).filter((s) => s.length !== 32), fc.tuple(fc.nat(31), fc.constantFrom('-', '_', ' ', '.', 'é', '/')).map(([i, c]) => 'a'.repeat(i) + c + 'a'.repeat(31 - i))), apply: (b, v) => set(b, 'routing_key', v) },
  { field: 'event_action', on: 'any', bad: fc.oneof(blankOrMissing, nonString, fc.string().filter((s) => !(ACTIONS as readonly string[]).includes(s)), fc.constantFrom('Trigger', 'RESOLVE', 'ack', 'snooze', ' trigger')), apply: (b, v) => set(b, 'event_action', v) },
  { field: 'dedup_key', on: 'any', bad: fc.oneof(nonString, tooLong(LIMITS.dedupKey)), apply: (b, v) => set(b, 'dedup_key', v) },
  { field: 'dedup_key', on: 'ackresolve', bad: fc.constantFrom(undefined, null, ''), apply: (b, v) => set(b, 'dedup_key', v) },
  { field: 'payload', on: 'trigger', bad: fc.oneof(fc.constantFrom(undefined, null), notObject), apply: (b, v) => set(b, 'payload', v) },
  { field: 'payload', on: 'ackresolve', bad: notObject, apply: (b, v) => set(b, 'payload', v) },
  payloadField('summary', fc.oneof(missingOrWrong, tooLong(LIMITS.summary))),
  payloadField('source', fc.oneof(missingOrWrong, tooLong(LIMITS.shortField))),
  payloadField('severity', fc.oneof(blankOrMissing, nonString, fc.string().filter((s) => !(SEVERITIES as readonly string[]).includes(s)), fc.constantFrom('Critical', 'fatal', 'warn', 'high'))),
  payloadField('timestamp', fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 1 }), fc.string().map((s) => `x${s}`), fc.constantFrom('2026-13-01T00:00:00Z', '2026-1-1', 'yesterday', '12:00', '2026-03-01T25:00:00Z'))),
  payloadField('component', fc.oneof(nonString, tooLong(LIMITS.shortField))),
  payloadField('group', fc.oneof(nonString, tooLong(LIMITS.shortField))),
  payloadField('class', fc.oneof(nonString, tooLong(LIMITS.shortField))),
  ...itemMutations('images', 'src', [
    ['href', LIMITS.url],
    ['alt', LIMITS.shortField],
  ]),
  ...itemMutations('links', 'href', [['text', LIMITS.shortField]]),
  { field: 'client', on: 'any', bad: fc.oneof(nonString, tooLong(LIMITS.shortField)), apply: (b, v) => set(b, 'client', v) },
  { field: 'client_url', on: 'any', bad: fc.oneof(nonString, tooLong(LIMITS.url)), apply: (b, v) => set(b, 'client_url', v) },
];

const clone = <T>(v: T): T => structuredClone(v);

// ---------------------------------------------------------------- JSON with own __proto__ keys

const trickyKey = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'routing_key', 'event_action', 'dedup_key', 'payload', 'summary', 'source', 'severity', 'timestamp', 'images', 'links', 'src', 'href', 'length', '0') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
/** JSON text whose objects may carry `__proto__` as an own key, parsed the way a server parses it. */
const jsonWithProtoKeys = fc
  .letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 0 }).map((v) => JSON.stringify(v) ?? 'null'), tie('obj'), tie('arr')),
    obj: fc.array(fc.tuple(trickyKey, tie('node')), { maxLength: 5 }).map((es) => `{${(es as [string, string][]).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    arr: fc.array(tie('node'), { maxLength: 4 }).map((xs) => `[${(xs as string[]).join(',')}]`),
  }))
  .node.map((s) => JSON.parse(s as string) as unknown);

const everything = fc.anything({ maxDepth: 3, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withSparseArray: true, withTypedArray: true });

/** Well-formedness of whatever is accepted. */
function expectWellFormedAlert(v: AlertEvent) {
  expect(v.routingKey).toMatch(/^[A-Za-z0-9]{32}$/);
  expect(ACTIONS).toContain(v.action);
  if (v.action !== 'trigger') expect(typeof v.dedupKey === 'string' && v.dedupKey !== '').toBe(true);
  if (v.dedupKey !== null) expect(codePoints(v.dedupKey)).toBeLessThanOrEqual(LIMITS.dedupKey);
  if (v.action === 'trigger') {
    const p = v.payload!;
    expect(typeof p.summary === 'string' && p.summary.trim() !== '' && codePoints(p.summary) <= LIMITS.summary).toBe(true);
    expect(typeof p.source === 'string' && p.source.trim() !== '').toBe(true);
    expect(SEVERITIES).toContain(p.severity);
    expect(p.timestamp === null || Number.isFinite(p.timestamp)).toBe(true);
    for (const f of [p.component, p.group, p.class]) expect(f === null || typeof f === 'string').toBe(true);
  } else expect(v.payload).toBeNull();
  expect(v.images.length).toBeLessThanOrEqual(LIMITS.listItems);
  for (const i of v.images) expect(typeof i.src === 'string' && i.src.trim() !== '').toBe(true);
  for (const l of v.links) expect(typeof l.href === 'string' && l.href.trim() !== '').toBe(true);
}

function expectResultShape(r: ReturnType<typeof validateAlertEvent> | ReturnType<typeof validateChangeEvent>) {
  expect(typeof r.ok).toBe('boolean');
  if (!r.ok) {
    expect(Array.isArray(r.errors)).toBe(true);
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) expect(typeof e).toBe('string');
  }
}

// ---------------------------------------------------------------- properties

describe('validateAlertEvent', () => {
  it('never throws on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expectResultShape(validateAlertEvent(v));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on any JS value (Maps, boxed values, null prototypes, sparse and typed arrays, BigInt…)', () => {
    fc.assert(
      fc.property(everything, (v) => {
        expectResultShape(validateAlertEvent(v));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws when any field of a valid event holds anything at all, and what it accepts is well-formed', () => {
    const paths = ['routing_key', 'event_action', 'dedup_key', 'payload', 'images', 'links', 'client', 'client_url', 'payload.summary', 'payload.source', 'payload.severity', 'payload.timestamp', 'payload.component', 'payload.custom_details'];
    fc.assert(
      fc.property(validAlertEvent, fc.constantFrom(...paths), fc.oneof(everything, jsonWithProtoKeys), (spec, path, v) => {
        const body = clone(spec.body) as Body;
        const [a, b] = path.split('.') as [string, string | undefined];
        if (b === undefined) body[a] = v;
        else if (body[a] && typeof body[a] === 'object') body[a][b] = v;
        const r = validateAlertEvent(body);
        expectResultShape(r);
        if (r.ok) expectWellFormedAlert(r.value);
      }),
      { numRuns: 250 },
    );
  });

  it('never throws on JSON carrying own __proto__ / constructor keys, and pollutes nothing', () => {
    fc.assert(
      fc.property(jsonWithProtoKeys, (v) => {
        expectResultShape(validateAlertEvent(v));
        expectResultShape(validateChangeEvent(v));
      }),
      { numRuns: 200 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('an own __proto__ key (as JSON.parse makes it) is just an unknown key: the event is accepted unchanged', () => {
    fc.assert(
      fc.property(validTrigger, jsonWithProtoKeys, ({ body, expected }, junk) => {
        const json = JSON.stringify(body);
        const j = JSON.stringify(junk) ?? 'null';
        // Into the payload first (the first '"payload":{' of the original text is the payload's), then at the top.
        const inner = json.replace('"payload":{', () => `"payload":{"__proto__":${j},`);
        const withProto = JSON.parse(`{"__proto__":${j},${inner.slice(1)}`) as Body;
        expect(Object.prototype.hasOwnProperty.call(withProto.payload, '__proto__')).toBe(true);
        expect(Object.prototype.hasOwnProperty.call(withProto, '__proto__')).toBe(true);
        const r = validateAlertEvent(withProto);
        expect(r.ok, JSON.stringify(r)).toBe(true);
        if (r.ok) expect(r.value.routingKey).toBe(expected.routingKey);
        expect(({} as Record<string, unknown>).routing_key).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('deep nesting and huge strings do not throw (or blow the stack)', () => {
    let deepArr: unknown = [];
    for (let i = 0; i < 100_000; i++) deepArr = [deepArr];
    const deepObj = JSON.parse('{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000)) as unknown;
    const huge = 'x'.repeat(8 * 1024 * 1024);
    const hugeAstral = '🔥'.repeat(1024 * 1024);
    const key = 'a'.repeat(32);
    const p = { summary: 's', source: 'h', severity: 'info' };
    const inputs: unknown[] = [
      deepArr,
      deepObj,
      { routing_key: key, event_action: 'trigger', payload: { ...p, custom_details: deepArr } },
      { routing_key: key, event_action: 'trigger', payload: { ...p, custom_details: deepObj }, images: deepArr, links: deepObj },
      { routing_key: key, event_action: 'trigger', payload: deepObj },
      { routing_key: huge, event_action: huge, dedup_key: huge, payload: { summary: huge, source: huge, severity: huge, timestamp: huge, component: huge, group: huge, class: huge }, client: huge, client_url: huge },
      { routing_key: key, event_action: 'trigger', payload: { ...p, summary: hugeAstral, timestamp: '2026-01-01T00:00:00' + '0'.repeat(100_000) + 'Z' } },
      { routing_key: key, event_action: 'trigger', payload: p, images: Array.from({ length: 100_000 }, () => ({ src: huge })) },
    ];
    for (const v of inputs) {
      const r = validateAlertEvent(v);
      expectResultShape(r);
      expectResultShape(validateChangeEvent(v));
    }
    // Nesting deeper than MAX_DEPTH is refused with a reason, never a crash; 60 levels is fine.
    const deep = validateAlertEvent(inputs[2]);
    expect(deep.ok).toBe(false);
    if (!deep.ok) expect(deep.errors.join(' ')).toMatch(/nested more than 64 levels/);
    let sixty: unknown = 1;
    for (let i = 0; i < 60; i++) sixty = [sixty];
    expect(validateAlertEvent({ routing_key: key, event_action: 'trigger', payload: { ...p, custom_details: sixty } }).ok).toBe(true);
    const bad = validateAlertEvent(inputs[5]);
    expect(bad.ok).toBe(false);
    if (!bad.ok) for (const f of ['routing_key', 'event_action', 'dedup_key']) expect(bad.errors.join(' ')).toContain(`'${f}'`);
  });

  it('every valid event is accepted, with exactly the values sent', () => {
    fc.assert(
      fc.property(validAlertEvent, ({ body, expected }) => {
        const r = validateAlertEvent(body);
        expect(r.ok, JSON.stringify(r).slice(0, 500)).toBe(true);
        if (r.ok) {
          expect(r.value).toEqual(expected);
          // Not just equal: the very strings sent.
          if (expected.payload) expect(r.value.payload!.summary).toBe(body.payload && (body.payload as Body).summary);
          expectWellFormedAlert(r.value);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('summary and dedup_key limits count characters, not UTF-16 units', () => {
    fc.assert(
      fc.property(fc.constantFrom('🔥', '𝔘', 'é', 'x'), fc.integer({ min: -3, max: 3 }), (ch, delta) => {
        const summary = ch.repeat(LIMITS.summary + delta);
        const dedup = ch.repeat(LIMITS.dedupKey + delta);
        const r = validateAlertEvent({ routing_key: 'a'.repeat(32), event_action: 'trigger', dedup_key: dedup, payload: { summary, source: 's', severity: 'info' } });
        expect(r.ok).toBe(delta <= 0);
        if (!r.ok) expect(r.errors.join(' ')).toMatch(/'payload.summary'.*'dedup_key'|'dedup_key'.*'payload.summary'/);
      }),
    );
  });

  it('every valid event with one field made invalid is rejected, naming that field', () => {
    const applicable = (m: Mutation, action: string) => m.on === 'any' || (m.on === 'trigger' ? action === 'trigger' : action !== 'trigger');
    fc.assert(
      fc.property(
        validAlertEvent.chain((spec) => {
          const ms = alertMutations.filter((m) => applicable(m, spec.body.event_action as string));
          return fc.tuple(fc.constant(spec), fc.constantFrom(...ms).chain((m) => fc.tuple(fc.constant(m), m.bad)));
        }),
        ([spec, [m, bad]]) => {
          const body = clone(spec.body) as Body;
          if (m.on === 'trigger' && m.field.startsWith('payload.') && (typeof body.payload !== 'object' || body.payload === null)) return;
          const field = m.apply(body, bad) ?? m.field;
          const r = validateAlertEvent(body);
          expect(r.ok, `${field} = ${String(JSON.stringify(bad)).slice(0, 80)} was accepted`).toBe(false);
          if (!r.ok) expect(r.errors.some((e) => e.includes(`'${field}'`)), `${field}: ${JSON.stringify(r.errors)}`).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------- change events

interface ChangeSpec {
  body: Record<string, unknown>;
  expected: ChangeEvent;
}

const validChange: fc.Arbitrary<ChangeSpec> = fc
  .record({
    routing_key: routingKey,
    summary: nonBlank(LIMITS.summary),
    source: optional(optText(LIMITS.shortField)),
    timestamp: optional(timestamp),
    custom_details: optional(fc.jsonValue({ maxDepth: 3 })),
    links: list(link),
    // The OAS lists images for change events; PagerDuty ignores them, and so do we.
    images: optional(fc.jsonValue({ maxDepth: 2 })),
    extras,
  })
  .map((r) => ({
    body: strip({ ...r.extras, routing_key: r.routing_key, payload: strip({ summary: r.summary, source: r.source, timestamp: r.timestamp?.s ?? r.timestamp, custom_details: r.custom_details }), links: r.links, images: r.images }),
    expected: { routingKey: r.routing_key, summary: r.summary, source: strOrNull(r.source), timestamp: r.timestamp ? r.timestamp.ms : null, customDetails: r.custom_details ?? null, links: expectLinks(r.links) },
  }));

const changeMutations: Mutation[] = [
  alertMutations[0]!,
  { field: 'payload', on: 'any', bad: fc.oneof(fc.constantFrom(undefined, null), notObject), apply: (b, v) => set(b, 'payload', v) },
  { field: 'payload.summary', on: 'any', bad: fc.oneof(missingOrWrong, tooLong(LIMITS.summary)), apply: (b, v) => set(b.payload as Body, 'summary', v) },
  { field: 'payload.source', on: 'any', bad: fc.oneof(nonString, tooLong(LIMITS.shortField)), apply: (b, v) => set(b.payload as Body, 'source', v) },
  { field: 'payload.timestamp', on: 'any', bad: fc.oneof(fc.integer(), fc.boolean(), fc.string().map((s) => `x${s}`)), apply: (b, v) => set(b.payload as Body, 'timestamp', v) },
  ...itemMutations('links', 'href', [['text', LIMITS.shortField]]),
];

describe('validateChangeEvent', () => {
  it('never throws on any JSON or JS value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), everything, jsonWithProtoKeys), (v) => {
        expectResultShape(validateChangeEvent(v));
      }),
      { numRuns: 250 },
    );
  });

  it('every valid change event is accepted with exactly the values sent', () => {
    fc.assert(
      fc.property(validChange, ({ body, expected }) => {
        const r = validateChangeEvent(body);
        expect(r.ok, JSON.stringify(r).slice(0, 500)).toBe(true);
        if (r.ok) expect(r.value).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('every valid change event with one field made invalid is rejected, naming that field', () => {
    fc.assert(
      fc.property(validChange, fc.constantFrom(...changeMutations).chain((m) => fc.tuple(fc.constant(m), m.bad)), ({ body: base }, [m, bad]) => {
        const body = clone(base) as Body;
        const field = m.apply(body, bad) ?? m.field;
        const r = validateChangeEvent(body);
        expect(r.ok, `${field} = ${String(JSON.stringify(bad)).slice(0, 80)} was accepted`).toBe(false);
        if (!r.ok) expect(r.errors.some((e) => e.includes(`'${field}'`)), `${field}: ${JSON.stringify(r.errors)}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
