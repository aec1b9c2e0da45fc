/**
 * Story fixtures for the engine: people with contact methods, a policy, a
 * service, a real webhook receiver and a real SMTP server, and an engine driven by
 * a manual clock. Rows are created through the stores (the REST API is
 * tested elsewhere); everything the engine does goes through its real code.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { newId } from '../../src/server/lib/ids.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { insertUser } from '../../src/server/org/org.store.js';
import { insertContactMethod, insertNotificationRule } from '../../src/server/notify/contact.store.js';
import { insertPolicy } from '../../src/server/escalation/policy.store.js';
import type { EscalationRule } from '../../src/server/escalation/policy.js';
import type { ContactMethodType, Role } from '../../src/server/storage/schema.js';
import { buildEngine } from '../../src/server/engine/build.js';
import { ChannelRegistry } from '../../src/server/notify/channels/registry.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { WebhookChannel } from '../../src/server/notify/channels/webhook/webhook.js';
import { EmailChannel } from '../../src/server/notify/channels/email/email.js';
import type { ChannelAdapter } from '../../src/server/notify/channel.js';
import type { TestApp } from '../harness.js';
import { localPolicy } from '../outbound-allow.js';

export interface Receiver {
  url: string;
  requests: { headers: http.IncomingHttpHeaders; body: string; json: any }[];
  /** Answer status for the next requests (default 200). */
  respond: (status: number, headers?: Record<string, string>) => void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  let status = 200;
  let headers: Record<string, string> = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {}
      requests.push({ headers: req.headers, body, json });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    respond(s, h = {}) {
      status = s;
      headers = h;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface Mailbox {
  port: number;
  messages: ParsedMail[];
  /** The first message to `to` whose text matches, once it has arrived. */
  waitFor(to: string, match: RegExp, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that Vigil sends its invitations and codes to. */
export async function startSmtp(): Promise<Mailbox> {
  const messages: ParsedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((m) => {
        messages.push(m);
        for (const w of waiters) w();
        callback();
      }, callback);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  const find = (to: string, match: RegExp) => messages.find((m) => JSON.stringify(m.to ?? '').includes(to) && match.test(m.text ?? ''));
  return {
    port,
    messages,
    waitFor(to, match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = find(to, match);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => (waiters.delete(check), reject(new Error(`no email to ${to} matching ${match} (got ${messages.length}: ${messages.map((m) => m.subject).join('; ')})`))), timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function addUser(t: TestApp, name: string, role: Role = 'responder'): Promise<string> {
  const id = newId(t.clock.now());
  await insertUser(t.db.handle.db, { org_id: t.org.org.id, id, name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@harbor.example`, role, time_zone: 'UTC', created_at: t.clock.now(), deleted_at: null });
  return id;
}

export async function addContact(t: TestApp, userId: string, type: ContactMethodType, address: string, verified = true, secret: string | null = null): Promise<string> {
  const id = newId(t.clock.now());
  await insertContactMethod(t.db.handle.db, {
    org_id: t.org.org.id,
    id,
    user_id: userId,
    type,
    address,
    label: type,
    verified_at: verified ? t.clock.now() : null,
    verification_code_hash: null,
    verification_expires_at: null,
    verification_attempts: 0,
    secret,
    created_at: t.clock.now(),
    deleted_at: null,
  });
  return id;
}

export async function addRule(t: TestApp, userId: string, contactMethodId: string, delayMinutes: number, urgency: 'high' | 'low' = 'high'): Promise<void> {
  await insertNotificationRule(t.db.handle.db, { org_id: t.org.org.id, id: newId(t.clock.now()), user_id: userId, contact_method_id: contactMethodId, start_delay_in_minutes: delayMinutes, urgency, created_at: t.clock.now() });
}

export async function addPolicy(t: TestApp, levels: { delay: number; targets: { id: string; type: 'user_reference' | 'schedule_reference' }[] }[], numLoops = 0, name = 'Chat on-call'): Promise<string> {
  const id = newId(t.clock.now());
  const rules: EscalationRule[] = levels.map((l) => ({ id: newId(t.clock.now()), escalation_delay_in_minutes: l.delay, targets: l.targets }));
  await insertPolicy(t.db.handle.db, { org_id: t.org.org.id, id, name, description: null, num_loops: numLoops, rules, created_at: t.clock.now(), updated_at: t.clock.now(), deleted_at: null });
  return id;
}

export async function attachPolicy(t: TestApp, serviceId: string, policyId: string, extra: Record<string, unknown> = {}): Promise<void> {
  await t.db.handle.db.updateTable('services').set({ escalation_policy_id: policyId, ...extra }).where('org_id', '=', t.org.org.id).where('id', '=', serviceId).execute();
  t.deps.ingest.invalidate();
}

export function engineFor(t: TestApp, channels: Partial<Record<string, ChannelAdapter>> | ChannelRegistry, random = () => 0.5): Engine {
  const registry = channels instanceof ChannelRegistry ? channels : new ChannelRegistry(Object.values(channels).filter((c): c is ChannelAdapter => !!c));
  return buildEngine(t.deps, registry, { error: () => {}, warn: () => {}, info: () => {} }, { deliver: { random } });
}

export function realChannels(smtpPort: number | null, webhookTimeoutMs = 2_000): Partial<Record<string, ChannelAdapter>> {
  return {
    webhook: new WebhookChannel({ policy: localPolicy,  timeoutMs: webhookTimeoutMs }),
    ...(smtpPort ? { email: new EmailChannel({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, from: 'Vigil <vigil@harbor.example>', connectionTimeoutMs: 2_000, greetingTimeoutMs: 2_000, socketTimeoutMs: 5_000 }) } : {}),
  };
}

export async function timeline(t: TestApp, incident = '1'): Promise<string[]> {
  const r = await t.app.inject({ method: 'GET', url: `/api/v1/incidents/${incident}/log_entries?limit=100`, headers: t.auth });
  return (r.json().log_entries as { summary: string }[]).map((e) => e.summary);
}

export async function incident(t: TestApp, n = '1') {
  return (await t.app.inject({ method: 'GET', url: `/api/v1/incidents/${n}`, headers: t.auth })).json().incident;
}

export const advance = (clock: ManualClock, minutes: number) => clock.advanceMinutes(minutes);
