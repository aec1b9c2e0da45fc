/**
 * Status update notification rules (PagerDuty's `status_update_notification_rules`): the
 * contact methods a member receives an incident's status updates on. Status updates are
 * messages with a subject and a body, so Vigil sends them by email: a rule names one of the
 * member's email methods. A member with no rule hears them on every verified email method.
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { ContactMethodTable, Database, StatusUpdateRuleTable } from '../storage/schema.js';
import { getContactMethod } from './contact.store.js';
import * as store from './status-rule.store.js';

type Db = Kysely<Database>;

export const MAX_STATUS_RULES_PER_USER = 20;

/** The contact method a rule names, checked: the member's own, live, and email. `field` names the wire field. */
async function ruleMethod(db: Db, orgId: string, userId: string, ref: { id: string; type?: string }, field: string): Promise<ContactMethodTable> {
  const cm = await getContactMethod(db, orgId, ref.id);
  if (!cm || cm.user_id !== userId || cm.deleted_at !== null) throw invalid(`${field}.id: contact method ${ref.id} is not one of this member's`);
  if (cm.type !== 'email') throw invalid(`${field}: status updates are sent by email; contact method ${ref.id} is ${cm.type}`);
  if (ref.type !== undefined && ref.type !== 'email_contact_method_reference' && ref.type !== 'email_contact_method') throw invalid(`${field}.type: ${ref.type} does not match contact method ${ref.id} (email_contact_method_reference)`);
  return cm;
}

export async function listStatusRules(db: Db, orgId: string, userId: string): Promise<{ rule: StatusUpdateRuleTable; method: ContactMethodTable | undefined }[]> {
  const rules = await store.listStatusRules(db, orgId, [userId]);
  return Promise.all(rules.map(async (rule) => ({ rule, method: await getContactMethod(db, orgId, rule.contact_method_id) })));
}

export async function requireStatusRule(db: Db, orgId: string, userId: string, id: string): Promise<{ rule: StatusUpdateRuleTable; method: ContactMethodTable | undefined }> {
  const rule = await store.getStatusRule(db, orgId, userId, id);
  if (!rule) throw notFound(`status update notification rule ${id}`);
  return { rule, method: await getContactMethod(db, orgId, rule.contact_method_id) };
}

const FIELD = 'status_update_notification_rule.contact_method';

export async function createStatusRule(db: Db, clock: Clock, orgId: string, userId: string, ref: { id: string; type?: string }): Promise<{ rule: StatusUpdateRuleTable; method: ContactMethodTable }> {
  const method = await ruleMethod(db, orgId, userId, ref, FIELD);
  if (await store.findStatusRuleByMethod(db, orgId, userId, method.id)) throw new VigilError('conflict', [`${FIELD}.id: contact method ${method.id} already has a status update notification rule`]);
  if ((await store.listStatusRules(db, orgId, [userId])).length >= MAX_STATUS_RULES_PER_USER) throw invalid(`a member has at most ${MAX_STATUS_RULES_PER_USER} status update notification rules`);
  const now = clock.now();
  const rule: StatusUpdateRuleTable = { org_id: orgId, id: newId(now), user_id: userId, contact_method_id: method.id, created_at: now };
  await store.insertStatusRule(db, rule);
  return { rule, method };
}

export async function updateStatusRule(db: Db, orgId: string, userId: string, id: string, ref: { id: string; type?: string }): Promise<{ rule: StatusUpdateRuleTable; method: ContactMethodTable }> {
  const { rule } = await requireStatusRule(db, orgId, userId, id);
  const method = await ruleMethod(db, orgId, userId, ref, FIELD);
  const other = await store.findStatusRuleByMethod(db, orgId, userId, method.id);
  if (other && other.id !== id) throw new VigilError('conflict', [`${FIELD}.id: contact method ${method.id} already has a status update notification rule`]);
  await store.setStatusRuleMethod(db, orgId, id, method.id);
  return { rule: { ...rule, contact_method_id: method.id }, method };
}

export async function deleteStatusRule(db: Db, orgId: string, userId: string, id: string): Promise<void> {
  await requireStatusRule(db, orgId, userId, id);
  await store.deleteStatusRule(db, orgId, id);
}
