/**
 * Event rules over REST (docs/rules.md): a service's rule path and its on/off switch,
 * the organization's global orchestrations (routing keys, router), and the two "test
 * against a sample event" endpoints, which take the unsaved draft and store nothing.
 */
import { api, optional, withQuery } from './client';
import type { Orchestration, OrchestrationPath, OrchestrationPathIn, Ref, RoutingKey, RouterTestResult, RuleTestBody, ServiceTestResult } from './types';

const enc = encodeURIComponent;
const BASE = '/api/v1/event_orchestrations';
const servicePath = (serviceId: string) => `${BASE}/services/${enc(serviceId)}`;
type PathAnswer = { orchestration_path: OrchestrationPath };

export const getServiceRules = (serviceId: string) => api<PathAnswer>('GET', servicePath(serviceId)).then((r) => r.orchestration_path);
export const saveServiceRules = (serviceId: string, path: OrchestrationPathIn) => api<PathAnswer>('PUT', servicePath(serviceId), { orchestration_path: path }).then((r) => r.orchestration_path);
export const getRulesActive = (serviceId: string) => api<{ active: boolean }>('GET', `${servicePath(serviceId)}/active`).then((r) => r.active);
export const setRulesActive = (serviceId: string, active: boolean) => api<{ active: boolean }>('PUT', `${servicePath(serviceId)}/active`, { active }).then((r) => r.active);
export const testServiceRules = (serviceId: string, body: RuleTestBody) => api<{ result: ServiceTestResult }>('POST', `${servicePath(serviceId)}/test`, body).then((r) => r.result);

export const listOrchestrations = () => api<{ orchestrations: Orchestration[] }>('GET', withQuery(BASE, { limit: 100 })).then((r) => r.orchestrations);
export const getOrchestration = (id: string) => api<{ orchestration: Orchestration }>('GET', `${BASE}/${enc(id)}`).then((r) => r.orchestration);
export const createOrchestration = (name: string, description: string) =>
  api<{ orchestration: Orchestration }>('POST', BASE, { orchestration: { name, ...(description ? { description } : {}) } }).then((r) => r.orchestration);
export const deleteOrchestration = (id: string) => api<void>('DELETE', `${BASE}/${enc(id)}`);
export const addRoutingKey = (id: string, label: string) => api<{ integration: RoutingKey }>('POST', `${BASE}/${enc(id)}/integrations`, { integration: { label } }).then((r) => r.integration);
export const getRouter = (id: string) => api<PathAnswer>('GET', `${BASE}/${enc(id)}/router`).then((r) => r.orchestration_path);
export const saveRouter = (id: string, path: OrchestrationPathIn) => api<PathAnswer>('PUT', `${BASE}/${enc(id)}/router`, { orchestration_path: path }).then((r) => r.orchestration_path);
export const testRouter = (id: string, body: RuleTestBody) => api<{ result: RouterTestResult }>('POST', `${BASE}/${enc(id)}/router/test`, body).then((r) => r.result);

/**
 * The organization's priorities, or null where this server has no priorities list yet
 * (404): the rules editor then offers no priority choice. Read as references (id,
 * summary), the part of PagerDuty's priority object a choice needs.
 */
export const listPriorities = () => optional(api<{ priorities: Ref[] }>('GET', withQuery('/api/v1/priorities', { limit: 100 })).then((r) => r.priorities));
