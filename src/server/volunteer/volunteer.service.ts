/**
 * Volunteer profile use cases. A volunteer is a user with role `volunteer` in ONE
 * organization, plus a profile row there; a person who volunteers for two
 * organizations has two user rows with the same email (one login: the web sign-in
 * asks which organization when an email has several) and two independent profiles,
 * consents, availabilities and ledgers. Nothing is shared across organizations.
 * Every change is audited under the user who made it (`actorId`).
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { getOrganization, getUser, getUserByEmail, getUsers, insertUser, updateUser } from '../org/org.store.js';
import { cancelPendingPagesOfUser } from '../notify/outbox.store.js';
import { incidentNumbers } from '../incident/incident.store.js';
import { getServicesByIds } from '../service/service.store.js';
import type { Database, PartnerCompanyTable, ServiceTable, UserTable, VolunteerPageTable, VolunteerPoolTable, VolunteerTable } from '../storage/schema.js';
import { audit } from './access.service.js';
import { isValidZone, validateAvailability, type AvailabilityWindow } from './availability.js';
import { monthOf, monthsBetween, type ResponseSpan } from './ledger.js';
import { computeLedger, orgZone, type LedgerResult } from './ledger.service.js';
import * as store from './volunteer.store.js';
import { giveBackClaims } from './shifts.service.js';
import { responseSpans } from './work.js';

type Db = Kysely<Database>;
const DAY = 86_400_000;

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
export async function createVolunteer(db: Db, clock: Clock, orgId: string, actorId: string, input: VolunteerInput & { name: string; email: string }): Promise<{ user: UserTable; volunteer: VolunteerTable }> {
  const now = clock.now();
  const org = await getOrganization(db, orgId);
  const timeZone = input.time_zone ?? org?.time_zone ?? 'UTC';
  if (!isValidZone(timeZone)) throw invalid(`volunteer.time_zone: ${timeZone} is not an IANA time zone`);
  const windows = input.availability?.windows ?? [];
  checkAvailability(timeZone, windows);
  const companyId = (await checkCompany(db, orgId, input.company)) ?? null;
  const email = input.email.trim().toLowerCase();
  const created = await db.transaction().execute(async (trx) => {
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
  await audit(db, orgId, actorId, 'volunteer.create', `volunteers/${created.user.id}`, clock.now());
  return created;
}

export async function requireVolunteer(db: Db, orgId: string, userId: string): Promise<{ user: UserTable; volunteer: VolunteerTable }> {
  const [user, volunteer] = await Promise.all([getUser(db, orgId, userId), store.getVolunteer(db, orgId, userId)]);
  if (!user || user.deleted_at !== null || !volunteer) throw notFound(`volunteer ${userId}`);
  return { user, volunteer };
}

/** A profile with what it shows beside its row. */
export interface VolunteerDetails {
  user: Pick<UserTable, 'id' | 'name' | 'email'>;
  volunteer: VolunteerTable;
  company: PartnerCompanyTable | undefined;
  /** Who set the vetting flags last. */
  vetter: UserTable | undefined;
  pools: VolunteerPoolTable[];
  /** Consented to the organization's current terms version (any consent counts while the organization has set none). */
  consentCurrent: boolean;
}

export async function volunteerDetails(db: Db, orgId: string, pairs: { user: Pick<UserTable, 'id' | 'name' | 'email'>; volunteer: VolunteerTable }[]): Promise<VolunteerDetails[]> {
  const [companies, settings, memberships, pools] = await Promise.all([
    store.listCompanies(db, orgId),
    store.getSettings(db, orgId),
    store.membershipsOf(db, orgId, pairs.map((x) => x.user.id)),
    store.listPools(db, orgId),
  ]);
  const vetters = await getUsers(db, orgId, [...new Set(pairs.map((x) => x.volunteer.vetted_by).filter((x): x is string => !!x))]);
  return pairs.map(({ user, volunteer: v }) => ({
    user,
    volunteer: v,
    company: companies.find((c) => c.id === v.company_id),
    vetter: vetters.find((u) => u.id === v.vetted_by),
    pools: memberships.filter((m) => m.user_id === user.id).flatMap((m) => pools.filter((x) => x.id === m.pool_id)),
    consentCurrent: v.consented_at !== null && (!settings?.terms_version || settings.terms_version === v.consent_version),
  }));
}

export async function getVolunteer(db: Db, orgId: string, userId: string): Promise<VolunteerDetails> {
  return (await volunteerDetails(db, orgId, [await requireVolunteer(db, orgId, userId)]))[0]!;
}

export async function listVolunteers(db: Db, orgId: string, q: store.VolunteerQuery): Promise<{ items: VolunteerDetails[]; total: number }> {
  const { rows, total } = await store.listVolunteers(db, orgId, q);
  return { items: await volunteerDetails(db, orgId, rows.map((r) => ({ user: { id: r.user_id, name: r.name, email: r.email }, volunteer: r }))), total };
}

async function applyChange(db: Db, clock: Clock, orgId: string, userId: string, input: VolunteerInput, asAdmin: boolean): Promise<void> {
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

/** Profile changes; `asAdmin` may also change the partner company. */
export async function updateVolunteer(db: Db, clock: Clock, orgId: string, actorId: string, userId: string, input: VolunteerInput, asAdmin: boolean): Promise<void> {
  await applyChange(db, clock, orgId, userId, input, asAdmin);
  await audit(db, orgId, actorId, 'volunteer.update', `volunteers/${userId}`, clock.now());
}

/** Replace the recurring availability windows (and optionally the zone they are read in). */
export async function setAvailability(db: Db, clock: Clock, orgId: string, actorId: string, userId: string, a: { time_zone?: string; windows: AvailabilityWindow[] }): Promise<void> {
  await applyChange(db, clock, orgId, userId, { availability: { windows: a.windows }, ...(a.time_zone ? { time_zone: a.time_zone } : {}) }, false);
  await audit(db, orgId, actorId, 'volunteer.availability', `volunteers/${userId}`, clock.now());
}

/** Remove the profile and its pool memberships; the member and the ledger history stay. */
export async function removeVolunteer(db: Db, clock: Clock, orgId: string, actorId: string, userId: string): Promise<void> {
  const { user } = await requireVolunteer(db, orgId, userId);
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    await store.updateVolunteer(trx, orgId, user.id, { deleted_at: now, status: 'paused', paused_at: now, updated_at: now });
    await store.removeMemberships(trx, orgId, user.id);
  });
  await audit(db, orgId, actorId, 'volunteer.delete', `volunteers/${user.id}`, now);
}

/** The volunteer consents to the organization's terms; the version must be the current one when the organization has set one. */
export async function consent(db: Db, clock: Clock, orgId: string, actorId: string, userId: string, termsVersion: string): Promise<void> {
  await requireVolunteer(db, orgId, userId);
  const settings = await store.getSettings(db, orgId);
  if (settings?.terms_version && settings.terms_version !== termsVersion) throw invalid(`consent.terms_version: the current terms are version ${settings.terms_version}`);
  const now = clock.now();
  await store.updateVolunteer(db, orgId, userId, { consent_version: termsVersion, consented_at: now, updated_at: now });
  await audit(db, orgId, actorId, `volunteer.consent ${termsVersion}`, `volunteers/${userId}`, clock.now());
}

/** Withdrawn consent: no pool pages them, and their pages not yet sent are cancelled. */
export async function withdrawConsent(db: Db, clock: Clock, orgId: string, actorId: string, userId: string): Promise<void> {
  await requireVolunteer(db, orgId, userId);
  await store.updateVolunteer(db, orgId, userId, { consent_version: null, consented_at: null, updated_at: clock.now() });
  await cancelPendingPagesOfUser(db, orgId, userId);
  await audit(db, orgId, actorId, 'volunteer.consent_withdrawn', `volunteers/${userId}`, clock.now());
}

/** Vetting flags, set by a coordinator (`actorId`, recorded as who vetted). */
export async function setVetting(db: Db, clock: Clock, orgId: string, actorId: string, userId: string, v: { references?: boolean; background_check?: boolean; note?: string | null }): Promise<void> {
  await requireVolunteer(db, orgId, userId);
  const now = clock.now();
  await store.updateVolunteer(db, orgId, userId, {
    ...(v.references !== undefined ? { references_checked: v.references ? 1 : 0 } : {}),
    ...(v.background_check !== undefined ? { background_checked: v.background_check ? 1 : 0 } : {}),
    ...(v.note !== undefined ? { vetting_note: v.note } : {}),
    vetted_by: actorId,
    vetted_at: now,
    updated_at: now,
  });
  await audit(db, orgId, actorId, `volunteer.vetting references=${v.references ?? '-'} background_check=${v.background_check ?? '-'}`, `volunteers/${userId}`, clock.now());
}

/**
 * "Pause me": effective at once. Pools skip a paused volunteer from the next page on,
 * their pages not yet sent (a notification rule's later step, a retry) are cancelled,
 * and the open shifts they claimed that are not over are given back (shifts.service).
 */
export async function pause(db: Db, clock: Clock, orgId: string, actorId: string, userId: string, reason: string | null): Promise<{ cancelledPages: number; releasedClaims: number }> {
  await requireVolunteer(db, orgId, userId);
  const now = clock.now();
  const done = await db.transaction().execute(async (trx) => {
    await store.updateVolunteer(trx, orgId, userId, { status: 'paused', paused_at: now, pause_reason: reason, updated_at: now });
    const cancelledPages = await cancelPendingPagesOfUser(trx, orgId, userId);
    const releasedClaims = await giveBackClaims(trx, orgId, userId, now);
    return { cancelledPages, releasedClaims };
  });
  await audit(db, orgId, actorId, 'volunteer.pause', `volunteers/${userId}`, clock.now());
  return done;
}

export async function resume(db: Db, clock: Clock, orgId: string, actorId: string, userId: string): Promise<void> {
  await requireVolunteer(db, orgId, userId);
  await store.updateVolunteer(db, orgId, userId, { status: 'active', paused_at: null, pause_reason: null, updated_at: clock.now() });
  await audit(db, orgId, actorId, 'volunteer.resume', `volunteers/${userId}`, clock.now());
}

/** A volunteer's own history over the last 12 months: pages, responses, hours, and the incidents they name. */
export interface VolunteerHistory {
  pages: VolunteerPageTable[];
  responses: ResponseSpan[];
  ledger: LedgerResult;
  pools: VolunteerPoolTable[];
  incidents: { id: string; number: number; service_id: string }[];
  services: ServiceTable[];
}

export async function history(db: Db, clock: Clock, orgId: string, userId: string): Promise<VolunteerHistory> {
  await requireVolunteer(db, orgId, userId);
  const now = clock.now();
  const zone = await orgZone(db, orgId);
  const months = monthsBetween(monthOf(now - 334 * DAY, zone), monthOf(now, zone));
  const [pages, responses, ledger, pools] = await Promise.all([store.pagesOfUser(db, orgId, userId, 200), responseSpans(db, orgId, [userId], now - 365 * DAY, now + 1), computeLedger(db, orgId, now, months, { userId }), store.listPools(db, orgId)]);
  const incidentIds = [...new Set([...pages.map((x) => x.incident_id), ...responses.map((r) => r.incidentId)])];
  const incidents = await incidentNumbers(db, orgId, incidentIds);
  const services = await getServicesByIds(db, orgId, [...new Set(incidents.map((i) => i.service_id))]);
  return { pages, responses, ledger, pools, incidents, services };
}
