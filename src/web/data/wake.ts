/** "Would this wake me at 3 a.m.?" and per-method test sends (src/contract/wake-check.ts). */
import type { Static } from 'typebox';
import type * as wake from '../../contract/wake-check';
import { api } from './client';
import { fmtTime, msg } from '../i18n';

export type WakeCheck = Static<typeof wake.WakeCheck>['wake_check'];
export type MethodTest = Static<typeof wake.MethodTest>['test'];

const user = (id: string) => `/api/v1/users/${encodeURIComponent(id)}`;
export const wakeCheck = (userId: string) => api<{ wake_check: WakeCheck }>('GET', `${user(userId)}/wake_check`).then((r) => r.wake_check);
export const sendMethodTest = (userId: string, cmId: string) => api<{ test: MethodTest }>('POST', `${user(userId)}/contact_methods/${encodeURIComponent(cmId)}/test`).then((r) => r.test);
export const methodTest = (userId: string, cmId: string, testId: string) =>
  api<{ test: MethodTest }>('GET', `${user(userId)}/contact_methods/${encodeURIComponent(cmId)}/tests/${encodeURIComponent(testId)}`).then((r) => r.test);

/** Whether a test send has finished (sent, failed or cancelled): no need to ask again. */
export const testDone = (t: Pick<MethodTest, 'status'>) => t.status === 'sent' || t.status === 'failed' || t.status === 'cancelled';

/** A test send's result in words, as the "Send me a test" button shows it. */
export function testResultText(t: Pick<MethodTest, 'status' | 'reason' | 'detail' | 'sent_at' | 'created_at'>, time: (iso: string) => string = (iso) => fmtTime(iso)): string {
  if (t.status === 'sent') return msg('data.wake.sent_at_check_that_it_arrived', { v0: time(t.sent_at ?? t.created_at) });
  if (t.status === 'failed') return msg('data.wake.failed', { v0: t.reason ?? msg('data.wake.unknown_reason'), v1: t.detail && t.detail !== t.reason ? ` (${t.detail})` : '' });
  if (t.status === 'retrying') return msg('data.wake.not_delivered_yet_retrying', { v0: t.reason ?? msg('data.wake.retrying') });
  if (t.status === 'cancelled') return 'Cancelled.';
  return t.status === 'sending' ? 'Sending…' : 'Queued…';
}
