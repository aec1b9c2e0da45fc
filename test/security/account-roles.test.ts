/**
 * Every account-management route × every role, from one table: allowed (2xx) or 403.
 * The rule (issue 14): managing members is for owners and admins; nobody acts on an
 * account above their own role; an email is changed by the member themselves or a
 * strictly higher role; only an owner grants the owner role. Each case acts on a fresh
 * target of the role named, so cases never depend on each other.
 *
 * The OpenAPI document shows the same table: each case names its operation and the member
 * rules it meets, and the answer the document predicts (the role is in the operation's
 * `x-vigil-roles`, and every rule, listed in its `x-vigil-member-rules`, lets this actor act on
 * this target: org/roles.ts MEMBER_RULES, the functions the handlers call) must equal both the
 * rule stated here and the answer the server gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { member, req, type Json } from '../api/helpers.js';
import { MEMBER_RULES, type MemberRule } from '../../src/server/org/roles.js';

type Role = 'owner' | 'admin' | 'responder' | 'volunteer' | 'observer';
const ROLES: Role[] = ['owner', 'admin', 'responder', 'volunteer', 'observer'];
const RANK: Record<Role, number> = { observer: 0, volunteer: 1, responder: 2, admin: 3, owner: 4 };
const manager = (r: Role) => RANK[r] >= RANK.admin;

interface Case {
  name: string;
  /** The role of the member acted on (a fresh one per case), or null when the route creates one. */
  target: Role | null;
  allowed: (actor: Role, target: Role | null) => boolean;
  /** The operation of the OpenAPI document, and the member rules it checks here: each with the role it is checked against (the member's, or the role granted). */
  op: string;
  rules: (target: Role | null) => [MemberRule, Role][];
  request: (target: Json | null, n: number) => [method: 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown];
}

const notAbove = (actor: Role, target: Role | null) => manager(actor) && RANK[actor] >= RANK[target!];
const CASES: Case[] = [
  { name: 'add a responder', target: null, allowed: (a) => manager(a), op: 'POST /api/v1/users', rules: () => [['owner_role_by_owner', 'responder']], request: (_t, n) => ['POST', '/api/v1/users', { user: { name: `New ${n}`, email: `new.${n}@harbor.example`, role: 'responder' } }] },
  { name: 'add an owner', target: null, allowed: (a) => a === 'owner', op: 'POST /api/v1/users', rules: () => [['owner_role_by_owner', 'owner']], request: (_t, n) => ['POST', '/api/v1/users', { user: { name: `New ${n}`, email: `new.${n}@harbor.example`, role: 'owner' } }] },
  { name: 'invite a new email', target: null, allowed: (a) => manager(a), op: 'POST /api/v1/invitations', rules: () => [['owner_role_by_owner', 'observer']], request: (_t, n) => ['POST', '/api/v1/invitations', { invitation: { email: `inv.${n}@harbor.example`, role: 'observer' } }] },
  ...ROLES.flatMap((target): Case[] => [
    { name: `resend the pending invitation of a ${target}`, target, allowed: notAbove, op: 'POST /api/v1/invitations', rules: (tr) => [['not_above_own_role', tr!]], request: (t) => ['POST', '/api/v1/invitations', { invitation: { email: t!.email } }] },
    { name: `rename a ${target}`, target, allowed: notAbove, op: 'PUT /api/v1/users/{id}', rules: (tr) => [['not_above_own_role', tr!]], request: (t) => ['PUT', `/api/v1/users/${t!.id}`, { user: { name: 'Renamed' } }] },
    { name: `change the email of a ${target}`, target, allowed: (a, tr) => manager(a) && RANK[a] > RANK[tr!], op: 'PUT /api/v1/users/{id}', rules: (tr) => [['not_above_own_role', tr!], ['email_by_higher_role', tr!]], request: (t, n) => ['PUT', `/api/v1/users/${t!.id}`, { user: { email: `moved.${n}@harbor.example` } }] },
    { name: `make a ${target} an observer`, target, allowed: (a, tr) => notAbove(a, tr) && (tr !== 'owner' || a === 'owner'), op: 'PUT /api/v1/users/{id}', rules: (tr) => [['not_above_own_role', tr!], ['owner_role_by_owner', 'observer']], request: (t) => ['PUT', `/api/v1/users/${t!.id}`, { user: { role: 'observer' } }] },
    { name: `create a token for a ${target}`, target, allowed: notAbove, op: 'POST /api/v1/api_tokens', rules: (tr) => [['not_above_own_role', tr!]], request: (t) => ['POST', '/api/v1/api_tokens', { api_token: { description: 'matrix', user: { id: t!.id } } }] },
    { name: `add a contact method to a ${target}`, target, allowed: notAbove, op: 'POST /api/v1/users/{id}/contact_methods', rules: (tr) => [['not_above_own_role', tr!]], request: (t, n) => ['POST', `/api/v1/users/${t!.id}/contact_methods`, { contact_method: { type: 'email_contact_method', address: `cm.${n}@harbor.example`, label: 'Work' } }] },
    { name: `remove a ${target}`, target, allowed: notAbove, op: 'DELETE /api/v1/users/{id}', rules: (tr) => [['not_above_own_role', tr!]], request: (t) => ['DELETE', `/api/v1/users/${t!.id}`] },
  ]),
];

for (const dialect of DIALECTS) {
  describe(`account management: every route × every role [${dialect}]`, () => {
    let t: TestApp;
    const actors = {} as Record<Role, { auth: Record<string, string> }>;
    let n = 0;
    let doc: { paths: Record<string, Record<string, { 'x-vigil-roles'?: Role[]; 'x-vigil-member-rules'?: MemberRule[] }>> };
    beforeAll(async () => {
      t = await createTestApp(dialect);
      for (const r of ROLES) actors[r] = await member(t, r);
      doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    });

    /** What the OpenAPI document says `actor` gets from this case. */
    const documented = (c: Case, actor: Role): 'allowed' | '403' => {
      const [method, path] = c.op.split(' ');
      const op = doc.paths[path!]?.[method!.toLowerCase()];
      expect(op, c.op).toBeDefined();
      const rules = c.rules(c.target);
      for (const [rule] of rules) expect(op!['x-vigil-member-rules'] ?? [], `${c.op} lists ${rule}`).toContain(rule);
      return op!['x-vigil-roles']!.includes(actor) && rules.every(([rule, role]) => MEMBER_RULES[rule].allows(actor, role)) ? 'allowed' : '403';
    };
    afterAll(async () => t.close());

    it.each(ROLES)('as %s', { timeout: 300_000 }, async (actor) => {
      const outcomes: string[] = [];
      const expected: string[] = [];
      const inTheDocument: string[] = [];
      for (const c of CASES) {
        n++;
        let target: Json | null = null;
        if (c.target) {
          const r = await req(t, 'POST', '/api/v1/users', { user: { name: `Target ${n}`, email: `target.${n}@harbor.example`, role: c.target } });
          expect(r.statusCode, r.body).toBe(201);
          target = r.json().user;
        }
        const [method, url, body] = c.request(target, n);
        const r = await req(t, method, url, body, actors[actor].auth);
        expect([200, 201, 204, 403], `${c.name}: ${r.body}`).toContain(r.statusCode);
        outcomes.push(`${c.name}: ${r.statusCode === 403 ? '403' : 'allowed'}`);
        expected.push(`${c.name}: ${c.allowed(actor, c.target) ? 'allowed' : '403'}`);
        inTheDocument.push(`${c.name}: ${documented(c, actor)}`);
      }
      expect(outcomes).toEqual(expected);
      expect(inTheDocument).toEqual(expected);
    });
  });
}
