/**
 * Every operation of the OpenAPI document × every role: the answer is 403 exactly when the
 * document says the role may not call it (issue 14, "a role matrix test … generated from one
 * table that the OpenAPI document also shows"). The table is the document's own
 * `x-vigil-roles` / `x-vigil-volunteer-access`, which http/plugins/openapi.ts derives from the
 * route declarations the server enforces (config.permission, the volunteer guard's rules); this
 * test holds the two together by calling each operation with a full-scope token of each role.
 *
 * Path parameters are ids that exist nowhere (a role that may call the operation gets 404 or
 * 400, never 403); bodies and required query parameters are made from the operation's schema.
 * Fastify validates a body before the role check runs, so an operation whose made-up body does
 * not validate answers 400 to every role: such operations are listed as not exercised, and
 * their number is held. The member rules (`x-vigil-member-rules`) are exercised with real
 * targets by account-roles.test.ts.
 *
 * It also checks that docs/roles.md is the table rendered from the document
 * (`UPDATE_ROLE_TABLE=1 npx vitest run test/security/role-table.test.ts` rewrites it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { member, type Json } from '../api/helpers.js';
import { MEMBER_RULES, type MemberRule } from '../../src/server/org/roles.js';

type Role = 'owner' | 'admin' | 'responder' | 'volunteer' | 'observer';
const ROLES: Role[] = ['observer', 'volunteer', 'responder', 'admin', 'owner'];
const NOWHERE = 'PNOWHERE0000000000000001';
const DOC_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/roles.md');

interface Operation {
  summary?: string;
  parameters?: { in: string; name: string; required?: boolean; schema: Json }[];
  requestBody?: { content: Record<string, { schema: Json }> };
  'x-vigil-permission': string;
  'x-vigil-roles': Role[];
  'x-vigil-token-scopes'?: string[];
  'x-vigil-member-rules'?: string[];
  'x-vigil-volunteer-access'?: string;
}
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Json> } };

/** Operations that cannot be called this way, and why. */
const SKIP: Record<string, string> = {
  'GET /api/v1/stream': 'a server-sent event stream: it never ends',
};

/** A value the schema accepts, as small as it allows. */
function sample(schema: Json | undefined, doc: Doc, depth = 0): unknown {
  if (!schema || depth > 8) return undefined;
  if (schema.$ref) return sample(doc.components.schemas[String(schema.$ref).split('/').pop()!], doc, depth + 1);
  for (const k of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(schema[k])) return sample(schema[k][0], doc, depth + 1);
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  switch (schema.type) {
    case 'object': {
      const out: Json = {};
      for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key], doc, depth + 1);
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items, doc, depth + 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return '2031-01-01T00:00:00Z';
      if (schema.format === 'date') return '2031-01-01';
      if (schema.format === 'email') return 'nobody@harbor.example';
      if (schema.format === 'uri') return 'https://hooks.example.org/x';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return undefined;
  }
}

function requestOf(doc: Doc, p: string, method: string, op: Operation): { url: string; payload?: unknown } {
  const query = new URLSearchParams();
  let url = p;
  for (const param of op.parameters ?? []) {
    if (param.in === 'path') url = url.replace(`{${param.name}}`, param.schema.type === 'integer' ? '999999' : NOWHERE);
    else if (param.in === 'query' && param.required) query.set(param.name, String(sample(param.schema, doc)));
  }
  const body = op.requestBody?.content['application/json']?.schema;
  return { url: url + (query.size ? `?${query}` : ''), ...(body ? { payload: sample(body, doc) } : method === 'get' || method === 'delete' ? {} : {}) };
}

/**
 * What the document says a token of `role` gets on ids that are nobody's: 403 for a role outside
 * x-vigil-roles, for any token when no token scope reaches it, and for a volunteer on an id that
 * is not theirs; either answer where a member rule may refuse this role for some member (whether
 * the unknown id is 404 or 403 then depends on which the handler checks first).
 */
function documented(op: Operation, role: Role): 'allowed' | '403' | 'either' {
  if (!op['x-vigil-roles'].includes(role)) return '403';
  if (op['x-vigil-token-scopes']?.length === 0) return '403';
  if (role === 'volunteer' && op['x-vigil-volunteer-access'] && op['x-vigil-volunteer-access'] !== 'open') return '403';
  const rules = (op['x-vigil-member-rules'] ?? []) as MemberRule[];
  if (rules.some((r) => ROLES.some((target) => !MEMBER_RULES[r].allows(role, target)))) return 'either';
  return 'allowed';
}

/** docs/roles.md: the document's table, one line per operation. */
export function renderRoleTable(doc: Doc): string {
  const lines = [
    '# Roles per operation',
    '',
    'Generated from the OpenAPI document (`/api/v1/openapi.json`: `x-vigil-permission`, `x-vigil-roles`,',
    '`x-vigil-token-scopes`, `x-vigil-member-rules`, `x-vigil-volunteer-access`) by',
    '`test/security/role-table.test.ts`, which also calls every operation with every role and',
    'fails when the server answers otherwise. Do not edit by hand: run',
    '`UPDATE_ROLE_TABLE=1 npx vitest run test/security/role-table.test.ts`. The permissions and',
    'member rules are explained in [security.md](security.md#accounts-and-roles).',
    '',
    'Roles: O owner, A admin, R responder, V volunteer (v: only their own resources), B observer.',
    'Scopes of API tokens: r `read`, i `incidents_write`, f `full`.',
    '',
    '| operation | permission | roles | token scopes | member rules |',
    '|---|---|---|---|---|',
  ];
  const letter: Record<Role, string> = { owner: 'O', admin: 'A', responder: 'R', volunteer: 'V', observer: 'B' };
  const rows: string[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const roles = (['owner', 'admin', 'responder', 'volunteer', 'observer'] as Role[])
        .filter((r) => op['x-vigil-roles'].includes(r))
        .map((r) => (r === 'volunteer' && op['x-vigil-volunteer-access'] && op['x-vigil-volunteer-access'] !== 'open' ? 'v' : letter[r]))
        .join(' ');
      const scopes = (op['x-vigil-token-scopes'] ?? []).map((s) => s[0]).join(' ');
      rows.push(`| \`${method.toUpperCase()} ${p}\` | ${op['x-vigil-permission']} | ${op['x-vigil-permission'] === 'public' ? 'anyone' : roles} | ${scopes || '—'} | ${(op['x-vigil-member-rules'] ?? []).join(', ') || '—'} |`);
    }
  }
  rows.sort();
  const rules = (Object.keys(MEMBER_RULES) as MemberRule[]).map((r) => `| \`${r}\` | ${MEMBER_RULES[r].text} |`);
  return [...lines, ...rows, '', '## Member rules', '', 'Checked by the handler beyond the permission, on the member acted on (or, for `not_observer`, on the caller).', '', '| rule | who passes |', '|---|---|', ...rules, ''].join('\n');
}

for (const dialect of DIALECTS) {
  describe(`every operation × every role, as the OpenAPI document says [${dialect}]`, () => {
    let t: TestApp;
    let doc: Doc;
    const auth = {} as Record<Role, Record<string, string>>;
    beforeAll(async () => {
      t = await createTestApp(dialect);
      for (const r of ROLES) auth[r] = r === 'owner' ? t.auth : (await member(t, r)).auth;
      doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    });
    afterAll(async () => t?.close());

    it('every operation carries its roles', () => {
      const ops = Object.values(doc.paths).flatMap((o) => Object.values(o));
      expect(ops.length).toBeGreaterThan(200);
      for (const op of ops) {
        expect(op['x-vigil-permission']).toMatch(/^(public|read|respond|manage|own)$/);
        expect(Array.isArray(op['x-vigil-roles'])).toBe(true);
      }
      // The same table, summed up, in the document's description.
      expect((doc as unknown as { info: { description: string } }).info.description).toContain('| `manage` | configuration and members | owner, admin |');
    });

    it('answers 403 exactly where the document says', { timeout: 600_000 }, async () => {
      const mismatches: string[] = [];
      const notExercised: string[] = [];
      let exercised = 0;
      for (const [p, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const name = `${method.toUpperCase()} ${p}`;
          if (op['x-vigil-permission'] === 'public' || SKIP[name]) continue;
          const { url, payload } = requestOf(doc, p, method, op);
          const got: Record<string, number> = {};
          for (const role of ROLES) {
            const r = await t.app.inject({ method: method.toUpperCase() as 'GET', url, headers: { ...auth[role], ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}) });
            got[role] = r.statusCode;
            expect(r.statusCode, `${name} as ${role}: ${r.body}`).not.toBe(500);
            expect(r.statusCode, `${name} as ${role} lost its token: ${r.body}`).not.toBe(401);
          }
          if (ROLES.every((r) => got[r] === 400)) {
            notExercised.push(name);
            continue;
          }
          exercised++;
          for (const role of ROLES) {
            const want = documented(op, role);
            const was = got[role] === 403 ? '403' : 'allowed';
            if (want !== 'either' && want !== was) mismatches.push(`${name} as ${role}: the document says ${want}, the server answered ${got[role]}`);
          }
        }
      }
      console.info(`[${dialect}] ${exercised} operations exercised with every role; ${notExercised.length} not (their made-up body does not validate): ${notExercised.join(', ')}`);
      expect(mismatches).toEqual([]);
      // Most operations are exercised; the rest are bodies this test cannot make valid.
      expect(exercised).toBeGreaterThan(200);
      expect(notExercised.length, notExercised.join('\n')).toBeLessThan(10);
    });

    if (dialect === DIALECTS[0]) {
      it('docs/roles.md is the table of the document', () => {
        const rendered = renderRoleTable(doc);
        if (process.env.UPDATE_ROLE_TABLE) fs.writeFileSync(DOC_PATH, rendered);
        expect(fs.existsSync(DOC_PATH) ? fs.readFileSync(DOC_PATH, 'utf8') : '', 'docs/roles.md is out of date: UPDATE_ROLE_TABLE=1 npx vitest run test/security/role-table.test.ts').toBe(rendered);
      });
    }
  });
}
