import { describe, expect, it } from 'vitest';
import { testDone, testResultText } from '../../src/web/data/wake';

const base = { reason: null, detail: null, sent_at: null, created_at: '2026-03-02T09:00:00.000Z' };

describe('"Send me a test" result in words', () => {
  it('sent, failed with its reason code, retrying, queued', () => {
    expect(testResultText({ ...base, status: 'sent', sent_at: '2026-03-02T09:00:05.000Z' }, (iso) => iso.slice(11, 19))).toBe('Sent at 09:00:05: check that it arrived.');
    expect(testResultText({ ...base, status: 'failed', reason: 'ntfy_40301', detail: 'ntfy_40301' })).toBe('Failed: ntfy_40301');
    expect(testResultText({ ...base, status: 'failed', reason: 'http_503', detail: 'gave up after 8 attempts: http_503' })).toBe('Failed: http_503 (gave up after 8 attempts: http_503)');
    expect(testResultText({ ...base, status: 'retrying', reason: 'timeout' })).toBe('Not delivered yet (timeout); retrying…');
    expect(testResultText({ ...base, status: 'queued' })).toBe('Queued…');
  });
  it('stops asking once sent, failed or cancelled', () => {
    expect(['queued', 'sending', 'retrying', 'sent', 'failed', 'cancelled'].filter((status) => testDone({ status }))).toEqual(['sent', 'failed', 'cancelled']);
  });
});
