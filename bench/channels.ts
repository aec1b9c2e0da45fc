/**
 * Delivery latency per channel: a real Vigil process (`node dist/cli/main.js serve`, SQLite)
 * pages people through ntfy, Telegram, SMS (the instance-wide Twilio configuration) and email
 * (SMTP), each at a local server implementing the provider's API: test/channels/fake-ntfy.ts,
 * fake-telegram.ts (Bot API, with the webhook Vigil registers), fake-twilio-voice.ts
 * (Messages.json) and an SMTP server (smtp-server). The figure is trigger (POST /v2/enqueue
 * sent) → the provider's request received, per channel.
 *
 * Each probe is its own person (own service and escalation policy), with one verified method
 * per channel and a rule at 0 minutes for each, so one trigger fans out to four channels at
 * once and no per-number SMS throttle holds a page back. Methods are set up through the API
 * as a person would: verification codes are read from what the fakes received; Telegram is
 * linked with `/start <code>` through the bot's webhook.
 *
 *   npm run bench:build && node dist/bench/bench/channels.js [probes] [perSecond]
 * `npm run bench` runs it as the `channels` phase.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { startFakeNtfy } from '../test/channels/fake-ntfy.js';
import { httpTransport, startFakeTelegram } from '../test/channels/fake-telegram.js';
import { startFakeTwilioVoice } from '../test/channels/fake-twilio-voice.js';
import { freePort, REPO } from './lib/proc.js';

const wall = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type BenchChannel = 'ntfy' | 'telegram' | 'sms' | 'email';
export const BENCH_CHANNELS: BenchChannel[] = ['ntfy', 'telegram', 'sms', 'email'];

export interface ChannelLatency {
  n: number;
  missing: number;
  p50: number;
  p99: number;
  max: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Wraps an array's push so each element's arrival time is kept beside it. */
function stamped<T>(list: T[]): Map<T, number> {
  const at = new Map<T, number>();
  const push = list.push.bind(list);
  list.push = (...items: T[]) => {
    const now = wall();
    for (const i of items) at.set(i, now);
    return push(...items);
  };
  return at;
}

async function startMailbox(): Promise<{ port: number; mails: { to: string; text: string; at: number }[]; close(): Promise<void> }> {
  const mails: { to: string; text: string; at: number }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      // Arrival: the DATA command, before the body is read (as the other fakes stamp the request).
      const at = wall();
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        for (const r of session.envelope.rcptTo) mails.push({ to: r.address, text, at });
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function benchChannelLatency(probes = 20, perSecond = 2): Promise<Record<BenchChannel, ChannelLatency>> {
  const port = await freePort();
  const local = `http://127.0.0.1:${port}`;
  // Telegram only calls HTTPS webhooks: Vigil's public URL is https://vigil.bench, which the fake Bot API reaches at the local port.
  const publicUrl = 'https://vigil.bench';
  const ntfy = await startFakeNtfy();
  const tg = await startFakeTelegram((url, headers, body) => httpTransport(url.replace(publicUrl, local), headers, body));
  const bot = tg.addBot('bench_vigil_bot');
  const twilio = await startFakeTwilioVoice('ACbench', 'bench-token', async () => ({ status: 204, body: '' }));
  const smtp = await startMailbox();
  const ntfyAt = stamped(ntfy.messages);
  const tgAt = stamped(tg.sent);
  const smsAt = stamped(twilio.messages);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-channels-'));
  const env = {
    ...process.env,
    VIGIL_DATA_DIR: dir,
    PORT: String(port),
    HOST: '127.0.0.1',
    VIGIL_PUBLIC_URL: publicUrl,
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    VIGIL_INGEST_RATE: '0',
    VIGIL_OUTBOUND_ALLOW: '127.0.0.1',
    VIGIL_SMTP_HOST: '127.0.0.1',
    VIGIL_SMTP_PORT: String(smtp.port),
    VIGIL_SMTP_FROM: 'Vigil <vigil@bench.example>',
    VIGIL_TWILIO_ACCOUNT_SID: 'ACbench',
    VIGIL_TWILIO_AUTH_TOKEN: 'bench-token',
    VIGIL_TWILIO_FROM: '+15005550006',
    VIGIL_TWILIO_BASE_URL: twilio.url,
  };
  const cli = path.join(REPO, 'dist/cli/main.js');
  const init = JSON.parse(execFileSync(process.execPath, [cli, 'init', '--org', 'Bench', '--email', 'o@bench.example', '--name', 'Olive', '--password', 'bench password 42', '--json'], { env, encoding: 'utf8' })) as { user: { id: string }; token: string };
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve'], { env, stdio: 'ignore' });
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error('vigil did not start');
      if (await fetch(`${local}/healthz`).then((r) => r.ok, () => false)) break;
      await sleep(100);
    }
    const api = async (method: string, p: string, body?: unknown) => {
      const r = await fetch(local + p, { method, headers: { authorization: `Bearer ${init.token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
      return r.status === 204 ? null : ((await r.json()) as any);
    };
    const until = async (what: string, ok: () => unknown) => {
      for (let i = 0; !ok(); i++) {
        if (i > 400) throw new Error(`timed out waiting for ${what}`);
        await sleep(25);
      }
    };
    await api('PUT', '/api/v1/telegram_bot', { telegram_bot: { bot_token: bot.token, api_base_url: tg.apiBaseUrl } });
    await api('POST', '/api/v1/telegram_bot/set_webhook');

    // One person per probe, each with a verified method per channel. SMS first: the verification text counts against
    // the number's throttle (1 SMS a minute), so the pages wait until a minute after the last one.
    const probe: { key: string; topic: string; phone: string; email: string; chat: number }[] = [];
    const users: { id: string; email: string; phone: string }[] = [];
    const verify = async (userId: string, cm: any, code: () => string | undefined) => {
      await api('POST', `/api/v1/users/${userId}/contact_methods/${cm.id}/send_verification`);
      await until(`the ${cm.type} verification code`, code);
      await api('POST', `/api/v1/users/${userId}/contact_methods/${cm.id}/verify`, { code: /(\d{6})/.exec(code()!)![1] });
    };
    const add = async (userId: string, contact_method: Record<string, unknown>) => (await api('POST', `/api/v1/users/${userId}/contact_methods`, { contact_method })).contact_method;
    let lastSms = 0;
    for (let i = 0; i < probes; i++) {
      const email = `p${i}@bench.example`;
      const phone = `+1415555${String(1000 + i).padStart(4, '0')}`;
      const user = (await api('POST', '/api/v1/users', { user: { name: `Probe ${i}`, email, role: 'responder' } })).user;
      await verify(user.id, await add(user.id, { type: 'sms_contact_method', label: 'Mobile', address: phone }), () => twilio.messages.find((m) => m.to === phone)?.body);
      lastSms = wall();
      users.push({ id: user.id, email, phone });
    }
    for (const [i, { id: userId, email, phone }] of users.entries()) {
      const user = { id: userId };
      const topic = `bench-p${i}-${Math.random().toString(36).slice(2, 10)}`;
      const chat = 70_000 + i;
      const methods = (await api('GET', `/api/v1/users/${user.id}/contact_methods`)).contact_methods as any[];
      const mail = methods.find((m) => m.type === 'email_contact_method') ?? (await add(user.id, { type: 'email_contact_method', label: 'Work', address: email }));
      if (!mail.verified) await verify(user.id, mail, () => smtp.mails.find((m) => m.to === email && /\d{6}/.test(m.text))?.text);
      const nt = await add(user.id, { type: 'ntfy_contact_method', label: 'ntfy', address: `${ntfy.url}/${topic}` });
      await verify(user.id, nt, () => ntfy.messages.find((m) => m.topic === topic)?.message);
      const link = (await api('POST', `/api/v1/users/${user.id}/telegram_link`)).telegram_link;
      const linked = await tg.userSends(bot.token, { id: chat, username: `probe${i}` }, `/start ${link.code}`);
      if (linked.status !== 200) throw new Error(`telegram link: ${linked.status} ${linked.body}`);
      const all = (await api('GET', `/api/v1/users/${user.id}/contact_methods`)).contact_methods as any[];
      for (const m of all) await api('POST', `/api/v1/users/${user.id}/notification_rules`, { notification_rule: { start_delay_in_minutes: 0, urgency: 'high', contact_method: { id: m.id } } });
      const policy = (await api('POST', '/api/v1/escalation_policies', { escalation_policy: { name: `bench ${i}`, escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: user.id, type: 'user_reference' }] }] } })).escalation_policy;
      const service = (await api('POST', '/api/v1/services', { service: { name: `bench ${i}`, escalation_policy: { id: policy.id, type: 'escalation_policy_reference' } } })).service;
      const key = (await api('POST', `/api/v1/services/${service.id}/integrations`, { integration: { type: 'events_v2' } })).integration.integration_key as string;
      probe.push({ key, topic, phone, email, chat });
    }

    if (wall() < lastSms + 61_000) await sleep(lastSms + 61_000 - wall());
    const since = wall();
    const sent: number[] = [];
    for (const [i, p] of probe.entries()) {
      const due = since + (i * 1000) / perSecond;
      if (due > wall()) await sleep(due - wall());
      sent.push(wall());
      void fetch(`${local}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ routing_key: p.key, event_action: 'trigger', dedup_key: `probe-${i}`, payload: { summary: `probe-${i}`, source: 'bench', severity: 'critical' } }) });
    }
    const arrived = (i: number): Record<BenchChannel, number | undefined> => {
      const p = probe[i]!;
      const first = <T>(list: T[], at: Map<T, number>, match: (x: T) => boolean) => list.filter((x) => match(x) && (at.get(x) ?? 0) >= since).map((x) => at.get(x)!).sort((a, b) => a - b)[0];
      return {
        ntfy: first(ntfy.messages, ntfyAt, (m) => m.topic === p.topic),
        telegram: first(tg.sent, tgAt, (m) => m.chat_id === p.chat),
        sms: first(twilio.messages, smsAt, (m) => m.to === p.phone && /probe-/.test(m.body)),
        email: smtp.mails.filter((m) => m.to === p.email && m.at >= since).map((m) => m.at).sort((a, b) => a - b)[0],
      };
    };
    const deadline = wall() + 20_000;
    while (wall() < deadline && !probe.every((_, i) => Object.values(arrived(i)).every((x) => x !== undefined))) await sleep(50);
    const out = {} as Record<BenchChannel, ChannelLatency>;
    for (const c of BENCH_CHANNELS) {
      const lat = probe.flatMap((_, i) => (arrived(i)[c] === undefined ? [] : [arrived(i)[c]! - sent[i]!])).sort((a, b) => a - b);
      out[c] = lat.length ? { n: lat.length, missing: probes - lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: lat.at(-1)! } : { n: 0, missing: probes, p50: NaN, p99: NaN, max: NaN };
    }
    return out;
  } finally {
    child.kill('SIGTERM');
    await sleep(300);
    await Promise.all([ntfy.close(), tg.close(), twilio.close(), smtp.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchChannelLatency(Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 2));
  for (const c of BENCH_CHANNELS) console.log(`trigger → ${c} request: p50 ${r[c].p50.toFixed(1)} ms, p99 ${r[c].p99.toFixed(1)} ms, max ${r[c].max.toFixed(1)} ms (n ${r[c].n}, missing ${r[c].missing})`);
}
