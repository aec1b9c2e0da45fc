/** Volunteer responders (docs/volunteers.md): the volunteer's own pages and the coordinator's. */
import { api, optional, withQuery } from './client';
import type { AvailabilityView, AvailabilityWindow, CoverageGaps, History, Ledger, OpenShift, OpenShiftSchedule, PoolStatus, ShiftTrade, Volunteer, VolunteerIncidents, VolunteerPool, VolunteerSettings } from './types';
import { msg } from '../i18n';

const v = (id: string) => `/api/v1/volunteers/${encodeURIComponent(id)}`;

/** Null when the member has no volunteer profile (or the server has no volunteer API). */
export const myProfile = () => optional(api<{ volunteer: Volunteer }>('GET', '/api/v1/volunteers/me').then((r) => r.volunteer));
export const availability = (id: string, days = 14) =>
  api<AvailabilityView>('GET', withQuery(`${v(id)}/availability`, { since: new Date().toISOString(), until: new Date(Date.now() + days * 86_400_000).toISOString() }));
export const saveWindows = (id: string, windows: AvailabilityWindow[], timeZone?: string) =>
  api<{ volunteer: Volunteer }>('PUT', `${v(id)}/availability`, { availability: { windows: windows.map((w) => ({ rrule: w.rrule, start: w.start, end: w.end, ...(w.from ? { from: w.from } : {}) })), ...(timeZone ? { time_zone: timeZone } : {}) } });
export const addUnavailable = (id: string, start: string, end: string, reason: string) =>
  api('POST', `${v(id)}/unavailability`, { unavailability: { start, end, ...(reason ? { reason } : {}) } });
export const removeUnavailable = (id: string, uid: string) => api<void>('DELETE', `${v(id)}/unavailability/${encodeURIComponent(uid)}`);
export const pause = (id: string, reason: string) => api<{ volunteer: Volunteer }>('POST', `${v(id)}/pause`, { pause: { reason: reason || null } });
export const resume = (id: string) => api<{ volunteer: Volunteer }>('POST', `${v(id)}/resume`);
export const myHistory = () => api<History>('GET', '/api/v1/volunteers/me/history');
export const myIncidents = () => api<VolunteerIncidents>('GET', '/api/v1/volunteers/me/incidents');

// ---- the coordinator ----------------------------------------------------------------

export const listVolunteers = () => optional(api<{ volunteers: Volunteer[] }>('GET', withQuery('/api/v1/volunteers', { limit: 100 })).then((r) => r.volunteers));
export const listPools = () => api<{ volunteer_pools: VolunteerPool[] }>('GET', '/api/v1/volunteer_pools').then((r) => r.volunteer_pools);
export const poolStatus = (id: string) => api<PoolStatus>('GET', `/api/v1/volunteer_pools/${encodeURIComponent(id)}/status`);
export const ledger = (month: string) => api<Ledger>('GET', withQuery('/api/v1/volunteer_ledger', { since: month, until: month }));
export const ledgerCsvUrl = (month: string) => withQuery('/api/v1/volunteer_ledger.csv', { since: month, until: month });
export const approve = (userId: string, month: string) => api('POST', '/api/v1/volunteer_ledger/approvals', { approval: { user: { id: userId }, month } });

// ---- weekly windows as the form edits them --------------------------------------------

export const DAYS = [
  ['MO', 'Mon'],
  ['TU', 'Tue'],
  ['WE', 'Wed'],
  ['TH', 'Thu'],
  ['FR', 'Fri'],
  ['SA', 'Sat'],
  ['SU', 'Sun'],
] as const;

/** The weekdays of a FREQ=WEEKLY rule, or null for a rule the simple form cannot show (kept as it is). */
export function weekdaysOf(rrule: string): string[] | null {
  const parts = new Map(rrule.split(';').map((p) => p.split('=') as [string, string]));
  if (parts.get('FREQ') !== 'WEEKLY' || [...parts.keys()].some((k) => k !== 'FREQ' && k !== 'BYDAY')) return null;
  return (parts.get('BYDAY') ?? '').split(',').filter(Boolean);
}

export function weeklyRule(days: string[]): string {
  return `FREQ=WEEKLY;BYDAY=${DAYS.map(([d]) => d).filter((d) => days.includes(d)).join(',')}`;
}

export function describeWindow(w: AvailabilityWindow): string {
  const days = weekdaysOf(w.rrule);
  const when = days ? DAYS.filter(([d]) => days.includes(d)).map(([, l]) => l).join(', ') : w.rrule;
  return `${when} ${w.start}–${w.end}${w.end <= w.start ? msg('data.volunteers.next_day') : ''}`;
}

export function thisMonth(now = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

export const volunteerSettings = () =>
  api<{ volunteer_settings: VolunteerSettings }>('GET', '/api/v1/volunteer_settings').then((r) => r.volunteer_settings);
export const consent = (id: string, termsVersion: string) => api<{ volunteer: Volunteer }>('POST', `${v(id)}/consent`, { consent: { terms_version: termsVersion } });

/** The next 7 days' unclaimed open shifts and stretches with nobody on call; null when the server has no open shifts. */
export const coverageGaps = () => optional(api<CoverageGaps>('GET', '/api/v1/coverage_gaps'));

/** Pending offers and swaps a volunteer may act on (theirs, to them, to anyone); null without the open-shifts API. */
export const pendingTrades = () => optional(api<{ shift_trades: ShiftTrade[] }>('GET', withQuery('/api/v1/shift_trades', { status: 'pending', limit: 50 })).then((r) => r.shift_trades));
export const actOnTrade = (id: string, action: 'accept' | 'decline' | 'withdraw') => api('POST', `/api/v1/shift_trades/${encodeURIComponent(id)}/${action}`, {});

/** A coordinator puts a volunteer on an open shift (their availability, caps and consent still apply: 422 names the rule). */
export const claimFor = (scheduleId: string, openShiftId: string, userId: string) =>
  api('POST', `/api/v1/schedules/${encodeURIComponent(scheduleId)}/open_shifts/${encodeURIComponent(openShiftId)}/claim`, { claim: { user: { id: userId, type: 'user_reference' } } });

/** Open shifts of the next two weeks across every schedule that has them; null without the open-shifts API. */
export async function openShiftsAll(): Promise<OpenShift[] | null> {
  const scheds = await optional(api<{ schedules: OpenShiftSchedule[] }>('GET', '/api/v1/open_shift_schedules').then((r) => r.schedules));
  if (!scheds) return null;
  const lists = await Promise.all(scheds.map((s) => api<{ open_shifts: OpenShift[] }>('GET', `/api/v1/schedules/${encodeURIComponent(s.id)}/open_shifts`).then((r) => r.open_shifts)));
  return lists.flat().sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

export const claim = (scheduleId: string, openShiftId: string) => api('POST', `/api/v1/schedules/${encodeURIComponent(scheduleId)}/open_shifts/${encodeURIComponent(openShiftId)}/claim`, {});
export const giveBack = (claimId: string) => api<void>('DELETE', `/api/v1/open_shift_claims/${encodeURIComponent(claimId)}`);

/** A volunteer profile (and, for a new email, the member with the volunteer role); for an invited volunteer, the same email. */
export const addVolunteer = (name: string, email: string, timeZone: string) =>
  api<{ volunteer: Volunteer }>('POST', '/api/v1/volunteers', { volunteer: { name, email, ...(timeZone ? { time_zone: timeZone } : {}) } }).then((r) => r.volunteer);
export const addToPool = (poolId: string, userId: string) => api('PUT', `/api/v1/volunteer_pools/${encodeURIComponent(poolId)}/members/${encodeURIComponent(userId)}`, {});
export const removeFromPool = (poolId: string, userId: string) => api<void>('DELETE', `/api/v1/volunteer_pools/${encodeURIComponent(poolId)}/members/${encodeURIComponent(userId)}`);

/** Offer a stretch you hold to anyone (nothing changes until someone takes it: you stay on call). */
export const offerShift = (scheduleId: string, start: string, end: string) => api('POST', '/api/v1/shift_offers', { shift_offer: { schedule: { id: scheduleId }, start, end } });
