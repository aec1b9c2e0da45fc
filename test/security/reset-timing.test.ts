/**
 * Issue 14 item 7 (in part): a password reset request answers before any lookup or mail,
 * so its timing does not tell a member's email from a stranger's. The mail still arrives,
 * after the answer. The SMTP server here takes 600 ms to accept each message: before the
 * fix the member's 202 waited for it.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { ownerWithPassword, smtpConfig } from '../web/helpers.js';

async function slowMailbox(delayMs: number) {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((m) => setTimeout(() => (mails.push(m), callback()), delayMs), callback);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

for (const dialect of DIALECTS) {
  describe(`password reset timing [${dialect}]`, () => {
    let t: TestApp;
    let box: Awaited<ReturnType<typeof slowMailbox>>;
    afterEach(async () => {
      await t?.close();
      await box?.close();
    });

    it('answers a member and a stranger alike and at once; the member\'s mail follows', async () => {
      box = await slowMailbox(600);
      t = await createTestApp(dialect, { config: smtpConfig(box.port) });
      await ownerWithPassword(t);
      const ask = async (email: string, address: string) => {
        const started = performance.now();
        const r = await t.app.inject({ method: 'POST', url: '/api/v1/password_resets', remoteAddress: address, payload: { email } });
        return { r, ms: performance.now() - started };
      };
      const member = await ask('owner@harbor.example', '127.0.0.5');
      const stranger = await ask('nobody@harbor.example', '127.0.0.6');
      expect(member.r.statusCode).toBe(202);
      expect(stranger.r.statusCode).toBe(202);
      expect(member.r.body).toBe(stranger.r.body);
      // The answer did not wait for the relay (it holds each message 600 ms).
      expect(member.ms).toBeLessThan(600);
      expect(box.mails).toHaveLength(0);
      await expect.poll(() => box.mails.length, { timeout: 10_000 }).toBe(1);
      expect(box.mails[0]!.subject).toBe('[Vigil] Reset your password for Harbor Crisis Line');
    });
  });
}
