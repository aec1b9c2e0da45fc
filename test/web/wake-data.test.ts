import { afterAll, describe, expect, it } from 'vitest';
import { classLabel, testDone, testResultText, verdictText, whyText } from '../../src/web/data/wake';
import { setLanguage } from '../../src/web/i18n';
import { LOUDNESS, wakeClass } from '../../src/server/notify/channels/loudness';

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

describe('the 3 a.m. verdict, worded from the server\'s codes in the reader\'s language', () => {
  const wakes = { reason: 'Mobile (SMS) would wake you after 10 minutes', verdict: { code: 'wakes' as const, channels: ['sms'], contact_method: 'Mobile', start_delay_in_minutes: 10 } };
  const unverified = { reason: 'x', verdict: { code: 'unverified' as const, channels: ['voice', 'push'], contact_method: null, start_delay_in_minutes: null } };
  const quiet = { reason: 'x', verdict: { code: 'low_urgency_waits' as const, channels: ['email', 'slack'], contact_method: null, start_delay_in_minutes: null } };
  afterAll(() => setLanguage('en'));

  it('English, French and Spanish; an unknown code falls back to the server\'s English words', async () => {
    // setLanguage marks the document's language; a bare stand-in is enough outside a browser.
    (globalThis as { document?: unknown }).document ??= { documentElement: {} };
    await setLanguage('en');
    expect(verdictText(wakes)).toBe('Mobile (SMS) would wake you after 10 minutes');
    expect(verdictText(unverified)).toBe('nothing would be sent at 3 a.m.: a phone call and push are not verified; verify them');
    expect(whyText({ why_code: 'ntfy_high', why: 'x' })).toBe('priority 5 (max): long vibration bursts and a pop-over');
    await setLanguage('fr');
    expect(verdictText(wakes)).toBe('Mobile (SMS) vous réveillerait après 10 minutes');
    expect(verdictText(unverified)).toBe('rien ne serait envoyé à 3 h du matin : un appel téléphonique et notification push ne sont pas vérifiés ; vérifiez-les');
    expect(classLabel('loud')).toBe('Sonore');
    await setLanguage('es');
    expect(verdictText(quiet)).toBe('a las 3 de la madrugada solo se enviaría correo y Slack: los avisos de urgencia baja están pensados para esperar a la mañana');
    expect(whyText({ why_code: 'unverified', why: 'x' })).toBe('sin verificar: se omitiría');
    expect(whyText({ why_code: 'a_code_from_a_newer_server', why: 'the server words' })).toBe('the server words');
    // Every code the server sends has its words here (none falls back to the server's English).
    for (const c of Object.keys(LOUDNESS) as (keyof typeof LOUDNESS)[]) for (const u of ['high', 'low'] as const) for (const verified of [true, false]) expect(whyText({ why_code: wakeClass(c, u, verified).whyCode, why: 'FALLBACK' }), `${c} ${u}`).not.toBe('FALLBACK');
    expect(verdictText({ reason: 'the server words', verdict: { ...wakes.verdict, code: 'new_code' as 'wakes' } })).toBe('the server words');
  });
});
