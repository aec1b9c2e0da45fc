/** "Would this wake me at 3 a.m.?" and per-method test sends (src/contract/wake-check.ts). */
import type { Static } from 'typebox';
import type * as wake from '../../contract/wake-check';
import { api } from './client';
import { fmtTime, language, LOCALE_OF, msg, type MessageId } from '../i18n';

export type WakeCheck = Static<typeof wake.WakeCheck>['wake_check'];
export type MethodTest = Static<typeof wake.MethodTest>['test'];
type Answer = WakeCheck['high_urgency'];

/** Why a method is loud or quiet (the server's `why_code`), in the current language. */
const WHY: Record<string, MessageId> = {
  sms: 'data.wake.why.sms',
  voice: 'data.wake.why.voice',
  push_high: 'data.wake.why.push_high',
  push_low: 'data.wake.why.push_low',
  ntfy_high: 'data.wake.why.ntfy_high',
  ntfy_low: 'data.wake.why.ntfy_low',
  telegram_high: 'data.wake.why.telegram_high',
  telegram_low: 'data.wake.why.telegram_low',
  email: 'data.wake.why.email',
  webhook: 'data.wake.why.webhook',
  slack: 'data.wake.why.slack',
  discord_high: 'data.wake.why.discord_high',
  discord_low: 'data.wake.why.discord_low',
  teams: 'data.wake.why.teams',
  matrix: 'data.wake.why.matrix',
  does_not_ring: 'data.wake.why.does_not_ring',
  unverified: 'data.wake.why.unverified',
};
/** A code a newer server may add reads as the server's English words. */
export const whyText = (n: Pick<Answer['notifications'][number], 'why_code' | 'why'>): string => (WHY[n.why_code] ? msg(WHY[n.why_code]!) : n.why);

/** Channels named in a sentence: brands stay as they are; the others are words. */
const CHANNEL: Record<string, MessageId> = { voice: 'data.wake.channel.voice', push: 'data.wake.channel.push', email: 'data.wake.channel.email', webhook: 'data.wake.channel.webhook', forward: 'data.wake.channel.forward' };
const BRAND: Record<string, string> = { sms: 'SMS', ntfy: 'ntfy', telegram: 'Telegram', slack: 'Slack', discord: 'Discord', teams: 'Microsoft Teams', matrix: 'Matrix' };
export const channelName = (c: string): string => (CHANNEL[c] ? msg(CHANNEL[c]!) : (BRAND[c] ?? c));

/** "at once", "after 10 minutes" in the current language. */
export const afterText = (minutes: number): string => (minutes === 0 ? msg('data.wake.at_once') : msg('data.wake.after_minutes', { minutes }));

export const classLabel = (c: string): string => (c === 'loud' ? msg('data.wake.class.loud') : c === 'quiet' ? msg('data.wake.class.quiet') : c === 'unverified' ? msg('people.wakeCheck.unverified_skipped') : c);

const VERDICT: Record<Answer['verdict']['code'], MessageId> = {
  wakes: 'data.wake.verdict.wakes',
  unverified: 'data.wake.verdict.unverified',
  no_contact_method: 'data.wake.verdict.no_contact_method',
  no_verified_contact_method: 'data.wake.verdict.no_verified_contact_method',
  no_notification_rule: 'data.wake.verdict.no_notification_rule',
  low_urgency_waits: 'data.wake.verdict.low_urgency_waits',
  quiet_only: 'data.wake.verdict.quiet_only',
};

/** The verdict (the server's code and what it names) as a sentence in the current language. */
export function verdictText(a: Pick<Answer, 'verdict' | 'reason'>): string {
  const v = a.verdict;
  const id = VERDICT[v.code];
  if (!id) return a.reason;
  const channels = new Intl.ListFormat(LOCALE_OF[language()], { type: 'conjunction' }).format(v.channels.map(channelName));
  return msg(id, { channels, count: v.channels.length, method: v.contact_method ?? '', channel: channelName(v.channels[0] ?? ''), when: afterText(v.start_delay_in_minutes ?? 0) });
}

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
