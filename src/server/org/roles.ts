import type { Role } from '../storage/schema.js';

export const ROLES: readonly Role[] = ['owner', 'admin', 'responder', 'volunteer', 'observer'];

/**
 * What each role may do. Volunteers act on incidents like responders; which
 * incidents they may see is narrowed further by the volunteer module.
 */
const RANK: Record<Role, number> = { observer: 0, volunteer: 1, responder: 2, admin: 3, owner: 4 };

export type Permission = 'read' | 'respond' | 'manage' | 'own';
const NEEDED: Record<Permission, number> = { read: 0, respond: 1, manage: 3, own: 4 };

export function can(role: Role, permission: Permission): boolean {
  return RANK[role] >= NEEDED[permission];
}

/** An admin may grant any role but owner; only an owner may create or change owners. */
export function canGrant(actor: Role, target: Role): boolean {
  if (target === 'owner') return actor === 'owner';
  return can(actor, 'manage');
}

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

/**
 * Acting on another member's account (their details, role, tokens, contact methods,
 * invitation, removal): a manager whose role is at least the member's. Nobody acts on
 * an account above their own role, so an admin never reaches an owner's account.
 */
export function canActOn(actor: Role, target: Role): boolean {
  return can(actor, 'manage') && RANK[actor] >= RANK[target];
}

/**
 * Changing the email that signs another member in (it receives their password resets):
 * only a strictly higher role. The member changes their own with their password or a
 * fresh sign-in (account/email-change.service.ts).
 */
export function outranks(actor: Role, target: Role): boolean {
  return RANK[actor] > RANK[target];
}

/** The roles a route's permission admits, highest first (`public` routes: every role, and no token at all). */
export function rolesWith(permission: Permission | 'public'): Role[] {
  return permission === 'public' ? [...ROLES] : ROLES.filter((r) => can(r, permission));
}

/**
 * The rules a handler checks beyond its route's permission: on the member acted on (the member's
 * role, or the role granted), or (`onCaller`) on the caller alone. A route names the ones it
 * applies (config.memberRules); the OpenAPI document lists them per operation
 * (`x-vigil-member-rules`) with these sentences and leaves out of `x-vigil-roles` a role an
 * `onCaller` rule refuses. test/security/account-roles.test.ts checks every account route × every
 * role × every role acted on against them; test/security/role-table.test.ts every operation × role.
 */
export type MemberRule = 'not_above_own_role' | 'email_by_higher_role' | 'owner_role_by_owner' | 'own_or_manager' | 'own_or_staff' | 'own_only' | 'not_observer';
export const MEMBER_RULES: Record<MemberRule, { text: string; allows: (actor: Role, target: Role) => boolean; onCaller?: true }> = {
  not_above_own_role: { text: "another member's account: a manager (admin or owner) whose role is at least theirs; members always act on themselves", allows: canActOn },
  email_by_higher_role: { text: "another member's email: only a strictly higher role (the member changes their own with their password or a fresh sign-in)", allows: outranks },
  owner_role_by_owner: { text: 'granting the owner role, or any role by a manager: only an owner grants owner', allows: canGrant },
  own_or_manager: { text: "another member's: only a manager (admin or owner); members act on their own", allows: (actor) => can(actor, 'manage') },
  own_or_staff: { text: "a volunteer reaches only their own; staff read anyone's", allows: (actor) => actor !== 'volunteer' },
  own_only: { text: 'only the member themselves, whatever the role of the caller', allows: () => false },
  not_observer: { text: 'observers cannot trade or claim shifts', allows: (actor) => actor !== 'observer', onCaller: true },
};
