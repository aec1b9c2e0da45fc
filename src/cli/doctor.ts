/**
 * `vigil doctor`: checks what a running Vigil depends on and says what to fix — the
 * configuration, the database (reachable, migrated, PostgreSQL's clock against this
 * machine's), the data and backup directories (writable, free space), the public URL,
 * the SMTP server (it answers and accepts the credentials) and the SMS/voice provider
 * (it accepts the credentials). Nothing is sent to anyone.
 */
import fs from 'node:fs';
import path from 'node:path';
import type nodemailer from 'nodemailer';
import { lazyRequire } from '../server/lib/lazy-require.js';
import { sql } from 'kysely';
import type { Config } from '../server/config/config.js';
import { openConfiguredDatabase } from '../server/main.js';
import { appliedMigrations, pendingOnExisting } from '../server/storage/migrate.js';

export type Verdict = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  verdict: Verdict;
  detail: string;
  /** What to do about a warn or a fail. */
  fix?: string;
}

const GiB = 1024 ** 3;

function freeSpace(dir: string): Check {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.doctor-${process.pid}`);
    fs.writeFileSync(probe, 'ok');
    fs.rmSync(probe);
    const s = fs.statfsSync(dir);
    const free = s.bavail * s.bsize;
    const share = s.bavail / s.blocks;
    const detail = `${dir}: writable, ${(free / GiB).toFixed(1)} GiB free (${Math.round(share * 100)}%)`;
    if (free < 0.5 * GiB || share < 0.05) return { name: 'disk', verdict: 'fail', detail, fix: 'free space on this filesystem: when it fills, Vigil refuses events with 503 until space returns' };
    if (free < 2 * GiB || share < 0.15) return { name: 'disk', verdict: 'warn', detail, fix: 'plan more space: backups and the database grow' };
    return { name: 'disk', verdict: 'ok', detail };
  } catch (err) {
    return { name: 'disk', verdict: 'fail', detail: `${dir}: ${(err as Error).message}`, fix: `make ${dir} writable by the user Vigil runs as` };
  }
}

async function database(config: Config): Promise<Check[]> {
  const out: Check[] = [];
  const handle = openConfiguredDatabase(config);
  try {
    const started = Date.now();
    await sql`SELECT 1`.execute(handle.db);
    out.push({ name: 'database', verdict: 'ok', detail: `${config.databaseUrl ? 'PostgreSQL' : `SQLite ${path.join(config.dataDir, 'vigil.db')}`} answers in ${Date.now() - started} ms` });
    const applied = await appliedMigrations(handle);
    const pending = await pendingOnExisting(handle);
    if (!applied.length) out.push({ name: 'migrations', verdict: 'warn', detail: 'the database is empty', fix: 'run `vigil migrate` (or start Vigil, which migrates) and `vigil init`' });
    else if (pending.length) out.push({ name: 'migrations', verdict: 'warn', detail: `${pending.length} to apply: ${pending.join(', ')}`, fix: 'start Vigil (it backs up, then migrates) or run `vigil migrate`' });
    else out.push({ name: 'migrations', verdict: 'ok', detail: `up to date (${applied.at(-1)})` });
    if (config.databaseUrl) {
      const r = await sql<{ t: number }>`SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint AS t`.execute(handle.db);
      const skew = Math.abs(Number(r.rows[0]!.t) - Date.now());
      out.push(
        skew > 2_000
          ? { name: 'clock', verdict: skew > 30_000 ? 'fail' : 'warn', detail: `this machine and PostgreSQL differ by ${(skew / 1000).toFixed(1)} s`, fix: 'run NTP (chrony or systemd-timesyncd) on both machines: escalations and schedules are timed' }
          : { name: 'clock', verdict: 'ok', detail: `within ${skew} ms of PostgreSQL's` },
      );
    }
  } catch (err) {
    out.push({ name: 'database', verdict: 'fail', detail: (err as Error).message, fix: config.databaseUrl ? 'check DATABASE_URL, that PostgreSQL runs and accepts this user' : `check that ${config.dataDir} is readable and writable` });
  } finally {
    await handle.close().catch(() => {});
  }
  return out;
}

async function smtp(config: Config): Promise<Check> {
  if (!config.smtp) return { name: 'smtp', verdict: 'warn', detail: 'no SMTP server configured: email pages, invitations and password resets are off', fix: 'set VIGIL_SMTP_HOST (and _PORT, _USER, _PASS, _FROM)' };
  const s = config.smtp;
  const t = lazyRequire<typeof nodemailer>('nodemailer')().createTransport({ host: s.host, port: s.port, secure: s.secure, connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 5_000, ...(s.user && s.pass ? { auth: { user: s.user, pass: s.pass } } : {}) });
  try {
    await t.verify();
    return { name: 'smtp', verdict: 'ok', detail: `${s.host}:${s.port} answers${s.user ? ' and accepts the credentials' : ''}` };
  } catch (err) {
    const e = err as Error & { code?: string; responseCode?: number };
    const auth = e.code === 'EAUTH' || e.responseCode === 535;
    return { name: 'smtp', verdict: 'fail', detail: `${s.host}:${s.port}: ${e.message}`, fix: auth ? 'the SMTP server refuses VIGIL_SMTP_USER/VIGIL_SMTP_PASS: renew the password' : 'check VIGIL_SMTP_HOST/PORT/SECURE and that this machine may reach the server' };
  } finally {
    t.close();
  }
}

async function twilio(config: Config): Promise<Check | null> {
  if (!config.twilio) return null;
  const tw = config.twilio;
  const url = `${tw.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(tw.accountSid)}.json`;
  try {
    const r = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${tw.accountSid}:${tw.authToken}`).toString('base64')}` }, signal: AbortSignal.timeout(5_000) });
    if (r.status === 401 || r.status === 403) return { name: 'sms', verdict: 'fail', detail: `${tw.baseUrl} refuses the account SID and auth token (${r.status})`, fix: 'renew VIGIL_TWILIO_AUTH_TOKEN' };
    if (!r.ok) return { name: 'sms', verdict: 'warn', detail: `${tw.baseUrl} answered ${r.status}`, fix: 'check VIGIL_TWILIO_BASE_URL and the provider status' };
    return { name: 'sms', verdict: 'ok', detail: `${tw.baseUrl} accepts the credentials` };
  } catch (err) {
    return { name: 'sms', verdict: 'fail', detail: `${tw.baseUrl}: ${(err as Error).message}`, fix: 'check VIGIL_TWILIO_BASE_URL and that this machine may reach it' };
  }
}

function publicUrl(config: Config): Check {
  const u = new URL(config.publicUrl);
  const local = ['localhost', '127.0.0.1', '::1', '[::1]'].includes(u.hostname);
  if (local) return { name: 'public url', verdict: 'warn', detail: `${config.publicUrl}: links in pages point at this machine only`, fix: 'set VIGIL_PUBLIC_URL to the address people open (https://…)' };
  if (u.protocol !== 'https:') return { name: 'public url', verdict: 'warn', detail: `${config.publicUrl} is not https`, fix: 'put Vigil behind a TLS proxy and set VIGIL_PUBLIC_URL=https://…' };
  return { name: 'public url', verdict: 'ok', detail: config.publicUrl };
}

export async function doctor(config: Config): Promise<Check[]> {
  const checks: Check[] = [{ name: 'configuration', verdict: 'ok', detail: `roles ${config.roles.join(',')}, ${config.databaseUrl ? 'PostgreSQL' : 'SQLite'}, listening on ${config.host}:${config.port}` }];
  if (!config.databaseUrl) checks.push(freeSpace(config.dataDir));
  checks.push(...(await database(config)));
  const b = freeSpace(config.backup.dir);
  checks.push({ ...b, name: 'backups', detail: `${b.detail}${config.backup.everyMs ? `; every ${Math.round(config.backup.everyMs / 3_600_000)} h, keep ${config.backup.keep}` : '; no scheduled backups'}`, ...(b.verdict === 'ok' && !config.backup.everyMs ? { verdict: 'warn' as const, fix: 'set VIGIL_BACKUP_EVERY=24h (and copy the directory off this machine)' } : {}) });
  checks.push(publicUrl(config));
  checks.push(await smtp(config));
  const sms = await twilio(config);
  if (sms) checks.push(sms);
  return checks;
}

export function formatChecks(checks: Check[]): string {
  const mark: Record<Verdict, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  return checks.map((c) => `${mark[c.verdict]}  ${c.name.padEnd(13)} ${c.detail}${c.fix ? `\n      ${' '.repeat(13)} → ${c.fix}` : ''}`).join('\n');
}
