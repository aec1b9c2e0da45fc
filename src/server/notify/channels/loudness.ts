/**
 * "Would this wake me at 3 a.m.?", decided without I/O: how a page of each urgency lands
 * on each channel (loud: it rings, vibrates or pops over a locked phone; quiet: it waits to
 * be read), and a verdict over a person's plan: as a stable code with what it names (the web
 * app words it in the reader's language, src/web/i18n `people.wakeCheck.*`) and, for API
 * clients, in English words (`why`, `reason`). It mirrors what the adapters do:
 * ntfy sends high urgency at priority 5 and low at 3, Web Push sends `Urgency: high` with
 * requireInteraction only for high, Telegram sends low urgency with disable_notification;
 * SMS and calls always ring; email, webhooks and the chat apps posted to by webhook or bot
 * (Slack, Discord, Teams, Matrix) follow the app's own settings and are counted quiet.
 */
import type { ChannelName } from '../../storage/schema.js';

export type Loudness = 'loud' | 'quiet';
export type WakeClass = Loudness | 'unverified';

/** Per channel: loudness of a high- and a low-urgency page, and the channel's name in a sentence. */
export const LOUDNESS: Record<ChannelName, { high: Loudness; low: Loudness; name: string }> = {
  sms: { high: 'loud', low: 'loud', name: 'SMS' },
  voice: { high: 'loud', low: 'loud', name: 'a phone call' },
  push: { high: 'loud', low: 'quiet', name: 'push' },
  ntfy: { high: 'loud', low: 'quiet', name: 'ntfy' },
  telegram: { high: 'loud', low: 'quiet', name: 'Telegram' },
  email: { high: 'quiet', low: 'quiet', name: 'email' },
  webhook: { high: 'quiet', low: 'quiet', name: 'a webhook' },
  slack: { high: 'quiet', low: 'quiet', name: 'Slack' },
  discord: { high: 'quiet', low: 'quiet', name: 'Discord' },
  teams: { high: 'quiet', low: 'quiet', name: 'Microsoft Teams' },
  matrix: { high: 'quiet', low: 'quiet', name: 'Matrix' },
  // Never a page to a person: an integration's copy of an event to another tool (notify/forward.ts).
  forward: { high: 'quiet', low: 'quiet', name: 'a forward to another tool' },
};

/**
 * Why a channel is loud or quiet at this urgency: a stable code (`why_code` on the wire) per
 * distinct explanation, and the English words. Channels whose high and low pages land the
 * same share one code.
 */
export const WHY_CODES: Partial<Record<ChannelName, { high: string; low: string }>> = {
  sms: { high: 'sms', low: 'sms' },
  voice: { high: 'voice', low: 'voice' },
  push: { high: 'push_high', low: 'push_low' },
  ntfy: { high: 'ntfy_high', low: 'ntfy_low' },
  telegram: { high: 'telegram_high', low: 'telegram_low' },
  email: { high: 'email', low: 'email' },
  webhook: { high: 'webhook', low: 'webhook' },
  slack: { high: 'slack', low: 'slack' },
  discord: { high: 'discord_high', low: 'discord_low' },
  teams: { high: 'teams', low: 'teams' },
  matrix: { high: 'matrix', low: 'matrix' },
};

const WHY: Partial<Record<ChannelName, { high: string; low: string }>> = {
  sms: { high: 'a text message: the phone plays its message tone', low: 'a text message: the phone plays its message tone' },
  voice: { high: 'the phone rings until answered', low: 'the phone rings until answered' },
  push: { high: 'sent with Urgency: high and stays on screen until dismissed', low: 'sent with low urgency: the device may hold it back and it does not insist' },
  ntfy: { high: 'priority 5 (max): long vibration bursts and a pop-over', low: 'priority 3 (default): an ordinary notification' },
  telegram: { high: 'an ordinary Telegram message, with sound', low: 'sent silently (disable_notification)' },
  email: { high: 'email is read when you look, it does not ring', low: 'email is read when you look, it does not ring' },
  webhook: { high: 'a webhook goes to a system, not to your phone', low: 'a webhook goes to a system, not to your phone' },
  slack: { high: 'a Slack message follows your Slack notification settings, usually muted at night', low: 'a Slack message follows your Slack notification settings, usually muted at night' },
  discord: { high: 'a webhook post in a Discord channel: it notifies only as the channel is set to, and never mentions anyone', low: 'a webhook post in a Discord channel: it notifies only as the channel is set to' },
  teams: { high: 'a card posted to a Teams channel: channel posts do not ring by default', low: 'a card posted to a Teams channel: channel posts do not ring by default' },
  matrix: { high: "a message in a Matrix room: it rings only if the room's notification setting says so", low: "a message in a Matrix room: it rings only if the room's notification setting says so" },
};

/** The class of one contact method for a page of `urgency`: an unverified method is never paged. */
export function wakeClass(channel: ChannelName, urgency: 'high' | 'low', verified: boolean): { class: WakeClass; why: string; whyCode: string } {
  if (!verified) return { class: 'unverified', why: 'not verified: it would be skipped', whyCode: 'unverified' };
  const l = LOUDNESS[channel];
  return { class: l ? l[urgency] : 'quiet', why: WHY[channel]?.[urgency] ?? `${channel} does not ring`, whyCode: WHY_CODES[channel]?.[urgency] ?? 'does_not_ring' };
}

export interface WakeStep {
  channel: ChannelName;
  label: string;
  delayMinutes: number;
  class: WakeClass;
}

const after = (m: number) => (m === 0 ? 'at once' : `after ${m} minute${m === 1 ? '' : 's'}`);

function names(channels: ChannelName[]): string {
  const n = [...new Set(channels.map((c) => LOUDNESS[c]?.name ?? c))];
  return n.length <= 1 ? (n[0] ?? '') : `${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}

/**
 * What the verdict says, as a code: `wakes` (the first loud method, after its delay); nothing
 * sent because `unverified` (the methods named are not verified), `no_contact_method`,
 * `no_verified_contact_method` or `no_notification_rule` (for this urgency); only quiet methods
 * sent, which `low_urgency_waits` (fine for low urgency) or is `quiet_only` (high urgency).
 */
export type VerdictCode = 'wakes' | 'unverified' | 'no_contact_method' | 'no_verified_contact_method' | 'no_notification_rule' | 'low_urgency_waits' | 'quiet_only';

export interface Verdict {
  code: VerdictCode;
  /** The channels the verdict names: the unverified ones, the quiet ones sent, or the waking one. */
  channels: ChannelName[];
  /** `wakes`: the label of the method that would wake, and after how many minutes. */
  contactMethod: string | null;
  delayMinutes: number | null;
}

/**
 * The verdict over a plan (in delay order; unverified methods included as such). `none`
 * says why nothing at all would be sent (the plan's own reason), when the plan is empty.
 */
export function wakeVerdict(steps: readonly WakeStep[], urgency: 'high' | 'low', none: string | null): { would_wake: boolean; reason: string; verdict: Verdict } {
  const used = steps.filter((s) => s.class !== 'unverified');
  const skipped = steps.filter((s) => s.class === 'unverified');
  const fix = 'add a phone (SMS or voice), push, ntfy or Telegram method and verify it';
  const channelsOf = (xs: readonly WakeStep[]) => [...new Set(xs.map((s) => s.channel))];
  const verdict = (code: VerdictCode, channels: ChannelName[], step?: WakeStep): Verdict => ({ code, channels, contactMethod: step?.label ?? null, delayMinutes: step?.delayMinutes ?? null });
  if (used.length === 0) {
    if (skipped.length) return { would_wake: false, reason: `nothing would be sent for a ${urgency}-urgency page at 3 a.m.: ${names(skipped.map((s) => s.channel))} ${skipped.length === 1 ? 'is' : 'are'} not verified; verify ${skipped.length === 1 ? 'it' : 'them'}`, verdict: verdict('unverified', channelsOf(skipped)) };
    const why = (none ?? 'has no contact method').replace(/^has /, 'have ');
    const noRule = why.startsWith('have no notification rule');
    const todo = noRule ? `add a ${urgency}-urgency notification rule using a loud method` : fix;
    const code: VerdictCode = noRule ? 'no_notification_rule' : why.startsWith('have no verified') ? 'no_verified_contact_method' : 'no_contact_method';
    return { would_wake: false, reason: `nothing would be sent for a ${urgency}-urgency page at 3 a.m.: you ${why}; ${todo}`, verdict: verdict(code, []) };
  }
  const first = [...used].sort((a, b) => a.delayMinutes - b.delayMinutes).find((s) => s.class === 'loud');
  if (first) return { would_wake: true, reason: `${first.label} (${LOUDNESS[first.channel]?.name ?? first.channel}) would wake you ${after(first.delayMinutes)}`, verdict: verdict('wakes', [first.channel], first) };
  const only = `only ${names(used.map((s) => s.channel))} would be sent at 3 a.m.`;
  if (urgency === 'low') return { would_wake: false, reason: `${only}: low-urgency pages are meant to wait until morning`, verdict: verdict('low_urgency_waits', channelsOf(used)) };
  return { would_wake: false, reason: `${only}: ${fix}`, verdict: verdict('quiet_only', channelsOf(used)) };
}
