/**
 * Every account-management route × every role, from one table: allowed (2xx) or 403.
 * The rule (issue 14): managing members is for owners and admins; nobody acts on an
 * account above their own role; an email is changed by the member themselves or a
 * strictly higher role; only an owner grants the owner role. Each case acts on a fresh
 * target of the role named, so cases never depend on each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { member, req, type Json } from '../api/helpers.js';

type Role = 'owner' | 'admin' | 'responder' | 'volunteer' | 'observer';
const ROLES: Role[] = ['owner', 'admin', 'responder', 'volunteer', 'observer'];
const RANK: Record<Role, number> = { observer: 0, volunteer: 1, responder: 2, admin: 3, owner: 4 };
const manager = (r: Role) => RANK[r] >= RANK.admin;

interface Case {
  name: string;
  /** The role of the member acted on (a fresh one per case), or null when the route creates one. */
  target: Role | null;
  allowed: (actor: Role, target: Role | null) => boolean;
  request: (target: Json | null, n: number) => [method: 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown];
}

const notAbove = (actor: Role, target: Role | null) => manager(actor) && RANK[actor] >= RANK[target!];
const CASES: Case[] = [
  { name: 'add a responder', target: null, allowed: (a) => manager(a), request: (_t, n) => ['POST', '/api/v1/users', { user: { name: `New ${n}`, email: `new.${n}@harbor.example`, role: 'responder' } }] },
  { name: 'add an owner', target: null, allowed: (a) => a === 'owner', request: (_t, n) => ['POST', '/api/v1/users', { user: { name: `New ${n}`, email: `new.${n}@harbor.example`, role: 'owner' } }] },
  { name: 'invite a new email', target: null, allowed: (a) => manager(a), request: (_t, n) => ['POST', '/api/v1/invitations', { invitation: { email: `inv.${n}@harbor.example`, role: 'observer' } }] },
  ...ROLES.flatMap((target): Case[] => [
    { name: `resend the pending invitation of a ${target}`, target, allowed: notAbove, request: (t) => ['POST', '/api/v1/invitations', { invitation: { email: t!.email } }] },
    { name: `rename a ${target}`, target, allowed: notAbove, request: (t) => ['PUT', `/api/v1/users/${t!.id}`, { user: { name: 'Renamed' } }] },
    { name: `change the email of a ${target}`, target, allowed: (a, tr) => manager(a) && RANK[a] > RANK[tr!], request: (t, n) => ['PUT', `/api/v1/users/${t!.id}`, { user: { email: `moved.${n}@harbor.example` } }] },
    { name: `make a ${target} an observer`, target, allowed: (a, tr) => notAbove(a, tr) && (tr !== 'owner' || a === 'owner'), request: (t) => ['PUT', `/api/v1/users/${t!.id}`, { user: { role: 'observer' } }] },
    { name: `create a token for a ${target}`, target, allowed: notAbove, request: (t) => ['POST', '/api/v1/api_tokens', { api_token: { description: 'matrix', user: { id: t!.id } } }] },
    { name: `add a contact method to a ${target}`, target, allowed: notAbove, request: (t, n) => ['POST', `/api/v1/users/${t!.id}/contact_methods`, { contact_method: { type: 'email_contact_method', address: `cm.${n}@harbor.example`, label: 'Work' } }] },
    { name: `remove a ${target}`, target, allowed: notAbove, request: (t) => ['DELETE', `/api/v1/users/${t!.id}`] },
  ]),
];

for (const dialect of DIALECTS) {
  describe(`account management: every route × every role [${dialect}]`, () => {
    let t: TestApp;
    const actors = {} as Record<Role, { auth: Record<string, string> }>;
    let n = 0;
    beforeAll(async () => {
      t = await createTestApp(dialect);
      for (const r of ROLES) actors[r] = await member(t, r);
    });
    afterAll(async () => t.close());

    it.each(ROLES)('as %s', { timeout: 300_000 }, async (actor) => {
      const outcomes: string[] = [];
      const expected: string[] = [];
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
      }
      expect(outcomes).toEqual(expected);
    });
  });
}
