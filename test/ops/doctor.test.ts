/**
 * `vigil doctor` (issue 18): against a real SMTP server that checks credentials, a local
 * server implementing the part of Twilio's REST API it calls (the account resource, with
 * HTTP basic auth), and the suite's databases. A wrong password or token is a FAIL that
 * says what to renew; nothing is sent to anyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { DIALECTS, createTestDb, type TestDb } from '../harness.js';
import { loadConfig } from '../../src/server/config/config.js';
import { doctor, formatChecks } from '../../src/cli/doctor.js';

const SID = 'AC' + 'a'.repeat(32);
const TOKEN = 'twilio-auth-token';

let smtp: SMTPServer;
let smtpPort: number;
let mailsSent = 0;
let twilio: http.Server;
let twilioUrl: string;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _s, cb) {
      return auth.username === 'vigil' && auth.password === 'right' ? cb(null, { user: 'vigil' }) : cb(new Error('535 5.7.8 authentication failed'));
    },
    onData(stream, _s, cb) {
      mailsSent++;
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  // Twilio's GET /2010-04-01/Accounts/{AccountSid}.json with basic auth (SID:token).
  twilio = http.createServer((req, res) => {
    const expected = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
    if (req.method !== 'GET' || req.url !== `/2010-04-01/Accounts/${SID}.json`) return res.writeHead(404).end('{"code":20404}');
    if (req.headers.authorization !== expected) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":20003,"message":"Authenticate","status":401}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: SID, status: 'active' }));
  });
  await new Promise<void>((r) => twilio.listen(0, '127.0.0.1', () => r()));
  twilioUrl = `http://127.0.0.1:${(twilio.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  await new Promise<void>((r) => twilio.close(() => r()));
});

describe.each(DIALECTS)('vigil doctor (%s)', (dialect) => {
  let db: TestDb;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-doctor-'));
  beforeAll(async () => {
    db = await createTestDb(dialect);
  });
  afterAll(async () => {
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string>) => ({ VIGIL_DATA_DIR: dialect === 'sqlite' ? db.env.VIGIL_DATA_DIR! : dir, ...(db.env.DATABASE_URL ? { DATABASE_URL: db.env.DATABASE_URL } : {}), VIGIL_SMTP_HOST: '127.0.0.1', VIGIL_SMTP_PORT: String(smtpPort), VIGIL_TWILIO_ACCOUNT_SID: SID, VIGIL_TWILIO_FROM: '+15555550100', VIGIL_TWILIO_BASE_URL: twilioUrl, ...extra });
  const byName = (checks: Awaited<ReturnType<typeof doctor>>) => Object.fromEntries(checks.map((c) => [c.name, c]));

  it('passes a working set-up: database migrated, SMTP and SMS credentials accepted', async () => {
    const checks = byName(await doctor(loadConfig(env({ VIGIL_SMTP_USER: 'vigil', VIGIL_SMTP_PASS: 'right', VIGIL_TWILIO_AUTH_TOKEN: TOKEN, VIGIL_PUBLIC_URL: 'https://vigil.example.org', VIGIL_BACKUP_EVERY: '24h', VIGIL_BACKUP_DIR: dir }))));
    expect(checks['database']!.verdict).toBe('ok');
    expect(checks['migrations']!.verdict).toBe('ok');
    expect(checks['smtp']).toMatchObject({ verdict: 'ok', detail: expect.stringContaining('accepts the credentials') });
    expect(checks['sms']).toMatchObject({ verdict: 'ok' });
    expect(checks['public url']!.verdict).toBe('ok');
    expect(checks['backups']!.verdict).toBe('ok');
    if (dialect === 'postgres') expect(checks['clock']!.verdict).toBe('ok');
    else expect(checks['disk']!.verdict).not.toBe('fail');
    expect(mailsSent).toBe(0);
  });

  it('fails an expired SMTP password and a revoked SMS token, saying what to renew', async () => {
    const checks = await doctor(loadConfig(env({ VIGIL_SMTP_USER: 'vigil', VIGIL_SMTP_PASS: 'expired', VIGIL_TWILIO_AUTH_TOKEN: 'revoked' })));
    const c = byName(checks);
    expect(c['smtp']).toMatchObject({ verdict: 'fail', fix: expect.stringContaining('renew the password') });
    expect(c['sms']).toMatchObject({ verdict: 'fail', fix: 'renew VIGIL_TWILIO_AUTH_TOKEN' });
    expect(formatChecks(checks)).toMatch(/FAIL\s+smtp/);
  });

  it('fails an SMTP server that is not there, and warns about what is missing', async () => {
    const c = byName(await doctor(loadConfig(env({ VIGIL_SMTP_PORT: '1', VIGIL_TWILIO_AUTH_TOKEN: TOKEN }))));
    expect(c['smtp']).toMatchObject({ verdict: 'fail', fix: expect.stringContaining('VIGIL_SMTP_HOST') });
    expect(c['public url']!.verdict).toBe('warn');
    expect(c['backups']).toMatchObject({ verdict: 'warn', fix: expect.stringContaining('VIGIL_BACKUP_EVERY') });
  });
});
