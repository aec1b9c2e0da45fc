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
