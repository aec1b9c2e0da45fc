/**
 * The REST shapes the web app reads and sends, derived from the wire schemas in
 * src/contract: the same schemas the server validates, serializes and documents
 * (/api/v1/openapi.json) its answers with, so a field changed there is a type
 * error here. Type-only: every import below is erased, and no TypeBox code
 * reaches the bundle. Pages import their wire types from this module.
 */
import type { Static, TObject } from 'typebox';
import type * as account from '../../contract/account';
import type * as analytics from '../../contract/analytics';
import type * as postmortem from '../../contract/postmortem';
import type * as common from '../../contract/common';
import type * as contact from '../../contract/contact';
import type * as escalation from '../../contract/escalation';
import type * as impact from '../../contract/impact';
import type * as incident from '../../contract/incident';
import type * as maintenance from '../../contract/maintenance';
import type * as openShifts from '../../contract/open-shifts';
import type * as orchestration from '../../contract/orchestration';
import type * as priority from '../../contract/priority';
import type * as schedule from '../../contract/schedule';
import type * as service from '../../contract/service';
import type * as statusPage from '../../contract/status-page';
import type * as user from '../../contract/user';
import type * as volunteer from '../../contract/volunteer';

/** A reference to another resource: id, type, and usually its name as summary. */
export type Ref = Static<ReturnType<typeof common.Reference>>;
/** What every /api/v1 error answers: the messages name the field. */
export type ErrorBody = Static<typeof common.ErrorBody>;
/** limit, offset, more, total: what a paginated list answers beside its items. */
export type Page = Static<TObject<typeof common.Pagination>>;

// ---- incidents ----------------------------------------------------------------------
export type IncidentStatus = Static<typeof incident.IncidentStatus>;
export type Urgency = Static<typeof incident.Urgency>;
export type Incident = Static<typeof incident.Incident>;
/** GET /incidents/{id}: an incident with the people affected, where the service counts them. */
export type IncidentDetail = Static<typeof incident.IncidentDetail>;
export type IncidentEscalated = Static<typeof incident.IncidentEscalated>;
export type IncidentChanged = Static<typeof incident.IncidentChanged>;
export type LogEntry = Static<typeof incident.LogEntry>;
export type Alert = Static<typeof incident.Alert>;

// ---- services ------------------------------------------------------------------------
export type Service = Static<typeof service.Service>;
export type ServicePatch = Static<typeof service.ServiceUpdate>['service'];
export type Integration = Static<typeof service.Integration>;
export type TestEventSent = Static<typeof service.TestEventSent>;
export type TestMappingResult = Static<typeof service.TestMappingResult>;
export type MappingError = Static<typeof service.MappingError>;

// ---- maintenance windows ----------------------------------------------------------------
export type MaintenanceWindow = Static<typeof maintenance.MaintenanceWindow>;
export type MaintenanceWindowIn = Static<typeof maintenance.MaintenanceWindowCreate>['maintenance_window'];

// ---- people and the session ------------------------------------------------------------
export type Role = Static<typeof user.RoleSchema>;
export type User = Static<typeof user.User>;
export type UserPatch = Static<typeof user.UserUpdate>['user'];
export type ApiToken = Static<typeof user.ApiToken>;
export type Session = Static<typeof account.Session>;
export type SignInAnswer = Static<typeof account.SignInAnswer>;
export type ResetRequested = Static<typeof account.ResetRequested>;
export type AccountLink = Static<typeof account.AccountLink>;
export type InvitationSent = Static<typeof account.InvitationSent>;
export type ContactMethod = Static<typeof contact.ContactMethod>;
export type NotificationRule = Static<typeof contact.NotificationRule>;
export type TestPageQueued = Static<typeof contact.TestPageQueued>;
export type ReadinessEntry = Static<typeof contact.ReadinessEntry>;
export type Readiness = Static<typeof contact.Readiness>;

// ---- schedules, on call, escalation policies -------------------------------------------
export type Schedule = Static<typeof schedule.Schedule>;
export type RenderedEntry = Static<typeof schedule.RenderedEntry>;
export type Restriction = Static<typeof schedule.Restriction>;
/** A layer as PUT /schedules/{id} takes it (an id keeps an existing layer). */
export type ScheduleLayerIn = Static<typeof schedule.ScheduleLayerIn>;
export type CapWarning = Static<typeof openShifts.CapWarning>;
export type CalendarFeed = Static<typeof schedule.CalendarFeed>;
export type Oncall = Static<typeof schedule.Oncall>;
export type EscalationPolicy = Static<typeof escalation.EscalationPolicy>;
export type EscalationRule = Static<typeof escalation.EscalationRule>;

// ---- status page -----------------------------------------------------------------------
export type StatusPageSettings = Static<typeof statusPage.StatusPageSettings>;
export type StatusPagePatch = Static<typeof statusPage.StatusPageUpdate>['status_page'];
export type PublicStatusPage = Static<typeof statusPage.PublicStatusPage>;
export type StatusSubscriber = Static<typeof statusPage.StatusSubscriber>;
export type PublicUpdate = Static<typeof statusPage.PublicUpdate>;
export type UpdateTemplate = Static<typeof statusPage.UpdateTemplate>;

// ---- volunteers ------------------------------------------------------------------------
export type Volunteer = Static<typeof volunteer.Volunteer>;
export type AvailabilityWindow = Static<typeof volunteer.AvailabilityWindow>;
export type AvailabilityView = Static<typeof volunteer.AvailabilityView>;
export type History = Static<typeof volunteer.History>;
export type VolunteerIncidents = Static<typeof volunteer.VolunteerIncidents>;
export type VolunteerSettings = Static<typeof volunteer.Settings>['volunteer_settings'];
export type VolunteerPool = Static<typeof volunteer.VolunteerPool>;
export type PoolStatus = Static<typeof volunteer.PoolStatus>;
export type Ledger = Static<typeof volunteer.Ledger>;
export type LedgerLine = Static<typeof volunteer.LedgerLine>;
export type AuditEntry = Static<typeof volunteer.AuditEntry>;
export type CoverageGap = Static<typeof openShifts.CoverageGap>;
export type CoverageGaps = Static<typeof openShifts.CoverageGaps>;
export type ShiftTrade = Static<typeof openShifts.ShiftTrade>;
export type OpenShift = Static<typeof openShifts.OpenShift>;
export type OpenShiftSchedule = Static<typeof openShifts.OpenShiftSchedule>;

// ---- impact ----------------------------------------------------------------------------
export type ImpactSeries = Static<typeof impact.ImpactSeries>;
export type ImpactTotals = Static<typeof impact.OrgTotals>;

// ---- event rules (PagerDuty Event Orchestration) ------------------------------------------
/** A rule path as read: a service's rules or a global orchestration's router. */
export type OrchestrationPath = Static<typeof orchestration.OrchestrationPath>;
/** A rule path as PUT and the test endpoints take it. */
export type OrchestrationPathIn = Static<typeof orchestration.OrchestrationPathIn>;
export type OrchestrationRule = OrchestrationPath['sets'][number]['rules'][number];
export type RuleActions = OrchestrationRule['actions'];
export type Extraction = Static<typeof orchestration.Extraction>;
export type Orchestration = Static<typeof orchestration.Orchestration>;
/** An organization-wide routing key; `parameters.routing_key` only in the answer that created it. */
export type RoutingKey = Static<typeof orchestration.OrchestrationIntegration>;
export type SampleEvent = Static<typeof orchestration.SampleEvent>;
export type RuleTestBody = Static<typeof orchestration.RuleTestBody>;
export type ServiceTestResult = Static<typeof orchestration.ServiceTestResult>['result'];
export type RouterTestResult = Static<typeof orchestration.RouterTestResult>['result'];
// ---- incident priorities ---------------------------------------------------------------
export type Priority = Static<typeof priority.Priority>;

// ---- analytics and postmortems -------------------------------------------------------------
export type IncidentMetrics = Static<typeof analytics.AnalyticsIncidentMetrics>;
export type MetricsAnswer = Static<typeof analytics.AnalyticsMetricsAnswer>;
export type Insights = Static<typeof analytics.AnalyticsInsights>;
export type ResponderLoad = Static<typeof analytics.ResponderLoadAnswer>;
export type Postmortem = Static<typeof postmortem.Postmortem>;
export type ActionItem = Static<typeof postmortem.ActionItem>;
export type MonthlyReport = Static<typeof analytics.MonthlyImpactReport>;
export type QuarterlyReport = Static<typeof analytics.QuarterlyImpactReport>;
