/**
 * A service's alert settings in PagerDuty's wire shapes, read and written without I/O:
 * incident_urgency_rule (constant, severity based, or use_support_hours with an urgency
 * during and outside them), support_hours, scheduled_actions, alert_grouping_parameters,
 * auto_pause_notifications_parameters and alert_creation. Every problem names its field;
 * a field Vigil cannot honour is refused, never ignored.
 */
import type { ServiceTable } from '../storage/schema.js';
import { parseGrouping, storeGrouping, wireGrouping, loadGrouping } from './alert-grouping.js';
import { nextUrgencyChange, validateSupportHours, type ScheduledAction, type SupportHours, type UrgencyChoice } from './support-hours.js';

export interface AlertSettingsInput {
  incident_urgency_rule?: unknown;
  support_hours?: unknown;
  scheduled_actions?: unknown;
  alert_grouping_parameters?: unknown;
  auto_pause_notifications_parameters?: unknown;
  alert_creation?: unknown;
}

type Settings = Pick<ServiceTable, 'urgency_rule' | 'urgency_during' | 'urgency_outside' | 'support_hours' | 'scheduled_actions' | 'urgency_change_at' | 'alert_grouping' | 'auto_pause'>;

const PAUSE_TIMEOUTS = [0, 120, 180, 300, 600, 900];

function urgencyType(v: unknown, path: string, errors: string[]): UrgencyChoice | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    errors.push(`${path} must be an object such as {"type": "constant", "urgency": "high"}`);
    return null;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'type' && k !== 'urgency') errors.push(`${path}.${k} is not a field of an urgency rule`);
  if (o['type'] === 'severity_based') return 'severity_based';
  if (o['type'] !== undefined && o['type'] !== 'constant') errors.push(`${path}.type must be "constant" here`);
  const u = o['urgency'] ?? 'high';
  if (u !== 'high' && u !== 'low' && u !== 'severity_based') {
    errors.push(`${path}.urgency must be high, low or severity_based`);
    return null;
  }
  return u;
}

/**
 * The columns these inputs change (absent inputs change nothing), checked against what the
 * service already has: support hours are needed by use_support_hours and by scheduled actions.
 */
export function alertSettingsPatch(input: AlertSettingsInput, current: Settings | null, now: number): { patch: Partial<Settings>; errors: string[] } {
  const errors: string[] = [];
  const patch: Partial<Settings> = {};
  const p = 'service';

  if (input.alert_creation !== undefined && input.alert_creation !== 'create_alerts_and_incidents') {
    errors.push(`${p}.alert_creation must be "create_alerts_and_incidents": Vigil always keeps the alerts behind an incident`);
  }

  if (input.incident_urgency_rule !== undefined) {
    const r = input.incident_urgency_rule as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) errors.push(`${p}.incident_urgency_rule must be an object`);
    else if (r['type'] === 'use_support_hours') {
      for (const k of Object.keys(r)) if (!['type', 'during_support_hours', 'outside_support_hours', 'urgency'].includes(k)) errors.push(`${p}.incident_urgency_rule.${k} is not a field of a use_support_hours rule`);
      const during = urgencyType(r['during_support_hours'] ?? { type: 'constant', urgency: 'high' }, `${p}.incident_urgency_rule.during_support_hours`, errors);
      const outside = urgencyType(r['outside_support_hours'] ?? { type: 'constant', urgency: 'low' }, `${p}.incident_urgency_rule.outside_support_hours`, errors);
      Object.assign(patch, { urgency_rule: 'use_support_hours', urgency_during: during, urgency_outside: outside });
    } else {
      for (const k of Object.keys(r)) if (k !== 'type' && k !== 'urgency') errors.push(`${p}.incident_urgency_rule.${k} is not a field of a ${String(r['type'] ?? 'constant')} rule`);
      const u = urgencyType(r, `${p}.incident_urgency_rule`, errors);
      if (u) Object.assign(patch, { urgency_rule: u, urgency_during: null, urgency_outside: null });
    }
  }

  let supportHours: SupportHours | null = current?.support_hours ? (JSON.parse(current.support_hours) as SupportHours) : null;
  if (input.support_hours !== undefined) {
    const sh = validateSupportHours(input.support_hours, `${p}.support_hours`);
    errors.push(...sh.errors);
    supportHours = sh.value;
    patch.support_hours = sh.value ? JSON.stringify(sh.value) : null;
  }

  let actions: ScheduledAction[] = current?.scheduled_actions ? (JSON.parse(current.scheduled_actions) as ScheduledAction[]) : [];
  if (input.scheduled_actions !== undefined) {
    const a = input.scheduled_actions;
    actions = [];
    if (a !== null && !Array.isArray(a)) errors.push(`${p}.scheduled_actions must be a list`);
    else
      (a ?? []).forEach((x: unknown, i: number) => {
        const f = `${p}.scheduled_actions[${i}]`;
        const o = (x ?? {}) as Record<string, unknown>;
        for (const k of Object.keys(o)) if (!['type', 'at', 'to_urgency'].includes(k)) errors.push(`${f}.${k} is not a field of a scheduled action`);
        const at = (o['at'] ?? {}) as Record<string, unknown>;
        if (o['type'] !== 'urgency_change') errors.push(`${f}.type must be "urgency_change"`);
        else if (at['type'] !== 'named_time') errors.push(`${f}.at.type must be "named_time"`);
        else if (at['name'] !== 'support_hours_start') errors.push(`${f}.at.name must be "support_hours_start": open low-urgency incidents become high when support hours begin (Vigil does not lower urgency at their end)`);
        else if (o['to_urgency'] !== 'high') errors.push(`${f}.to_urgency must be "high"`);
        else actions.push({ type: 'urgency_change', at: { type: 'named_time', name: 'support_hours_start' }, to_urgency: 'high' });
      });
    patch.scheduled_actions = actions.length ? JSON.stringify(actions) : null;
  }

  const rule = patch.urgency_rule ?? current?.urgency_rule ?? 'high';
  if (rule === 'use_support_hours' && !supportHours) errors.push(`${p}.support_hours must be set for an incident_urgency_rule of type use_support_hours`);
  if (actions.length && rule !== 'use_support_hours') errors.push(`${p}.scheduled_actions need an incident_urgency_rule of type use_support_hours`);
  if (input.support_hours !== undefined || input.scheduled_actions !== undefined || patch.urgency_rule !== undefined) {
    patch.urgency_change_at = rule === 'use_support_hours' ? nextUrgencyChange(actions, supportHours, now) : null;
  }

  if (input.alert_grouping_parameters !== undefined) {
    const g = parseGrouping(input.alert_grouping_parameters, `${p}.alert_grouping_parameters`);
    errors.push(...g.errors);
    patch.alert_grouping = storeGrouping(g.value);
  }

  if (input.auto_pause_notifications_parameters !== undefined) {
    const a = input.auto_pause_notifications_parameters as Record<string, unknown> | null;
    const f = `${p}.auto_pause_notifications_parameters`;
    if (a === null) patch.auto_pause = null;
    else if (typeof a !== 'object' || Array.isArray(a)) errors.push(`${f} must be an object such as {"enabled": true, "timeout": 300}`);
    else {
      for (const k of Object.keys(a)) if (!['enabled', 'timeout', 'recommended_timeout'].includes(k)) errors.push(`${f}.${k} is not a field of auto_pause_notifications_parameters`);
      if (typeof a['enabled'] !== 'boolean') errors.push(`${f}.enabled must be true or false`);
      const t = a['timeout'] ?? 0;
      if (!PAUSE_TIMEOUTS.includes(t as number)) errors.push(`${f}.timeout must be one of ${PAUSE_TIMEOUTS.join(', ')} seconds (0: the recommended 300)`);
      patch.auto_pause = a['enabled'] ? JSON.stringify({ enabled: true, timeout: t }) : null;
    }
  }
  return { patch, errors };
}

/** The settings as PagerDuty shows them. */
export function presentAlertSettings(s: Settings) {
  const constant = (u: UrgencyChoice | null) => ({ type: 'constant', urgency: u ?? 'high' });
  const pause = s.auto_pause ? (JSON.parse(s.auto_pause) as { enabled: boolean; timeout: number }) : { enabled: false, timeout: 0 };
  return {
    // PagerDuty's shape: a rule by severity is a constant rule of urgency "severity_based"; a support-hours rule has no urgency of its own.
    incident_urgency_rule:
      s.urgency_rule === 'use_support_hours'
        ? { type: 'use_support_hours', during_support_hours: constant(s.urgency_during), outside_support_hours: constant(s.urgency_outside) }
        : { type: 'constant', urgency: s.urgency_rule as string },
    // Absent when none (PagerDuty's schema has no null support hours).
    ...(s.support_hours ? { support_hours: { type: 'fixed_time_per_day' as const, ...(JSON.parse(s.support_hours) as SupportHours) } } : {}),
    scheduled_actions: s.scheduled_actions ? (JSON.parse(s.scheduled_actions) as ScheduledAction[]) : [],
    alert_creation: 'create_alerts_and_incidents' as const,
    alert_grouping_parameters: wireGrouping(loadGrouping(s.alert_grouping)),
    auto_pause_notifications_parameters: { enabled: pause.enabled, timeout: pause.enabled ? pause.timeout : null, recommended_timeout: 300 },
  };
}
