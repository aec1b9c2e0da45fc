/** The event rules pages, one chunk loaded when one of them is first opened (App.tsx). */
export { ServiceRules } from './ServiceRules';
