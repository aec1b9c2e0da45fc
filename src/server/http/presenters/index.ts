/**
 * The presenter route modules receive (AppDeps.presenter): the shared helpers of
 * common.ts plus each resource's presenter, bound to the public base URL. Each method
 * only forwards: what a resource looks like on the wire is in its own file here.
 */
import type { ForwardStats } from '../../notify/forward.js';
import type { IncidentFacts } from '../../incident/incident-read.service.js';
import type { OnCall, ReadinessItem, UnconfirmedMethod } from '../../oncall/oncall.service.js';
import type { PolicyRow } from '../../escalation/policy.service.js';
import type { Granularity, SeriesRow, TotalsRow } from '../../impact/report.js';
import type { PolicyFacts, Rendering, ScheduleFacts, ScheduleRow } from '../../schedule/schedule.service.js';
import type { FinalEntry, TimeRange } from '../../schedule/schedule.js';
import type {
  AlertTable,
  CalendarFeedTable,
  ChangeEventTable,
  ContactMethodTable,
  ImpactMetricTable,
  IncidentImpactTable,
  IncidentTable,
  IntegrationTable,
  LogEntryTable,
  NotificationRuleTable,
  OrganizationTable,
  PriorityTable,
  ScheduleOverrideTable,
  ServiceTable,
  UserTable,
  WebhookSubscriptionTable,
} from '../../storage/schema.js';
import { presentAlert } from './alert.js';
import { presentCalendarFeed } from './calendar-feed.js';
import { presentChangeEvent } from './change-event.js';
import { BasePresenter } from './common.js';
import { presentContactMethod, presentNotificationRule } from './contact.js';
import { presentEscalationPolicy } from './escalation-policy.js';
import { impactIncidentItems, presentImpactBrief, presentImpactMetric, presentImpactSeries, presentIncidentImpactAnswer, presentOrgTotals, presentTotals } from './impact.js';
import { presentIncident } from './incident.js';
import { presentAddedNote, presentLogEntry, presentNote } from './log-entry.js';
import { presentOncalls, presentReadiness, type OnCallNames } from './oncall.js';
import { presentFinalSchedule, presentOverride, presentSchedule } from './schedule.js';
import { presentIntegration, presentService } from './service.js';
import { presentMaintenanceWindow, type WindowFacts } from './maintenance-window.js';
import type { WindowView } from '../../maintenance/maintenance.service.js';
import { presentApiToken, presentOrganization, presentUser } from './user.js';
import { presentWebhookSubscription } from './webhook-subscription.js';
import { presentPriority } from './priority.js';

type NamedService = Pick<ServiceTable, 'id' | 'name'>;

export class Presenter extends BasePresenter {
  // organization, members, API tokens
  organization(o: OrganizationTable) {
    return presentOrganization(o);
  }
  user(u: UserTable) {
    return presentUser(this, u);
  }
  apiToken(t: Parameters<typeof presentApiToken>[0], token?: string) {
    return presentApiToken(t, token);
  }

  // services and integrations
  service(s: ServiceTable, integrations: IntegrationTable[], lastIncidentAt: number | null, policyName: string | null = null, inMaintenance = false) {
    return presentService(this, s, integrations, lastIncidentAt, policyName, inMaintenance);
  }
  integration(i: IntegrationTable, service: ServiceTable, key?: string, forward?: ForwardStats) {
    return presentIntegration(this, i, service, key, forward);
  }
  changeEvent(r: ChangeEventTable) {
    return presentChangeEvent(r);
  }

  // incidents and their timeline
  incident(i: IncidentTable, ctx: IncidentFacts & { includeBody?: boolean }) {
    return presentIncident(this, i, ctx);
  }
  alert(a: AlertTable, serviceName: string | null, integrationName: string | null) {
    return presentAlert(this, a, serviceName, integrationName);
  }
  logEntry(e: LogEntryTable, serviceName: string | null, incidentTitle: string | null, locale?: string) {
    return presentLogEntry(this, e, serviceName, incidentTitle, locale);
  }
  note(e: LogEntryTable) {
    return presentNote(this, e);
  }
  addedNote(id: string, author: { id: string; summary: string }, content: string, at: number) {
    return presentAddedNote(this, id, author, content, at);
  }

  // contact methods and notification rules
  contactMethod(cm: ContactMethodTable, userName: string, now: number, viewerId: string | null, created?: { secret: string | null }) {
    return presentContactMethod(this, cm, userName, now, viewerId, created);
  }
  notificationRule(r: NotificationRuleTable, cm: ContactMethodTable) {
    return presentNotificationRule(this, r, cm);
  }

  // schedules, escalation policies, on-call
  schedule(row: ScheduleRow, facts: ScheduleFacts, rendering?: Rendering) {
    return presentSchedule(this, row, facts, rendering);
  }
  finalSchedule(row: ScheduleRow, range: TimeRange, final: FinalEntry[], names: Map<string, string>) {
    return presentFinalSchedule(this, row, range, final, names);
  }
  override(o: ScheduleOverrideTable, names: Map<string, string>) {
    return presentOverride(this, o, names);
  }
  calendarFeed(feed: CalendarFeedTable, token: string, targetName: string) {
    return presentCalendarFeed(this, feed, token, targetName);
  }
  escalationPolicy(pol: PolicyRow, facts: PolicyFacts) {
    return presentEscalationPolicy(this, pol, facts);
  }
  oncalls(oncalls: OnCall[], names: OnCallNames) {
    return presentOncalls(this, oncalls, names);
  }
  readiness(r: { since: number; until: number; items: ReadinessItem[]; unconfirmed: UnconfirmedMethod[] } & Omit<OnCallNames, 'users'>, days: number) {
    return presentReadiness(this, r, days);
  }

  // webhook subscriptions
  webhookSubscription(s: WebhookSubscriptionTable, secret?: string) {
    return presentWebhookSubscription(s, secret);
  }

  // impact
  impactMetric(row: ImpactMetricTable, service: NamedService) {
    return presentImpactMetric(this, row, service);
  }
  impactBrief(incidentId: string, figure: { row: IncidentImpactTable; metric: ImpactMetricTable | undefined } | null) {
    return presentImpactBrief(this, incidentId, figure);
  }
  incidentImpact(f: Parameters<typeof presentIncidentImpactAnswer>[1]) {
    return presentIncidentImpactAnswer(this, f);
  }
  impactSeries(service: NamedService, metric: ImpactMetricTable, timeZone: string, g: Granularity, since: number, until: number, rows: SeriesRow[]) {
    return presentImpactSeries(this, service, metric, timeZone, g, since, until, rows);
  }
  impactIncidents(f: Parameters<typeof impactIncidentItems>[1]) {
    return impactIncidentItems(this, f);
  }
  impactTotals(t: TotalsRow, s: NamedService) {
    return presentTotals(this, t, s);
  }
  orgImpactTotals(since: number, until: number, named: { t: TotalsRow; s: NamedService }[]) {
    return presentOrgTotals(this, since, until, named);
  }

  // maintenance windows
  maintenanceWindow(v: WindowView, facts: WindowFacts, now: number) {
    return presentMaintenanceWindow(this, v, facts, now);
  }

  // incident priorities
  priority(r: PriorityTable) {
    return presentPriority(this, r);
  }
}
