/**
 * Reads joining incidents with the domains below them for the API: a service's last
 * incident, its change events.
 */
import type { Kysely } from 'kysely';
import { listIntegrations } from '../service/service.store.js';
import { requireService } from '../service/service.service.js';
import type { ChangeEventTable, Database, IntegrationTable } from '../storage/schema.js';
import * as store from './incident.store.js';

type Db = Kysely<Database>;

/** What a service's presentation names: its live integrations and when its last incident was created. */
export async function serviceFacts(db: Db, orgId: string, serviceIds: string[]): Promise<{ integrations: IntegrationTable[]; lastIncidentAt: Map<string, number> }> {
  const integrations = await listIntegrations(db, orgId, serviceIds);
  const lastIncidentAt = await store.lastIncidentAt(db, orgId, serviceIds);
  return { integrations, lastIncidentAt };
}

/** A service's change events, newest first. */
export async function serviceChangeEvents(db: Db, orgId: string, serviceId: string, limit: number, offset: number): Promise<{ rows: ChangeEventTable[]; total: number }> {
  const s = await requireService(db, orgId, serviceId);
  return store.listChangeEvents(db, orgId, s.id, limit, offset);
}
