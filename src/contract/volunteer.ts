/** Volunteer responders on the wire: profiles, availability, pools, partner companies, the hours ledger. */
import { Type } from 'typebox';
import { Nullable, Reference } from './common.js';
import { Incident } from './incident.js';

const HHMM = { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Local time HH:MM in the volunteer’s zone' };
const Skill = Type.String({ minLength: 1, maxLength: 64 });

export const AvailabilityWindow = Type.Object({
  rrule: Type.String({ minLength: 6, maxLength: 512, description: 'RFC 5545 RRULE value without DTSTART, e.g. FREQ=WEEKLY;BYDAY=MO,WE (FREQ DAILY, WEEKLY or MONTHLY; no BYHOUR/BYMINUTE/BYSECOND)' }),
  start: Type.String(HHMM),
  end: Type.String({ ...HHMM, description: 'Local end time; at or before start means the next day' }),
  from: Type.Optional(Nullable(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'First local date of the rule (DTSTART date), YYYY-MM-DD' }))),
});

export const Caps = Type.Object({
  weekly_hour_cap: Type.Number({ minimum: 0, maximum: 168, description: 'Default 12' }),
  min_rest_hours: Type.Number({ minimum: 0, maximum: 72, description: 'Default 8' }),
  pages_per_shift: Type.Integer({ minimum: 1, maximum: 50, description: 'Default 2; after this many pages in a shift the volunteer is handed back' }),
  cooldown_hours: Type.Number({ minimum: 0, maximum: 336, description: 'Default 24; not paged for this long after responding to a critical incident' }),
});

export const Unavailability = Type.Object({
  id: Type.String(),
  start: Type.String(),
  end: Type.String(),
  reason: Nullable(Type.String()),
});

export const Volunteer = Type.Object({
  id: Type.String({ description: 'The user id' }),
  type: Type.Literal('volunteer'),
  summary: Type.String(),
  self: Type.String(),
  name: Type.String(),
  email: Type.String(),
  time_zone: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('paused')]),
  paused_at: Nullable(Type.String()),
  pause_reason: Nullable(Type.String()),
  company: Nullable(Reference('partner_company_reference')),
  skills: Type.Array(Type.String()),
  consent: Type.Object({ terms_version: Nullable(Type.String()), consented_at: Nullable(Type.String()), current: Type.Boolean({ description: 'Consented to the organization’s current terms version' }) }),
  vetting: Type.Object({ references: Type.Boolean(), background_check: Type.Boolean(), note: Nullable(Type.String()), vetted_at: Nullable(Type.String()), vetted_by: Nullable(Reference('user_reference')) }),
  caps: Caps,
  availability: Type.Object({ time_zone: Type.String(), windows: Type.Array(AvailabilityWindow), rfc5545: Type.Array(Type.String()) }),
  pools: Type.Array(Reference('volunteer_pool_reference')),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const VolunteerFields = {
  time_zone: Type.String({ maxLength: 64, description: 'The volunteer’s own IANA zone' }),
  skills: Type.Array(Skill, { maxItems: 50 }),
  company: Nullable(Type.Object({ id: Type.String({ maxLength: 64 }), type: Type.Optional(Type.String({ maxLength: 64 })) })),
  caps: Type.Partial(Caps),
  availability: Type.Object({ windows: Type.Array(AvailabilityWindow, { maxItems: 50 }) }),
};

export const VolunteerCreate = Type.Object({
  volunteer: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 100 }),
    email: Type.String({ minLength: 3, maxLength: 100, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' }),
    time_zone: Type.Optional(VolunteerFields.time_zone),
    skills: Type.Optional(VolunteerFields.skills),
    company: Type.Optional(VolunteerFields.company),
    caps: Type.Optional(VolunteerFields.caps),
    availability: Type.Optional(VolunteerFields.availability),
  }),
});
export const VolunteerUpdate = Type.Object({ volunteer: Type.Partial(Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), ...VolunteerFields })) });

export const Consent = Type.Object({ consent: Type.Object({ terms_version: Type.String({ minLength: 1, maxLength: 64 }) }) });
export const Vetting = Type.Object({ vetting: Type.Object({ references: Type.Optional(Type.Boolean()), background_check: Type.Optional(Type.Boolean()), note: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))) }) });
export const Pause = Type.Object({ pause: Type.Optional(Type.Object({ reason: Type.Optional(Nullable(Type.String({ maxLength: 255 }))) })) });
export const UnavailabilityCreate = Type.Object({ unavailability: Type.Object({ start: Type.String({ maxLength: 64 }), end: Type.String({ maxLength: 64 }), reason: Type.Optional(Nullable(Type.String({ maxLength: 255 }))) }) });

export const ZonedWindow = Type.Object({ start: Type.String(), end: Type.String(), time_zone: Type.String(), label: Type.String() });

export const AvailabilityView = Type.Object({
  availability: Type.Object({ time_zone: Type.String(), windows: Type.Array(AvailabilityWindow), rfc5545: Type.Array(Type.String()), unavailable: Type.Array(Unavailability) }),
  available: Type.Array(ZonedWindow, { description: 'When the volunteer may be paged in the range, shown in time_zone (default: the organization’s zone)' }),
  available_now: Type.Boolean(),
});

export const ShiftCheck = Type.Object({ shift: Type.Object({ start: Type.String({ maxLength: 64 }), end: Type.String({ maxLength: 64 }) }) });
export const ShiftWarnings = Type.Object({ warnings: Type.Array(Type.Object({ cap: Type.String(), message: Type.String() })), within_caps: Type.Boolean() });

export const PoolStrategy = Type.Union([Type.Literal('all'), Type.Literal('round_robin')]);

export const VolunteerPool = Type.Object({
  id: Type.String(),
  type: Type.Literal('volunteer_pool'),
  summary: Type.String(),
  self: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  strategy: PoolStrategy,
  round_robin_timeout_minutes: Type.Integer(),
  requires: Type.Object({ references: Type.Boolean(), background_check: Type.Boolean(), skills: Type.Array(Type.String()) }),
  members: Type.Array(Type.Object({ user: Reference('user_reference'), joined_at: Type.String() })),
  services: Type.Array(Reference('service_reference')),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const PoolFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Nullable(Type.String({ maxLength: 1024 })),
  strategy: PoolStrategy,
  round_robin_timeout_minutes: Type.Integer({ minimum: 1, maximum: 60, description: 'Round robin: minutes to acknowledge before the next member is paged (default 5)' }),
  requires: Type.Object({ references: Type.Optional(Type.Boolean()), background_check: Type.Optional(Type.Boolean()), skills: Type.Optional(Type.Array(Skill, { maxItems: 20 })) }),
  members: Type.Array(Type.Object({ id: Type.String({ maxLength: 64 }), type: Type.Optional(Type.String({ maxLength: 64 })) }), { maxItems: 500 }),
};
export const PoolCreate = Type.Object({
  volunteer_pool: Type.Object({
    name: PoolFields.name,
    description: Type.Optional(PoolFields.description),
    strategy: Type.Optional(PoolFields.strategy),
    round_robin_timeout_minutes: Type.Optional(PoolFields.round_robin_timeout_minutes),
    requires: Type.Optional(PoolFields.requires),
    members: Type.Optional(PoolFields.members),
  }),
});
export const PoolUpdate = Type.Object({ volunteer_pool: Type.Partial(Type.Object(PoolFields)) });

export const PoolMemberStatus = Type.Object({ user: Reference('user_reference'), qualifies: Type.Boolean(), reason: Nullable(Type.String()), last_paged_at: Nullable(Type.String()) });

/** Who the pool would page at `at`, and why the others would not be paged. */
export const PoolStatus = Type.Object({ at: Type.String(), strategy: Type.String(), would_page: Type.Array(Type.Object({ id: Type.String(), summary: Nullable(Type.String()) })), members: Type.Array(PoolMemberStatus) });

export const PoolLevel = Type.Object({
  escalation_level: Type.Object({
    escalation_policy: Type.Object({ id: Type.String({ maxLength: 64 }) }),
    position: Type.Integer({ minimum: 0, maximum: 19, description: 'Where the new level goes (0 = first); volunteers are a backup layer, so usually after the staff levels' }),
    escalation_delay_in_minutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  }),
});

export const PartnerCompany = Type.Object({
  id: Type.String(),
  type: Type.Literal('partner_company'),
  summary: Type.String(),
  self: Type.String(),
  name: Type.String(),
  employee_count: Type.Integer(),
  contact_email: Nullable(Type.String()),
  volunteers: Type.Integer(),
  created_at: Type.String(),
});
const CompanyFields = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  employee_count: Type.Integer({ minimum: 0, maximum: 10_000_000, description: 'Employees covered by the pledge: the 1% target is 20.8 h per employee per year' }),
  contact_email: Nullable(Type.String({ maxLength: 255 })),
};
export const CompanyCreate = Type.Object({ partner_company: Type.Object({ name: CompanyFields.name, employee_count: CompanyFields.employee_count, contact_email: Type.Optional(CompanyFields.contact_email) }) });
export const CompanyUpdate = Type.Object({ partner_company: Type.Partial(Type.Object(CompanyFields)) });

export const PledgeReport = Type.Object({
  pledge_report: Type.Object({
    company: Reference('partner_company_reference'),
    since: Type.String(),
    until: Type.String(),
    employees: Type.Integer(),
    months: Type.Integer(),
    target_hours: Type.Number({ description: 'employees × 20.8 h × months / 12' }),
    given_hours: Type.Number(),
    approved_hours: Type.Number({ description: 'Of the given hours, those a coordinator approved (as approved)' }),
    fraction_of_target: Type.Number(),
    value: Nullable(Type.Number()),
    currency: Nullable(Type.String()),
    volunteers: Type.Array(Type.Object({ user: Reference('user_reference'), hours: Type.Number() })),
  }),
});

export const Settings = Type.Object({
  volunteer_settings: Type.Object({
    terms_version: Nullable(Type.String()),
    terms_url: Nullable(Type.String()),
    value_per_hour: Nullable(Type.Number()),
    currency: Nullable(Type.String()),
    time_zone: Type.String({ description: 'The organization’s zone (months of the ledger; availability shown to coordinators)' }),
    updated_at: Nullable(Type.String()),
  }),
});
export const SettingsUpdate = Type.Object({
  volunteer_settings: Type.Partial(
    Type.Object({
      terms_version: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
      terms_url: Nullable(Type.String({ maxLength: 1024 })),
      value_per_hour: Nullable(Type.Number({ minimum: 0, maximum: 100_000 })),
      currency: Nullable(Type.String({ minLength: 3, maxLength: 3 })),
    }),
  ),
});

export const LedgerLine = Type.Object({
  user: Reference('user_reference'),
  company: Nullable(Reference('partner_company_reference')),
  month: Type.String(),
  on_call_hours: Type.Number(),
  response_hours: Type.Number(),
  total_hours: Type.Number(),
  incidents: Type.Integer(),
  approval: Type.Object({
    status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('changed')], { description: 'changed: approved, but the hours have changed since' }),
    approved_hours: Nullable(Type.Number()),
    approved_by: Nullable(Reference('user_reference')),
    approved_at: Nullable(Type.String()),
  }),
});

export const Ledger = Type.Object({
  since: Type.String(),
  until: Type.String(),
  time_zone: Type.String(),
  ledger: Type.Array(LedgerLine),
  companies: Type.Array(Type.Object({ company: Nullable(Reference('partner_company_reference')), month: Type.String(), volunteers: Type.Integer(), on_call_hours: Type.Number(), response_hours: Type.Number(), total_hours: Type.Number() })),
});

export const LedgerQuery = Type.Object({
  since: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'First month YYYY-MM (default: this month)' })),
  until: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'Last month YYYY-MM, included (default: since)' })),
  company_id: Type.Optional(Type.String({ maxLength: 64 })),
  user_id: Type.Optional(Type.String({ maxLength: 64 })),
});

export const ApprovalCreate = Type.Object({ approval: Type.Object({ user: Type.Object({ id: Type.String({ maxLength: 64 }) }), month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }), note: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))) }) });

export const AuditEntry = Type.Object({ id: Type.String(), user: Nullable(Reference('user_reference')), action: Type.String(), resource: Type.String(), at: Type.String() });

/** GET /volunteers/me/incidents: the open incidents a volunteer may see now (on_shift: of their pools' services too). */
export const VolunteerIncidents = Type.Object({ on_shift: Type.Boolean(), incidents: Type.Array(Incident) });

export const History = Type.Object({
  pages: Type.Array(Type.Object({ incident: Type.Object({ id: Type.String(), number: Nullable(Type.Integer()), service: Nullable(Type.String()) }), pool: Nullable(Type.String()), paged_at: Type.String() })),
  responses: Type.Array(Type.Object({ incident: Type.Object({ id: Type.String(), number: Nullable(Type.Integer()), service: Nullable(Type.String()) }), acknowledged_at: Type.String(), ended_at: Nullable(Type.String()) })),
  hours: Type.Array(Type.Object({ month: Type.String(), on_call_hours: Type.Number(), response_hours: Type.Number(), total_hours: Type.Number(), approved: Type.Boolean() })),
});
