/**
 * Volunteer profile use cases. A volunteer is a user with role `volunteer` in ONE
 * organization, plus a profile row there; a person who volunteers for two
 * organizations has two user rows with the same email (one login: the web sign-in
 * asks which organization when an email has several) and two independent profiles,
 * consents, availabilities and ledgers. Nothing is shared across organizations.
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { getOrganization, getUser, getUserByEmail, insertUser, updateUser } from '../org/org.store.js';
import { cancelPendingPagesOfUser } from '../notify/outbox.store.js';
import type { Database, UserTable, VolunteerTable } from '../storage/schema.js';
import { isValidZone, validateAvailability, type AvailabilityWindow } from './availability.js';
import type { Caps } from './caps.js';
import * as store from './volunteer.store.js';
import { giveBackClaims } from './shifts.service.js';

type Db = Kysely<Database>;

export interface VolunteerInput {
  name?: string;
  email?: string;
  time_zone?: string;
  skills?: string[];
  company?: { id: string } | null;
  caps?: Partial<{ weekly_hour_cap: number; min_rest_hours: number; pages_per_shift: number; cooldown_hours: number }>;
  availability?: { windows: AvailabilityWindow[] };
}

export function checkAvailability(timeZone: string, windows: AvailabilityWindow[]): void {
  const issues = validateAvailability({ timeZone, windows }, 'volunteer.availability');
  if (issues.length) throw invalid(...issues.map((i) => `${i.field.replace('volunteer.availability.time_zone', 'volunteer.time_zone')}: ${i.message}`));
}

function normalizeSkills(skills: string[]): string[] {
  return [...new Set(skills.map((s) => s.trim().toLowerCase()).filter(Boolean))].sort();
}

function capsPatch(caps: VolunteerInput['caps']): Partial<VolunteerTable> {
  if (!caps) return {};
  return {
    ...(caps.weekly_hour_cap !== undefined ? { weekly_hour_cap: caps.weekly_hour_cap } : {}),
    ...(caps.min_rest_hours !== undefined ? { min_rest_hours: caps.min_rest_hours } : {}),
    ...(caps.pages_per_shift !== undefined ? { pages_per_shift: caps.pages_per_shift } : {}),
    ...(caps.cooldown_hours !== undefined ? { cooldown_hours: caps.cooldown_hours } : {}),
  };
}

async function checkCompany(db: Db, orgId: string, company: VolunteerInput['company']): Promise<string | null | undefined> {
  if (company === undefined) return undefined;
  if (company === null) return null;
  if (!(await store.getCompany(db, orgId, company.id))) throw invalid(`volunteer.company: partner company ${company.id} not found`);
  return company.id;
}

/**
 * Add a volunteer: a new user with role `volunteer` and a profile, or a profile for
 * an existing member who already has the volunteer role. Their zone defaults to the
 * organization's.
 */
export async function createVolunteer(db: Db, clock: Clock, orgId: string, input: VolunteerInput & { name: string; email: string }): Promise<{ user: UserTable; volunteer: VolunteerTable }> {
  const now = clock.now();
  const org = await getOrganization(db, orgId);
  const timeZone = input.time_zone ?? org?.time_zone ?? 'UTC';
  if (!isValidZone(timeZone)) throw invalid(`volunteer.time_zone: ${timeZone} is not an IANA time zone`);
  const windows = input.availability?.windows ?? [];
  checkAvailability(timeZone, windows);
  const companyId = (await checkCompany(db, orgId, input.company)) ?? null;
  const email = input.email.trim().toLowerCase();
  return db.transaction().execute(async (trx) => {
    let user = await getUserByEmail(trx, orgId, email);
    if (user && user.deleted_at === null) {
      if (user.role !== 'volunteer') throw new VigilError('conflict', [`volunteer.email: ${email} is already a member as ${user.role}; volunteers have the volunteer role of their own`]);
      if (await store.getVolunteer(trx, orgId, user.id)) throw new VigilError('conflict', [`volunteer.email: ${email} is already a volunteer`]);
    } else {
      user = { org_id: orgId, id: newId(now), name: input.name.trim(), email, role: 'volunteer', time_zone: timeZone, created_at: now, deleted_at: null };
      await insertUser(trx, user);
    }
    const volunteer: VolunteerTable = {
      org_id: orgId,
      user_id: user.id,
      company_id: companyId,
      skills: JSON.stringify(normalizeSkills(input.skills ?? [])),
      time_zone: timeZone,
      availability: JSON.stringify(windows),
      status: 'active',
      paused_at: null,
      pause_reason: null,
      consent_version: null,
      consented_at: null,
      references_checked: 0,
      background_checked: 0,
      vetting_note: null,
      vetted_by: null,
      vetted_at: null,
      weekly_hour_cap: null,
      min_rest_hours: null,
      pages_per_shift: null,
      cooldown_hours: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
      ...capsPatch(input.caps),
    };
    await store.insertVolunteer(trx, volunteer);
    return { user, volunteer };
  });
}

export async function requireVolunteer(db: Db, orgId: string, userId: string): Promise<{ user: UserTable; volunteer: VolunteerTable }> {
  const [user, volunteer] = await Promise.all([getUser(db, orgId, userId), store.getVolunteer(db, orgId, userId)]);
  if (!user || user.deleted_at !== null || !volunteer) throw notFound(`volunteer ${userId}`);
  return { user, volunteer };
}

/** Profile changes; `asAdmin` may also change the partner company. */
export async function updateVolunteer(db: Db, clock: Clock, orgId: string, userId: string, input: VolunteerInput, asAdmin: boolean): Promise<void> {
  const { volunteer } = await requireVolunteer(db, orgId, userId);
  if (input.company !== undefined && !asAdmin) throw new VigilError('forbidden', ['only admins can change a volunteer’s partner company']);
  const timeZone = input.time_zone ?? volunteer.time_zone;
  if (!isValidZone(timeZone)) throw invalid(`volunteer.time_zone: ${timeZone} is not an IANA time zone`);
  const windows = input.availability?.windows ?? (JSON.parse(volunteer.availability) as AvailabilityWindow[]);
  checkAvailability(timeZone, windows);
  const companyId = await checkCompany(db, orgId, input.company);
  const patch: Partial<VolunteerTable> = {
    updated_at: clock.now(),
    ...(input.time_zone !== undefined ? { time_zone: timeZone } : {}),
    ...(input.availability !== undefined ? { availability: JSON.stringify(windows) } : {}),
    ...(input.skills !== undefined ? { skills: JSON.stringify(normalizeSkills(input.skills)) } : {}),
    ...(companyId !== undefined ? { company_id: companyId } : {}),
    ...capsPatch(input.caps),
  };
  await store.updateVolunteer(db, orgId, userId, patch);
  if (input.name !== undefined || input.time_zone !== undefined) await updateUser(db, orgId, userId, { ...(input.name ? { name: input.name.trim() } : {}), ...(input.time_zone !== undefined ? { time_zone: timeZone } : {}) });
}

/** The volunteer consents to the organization's terms; the version must be the current one when the organization has set one. */
export async function consent(db: Db, clock: Clock, orgId: string, userId: string, termsVersion: string): Promise<void> {
  await requireVolunteer(db, orgId, userId);
  const settings = await store.getSettings(db, orgId);
  if (settings?.terms_version && settings.terms_version !== termsVersion) throw invalid(`consent.terms_version: the current terms are version ${settings.terms_version}`);
  const now = clock.now();
  await store.updateVolunteer(db, orgId, userId, { consent_version: termsVersion, consented_at: now, updated_at: now });
}

export async function withdrawConsent(db: Db, clock: Clock, orgId: string, userId: string): Promise<void> {
  await requireVolunteer(db, orgId, userId);
  await store.updateVolunteer(db, orgId, userId, { consent_version: null, consented_at: null, updated_at: clock.now() });
  await cancelPendingPagesOfUser(db, orgId, userId);
}

export async function setVetting(db: Db, clock: Clock, orgId: string, userId: string, by: string, v: { references?: boolean; background_check?: boolean; note?: string | null }): Promise<void> {
  await requireVolunteer(db, orgId, userId);
  const now = clock.now();
  await store.updateVolunteer(db, orgId, userId, {
    ...(v.references !== undefined ? { references_checked: v.references ? 1 : 0 } : {}),
    ...(v.background_check !== undefined ? { background_checked: v.background_check ? 1 : 0 } : {}),
    ...(v.note !== undefined ? { vetting_note: v.note } : {}),
    vetted_by: by,
    vetted_at: now,
    updated_at: now,
  });
}

/**
 * "Pause me": effective at once. Pools skip a paused volunteer from the next page on,
 * their pages not yet sent (a notification rule's later step, a retry) are cancelled,
 * and the open shifts they claimed that are not over are given back (shifts.service).
 */
export async function pause(db: Db, clock: Clock, orgId: string, userId: string, reason: string | null): Promise<{ cancelledPages: number; releasedClaims: number }> {
  await requireVolunteer(db, orgId, userId);
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    await store.updateVolunteer(trx, orgId, userId, { status: 'paused', paused_at: now, pause_reason: reason, updated_at: now });
    const cancelledPages = await cancelPendingPagesOfUser(trx, orgId, userId);
    const releasedClaims = await giveBackClaims(trx, orgId, userId, now);
    return { cancelledPages, releasedClaims };
  });
}

export async function resume(db: Db, clock: Clock, orgId: string, userId: string): Promise<void> {
  await requireVolunteer(db, orgId, userId);
  await store.updateVolunteer(db, orgId, userId, { status: 'active', paused_at: null, pause_reason: null, updated_at: clock.now() });
}

export function capsView(v: VolunteerTable, defaults: Caps): { weekly_hour_cap: number; min_rest_hours: number; pages_per_shift: number; cooldown_hours: number } {
  return {
    weekly_hour_cap: v.weekly_hour_cap ?? defaults.weeklyHourCap,
    min_rest_hours: v.min_rest_hours ?? defaults.minRestHours,
    pages_per_shift: v.pages_per_shift ?? defaults.pagesPerShift,
    cooldown_hours: v.cooldown_hours ?? defaults.cooldownHours,
  };
}
