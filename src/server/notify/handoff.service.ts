/**
 * On-call handoff notification rules (PagerDuty's oncall_handoff_notification_rules): a
 * member asks to be told, on one of their contact methods, `notify_advance_in_minutes`
 * before a shift of theirs starts (`oncall`), ends (`offcall`) or either (`both`). The
 * notices are queued by engine/handoff-notices.
 */
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { ContactMethodTable, Database, HandoffRuleTable, HandoffType } from '../storage/schema.js';
import { getContactMethod } from './contact.store.js';
import * as store from './handoff.store.js';

type Db = Kysely<Database>;

export const HANDOFF_TYPES: readonly HandoffType[] = ['both', 'oncall', 'offcall'];
/** A week ahead at most. */
export const MAX_ADVANCE_MINUTES = 10_080;

export interface HandoffRuleInput {
  notify_advance_in_minutes?: number;
  handoff_type?: string;
  contact_method?: { id: string; type?: string };
}

async function methodOf(db: Db, orgId: string, userId: string, id: string, errors: string[]): Promise<ContactMethodTable | undefined> {
  const cm = await getContactMethod(db, orgId, id);
  if (!cm || cm.user_id !== userId || cm.deleted_at !== null) {
    errors.push(`oncall_handoff_notification_rule.contact_method.id: ${id} is not a contact method of this user`);
    return undefined;
  }
  return cm;
}

async function checked(db: Db, orgId: string, userId: string, input: HandoffRuleInput, creating: boolean): Promise<{ patch: Partial<HandoffRuleTable>; method?: ContactMethodTable }> {
  const errors: string[] = [];
  const patch: Partial<HandoffRuleTable> = {};
  let method: ContactMethodTable | undefined;
  if (input.handoff_type !== undefined) {
    if (!(HANDOFF_TYPES as readonly string[]).includes(input.handoff_type)) errors.push(`oncall_handoff_notification_rule.handoff_type must be one of ${HANDOFF_TYPES.join(', ')}`);
    else patch.handoff_type = input.handoff_type as HandoffType;
  } else if (creating) patch.handoff_type = 'both';
  const adv = input.notify_advance_in_minutes;
  if (adv !== undefined) {
    if (!Number.isInteger(adv) || adv < 0 || adv > MAX_ADVANCE_MINUTES) errors.push(`oncall_handoff_notification_rule.notify_advance_in_minutes must be a whole number from 0 to ${MAX_ADVANCE_MINUTES}`);
    else patch.notify_advance_in_minutes = adv;
  } else if (creating) patch.notify_advance_in_minutes = 0;
  if (input.contact_method !== undefined) {
    method = await methodOf(db, orgId, userId, input.contact_method.id, errors);
    if (method) patch.contact_method_id = method.id;
  } else if (creating) errors.push('oncall_handoff_notification_rule.contact_method is required');
  if (errors.length) throw invalid(...errors);
  return { patch, ...(method ? { method } : {}) };
}

export interface HandoffRuleView {
  rule: HandoffRuleTable;
  method: ContactMethodTable | undefined;
}

async function view(db: Db, rule: HandoffRuleTable): Promise<HandoffRuleView> {
  return { rule, method: await getContactMethod(db, rule.org_id, rule.contact_method_id) };
}

export async function listHandoffRules(db: Db, orgId: string, userId: string): Promise<HandoffRuleView[]> {
  return Promise.all((await store.listHandoffRules(db, orgId, userId)).map((r) => view(db, r)));
}

export async function requireHandoffRule(db: Db, orgId: string, userId: string, id: string): Promise<HandoffRuleView> {
  const r = await store.getHandoffRule(db, orgId, userId, id);
  if (!r) throw notFound(`oncall handoff notification rule ${id}`);
  return view(db, r);
}

/** A new rule looks ahead from now: handoffs whose notice time has passed are not told. */
export async function createHandoffRule(db: Db, now: number, orgId: string, userId: string, input: HandoffRuleInput): Promise<HandoffRuleView> {
  const { patch, method } = await checked(db, orgId, userId, input, true);
  const rule: HandoffRuleTable = { org_id: orgId, id: newId(now), user_id: userId, contact_method_id: patch.contact_method_id!, handoff_type: patch.handoff_type!, notify_advance_in_minutes: patch.notify_advance_in_minutes!, checked_until: now, created_at: now };
  await store.insertHandoffRule(db, rule);
  return { rule, method };
}

export async function updateHandoffRule(db: Db, orgId: string, userId: string, id: string, input: HandoffRuleInput): Promise<HandoffRuleView> {
  const current = await requireHandoffRule(db, orgId, userId, id);
  const { patch } = await checked(db, orgId, userId, input, false);
  const p = { ...(patch.contact_method_id ? { contact_method_id: patch.contact_method_id } : {}), ...(patch.handoff_type ? { handoff_type: patch.handoff_type } : {}), ...(patch.notify_advance_in_minutes !== undefined ? { notify_advance_in_minutes: patch.notify_advance_in_minutes } : {}) };
  if (Object.keys(p).length) await store.updateHandoffRule(db, orgId, id, p);
  return view(db, { ...current.rule, ...p });
}

export async function deleteHandoffRule(db: Db, orgId: string, userId: string, id: string): Promise<void> {
  await requireHandoffRule(db, orgId, userId, id);
  await store.deleteHandoffRule(db, orgId, id);
}

/** The rule's handoff kinds. */
export function handoffKinds(t: HandoffType): ('oncall' | 'offcall')[] {
  return t === 'both' ? ['oncall', 'offcall'] : [t];
}

export { claimDueHandoffRules, setCheckedUntil } from './handoff.store.js';
