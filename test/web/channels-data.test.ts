import { describe, expect, it } from 'vitest';
import { credentialsOf, matrixStatus, moveProvider, PROVIDER_TYPES, spendState, spendText } from '../../src/web/data/channels';
import { SMS_TYPES } from '../../src/server/notify/sms-provider';

describe('SMS providers screen (pure parts)', () => {
  it('asks for exactly the credential fields the server accepts for each type, the optional ones marked', () => {
    for (const [type, spec] of Object.entries(PROVIDER_TYPES)) {
      const server = SMS_TYPES[type as keyof typeof SMS_TYPES];
      const accepted = new Set(server.credentials.flatMap((set) => Object.keys(set)));
      for (const f of spec.credentials) expect(accepted.has(f.name), `${type}.${f.name}`).toBe(true);
      expect(spec.credentials.filter((f) => f.optional).map((f) => f.name)).toEqual(server.optional ?? []);
      expect(spec.from).toBe(server.from === 'required');
      expect(spec.baseUrl).toBe(server.baseUrl);
    }
    expect(credentialsOf('android_gateway', { username: ' sms ', password: 'pw', webhook_signing_key: '  ' })).toEqual({ username: 'sms', password: 'pw' });
    expect(credentialsOf('vonage', { application_id: 'a', private_key: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n\n', other: 'ignored' })).toEqual({ application_id: 'a', private_key: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n' });
  });

  it('moves a provider up or down one place, and not past either end', () => {
    expect(moveProvider(['a', 'b', 'c'], 'c', -1)).toEqual(['a', 'c', 'b']);
    expect(moveProvider(['a', 'b', 'c'], 'a', 1)).toEqual(['b', 'a', 'c']);
    expect(moveProvider(['a', 'b', 'c'], 'a', -1)).toEqual(['a', 'b', 'c']);
    expect(moveProvider(['a', 'b', 'c'], 'c', 1)).toEqual(['a', 'b', 'c']);
  });

  it('spend: below 80%, from 80% (admins warned), at 100% (low urgency paused), no cap', () => {
    const at = (spent: number, monthly_cap: number | null) => ({ month: '2026-03', spent, monthly_cap, percent_used: monthly_cap ? Math.round((spent / monthly_cap) * 100) : null });
    expect([spendState(at(0.79, 1)), spendState(at(0.8, 1)), spendState(at(1, 1)), spendState(at(3, null))]).toEqual(['ok', 'warning', 'reached', 'no_cap']);
    expect(spendText(at(0.4, 1))).toBe('0.40 of 1.00 spent in 2026-03 (40%).');
    expect(spendText(at(0.85, 1))).toMatch(/^0\.85 of 1\.00 spent in 2026-03 \(85%\): at 80%, admins were warned/);
    expect(spendText(at(1.2, 1))).toMatch(/the cap is reached\. Low-urgency SMS are not sent .*high-urgency pages still go out/);
    expect(spendText(at(3, null))).toBe('3.00 spent in 2026-03; no monthly cap.');
  });

  it('Matrix sync status: off, waiting, on, failing', () => {
    const s = { type: 'matrix_sync' as const, homeserver: 'https://m.example', bot_user_id: '@v:m.example', access_token_hint: 'syt_…abcd', last_sync_at: null, last_error: null, created_at: '', updated_at: '' };
    expect(matrixStatus(null).text).toMatch(/^Off/);
    expect(matrixStatus(s).text).toMatch(/^On: waiting/);
    expect(matrixStatus({ ...s, last_sync_at: '2026-03-02T09:00:00Z' })).toEqual({ tone: 'ok', text: 'On: replies such as "ack 42" acknowledge.' });
    expect(matrixStatus({ ...s, last_sync_at: '2026-03-02T09:00:00Z', last_error: 'matrix_M_UNKNOWN_TOKEN' })).toEqual({ tone: 'warn', text: 'Failing: the last read of the rooms failed (matrix_M_UNKNOWN_TOKEN).' });
  });
});
