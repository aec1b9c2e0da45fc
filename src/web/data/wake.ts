/** "Would this wake me at 3 a.m.?" and per-method test sends (src/contract/wake-check.ts). */
import type { Static } from 'typebox';
import type * as wake from '../../contract/wake-check';
import { api } from './client';

export type WakeCheck = Static<typeof wake.WakeCheck>['wake_check'];
export type MethodTest = Static<typeof wake.MethodTest>['test'];

const user = (id: string) => `/api/v1/users/${encodeURIComponent(id)}`;
export const wakeCheck = (userId: string) => api<{ wake_check: WakeCheck }>('GET', `${user(userId)}/wake_check`).then((r) => r.wake_check);
export const sendMethodTest = (userId: string, cmId: string) => api<{ test: MethodTest }>('POST', `${user(userId)}/contact_methods/${encodeURIComponent(cmId)}/test`).then((r) => r.test);
export const methodTest = (userId: string, cmId: string, testId: string) =>
  api<{ test: MethodTest }>('GET', `${user(userId)}/contact_methods/${encodeURIComponent(cmId)}/tests/${encodeURIComponent(testId)}`).then((r) => r.test);
