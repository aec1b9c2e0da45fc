import { describe, expect, it } from 'vitest';
import { LOUDNESS, wakeClass, wakeVerdict, type WakeStep } from './loudness.js';
import { CHANNEL_TYPES } from './registry.js';

const step = (channel: WakeStep['channel'], cls: WakeStep['class'], delayMinutes = 0, label = channel): WakeStep => ({ channel, label, delayMinutes, class: cls });

describe('wakeClass', () => {
  it('classes every channel the registry has', () => {
    for (const c of CHANNEL_TYPES) expect(LOUDNESS[c], c).toBeDefined();
  });
  it('texts and calls are loud at any urgency; push, ntfy and Telegram only at high; email, webhook and Slack never', () => {
    expect(wakeClass('sms', 'low', true).class).toBe('loud');
    expect(wakeClass('voice', 'high', true).class).toBe('loud');
    for (const c of ['push', 'ntfy', 'telegram'] as const) {
      expect(wakeClass(c, 'high', true).class).toBe('loud');
      expect(wakeClass(c, 'low', true).class).toBe('quiet');
    }
    for (const c of ['email', 'webhook', 'slack', 'discord', 'teams', 'matrix'] as const) expect(wakeClass(c, 'high', true).class).toBe('quiet');
    expect(wakeClass('ntfy', 'high', true).why).toMatch(/priority 5/);
    expect(wakeClass('telegram', 'low', true).why).toMatch(/disable_notification/);
  });
  it('an unverified method is unverified whatever its channel', () => {
    expect(wakeClass('voice', 'high', false)).toEqual({ class: 'unverified', why: 'not verified: it would be skipped', whyCode: 'unverified' });
  });
});

describe('wakeVerdict', () => {
  it('only email: false, and says what to add', () => {
    expect(wakeVerdict([step('email', 'quiet')], 'high', null)).toEqual({ would_wake: false, reason: 'only email would be sent at 3 a.m.: add a phone (SMS or voice), push, ntfy or Telegram method and verify it', verdict: { code: 'quiet_only', channels: ['email'], contactMethod: null, delayMinutes: null } });
    expect(wakeVerdict([step('email', 'quiet'), step('slack', 'quiet', 5)], 'high', null).reason).toMatch(/^only email and Slack would be sent/);
  });
  it('the first loud method wakes, with its delay', () => {
    expect(wakeVerdict([step('email', 'quiet'), step('sms', 'loud', 10, 'Mobile')], 'high', null)).toEqual({ would_wake: true, reason: 'Mobile (SMS) would wake you after 10 minutes', verdict: { code: 'wakes', channels: ['sms'], contactMethod: 'Mobile', delayMinutes: 10 } });
    expect(wakeVerdict([step('voice', 'loud', 0, 'Phone')], 'high', null).reason).toBe('Phone (a phone call) would wake you at once');
  });
  it('only unverified methods: nothing is sent, verify them', () => {
    const v = wakeVerdict([step('sms', 'unverified')], 'high', 'has no verified contact method');
    expect(v.would_wake).toBe(false);
    expect(v.reason).toMatch(/nothing would be sent .*SMS is not verified; verify it/);
    expect(v.verdict).toMatchObject({ code: 'unverified', channels: ['sms'] });
  });
  it('no method at all, and low urgency that stays quiet', () => {
    expect(wakeVerdict([], 'high', 'has no contact method').reason).toMatch(/you have no contact method; add a phone/);
    expect(wakeVerdict([step('ntfy', 'quiet')], 'low', null).reason).toMatch(/low-urgency pages are meant to wait until morning/);
    expect(wakeVerdict([], 'high', 'has no notification rule for high urgency using a verified method').reason).toBe(
      'nothing would be sent for a high-urgency page at 3 a.m.: you have no notification rule for high urgency using a verified method; add a high-urgency notification rule using a loud method',
    );
    expect(wakeVerdict([], 'high', 'has no notification rule for high urgency using a verified method').verdict.code).toBe('no_notification_rule');
    expect(wakeVerdict([], 'high', 'has no verified contact method').verdict.code).toBe('no_verified_contact_method');
    expect(wakeVerdict([], 'high', 'has no contact method').verdict.code).toBe('no_contact_method');
  });

});
