/**
 * The organization's volunteer settings: the terms version volunteers consent to (a
 * new version asks every volunteer to consent again before they are paged), and the
 * value of a volunteer hour for the pledge report.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import type { Database, VolunteerSettingsTable } from '../storage/schema.js';
import { audit } from './access.service.js';
import { orgZone } from './ledger.service.js';
import * as store from './volunteer.store.js';

type Db = Kysely<Database>;

/** The settings (none until first set) and the organization's zone. */
export interface SettingsView {
  settings: VolunteerSettingsTable | undefined;
  timeZone: string;
}

export interface SettingsInput {
  terms_version?: string | null;
  terms_url?: string | null;
  value_per_hour?: number | null;
  currency?: string | null;
}

export async function getSettings(db: Db, orgId: string): Promise<SettingsView> {
  const settings = await store.getSettings(db, orgId);
  return { settings, timeZone: await orgZone(db, orgId) };
}

/** Fields left out keep their value; null clears one. */
export async function updateSettings(db: Db, clock: Clock, orgId: string, actorId: string, b: SettingsInput): Promise<SettingsView> {
  const cur = await store.getSettings(db, orgId);
  const now = clock.now();
  await store.putSettings(db, {
    org_id: orgId,
    terms_version: b.terms_version !== undefined ? b.terms_version : (cur?.terms_version ?? null),
    terms_url: b.terms_url !== undefined ? b.terms_url : (cur?.terms_url ?? null),
    value_per_hour: b.value_per_hour !== undefined ? b.value_per_hour : (cur?.value_per_hour ?? null),
    currency: b.currency !== undefined ? (b.currency?.toUpperCase() ?? null) : (cur?.currency ?? null),
    updated_at: now,
  });
  await audit(db, orgId, actorId, 'volunteer_settings.update', 'volunteer_settings', now);
  return getSettings(db, orgId);
}
