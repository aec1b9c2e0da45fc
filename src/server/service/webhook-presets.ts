/**
 * Ready-made mappings for generic webhook integrations (service/webhook-mapping.ts), each
 * built from the tool's documented webhook payload; docs/sources.md says what to paste where
 * in each tool, and test/api/fixtures/webhooks/ holds the sample payloads they are tested on.
 */
import type { WebhookMapping } from './webhook-mapping.js';

export interface WebhookPreset {
  name: string;
  /** What the sender must be set up to post (docs/sources.md has the body to paste where the tool lets users write one). */
  note: string;
  mapping: WebhookMapping;
}

export const WEBHOOK_PRESETS: Record<string, WebhookPreset> = {
  uptime_kuma: {
    name: 'Uptime Kuma',
    note: 'Notification type "Webhook", request body "Preset - application/json". heartbeat.status 0 (down) triggers, 1 (up) resolves; the monitor id is the dedup key.',
    mapping: {
      summary: 'msg ? msg : [monitor.name, "Uptime Kuma"][0] & " is " & (heartbeat.status = 1 ? "up" : "down")',
      source: '[monitor.url, monitor.hostname, monitor.name][0]',
      severity: '"critical"',
      dedup_key: '"uptime-kuma-" & $string([monitor.id, heartbeat.monitorID, "test"][0])',
      action: 'heartbeat.status',
      action_map: { '0': 'trigger', '1': 'resolve', '2': 'trigger', '3': 'resolve' },
      custom_details: '{"monitor": monitor.name, "url": monitor.url, "type": monitor.type, "message": heartbeat.msg, "time": heartbeat.time, "timezone": heartbeat.timezone, "ping_ms": heartbeat.ping, "duration_s": heartbeat.duration}',
      links: 'monitor.url ? [{"href": monitor.url, "text": monitor.name}]',
    },
  },
  uptimerobot: {
    name: 'UptimeRobot',
    note: 'Alert contact "Webhook" with the JSON body of docs/sources.md (or the default form fields): alertType 1 (down) triggers, 2 (up) resolves, 3 (SSL expiry) triggers a warning.',
    mapping: {
      summary: 'monitorFriendlyName & " is " & ($string(alertType) = "1" ? "down" : $string(alertType) = "2" ? "up" : $string(alertType) = "3" ? "near its SSL certificate expiry" : [alertTypeFriendlyName, "changed"][0]) & (alertDetails ? ": " & alertDetails : "")',
      source: '[monitorURL, monitorFriendlyName][0]',
      severity: '$string(alertType)',
      severity_map: { '1': 'critical', '2': 'info', '3': 'warning' },
      dedup_key: '"uptimerobot-" & $string(monitorID) & ($string(alertType) = "3" ? "-ssl" : "")',
      action: '$string(alertType)',
      action_map: { '1': 'trigger', '2': 'resolve', '3': 'trigger' },
      custom_details: '{"monitor": monitorFriendlyName, "url": monitorURL, "alert": alertTypeFriendlyName, "details": alertDetails, "duration_s": alertDuration, "at": alertDateTime}',
      links: '$contains($string(monitorURL), /^https?:/) ? [{"href": monitorURL, "text": monitorFriendlyName}]',
    },
  },
  healthchecks: {
    name: 'Healthchecks.io',
    note: 'Integration "Webhook", the same JSON body (docs/sources.md) for "down" and "up": $STATUS down triggers, up resolves; the check id ($CODE) is the dedup key.',
    mapping: {
      summary: 'name & " is " & status',
      source: '"healthchecks.io"',
      severity: 'status',
      severity_map: { down: 'critical', up: 'info' },
      dedup_key: '"healthchecks-" & check_id',
      action: 'status',
      action_map: { down: 'trigger', up: 'resolve' },
      custom_details: '$',
    },
  },
  grafana: {
    name: 'Grafana alerting',
    note: 'Contact point "Webhook" (no body to write): each alert of the notification becomes one event, keyed by its fingerprint; firing triggers, resolved resolves.',
    mapping: {
      events: 'alerts',
      summary: '[annotations.summary, labels.alertname, $payload.title][0] & (annotations.summary and labels.alertname ? " (" & labels.alertname & ")" : "")',
      source: '[labels.instance, labels.grafana_folder, $payload.externalURL][0]',
      severity: 'labels.severity',
      severity_map: { critical: 'critical', high: 'critical', page: 'critical', error: 'error', warning: 'warning', warn: 'warning', info: 'info', low: 'info', none: 'info' },
      dedup_key: 'fingerprint',
      action: 'status',
      action_map: { firing: 'trigger', resolved: 'resolve' },
      custom_details: '{"labels": labels, "annotations": annotations, "values": values, "starts_at": startsAt, "receiver": $payload.receiver, "group_key": $payload.groupKey}',
      links: '[generatorURL ? {"href": generatorURL, "text": "Alert rule"}, dashboardURL ? {"href": dashboardURL, "text": "Dashboard"}, panelURL ? {"href": panelURL, "text": "Panel"}, silenceURL ? {"href": silenceURL, "text": "Silence"}]',
    },
  },
  sentry: {
    name: 'Sentry',
    note: 'Internal integration with the "issue" webhook and an alert rule action "Send a notification via <integration>": issue alerts (action "triggered") and new or unresolved issues trigger, resolved issues resolve; the issue id is the dedup key.',
    mapping: {
      summary: '[data.event.title, data.issue.title][0]',
      source: '$string([data.event.project, data.issue.project.slug, data.issue.project.name][0])',
      severity: '[data.event.level, data.issue.level][0]',
      severity_map: { fatal: 'critical', error: 'error', warning: 'warning', info: 'info', debug: 'info' },
      dedup_key: '"sentry-" & $string([data.event.issue_id, data.issue.id][0])',
      action: 'action',
      action_map: { triggered: 'trigger', created: 'trigger', unresolved: 'trigger', resolved: 'resolve' },
      custom_details: '{"culprit": [data.event.culprit, data.issue.culprit][0], "rule": data.triggered_rule, "platform": [data.event.platform, data.issue.platform][0], "environment": data.event.environment, "tags": data.event.tags}',
      links: '[$exists([data.event.web_url, data.issue.web_url][0]) ? {"href": [data.event.web_url, data.issue.web_url][0], "text": "Sentry issue"}]',
    },
  },
  zabbix: {
    name: 'Zabbix',
    note: 'Media type "Webhook" with the script and parameters of docs/sources.md: {EVENT.VALUE} 1 (problem) triggers, 0 (recovery) resolves; the problem event id {EVENT.ID} is the dedup key.',
    mapping: {
      summary: 'name & (host ? " on " & host : "")',
      source: 'host',
      severity: 'severity',
      severity_map: { 'Not classified': 'info', Information: 'info', Warning: 'warning', Average: 'error', High: 'critical', Disaster: 'critical' },
      dedup_key: '"zabbix-" & event_id',
      action: '$string(event_value)',
      action_map: { '1': 'trigger', '0': 'resolve' },
      custom_details: '{"host": host, "severity": severity, "event_id": event_id, "trigger_id": trigger_id, "opdata": opdata, "tags": tags}',
      links: 'url ? [{"href": url, "text": "Zabbix event"}]',
    },
  },
};
