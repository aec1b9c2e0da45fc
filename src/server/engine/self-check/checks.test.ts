/** The self-checks' pure decisions, table-driven; and their configuration's bad values refused with the variable named. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { DEFAULT_SELF_CHECKS, evaluate, failingChannelOf, ownsKey, preferWorkingMethods, type NodeFacts, type OrgFacts } from './checks.js';

const NOW = Date.parse('2026-03-02T09:00:00Z');
const calm: NodeFacts = { node: 'a', lagMs: 5, disk: { dir: '/var/lib/vigil', freeBytes: 20 * 2 ** 30, totalBytes: 40 * 2 ** 30 }, backupError: null };
const quiet: OrgFacts = { unsent: { n: 0, oldest: null }, channels: [] };

describe('evaluate', () => {
  const cases: { name: string; node?: Partial<NodeFacts>; org?: Partial<OrgFacts>; keys: string[] }[] = [
    { name: 'all well', keys: [] },
    { name: 'lag at the threshold is not over it', node: { lagMs: 60_000 }, keys: [] },
    { name: 'lag over the threshold', node: { lagMs: 60_001 }, keys: ['engine_lag@a'] },
    { name: 'a message unsent too long', org: { unsent: { n: 2, oldest: NOW - 20 * 60_000 } }, keys: ['outbox_stuck'] },
    { name: 'too few tries say nothing', org: { channels: [{ channel: 'email', sent: 0, failing: 2 }] }, keys: [] },
    { name: 'half failing is not over half', org: { channels: [{ channel: 'email', sent: 2, failing: 2 }] }, keys: [] },
    { name: 'most failing', org: { channels: [{ channel: 'sms', sent: 1, failing: 3 }, { channel: 'email', sent: 5, failing: 0 }] }, keys: ['channel_failing:sms'] },
    { name: 'disk under the bytes bound', node: { disk: { dir: '/d', freeBytes: 100 * 2 ** 20, totalBytes: 2 ** 30 } }, keys: ['disk_low@a'] },
    { name: 'disk under the percent bound', node: { disk: { dir: '/d', freeBytes: 2 ** 30, totalBytes: 100 * 2 ** 30 } }, keys: ['disk_low@a'] },
    { name: 'no disk to check (PostgreSQL)', node: { disk: null }, keys: [] },
    { name: 'a failed backup', node: { backupError: 'ENOSPC: no space left on device' }, keys: ['backup_failed@a'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(evaluate(NOW, DEFAULT_SELF_CHECKS, { ...calm, ...c.node }, { ...quiet, ...c.org }).map((f) => f.key)).toEqual(c.keys);
    });
  }

  it('says what and how much', () => {
    const [f] = evaluate(NOW, DEFAULT_SELF_CHECKS, calm, { ...quiet, channels: [{ channel: 'email', sent: 1, failing: 3 }] });
    expect(f).toEqual({ key: 'channel_failing:email', summary: 'The email channel is failing: 3 of 4 messages in the last 15 min could not be delivered', details: { channel: 'email', failing: 3, sent: 1, window_ms: 900_000, threshold_rate: 0.5 } });
  });
});

describe('keys', () => {
  it('a node owns the organization keys and its own', () => {
    expect(['outbox_stuck', 'channel_failing:email', 'engine_lag@a', 'engine_lag@b'].filter((k) => ownsKey(k, 'a'))).toEqual(['outbox_stuck', 'channel_failing:email', 'engine_lag@a']);
    expect(failingChannelOf('channel_failing:sms')).toBe('sms');
    expect(failingChannelOf('outbox_stuck')).toBeNull();
  });
});

describe('preferWorkingMethods', () => {
  const of = (t: string) => (t === 'phone' ? 'voice' : t);
  it('leaves out a failing channel when another method remains', () => {
    expect(preferWorkingMethods([{ type: 'email' }, { type: 'webhook' }], new Set(['email']), of)).toEqual([{ type: 'webhook' }]);
  });
  it('keeps everything for someone whose every method is failing', () => {
    expect(preferWorkingMethods([{ type: 'email' }], new Set(['email']), of)).toEqual([{ type: 'email' }]);
  });
  it('maps method types to channels', () => {
    expect(preferWorkingMethods([{ type: 'phone' }, { type: 'sms' }], new Set(['voice']), of)).toEqual([{ type: 'sms' }]);
  });
});

describe('configuration', () => {
  it('defaults, off, and each bad value refused naming its variable', () => {
    expect(loadConfig({}).selfChecks).toEqual(DEFAULT_SELF_CHECKS);
    expect(loadConfig({ VIGIL_SELF_CHECKS: 'off' }).selfChecks).toBeNull();
    expect(loadConfig({ VIGIL_SELF_CHECK_OUTBOX_AGE: '30m', VIGIL_SELF_CHECK_CHANNEL_FAILURE_RATE: '0.25', VIGIL_SELF_CHECK_DISK_FREE_MB: '1024' }).selfChecks).toMatchObject({ outboxAgeMs: 1_800_000, channelFailureRate: 0.25, diskFreeBytes: 2 ** 30 });
    expect(() => loadConfig({ VIGIL_SELF_CHECKS: 'maybe' })).toThrow(/VIGIL_SELF_CHECKS must be on or off/);
    expect(() => loadConfig({ VIGIL_SELF_CHECK_CHANNEL_FAILURE_RATE: '50' })).toThrow(/VIGIL_SELF_CHECK_CHANNEL_FAILURE_RATE must be a share between 0 and 1/);
    expect(() => loadConfig({ VIGIL_SELF_CHECK_LAG_MS: 'soon' })).toThrow(/VIGIL_SELF_CHECK_LAG_MS must be a non-negative number/);
    expect(() => loadConfig({ VIGIL_SELF_CHECK_OUTBOX_AGE: '10s' })).toThrow(/VIGIL_SELF_CHECK_OUTBOX_AGE must be at least one minute/);
    expect(() => loadConfig({ VIGIL_SELF_CHECK_DISK_FREE_PERCENT: '101' })).toThrow(/VIGIL_SELF_CHECK_DISK_FREE_PERCENT must be at most 100/);
    expect(() => loadConfig({ VIGIL_STORAGE_NOTICE_EVERY: 'often' })).toThrow(/VIGIL_STORAGE_NOTICE_EVERY must be a duration/);
  });
});
