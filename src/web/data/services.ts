import { api, withQuery } from './client';
import type { Integration, MappingError, Service, ServicePatch, TestEventSent, TestMappingResult } from './types';

export const listServices = () => api<{ services: Service[] }>('GET', withQuery('/api/v1/services', { limit: 100 })).then((r) => r.services);
export const getService = (id: string) => api<{ service: Service }>('GET', `/api/v1/services/${encodeURIComponent(id)}`).then((r) => r.service);
export const createService = (name: string, description: string) => api<{ service: Service }>('POST', '/api/v1/services', { service: { name, ...(description ? { description } : {}) } }).then((r) => r.service);
export const updateService = (id: string, patch: ServicePatch) =>
  api<{ service: Service }>('PUT', `/api/v1/services/${encodeURIComponent(id)}`, { service: patch }).then((r) => r.service);
export const listIntegrations = (serviceId: string) => api<{ integrations: Integration[] }>('GET', `/api/v1/services/${encodeURIComponent(serviceId)}/integrations`).then((r) => r.integrations);
export const createIntegration = (serviceId: string, type: string, name: string, extra: Record<string, unknown> = {}) =>
  api<{ integration: Integration }>('POST', `/api/v1/services/${encodeURIComponent(serviceId)}/integrations`, { integration: { type, ...(name ? { name } : {}), ...extra } }).then((r) => r.integration);
/** Generic webhook: the events a sample payload would give with the integration's mapping (nothing is written). */
export const testMapping = (serviceId: string, integrationId: string, payload: unknown) =>
  api<TestMappingResult>('POST', `/api/v1/services/${encodeURIComponent(serviceId)}/integrations/${encodeURIComponent(integrationId)}/test_mapping`, { payload });

/** Generic webhook: the latest payloads its mapping failed on (admins). */
export const listMappingErrors = (serviceId: string, integrationId: string) =>
  api<{ mapping_errors: MappingError[] }>('GET', `/api/v1/services/${encodeURIComponent(serviceId)}/integrations/${encodeURIComponent(integrationId)}/mapping_errors?limit=10`).then((r) => r.mapping_errors);

/** The ready-made mappings of generic webhook integrations (server: service/webhook-presets.ts; docs/sources.md). */
export const WEBHOOK_PRESETS: { id: string; label: string }[] = [
  { id: 'uptime_kuma', label: 'Uptime Kuma' },
  { id: 'uptimerobot', label: 'UptimeRobot' },
  { id: 'healthchecks', label: 'Healthchecks.io' },
  { id: 'grafana', label: 'Grafana alerting' },
  { id: 'sentry', label: 'Sentry' },
  { id: 'zabbix', label: 'Zabbix' },
];
export const rotateKey = (serviceId: string, integrationId: string) =>
  api<{ integration: Integration }>('POST', `/api/v1/services/${encodeURIComponent(serviceId)}/integrations/${encodeURIComponent(integrationId)}/rotate_key`).then((r) => r.integration);
export const sendTestEvent = (serviceId: string, integrationId: string) =>
  api<TestEventSent>('POST', `/api/v1/services/${encodeURIComponent(serviceId)}/integrations/${encodeURIComponent(integrationId)}/test_event`);

/** Ready-to-paste examples for an integration. The key is shown once, when it is created or rotated. */
export function curlSnippet(origin: string, key: string): string {
  return [
    `curl -sS -X POST ${origin}/v2/enqueue \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '{"routing_key":"${key}","event_action":"trigger",`,
    `       "payload":{"summary":"Chat queue not answering","source":"chat-gw-1","severity":"critical"}}'`,
  ].join('\n');
}

export function alertmanagerSnippet(origin: string, key: string): string {
  return [
    'receivers:',
    '  - name: vigil',
    '    pagerduty_configs:',
    `      - url: ${origin}/v2/enqueue`,
    `        routing_key: ${key}`,
    '        send_resolved: true',
    'route:',
    '  receiver: vigil',
  ].join('\n');
}

export function webhookSnippet(url: string): string {
  return [
    'receivers:',
    '  - name: vigil',
    '    webhook_configs:',
    `      - url: ${url}`,
    '        send_resolved: true',
    'route:',
    '  receiver: vigil',
  ].join('\n');
}

export function heartbeatSnippet(url: string): string {
  return `# every minute, from cron or your job's last step\ncurl -fsS -X POST ${url}`;
}
