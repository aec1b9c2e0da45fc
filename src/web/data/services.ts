import { api, withQuery } from './client';
import type { Integration, Service, ServicePatch, TestEventSent } from './types';

export const listServices = () => api<{ services: Service[] }>('GET', withQuery('/api/v1/services', { limit: 100 })).then((r) => r.services);
export const getService = (id: string) => api<{ service: Service }>('GET', `/api/v1/services/${encodeURIComponent(id)}`).then((r) => r.service);
export const createService = (name: string, description: string) => api<{ service: Service }>('POST', '/api/v1/services', { service: { name, ...(description ? { description } : {}) } }).then((r) => r.service);
export const updateService = (id: string, patch: ServicePatch) =>
  api<{ service: Service }>('PUT', `/api/v1/services/${encodeURIComponent(id)}`, { service: patch }).then((r) => r.service);
export const listIntegrations = (serviceId: string) => api<{ integrations: Integration[] }>('GET', `/api/v1/services/${encodeURIComponent(serviceId)}/integrations`).then((r) => r.integrations);
/** `extra`: an email integration's settings (email_incident_creation, email_allowed_senders). */
export const createIntegration = (serviceId: string, type: string, name: string, extra: Record<string, unknown> = {}) =>
  api<{ integration: Integration }>('POST', `/api/v1/services/${encodeURIComponent(serviceId)}/integrations`, { integration: { type, ...(name ? { name } : {}), ...extra } }).then((r) => r.integration);
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
