/**
 * Inbound email integrations (docs/sources.md, "Email"), on every dialect: PagerDuty's
 * email integration body accepted by the REST API (and its bad sub-values refused by name);
 * messages sent with nodemailer to Vigil's own SMTP listener on 127.0.0.1 (started as
 * `vigil serve` starts it, main.ts startSmtpListener): a new incident per message, grouping by
 * subject, resolve by a parser rule, filters, the size limit refused at DATA time, unknown
 * recipients and other domains refused at RCPT time, the sender allow-list, STARTTLS with a
 * certificate made for the test; and the Mailgun and Postmark inbound webhooks with their
 * documented sample payloads, good and bad signatures.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { startSmtpListener } from '../../src/server/main.js';
import type { SmtpListener } from '../../src/server/ingest/email/smtp.js';
import { applyConfig, exportConfig } from '../../src/cli/config-code/apply.js';
import type { Transport } from '../../src/cli/config-code/api.js';

const MAX_BYTES = 64 * 1024;
const DOMAIN = 'vigil.test';
const MAILGUN_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const ATTACHMENT_TEXT = 'the attachment body is never stored 7f3a';

const tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-smtp-tls-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(tlsDir, 'key.pem'), '-out', path.join(tlsDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });

describe.each(DIALECTS)('inbound email on %s', (dialect) => {
  let t: TestApp;
  let smtp: SmtpListener;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const config = { ...t.deps.config, roles: ['api' as const], inboundEmail: { domain: DOMAIN, listen: { host: '127.0.0.1', port: 0 }, maxBytes: MAX_BYTES, tls: { certFile: path.join(tlsDir, 'cert.pem'), keyFile: path.join(tlsDir, 'key.pem') } } };
    smtp = (await startSmtpListener(t.deps, config, pino({ enabled: false })))!;
  });
  afterAll(async () => {
    await smtp?.stop();
    await t?.close();
  });

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload !== undefined ? { payload: payload as object } : {}) });

  async function emailIntegration(fields: Record<string, unknown> = {}, name = 'Mail') {
    const s = await api('POST', '/api/v1/services', { service: { name: `${name} ${Math.random()}` } });
    expect(s.statusCode).toBe(201);
    const serviceId = s.json().service.id as string;
    const i = await api('POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'generic_email_inbound_integration', name, ...fields } });
    expect(i.statusCode, i.body).toBe(201);
    const integration = i.json().integration;
    return { serviceId, integrationId: integration.id as string, key: integration.integration_key as string, address: integration.integration_email as string, integration };
  }

  const transport = (opts: Record<string, unknown> = {}) => nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, tls: { rejectUnauthorized: false }, ...opts });
  const send = (mail: Record<string, unknown>, opts: Record<string, unknown> = {}) => transport(opts).sendMail({ from: 'nagios@monitoring.example', text: 'check output', ...mail });

  const alertsOf = (serviceId: string) => t.deps.db.selectFrom('alerts').selectAll().where('org_id', '=', t.org.org.id).where('service_id', '=', serviceId).orderBy('first_seen_at').orderBy('id').execute();
  const incidentsOf = (serviceId: string) => t.deps.db.selectFrom('incidents').selectAll().where('org_id', '=', t.org.org.id).where('service_id', '=', serviceId).orderBy('number').execute();
  const refused = async (p: Promise<unknown>): Promise<{ responseCode?: number; response?: string }> => {
    try {
      await p;
    } catch (err) {
      return err as { responseCode?: number };
    }
    throw new Error('the message was accepted');
  };

  it("accepts PagerDuty's email integration body and answers its fields, the address with the key", async () => {
    const { integration, key, serviceId, integrationId } = await emailIntegration({ email_incident_creation: 'on_new_email_subject', email_filter_mode: 'all-email', email_allowed_senders: ['*@Monitoring.example'] });
    expect(integration).toMatchObject({
      type: 'generic_email_inbound_integration',
      vigil_type: 'email',
      integration_email: `${key}@${DOMAIN}`,
      integration_email_domain: DOMAIN,
      email_incident_creation: 'on_new_email_subject',
      email_filter_mode: 'all-email',
      email_filters: [],
      email_parsers: [],
      email_parsing_fallback: null,
      email_allowed_senders: ['*@monitoring.example'],
      mailgun_signing_key_set: false,
    });
    const got = await api('GET', `/api/v1/services/${serviceId}/integrations/${integrationId}`);
    expect(got.json().integration.integration_email).toBeUndefined();
    expect(got.json().integration.email_incident_creation).toBe('on_new_email_subject');
    const put = await api('PUT', `/api/v1/services/${serviceId}/integrations/${integrationId}`, { integration: { email_incident_creation: 'only_if_no_open_incidents', mailgun_signing_key: MAILGUN_KEY } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().integration).toMatchObject({ email_incident_creation: 'only_if_no_open_incidents', mailgun_signing_key_set: true });
    expect(put.body).not.toContain(MAILGUN_KEY);
    const row = await t.deps.db.selectFrom('integrations').select('email_config').where('id', '=', integrationId).executeTakeFirstOrThrow();
    expect(row.email_config).not.toContain(MAILGUN_KEY);
  });

  it('refuses bad email settings by name, and writes nothing', async () => {
    const s = await api('POST', '/api/v1/services', { service: { name: 'Refusals' } });
    const serviceId = s.json().service.id as string;
    const predicate = { type: 'contains', part: 'subject', matcher: 'DOWN' };
    const cases: [Record<string, unknown>, string][] = [
      [{ email_incident_creation: 'on_every_email' }, 'integration.email_incident_creation'],
      [{ email_incident_creation: 'use_rules' }, 'integration.email_parsers'],
      [{ email_parsers: [{ action: 'trigger', match_predicate: predicate }] }, 'integration.email_parsers'],
      [{ email_parsing_fallback: 'discard' }, 'integration.email_parsing_fallback'],
      [{ email_filter_mode: 'or-rules-email' }, 'integration.email_filters'],
      [{ email_filters: [{ subject_mode: 'always', body_mode: 'always', from_email_mode: 'always' }] }, 'integration.email_filters'],
      [{ email_filter_mode: 'and-rules-email', email_filters: [{ subject_mode: 'match', body_mode: 'always', from_email_mode: 'always' }] }, 'integration.email_filters[0].subject_regex'],
      [{ email_filter_mode: 'and-rules-email', email_filters: [{ subject_mode: 'match', subject_regex: '(a', body_mode: 'always', from_email_mode: 'always' }] }, 'integration.email_filters[0].subject_regex'],
      [{ email_incident_creation: 'use_rules', email_parsers: [{ action: 'trigger', match_predicate: { type: 'regex', part: 'subject', matcher: '(?=x)' } }] }, 'integration.email_parsers[0].match_predicate.matcher'],
      [{ email_incident_creation: 'use_rules', email_parsers: [{ action: 'trigger', match_predicate: { type: 'contains', part: 'headers', matcher: 'x' } }] }, 'integration.email_parsers[0].match_predicate.part'],
      [{ email_incident_creation: 'use_rules', email_parsers: [{ action: 'resolve', match_predicate: predicate }] }, 'integration.email_parsers[0].value_extractors'],
      [{ email_incident_creation: 'use_rules', email_parsers: [{ action: 'trigger', match_predicate: predicate, value_extractors: [{ type: 'entire', part: 'subject', value_name: 'host' }] }] }, 'integration.email_parsers[0].value_extractors'],
      [{ email_incident_creation: 'use_rules', email_parsers: [{ action: 'trigger', match_predicate: { type: 'all', children: [] } }] }, 'integration.email_parsers[0].match_predicate.children'],
      [{ email_allowed_senders: ['not an address'] }, 'integration.email_allowed_senders[0]'],
      [{ mailgun_signing_key: 'short' }, 'integration.mailgun_signing_key'],
      [{ integration_email: 'ops@acme.pagerduty.com' }, 'integration.integration_email'],
    ];
    const before = await t.deps.db.selectFrom('integrations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    for (const [fields, field] of cases) {
      const r = await api('POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'generic_email_inbound_integration', ...fields } });
      expect(r.statusCode, JSON.stringify(fields)).toBe(400);
      expect(r.json().error.code).toBe(2001);
      expect(r.json().error.errors.join(' '), JSON.stringify(fields)).toContain(field);
    }
    // Email settings on another type are refused, not ignored.
    const other = await api('POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'events_v2', email_incident_creation: 'on_new_email' } });
    expect(other.statusCode).toBe(400);
    expect(other.json().error.errors[0]).toContain('integration.email_incident_creation');
    const after = await t.deps.db.selectFrom('integrations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('opens a new incident per message over SMTP; attachments are kept as names only', async () => {
    const { serviceId, address } = await emailIntegration();
    const info = await send({ to: address, subject: 'Disk full on db1', text: 'df: /var 100%', attachments: [{ filename: 'df.txt', content: ATTACHMENT_TEXT }] });
    expect(info.response).toMatch(/^250 /);
    await send({ to: address, subject: 'Disk full on db1' });
    const alerts = await alertsOf(serviceId);
    expect(alerts).toHaveLength(2);
    expect((await incidentsOf(serviceId)).map((i) => i.title)).toEqual(['Disk full on db1', 'Disk full on db1']);
    const details = JSON.parse(alerts[0]!.details) as { custom_details: Record<string, unknown> };
    expect(details.custom_details).toMatchObject({ from: 'nagios@monitoring.example', to: address, subject: 'Disk full on db1', body: expect.stringContaining('df: /var 100%'), attachments: { count: 1, names: ['df.txt'] } });
    expect(alerts[0]!.details).not.toContain(ATTACHMENT_TEXT);
  });

  it('groups messages by subject (on_new_email_subject)', async () => {
    const { serviceId, address } = await emailIntegration({ email_incident_creation: 'on_new_email_subject' });
    await send({ to: address, subject: 'Disk full on db1' });
    await send({ to: address, subject: 'RE:  disk FULL on db1' });
    await send({ to: address, subject: 'Backup failed' });
    const alerts = await alertsOf(serviceId);
    expect(alerts).toHaveLength(2);
    expect(await incidentsOf(serviceId)).toHaveLength(2);
  });

  it('triggers and resolves by parser rules (use_rules), with the fallback', async () => {
    const { serviceId, address } = await emailIntegration({
      email_incident_creation: 'use_rules',
      email_parsing_fallback: 'discard',
      email_parsers: [
        {
          action: 'trigger',
          match_predicate: { type: 'all', children: [{ type: 'regex', part: 'subject', matcher: '^PROBLEM' }, { type: 'not', children: [{ type: 'contains', part: 'body', matcher: 'test only' }] }] },
          value_extractors: [
            { type: 'regex', part: 'subject', value_name: 'incident_key', regex: 'PROBLEM: (\\S+)' },
            { type: 'between', part: 'body', value_name: 'state', starts_after: 'State:', ends_with: ';' },
          ],
        },
        { action: 'resolve', match_predicate: { type: 'regex', part: 'subject', matcher: '^RECOVERY' }, value_extractors: [{ type: 'regex', part: 'subject', value_name: 'incident_key', regex: 'RECOVERY: (\\S+)' }] },
      ],
    });
    await send({ to: address, subject: 'PROBLEM: web1 is DOWN', text: 'State: CRITICAL; since 5m' });
    await send({ to: address, subject: 'PROBLEM: web2 is DOWN', text: 'test only' }); // matches no parser: discarded
    await send({ to: address, subject: 'hello' }); // discarded
    let alerts = await alertsOf(serviceId);
    expect(alerts.map((a) => [a.dedup_key, a.status])).toEqual([['web1', 'triggered']]);
    expect(JSON.parse(alerts[0]!.details).custom_details.extracted).toEqual({ state: 'CRITICAL' });
    const info = await send({ to: address, subject: 'RECOVERY: web1 is UP' });
    expect(info.response).toContain('resolve web1');
    alerts = await alertsOf(serviceId);
    expect(alerts.map((a) => a.status)).toEqual(['resolved']);
    expect((await incidentsOf(serviceId)).map((i) => i.status)).toEqual(['resolved']);
  });

  it('joins the open incident while one is open (only_if_no_open_incidents)', async () => {
    const { serviceId, address } = await emailIntegration({ email_incident_creation: 'only_if_no_open_incidents' });
    await send({ to: address, subject: 'first' });
    await send({ to: address, subject: 'second' });
    expect(await incidentsOf(serviceId)).toHaveLength(1);
    const [inc] = await incidentsOf(serviceId);
    const r = await t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${inc!.id}`, headers: { ...t.auth, from: 'owner@harbor.example' }, payload: { incident: { type: 'incident_reference', status: 'resolved' } } });
    expect(r.statusCode, r.body).toBe(200);
    await send({ to: address, subject: 'third' });
    expect((await incidentsOf(serviceId)).map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  it('lets in only what the filters pass (or-rules-email); the rest is accepted and dropped', async () => {
    const { serviceId, address } = await emailIntegration({
      email_filter_mode: 'or-rules-email',
      email_filters: [
        { subject_mode: 'match', subject_regex: '^ALERT', body_mode: 'always', from_email_mode: 'always' },
        { subject_mode: 'always', body_mode: 'no-match', body_regex: 'ignore', from_email_mode: 'match', from_email_regex: '@pager\\.example$' },
      ],
    });
    const dropped = await send({ to: address, subject: 'newsletter' });
    expect(dropped.response).toContain('dropped');
    await send({ to: address, subject: 'ALERT queue stuck' });
    await send({ to: address, subject: 'from the pager', from: 'bot@pager.example' });
    await send({ to: address, subject: 'from the pager', from: 'bot@pager.example', text: 'please ignore' });
    expect((await alertsOf(serviceId)).map((a) => a.summary)).toEqual(['ALERT queue stuck', 'from the pager']);
  });

  it('refuses a message over the size limit at DATA time (552), storing nothing', async () => {
    const { serviceId, address } = await emailIntegration();
    const err = await refused(send({ to: address, subject: 'huge', text: 'x'.repeat(MAX_BYTES + 1000) }));
    expect(err.responseCode).toBe(552);
    expect(await alertsOf(serviceId)).toHaveLength(0);
  });

  it('refuses unknown recipients and other domains at RCPT time (550)', async () => {
    const { key } = await emailIntegration();
    expect((await refused(send({ to: `${'a'.repeat(32)}@${DOMAIN}`, subject: 'x' }))).responseCode).toBe(550);
    expect((await refused(send({ to: `nobody@${DOMAIN}`, subject: 'x' }))).responseCode).toBe(550);
    expect((await refused(send({ to: `${key}@elsewhere.example`, subject: 'x' }))).responseCode).toBe(550);
  });

  it('refuses senders outside the allow-list (550 at RCPT)', async () => {
    const { serviceId, address } = await emailIntegration({ email_allowed_senders: ['*@monitoring.example', 'ops@partner.example'] });
    const err = await refused(send({ to: address, subject: 'spam', from: 'someone@spam.example' }));
    expect(err.responseCode).toBe(550);
    await send({ to: address, subject: 'ok 1', from: 'nagios@monitoring.example' });
    await send({ to: address, subject: 'ok 2', from: 'OPS@partner.example' });
    expect((await alertsOf(serviceId)).map((a) => a.summary)).toEqual(['ok 1', 'ok 2']);
  });

  it('offers STARTTLS with the configured certificate', async () => {
    const { serviceId, address } = await emailIntegration();
    // requireTLS: nodemailer refuses to send unless the server offers STARTTLS and the upgrade succeeds.
    const info = await transport({ ignoreTLS: false, requireTLS: true }).sendMail({ from: 'nagios@monitoring.example', to: address, subject: 'over TLS', text: 'x' });
    expect(info.response).toMatch(/^250 /);
    expect((await alertsOf(serviceId)).map((a) => a.summary)).toEqual(['over TLS']);
  });

  function mailgunSample(recipient: string, key = MAILGUN_KEY, timestamp = Math.floor(Date.now() / 1000)) {
    const token = 'c3c50c2f3c1c3e2e4f1b6c8e0a9d7b5f2e1d0c9b8a7f6e5d4c';
    return {
      recipient,
      sender: 'bob@example.com',
      from: 'Bob <bob@example.com>',
      subject: 'Re: Sample POST request',
      'body-plain': 'Hi Alice,\n\nThis is Bob.\n\nI also attached a file.\n\nThanks,\nBob\n',
      'stripped-text': 'Hi Alice,\n\nThis is Bob.',
      'attachment-count': '1',
      'message-headers': '[["Received", "by luna.mailgun.net with SMTP mgrt 8788212249833"]]',
      timestamp: String(timestamp),
      token,
      signature: createHmac('sha256', key).update(String(timestamp) + token).digest('hex'),
    };
  }

  it('takes Mailgun route forwards signed with the signing key (form and multipart), refuses bad signatures', async () => {
    const { serviceId, integrationId, address } = await emailIntegration({ mailgun_signing_key: MAILGUN_KEY });
    const form = new URLSearchParams(mailgunSample(address)).toString();
    const ok = await t.app.inject({ method: 'POST', url: '/v1/email/mailgun', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().status).toBe('success');
    // Multipart, with the attachment Mailgun uploads.
    const fd = new FormData();
    for (const [k, v] of Object.entries({ ...mailgunSample(address), subject: 'Second sample' })) fd.append(k, v);
    fd.append('attachment-1', new Blob([ATTACHMENT_TEXT], { type: 'text/plain' }), 'report.txt');
    const req = new Request('http://x/', { method: 'POST', body: fd });
    const multi = await t.app.inject({ method: 'POST', url: '/v1/email/mailgun', headers: { 'content-type': req.headers.get('content-type')! }, payload: Buffer.from(await req.arrayBuffer()) });
    expect(multi.statusCode, multi.body).toBe(200);
    const alerts = await alertsOf(serviceId);
    expect(alerts.map((a) => a.summary)).toEqual(['Re: Sample POST request', 'Second sample']);
    expect(JSON.parse(alerts[1]!.details).custom_details).toMatchObject({ from: 'bob@example.com', attachments: { count: 1, names: ['report.txt'] } });
    expect(alerts[1]!.details).not.toContain(ATTACHMENT_TEXT);

    const bad = [
      new URLSearchParams({ ...mailgunSample(address), signature: 'f'.repeat(64) }).toString(),
      new URLSearchParams(mailgunSample(address, 'key-someone-elses-signing-key-00')).toString(),
      new URLSearchParams(mailgunSample(address, MAILGUN_KEY, Math.floor(Date.now() / 1000) - 3600)).toString(),
    ];
    for (const payload of bad) {
      const r = await t.app.inject({ method: 'POST', url: '/v1/email/mailgun', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
      expect(r.statusCode).toBe(401);
      expect(r.json().error.errors[0]).toContain('Mailgun signature');
    }
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/email/mailgun', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(mailgunSample(`${'b'.repeat(32)}@${DOMAIN}`)).toString() });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.errors[0]).toContain("'recipient'");
    // Without a signing key, nothing is accepted.
    await api('PUT', `/api/v1/services/${serviceId}/integrations/${integrationId}`, { integration: { mailgun_signing_key: null } });
    t.deps.ingest.invalidate();
    const nokey = await t.app.inject({ method: 'POST', url: '/v1/email/mailgun', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form });
    expect(nokey.statusCode).toBe(401);
    expect(await alertsOf(serviceId)).toHaveLength(2);
  });

  const postmarkSample = (to: string) => ({
    FromName: 'Postmarkapp Support',
    MessageStream: 'inbound',
    From: 'support@postmarkapp.com',
    FromFull: { Email: 'support@postmarkapp.com', Name: 'Postmarkapp Support', MailboxHash: '' },
    To: `"Firstname Lastname" <${to}>`,
    ToFull: [{ Email: to, Name: 'Firstname Lastname', MailboxHash: 'SampleHash' }],
    Cc: '"First Cc" <firstcc@postmarkapp.com>, secondCc@postmarkapp.com>',
    OriginalRecipient: to,
    Subject: 'Test subject',
    MessageID: '73e6d360-66eb-11e1-8e72-a8904824019b',
    ReplyTo: 'replyto@postmarkapp.com',
    MailboxHash: 'SampleHash',
    Date: 'Fri, 1 Aug 2014 16:45:32 -04:00',
    TextBody: 'This is a test text body.',
    HtmlBody: '<html><body><p>This is a test html body.</p></body></html>',
    StrippedTextReply: 'This is the reply text',
    Tag: 'TestTag',
    Headers: [{ Name: 'X-Header-Test', Value: '' }],
    Attachments: [{ Name: 'test.txt', Content: Buffer.from(ATTACHMENT_TEXT).toString('base64'), ContentType: 'text/plain', ContentLength: 45 }],
  });

  it("takes Postmark's inbound webhook at the key's URL", async () => {
    const { serviceId, key, address } = await emailIntegration({ email_allowed_senders: ['*@postmarkapp.com'] });
    const r = await t.app.inject({ method: 'POST', url: `/v1/email/postmark/${key}`, payload: postmarkSample(address) });
    expect(r.statusCode, r.body).toBe(200);
    const alerts = await alertsOf(serviceId);
    expect(alerts.map((a) => a.summary)).toEqual(['Test subject']);
    expect(JSON.parse(alerts[0]!.details).custom_details).toMatchObject({ from: 'support@postmarkapp.com', to: address, body: 'This is a test text body.', attachments: { count: 1, names: ['test.txt'] } });
    expect(alerts[0]!.details).not.toContain(Buffer.from(ATTACHMENT_TEXT).toString('base64'));
    const unknown = await t.app.inject({ method: 'POST', url: `/v1/email/postmark/${'c'.repeat(32)}`, payload: postmarkSample(address) });
    expect(unknown.statusCode).toBe(404);
    const stranger = await t.app.inject({ method: 'POST', url: `/v1/email/postmark/${key}`, payload: { ...postmarkSample(address), From: 'x@spam.example', FromFull: { Email: 'x@spam.example' } } });
    expect(stranger.statusCode).toBe(403);
    const wrong = await t.app.inject({ method: 'POST', url: `/v1/email/postmark/${key}`, payload: { ...postmarkSample(address), Subject: 5 } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.errors[0]).toContain("'Subject'");
    expect(await alertsOf(serviceId)).toHaveLength(1);
  });

  it('takes SendGrid Inbound Parse posts at the key\'s URL', async () => {
    const { serviceId, key, address } = await emailIntegration({ email_incident_creation: 'on_new_email_subject' });
    // SendGrid's documented default (not raw) post, with one attachment.
    const fields = {
      headers: 'Received: by mx0047p1mdw1.sendgrid.net with SMTP id 6WCVv7KAWn Wed, 27 Jul 2016 20:53:06 +0000 (UTC)',
      dkim: '{@sendgrid.com : pass}',
      'content-ids': '{"ii_1562e2169c132d83":"attachment1"}',
      to: address,
      from: 'Example User <example@example.com>',
      text: 'Hello, this is a test',
      sender_ip: '209.85.223.169',
      spam_report: 'Spam detection software has NOT identified this incoming email as possible spam.',
      envelope: JSON.stringify({ to: [address], from: 'example@example.com' }),
      attachments: '1',
      subject: 'Testing',
      spam_score: '0.1',
      'attachment-info': '{"attachment1":{"filename":"image.png","name":"image.png","type":"image/png"}}',
      charsets: '{"to":"UTF-8","html":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"UTF-8"}',
      SPF: 'pass',
    };
    const post = async (url: string, extra: Record<string, string> = {}) => {
      const fd = new FormData();
      for (const [k, v] of Object.entries({ ...fields, ...extra })) fd.append(k, v);
      fd.append('attachment1', new Blob([ATTACHMENT_TEXT], { type: 'image/png' }), 'image.png');
      const req = new Request('http://x/', { method: 'POST', body: fd });
      return t.app.inject({ method: 'POST', url, headers: { 'content-type': req.headers.get('content-type')! }, payload: Buffer.from(await req.arrayBuffer()) });
    };
    const r = await post(`/v1/email/sendgrid/${key}`);
    expect(r.statusCode, r.body).toBe(200);
    expect((await post(`/v1/email/sendgrid/${key}`, { subject: 'RE: testing' })).statusCode).toBe(200);
    // The same subject (grouped): one alert, one incident.
    const alerts = await alertsOf(serviceId);
    expect(alerts).toHaveLength(1);
    expect((await incidentsOf(serviceId)).map((i) => i.title)).toEqual(['Testing']);
    expect(JSON.parse(alerts[0]!.details).custom_details).toMatchObject({ from: 'example@example.com', to: address, body: 'Hello, this is a test', attachments: { count: 1, names: ['image.png'] } });
    expect(alerts[0]!.details).not.toContain(ATTACHMENT_TEXT);
    expect((await post(`/v1/email/sendgrid/${'d'.repeat(32)}`)).statusCode).toBe(404);
    const bad = await post(`/v1/email/sendgrid/${key}`, { envelope: '{not json' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors[0]).toContain("'envelope'");
    const json = await t.app.inject({ method: 'POST', url: `/v1/email/sendgrid/${key}`, payload: { subject: 'x' } });
    expect(json.statusCode).toBe(415);
  });

  it('carries email settings through vigil export and vigil apply', async () => {
    const parsers = [{ action: 'trigger', match_predicate: { type: 'regex', part: 'subject', matcher: '^PROBLEM' }, value_extractors: [{ type: 'regex', part: 'subject', value_name: 'incident_key', regex: 'PROBLEM: (\\S+)' }] }];
    await emailIntegration({ email_incident_creation: 'use_rules', email_parsers: parsers, email_parsing_fallback: 'discard', email_allowed_senders: ['*@monitoring.example'] }, 'Config mail');
    const over = (app: TestApp): Transport => async (method, url, body) => {
      const r = await app.app.inject({ method, url, headers: app.auth, ...(body === undefined ? {} : { payload: body as object }) });
      return { status: r.statusCode, body: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : null };
    };
    const text = await exportConfig(over(t));
    expect(text).toContain('email_incident_creation: use_rules');
    expect(text).toContain('email_parsing_fallback: discard');
    expect(text).toContain('*@monitoring.example');
    expect((await applyConfig(over(t), text, { dryRun: true })).changed).toBe(0);
    const t2 = await createTestApp(dialect);
    try {
      const applied = await applyConfig(over(t2), text);
      expect(applied.keys.join('\n')).toContain('Config mail');
      const made = await t2.deps.db.selectFrom('integrations').selectAll().where('type', '=', 'email').execute();
      const cfg = made.map((i) => JSON.parse(i.email_config!)).find((c) => c.email_incident_creation === 'use_rules');
      expect(cfg).toMatchObject({ email_parsers: parsers, email_parsing_fallback: 'discard', email_allowed_senders: ['*@monitoring.example'] });
    } finally {
      await t2.close();
    }
  });
});
