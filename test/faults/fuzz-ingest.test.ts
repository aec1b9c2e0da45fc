/**
 * Property-based fuzzing of every ingest endpoint over real HTTP (DESIGN.md §4
 * invariant 6), against a `vigil serve` child on each dialect:
 * `/v2/enqueue`, `/v2/change/enqueue`, `/v1/alertmanager/:key` (and the Bearer
 * form), `/v1/heartbeat/:key`. Inputs: random JSON, event-shaped objects with
 * random fields (the real key half the time, so validation and storage are
 * reached), prototype-pollution keys written literally into the JSON text, and a
 * fixed list of nasty bodies: 10,000 levels of nesting as raw text, huge strings,
 * invalid UTF-8 bytes, lone surrogates, NUL characters, odd content types.
 *
 * Every answer must be < 500 with a JSON body, and afterwards the server must
 * still be alive and answer /healthz.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distBuilt, initOrg, request, serviceWithKey, startVigil, tempDir, type Answer, type VigilProcess } from './helpers.js';

const built = distBuilt();
const PG_URL = process.env.DATABASE_URL && process.env.DATABASE_URL.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}
const pgUp = built ? await pgReachable() : false;
if (built && !pgUp) {
  if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${PG_URL}; CI must run the PostgreSQL fuzzing`);
  console.warn(`\n\n!!! PostgreSQL unreachable at ${PG_URL}: ingest fuzzing on PostgreSQL is SKIPPED !!!\n\n`);
}
const DIALECTS = built ? (pgUp ? ['sqlite', 'postgres'] : ['sqlite']) : [];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

/** JSON text of an object whose keys are written literally, so "__proto__" really is a key in the text. */
function objectText(entries: [string, unknown][]): string {
  return '{' + entries.map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'string' && v.startsWith('\u0000raw:') ? v.slice(5) : JSON.stringify(v ?? null)}`).join(',') + '}';
}
const raw = (text: string) => `\u0000raw:${text}`;

const scalar = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const pollutedObject = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 12 })), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(raw('{"polluted":"yes","__proto__":{"polluted":"yes"}}')))), { maxLength: 6 }).map((e) => raw(objectText(e)));
const anyValue = fc.oneof({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) }, { weight: 1, arbitrary: pollutedObject }, { weight: 1, arbitrary: scalar });

interface Target {
  name: string;
  method: 'POST' | 'GET';
  path: string;
  headers?: Record<string, string>;
}

describe.each(DIALECTS)('fault: fuzzing the ingest endpoints on %s', (dialect) => {
  let vigil: VigilProcess;
  let dir: string | null = null;
  let database: string | null = null;
  const keys = { events: '', am: '', hb: '' };

  beforeAll(async () => {
    let env: Record<string, string>;
    if (dialect === 'sqlite') {
      dir = tempDir('vigil-fuzz-');
      env = { VIGIL_DATA_DIR: dir };
    } else {
      database = `vigil_fuzz_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      await admin.end();
      const url = new URL(PG_URL);
      url.pathname = `/${database}`;
      env = { DATABASE_URL: url.toString() };
    }
    env.VIGIL_INGEST_RATE = '0';
    const token = await initOrg(env);
    vigil = await startVigil(env);
    keys.events = (await serviceWithKey(vigil.url, token, 'events_v2')).key;
    keys.am = (await serviceWithKey(vigil.url, token, 'alertmanager')).key;
    keys.hb = (await serviceWithKey(vigil.url, token, 'heartbeat')).key;
  }, 45_000);

  afterAll(async () => {
    await vigil?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (database) {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  }, 30_000);

  const targets = (): Target[] => [
    { name: 'events', method: 'POST', path: '/v2/enqueue' },
    { name: 'change', method: 'POST', path: '/v2/change/enqueue' },
    { name: 'alertmanager', method: 'POST', path: `/v1/alertmanager/${keys.am}` },
    { name: 'alertmanager-bearer', method: 'POST', path: '/v1/alertmanager', headers: { authorization: `Bearer ${keys.am}` } },
    { name: 'heartbeat', method: 'POST', path: `/v1/heartbeat/${keys.hb}` },
  ];

  const failures: string[] = [];
  async function send(t: Target, body: string | Buffer | undefined, contentType: string | null = 'application/json'): Promise<Answer> {
    const headers: Record<string, string> = { ...(contentType ? { 'content-type': contentType } : {}), ...(t.headers ?? {}) };
    const r = await request(vigil.url, t.method, t.path, t.method === 'GET' ? undefined : body, headers, 20_000);
    if (r.status >= 500 || r.json === undefined) {
      const shown = body === undefined ? '(none)' : typeof body === 'string' ? body.slice(0, 200) : `${body.length} bytes`;
      failures.push(`${t.name} ${r.status} for ${shown}: ${r.text.slice(0, 300)}`);
    }
    return r;
  }

  const eventArb = () =>
    fc
      .record(
        {
          routing_key: fc.oneof(fc.constant(keys.events), fc.constant(keys.am), anyValue),
          event_action: fc.oneof(fc.constantFrom('trigger', 'acknowledge', 'resolve'), anyValue),
          dedup_key: fc.oneof(fc.string({ maxLength: 300 }), anyValue),
          payload: fc.oneof(
            fc.record(
              {
                summary: fc.oneof(fc.string({ maxLength: 1_100 }), anyValue),
                source: fc.oneof(fc.string({ maxLength: 50 }), anyValue),
                severity: fc.oneof(fc.constantFrom('critical', 'error', 'warning', 'info'), anyValue),
                timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 30 }), anyValue),
                component: anyValue,
                custom_details: anyValue,
              },
              { requiredKeys: [] },
            ),
            anyValue,
          ),
          links: fc.oneof(fc.array(fc.record({ href: fc.string(), text: fc.string() }), { maxLength: 3 }), anyValue),
          images: fc.oneof(fc.array(fc.record({ src: fc.string(), href: fc.string() }), { maxLength: 3 }), anyValue),
          client: anyValue,
        },
        { requiredKeys: [] },
      )
      .chain((o) => fc.array(fc.tuple(fc.constantFrom(...PROTO_KEYS), anyValue), { maxLength: 2 }).map((extra) => objectText([...extra, ...Object.entries(o)])));

  const amArb = () =>
    fc
      .record(
        {
          version: fc.oneof(fc.constant('4'), anyValue),
          groupKey: fc.oneof(fc.string({ maxLength: 40 }), anyValue),
          status: fc.oneof(fc.constantFrom('firing', 'resolved'), anyValue),
          alerts: fc.oneof(
            fc.array(
              fc
                .record(
                  {
                    status: fc.oneof(fc.constantFrom('firing', 'resolved'), anyValue),
                    labels: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }), pollutedObject),
                    annotations: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 200 }), { maxKeys: 3 }), anyValue),
                    startsAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anyValue),
                    fingerprint: fc.oneof(fc.string({ maxLength: 16 }), anyValue),
                  },
                  { requiredKeys: [] },
                )
                .map((o) => raw(objectText(Object.entries(o)))),
              { maxLength: 5 },
            ),
            anyValue,
          ),
        },
        { requiredKeys: [] },
      )
      .map((o) => objectText(Object.entries(o)));

  it('answers every random body with a JSON answer below 500', async () => {
    const ts = targets();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ts), fc.oneof(eventArb(), amArb(), fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)), pollutedObject.map((r) => r.slice(5))), async (t, body) => {
        await send(t, body);
      }),
      { numRuns: 400, interruptAfterTimeLimit: 30_000 },
    );
    expect(failures).toEqual([]);
  }, 45_000);

  it('answers deep nesting, huge strings, invalid UTF-8, NUL, lone surrogates, pollution and odd content types with JSON below 500', async () => {
    const ev = (details: string, summary = '"Chat queue not answering"') => `{"routing_key":"${keys.events}","event_action":"trigger","dedup_key":"fuzz-${randomBytes(4).toString('hex')}","payload":{"summary":${summary},"source":"gw","severity":"critical","custom_details":${details}}}`;
    const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const bodies: (string | Buffer)[] = [
      deepArray,
      deepObject,
      ev(deepArray),
      ev(deepObject),
      `{"version":"4","alerts":[{"labels":${deepObject}}]}`,
      ev(JSON.stringify('x'.repeat(400_000))),
      ev('{}', JSON.stringify('y'.repeat(600_000))),
      'x'.repeat(600_000),
      Buffer.concat([Buffer.from(`{"routing_key":"${keys.events}","event_action":"trigger","payload":{"summary":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('","source":"gw","severity":"critical"}}')]),
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
      Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"routing_key":"x"}')]),
      ev('{"k":"\\ud800"}', '"lone \\udfff surrogate"'),
      ev('{"nul":"a\\u0000b"}', '"nul \\u0000 inside"'),
      `{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"a\\u0000b","instance":"\\ud800"},"annotations":{"summary":"\\u0000"}}]}`,
      `{"__proto__":{"polluted":"yes"},"routing_key":"${keys.events}","event_action":"trigger","payload":{"summary":"s","source":"s","severity":"info"}}`,
      `{"constructor":{"prototype":{"polluted":"yes"}},"routing_key":"${keys.events}","event_action":"trigger","payload":{"summary":"s","source":"s","severity":"info"}}`,
      ev('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'),
      `{"version":"4","alerts":[{"labels":{"__proto__":{"polluted":"yes"}},"annotations":{"constructor":{"prototype":{}}}}]}`,
      '',
      'null',
      'true',
      '"a string"',
      '1e999',
      '-0',
      '[]',
      '{}',
      '{"routing_key":',
      '\u0000',
    ];
    for (const t of targets()) {
      for (const b of bodies) await send(t, b);
      await send(t, '{"routing_key":"x"}', 'text/plain');
      await send(t, 'routing_key=x', 'application/x-www-form-urlencoded');
      await send(t, ev('{}'), 'application/json; charset=latin1');
      await send(t, ev('{}'), null);
    }
    // Heartbeat keys in the path, and odd paths.
    const hb: Target = { name: 'heartbeat-get', method: 'GET', path: '' };
    for (const k of [keys.hb, keys.events, '', 'x'.repeat(5_000), '%00', '%ff%fe', '..%2f..%2fetc', '__proto__', 'constructor', encodeURIComponent('\ud83d\ude00'), keys.hb + '?a[__proto__][x]=1']) {
      await send({ ...hb, path: `/v1/heartbeat/${k}` }, undefined);
    }
    for (const p of [`/v1/alertmanager/${'k'.repeat(5_000)}`, '/v1/alertmanager/__proto__', '/v1/alertmanager/%ff']) await send({ name: 'am-path', method: 'POST', path: p }, '{"version":"4","alerts":[]}');
    expect(failures).toEqual([]);
  }, 45_000);

  it('is still alive and healthy afterwards', async () => {
    expect(vigil.alive(), vigil.output().slice(-2_000)).toBe(true);
    const r = await request(vigil.url, 'GET', '/healthz');
    expect(r.status).toBe(200);
    expect((await request(vigil.url, 'GET', '/readyz')).status).toBe(200);
  });
});
