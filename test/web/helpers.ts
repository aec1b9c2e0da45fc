import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { TestApp } from '../harness.js';
import { setPassword } from '../../src/server/account/account.service.js';

export const PASSWORD = 'correct horse battery staple';

/** A local SMTP server that keeps what it receives. */
export async function mailbox(): Promise<{ port: number; mails: ParsedMail[]; next(timeoutMs?: number): Promise<ParsedMail>; close(): Promise<void> }> {
  const mails: ParsedMail[] = [];
  const waiters: ((m: ParsedMail) => void)[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          waiters.shift()?.(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  let seen = 0;
  return {
    port,
    mails,
    next(timeoutMs = 5000) {
      if (mails.length > seen) return Promise.resolve(mails[seen++]!);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no mail arrived')), timeoutMs);
        waiters.push((m) => {
          clearTimeout(t);
          seen++;
          resolve(m);
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function smtpConfig(port: number) {
  return { smtp: { host: '127.0.0.1', port, secure: false, user: null, pass: null, from: 'Vigil <vigil@harbor.example>' } };
}

export interface Browser {
  cookie: string;
  csrf: string;
  headers(unsafe?: boolean): Record<string, string>;
}

/** Sign in through the API as a browser would; returns its cookie and CSRF token. */
export async function signIn(t: TestApp, email = 'owner@harbor.example', password = PASSWORD): Promise<Browser> {
  const r = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });
  if (r.statusCode !== 200) throw new Error(`sign-in ${r.statusCode} ${r.body}`);
  const set = String(r.headers['set-cookie']);
  const cookie = set.split(';')[0]!;
  const csrf = r.json().session.csrf_token as string;
  return { cookie, csrf, headers: (unsafe = false) => ({ cookie, ...(unsafe ? { 'x-csrf-token': csrf } : {}) }) };
}

export async function ownerWithPassword(t: TestApp): Promise<void> {
  await setPassword(t.db.handle.db, t.clock, t.org.org.id, t.org.user.id, PASSWORD, t.deps.config.passwordCost);
}

export function linkToken(mail: ParsedMail): string {
  const m = /#token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '');
  if (!m) throw new Error(`no link in ${mail.text}`);
  return m[1]!;
}
