import { currentOrNext, isoIn, windowTimes } from '../../maintenance/maintenance.js';
import type { WindowView } from '../../maintenance/maintenance.service.js';
import type { ServiceTable, UserTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';
import type { presentService } from './service.js';
import type { presentUser } from './user.js';

export interface WindowFacts {
  services: Map<string, ServiceTable>;
  users: Map<string, UserTable>;
  /** include[]=services / include[]=users: full objects in place of the references. */
  expanded?: { services?: Map<string, ReturnType<typeof presentService>>; users?: Map<string, ReturnType<typeof presentUser>> };
}

/**
 * A maintenance window in PagerDuty's shape; times carry the offset of the window's zone.
 * A recurring window also says which occurrence is in progress or next (`now`).
 */
export function presentMaintenanceWindow(p: BasePresenter, v: WindowView, facts: WindowFacts, now: number) {
  const w = v.row;
  const zone = w.time_zone;
  const next = w.recurrence ? currentOrNext(windowTimes(w), now) : null;
  const creator = w.created_by ? (facts.expanded?.users?.get(w.created_by) ?? p.ref('user_reference', w.created_by, facts.users.get(w.created_by)?.name ?? null, 'users')) : null;
  return {
    id: w.id,
    type: 'maintenance_window' as const,
    summary: w.description ?? `Maintenance window #${w.sequence_number}`,
    self: `${p.baseUrl}/api/v1/maintenance_windows/${w.id}`,
    html_url: `${p.baseUrl}/maintenance/${w.id}`,
    sequence_number: Number(w.sequence_number),
    start_time: isoIn(Number(w.start_time), zone),
    end_time: isoIn(Number(w.end_time), zone),
    ...(w.description !== null ? { description: w.description } : {}),
    services: v.serviceIds.map((id) => facts.expanded?.services?.get(id) ?? p.ref('service_reference', id, facts.services.get(id)?.name ?? null, 'services')),
    teams: [],
    ...(creator ? { created_by: creator } : {}),
    recurrence: w.recurrence,
    time_zone: zone,
    next_occurrence: next ? { start_time: isoIn(next.start, zone), end_time: isoIn(next.end, zone) } : null,
  };
}
