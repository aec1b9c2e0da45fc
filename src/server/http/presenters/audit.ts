import type { AuditRecordTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';

const PATHS: Record<AuditRecordTable['root_type'], string> = { service: 'services', escalation_policy: 'escalation_policies', schedule: 'schedules', user: 'users', team: 'teams' };
const METHOD_TEXT: Record<AuditRecordTable['method'], string> = { browser: 'a signed-in browser session', api_token: 'an API token', other: 'no member (an import from the command line, or an emailed link)' };

/** An audit record as PagerDuty's AuditRecord: the resource as a reference, who by which method, the fields before and after. */
export function auditRecord(p: BasePresenter, r: AuditRecordTable) {
  const path = PATHS[r.root_type];
  const resource = p.ref(`${r.root_type}_reference`, r.root_id, r.root_name, path);
  return {
    id: r.id,
    self: null,
    execution_time: new Date(Number(r.at)).toISOString(),
    execution_context: null,
    actors: r.actor_user_id ? [p.ref('user_reference', r.actor_user_id, r.actor_name, 'users')] : [],
    method: { type: r.method, description: METHOD_TEXT[r.method], truncated_token: null },
    root_resource: resource,
    action: r.action,
    details: { resource, fields: JSON.parse(r.fields) as { name: string; value?: string | null; before_value?: string | null }[] },
  };
}
