/**
 * Issue 14, item 7: verification texts and calls cost money and go to any number a
 * member types, so they are capped — per person per day and per organization per hour
 * (429 with Retry-After) — through the real outbox. Email and webhook codes are free
 * and only keep their one-a-minute limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { member, ok, req, onCallApp } from './fixtures.js';
import { MAX_PAID_VERIFICATIONS_PER_ORG_HOUR, MAX_PAID_VERIFICATIONS_PER_USER_DAY } from '../../src/server/notify/contact.service.js';

describe.each(DIALECTS)('caps on verification texts and calls (%s)', (dialect) => {
  let t: TestApp;
  const clock = manualClock('2026-03-02T09:00:00Z');
  beforeAll(async () => {
    t = await onCallApp(dialect, { clock });
  });
  afterAll(async () => t?.close());

  async function smsMethod(userId: string, auth: Record<string, string>, n: number) {
    return (await ok(req(t, 'POST', `/api/v1/users/${userId}/contact_methods`, { contact_method: { type: 'sms_contact_method', address: `+1555555${String(n).padStart(4, '0')}` } }, auth), 201)).contact_method;
  }
  const send = (userId: string, cmId: string, auth: Record<string, string>) => req(t, 'POST', `/api/v1/users/${userId}/contact_methods/${cmId}/send_verification`, undefined, auth);

  it(`a person gets at most ${MAX_PAID_VERIFICATIONS_PER_USER_DAY} a day, then 429 with Retry-After; the next day again`, async () => {
    const ada = await member(t, 'Ada');
    const cm = await smsMethod(ada.id, ada.auth, 1);
    for (let i = 0; i < MAX_PAID_VERIFICATIONS_PER_USER_DAY; i++) {
      expect((await send(ada.id, cm.id, ada.auth)).statusCode).toBe(202);
      clock.advance(61_000);
    }
    const refused = await send(ada.id, cm.id, ada.auth);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json().error.errors[0]).toMatch(/per person per day/);
    // An email code is free: not counted, not capped.
    const email = (await ok(req(t, 'POST', `/api/v1/users/${ada.id}/contact_methods`, { contact_method: { type: 'email_contact_method', address: 'ada@harbor.example' } }, ada.auth), 201)).contact_method;
    expect((await send(ada.id, email.id, ada.auth)).statusCode).toBe(202);
    clock.advance(24 * 3_600_000);
    expect((await send(ada.id, cm.id, ada.auth)).statusCode).toBe(202);
  });

  it(`the organization sends at most ${MAX_PAID_VERIFICATIONS_PER_ORG_HOUR} an hour`, async () => {
    clock.advance(2 * 3_600_000);
    const people = await Promise.all(Array.from({ length: 4 }, (_, i) => member(t, `Volunteer ${i}`)));
    let sent = 0;
    let refused = null as null | Awaited<ReturnType<typeof send>>;
    for (let round = 0; round < 10 && !refused; round++) {
      for (const [i, p] of people.entries()) {
        const cm = await smsMethod(p.id, p.auth, 100 + round * 10 + i);
        const r = await send(p.id, cm.id, p.auth);
        if (r.statusCode === 429) {
          refused = r;
          break;
        }
        expect(r.statusCode).toBe(202);
        sent++;
      }
    }
    expect(sent).toBe(MAX_PAID_VERIFICATIONS_PER_ORG_HOUR);
    expect(refused!.json().error.errors[0]).toMatch(/organization sent/);
  });
});
