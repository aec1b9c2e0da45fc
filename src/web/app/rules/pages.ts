/** The event rules pages, one chunk loaded when one of them is first opened (App.tsx). */
export { OrchestrationDetail } from './OrchestrationDetail';
export { Orchestrations } from './Orchestrations';
export { ServiceRules } from './ServiceRules';
