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
