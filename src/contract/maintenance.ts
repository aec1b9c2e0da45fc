/**
 * Maintenance windows on the wire: PagerDuty's MaintenanceWindow, plus Vigil's recurring
 * windows (`recurrence`, an RFC 5545 RRULE read in `time_zone`, and `next_occurrence`).
 */
import { Type } from 'typebox';
import { Nullable, RefIn, Reference } from './common.js';
import { Service } from './service.js';
import { User } from './user.js';

export const Occurrence = Type.Object({ start_time: Type.String(), end_time: Type.String() });

export const MaintenanceWindow = Type.Object({
  id: Type.String(),
  type: Type.Literal('maintenance_window'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  sequence_number: Type.Integer({ description: 'The order in which windows were created in the organization' }),
  start_time: Type.String({ description: 'ISO 8601, with the offset of time_zone when it has one. For a recurring window, the start of its first occurrence.' }),
  end_time: Type.String({ description: 'For a recurring window, the end of its first occurrence: every occurrence lasts as long on the clock of time_zone.' }),
  description: Type.Optional(Type.String()),
  // A full service with include[]=services, else a reference.
  services: Type.Array(Type.Union([Service, Reference('service_reference')])),
  teams: Type.Array(Reference('team_reference')),
  // A full user with include[]=users, else a reference; absent when no user created it.
  created_by: Type.Optional(Type.Union([User, Reference('user_reference')])),
  recurrence: Nullable(Type.String({ description: 'Vigil extension: RFC 5545 RRULE value (e.g. FREQ=WEEKLY;BYDAY=SU) read in time_zone; null for a one-off window' })),
  time_zone: Nullable(Type.String({ description: 'Vigil extension: IANA zone of a recurring window (times are shown with its offset)' })),
  next_occurrence: Nullable(Type.Object({ start_time: Type.String(), end_time: Type.String() }, { description: 'Vigil extension, recurring windows: the occurrence in progress, or else the next one; null when none is left' })),
});

const Fields = {
  type: Type.Optional(Type.String({ maxLength: 64, description: '"maintenance_window"' })),
  start_time: Type.String({ minLength: 1, maxLength: 64, description: 'ISO 8601. In the past: now. Without an offset: read in time_zone.' }),
  end_time: Type.String({ minLength: 1, maxLength: 64, description: 'ISO 8601, in the future and after start_time' }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1024, description: 'Shown on the timeline and on the public status page' }))),
  services: Type.Array(RefIn, { maxItems: 100, description: 'The services it covers (at least one)' }),
  teams: Type.Optional(Type.Array(Type.Unknown(), { description: 'Vigil has no teams: absent or empty' })),
  recurrence: Type.Optional(Nullable(Type.String({ maxLength: 512, description: 'Vigil extension: an RRULE value; start_time must be its first occurrence; at most 4 occurrences a day' }))),
  time_zone: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'Vigil extension: IANA zone; required with a recurrence' }))),
};

/** The service checks a body's fields itself (maintenance/maintenance.service.ts): a read-only field is taken back, any other unknown one is refused by name. */
const CheckedFields = { additionalProperties: true } as const;
export const MaintenanceWindowCreate = Type.Object({ maintenance_window: Type.Object(Fields, CheckedFields) });
export const MaintenanceWindowUpdate = Type.Object({ maintenance_window: Type.Partial(Type.Object(Fields), CheckedFields) });
