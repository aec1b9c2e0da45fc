import { describe, expect, it } from 'vitest';
import { DEFAULT_EMAIL_CONFIG, parseEmailConfig, senderAllowed, type EmailConfig } from './email-config.js';
import { extract, mapEmail, normalizeSubject, BODY_KEPT, type InboundMessage } from './map.js';

const msg = (over: Partial<InboundMessage> = {}): InboundMessage => ({ from: ['nagios@monitoring.example'], to: ['k@vigil.test'], subject: 'PROBLEM: web1 is DOWN', text: 'Host: web1\nState: CRITICAL\n', attachments: [], ...over });
const config = (input: Record<string, unknown>): EmailConfig => {
  const v = parseEmailConfig(input, DEFAULT_EMAIL_CONFIG, (s) => `sealed:${s}`);
  if (!v.ok) throw new Error(v.errors.join('; '));
  return v.config;
};

describe('email mapping (PagerDuty email integration rules)', () => {
  it('normalizes subjects for grouping: reply and forward prefixes, case, spacing', () => {
    expect(normalizeSubject('RE: Fwd: re[2]:  Disk   FULL on db1 ')).toBe('disk full on db1');
    expect(normalizeSubject('Re: disk full on db1')).toBe(normalizeSubject('Disk full on db1'));
    expect(normalizeSubject('Reboot needed')).toBe('reboot needed');
  });

  it('extracts entire, regex (capture groups) and between (to ends_with, or the end of the line)', () => {
    const m = msg();
    expect(extract({ type: 'entire', part: 'from_addresses', value_name: 'x' }, m)).toBe('nagios@monitoring.example');
    expect(extract({ type: 'regex', part: 'subject', value_name: 'x', regex: 'PROBLEM: (\\S+) is (\\S+)' }, m)).toBe('web1DOWN');
    expect(extract({ type: 'between', part: 'body', value_name: 'x', starts_after: 'Host:' }, m)).toBe('web1');
    expect(extract({ type: 'between', part: 'body', value_name: 'x', starts_after: 'State: ', ends_with: 'ICAL' }, m)).toBe('CRIT');
    expect(extract({ type: 'between', part: 'body', value_name: 'x', starts_after: 'Missing:' }, m)).toBeUndefined();
  });

  it('decides by the first matching parser; not/any/all; the fallback', () => {
    const c = config({
      email_incident_creation: 'use_rules',
      email_parsing_fallback: 'discard',
      email_parsers: [
        { action: 'resolve', match_predicate: { type: 'any', children: [{ type: 'exactly', part: 'subject', matcher: 'all clear' }, { type: 'contains', part: 'subject', matcher: 'RECOVERY' }] }, value_extractors: [{ type: 'between', part: 'body', value_name: 'incident_key', starts_after: 'Host:' }] },
        { action: 'trigger', match_predicate: { type: 'not', children: [{ type: 'regex', part: 'from_addresses', matcher: '@spam\\.example$' }] }, value_extractors: [{ type: 'between', part: 'body', value_name: 'incident_key', starts_after: 'Host:' }] },
      ],
    });
    expect(mapEmail(c, msg(), 'u1')).toMatchObject({ action: 'trigger', dedupKey: 'web1', summary: 'PROBLEM: web1 is DOWN' });
    expect(mapEmail(c, msg({ subject: 'RECOVERY: web1' }), 'u2')).toEqual({ action: 'resolve', dedupKey: 'web1' });
    expect(mapEmail(c, msg({ subject: '  all clear ' }), 'u3')).toEqual({ action: 'resolve', dedupKey: 'web1' });
    expect(mapEmail(c, msg({ from: ['x@spam.example'] }), 'u4')).toMatchObject({ action: 'drop' });
    const open = config({ email_incident_creation: 'use_rules', email_parsers: [{ action: 'trigger', match_predicate: { type: 'contains', part: 'subject', matcher: 'nothing like this' } }] });
    expect(open.email_parsing_fallback).toBe('open_new_incident');
    expect(mapEmail(open, msg(), 'u5')).toMatchObject({ action: 'trigger', dedupKey: 'email:u5' });
  });

  it('filters: and-rules-email needs every filter, or-rules-email one', () => {
    const filters = [
      { subject_mode: 'match', subject_regex: 'PROBLEM', body_mode: 'always', from_email_mode: 'always' },
      { subject_mode: 'always', body_mode: 'no-match', body_regex: 'WARNING', from_email_mode: 'match', from_email_regex: '@monitoring\\.example$' },
    ];
    const and = config({ email_filter_mode: 'and-rules-email', email_filters: filters });
    const or = config({ email_filter_mode: 'or-rules-email', email_filters: filters });
    expect(mapEmail(and, msg(), 'a').action).toBe('trigger');
    expect(mapEmail(and, msg({ text: 'WARNING' }), 'b').action).toBe('drop');
    expect(mapEmail(or, msg({ text: 'WARNING' }), 'c').action).toBe('trigger');
    expect(mapEmail(or, msg({ subject: 'hello', from: ['a@b.example'] }), 'd').action).toBe('drop');
  });

  it('keeps a bounded body and only attachment names', () => {
    const d = mapEmail(DEFAULT_EMAIL_CONFIG, msg({ subject: '', text: 'x'.repeat(BODY_KEPT + 10), attachments: ['a.pdf', 'b.png'] }), 'u');
    if (d.action !== 'trigger') throw new Error('expected a trigger');
    const cd = d.details.custom_details as Record<string, unknown>;
    expect(d.summary).toBe('(no subject)');
    expect(String(cd.body)).toHaveLength(BODY_KEPT + '\n[… 10 more characters not kept]'.length);
    expect(cd.attachments).toEqual({ count: 2, names: ['a.pdf', 'b.png'] });
  });

  it('matches senders against the allow-list', () => {
    expect(senderAllowed([], 'anyone@x.example')).toBe(true);
    expect(senderAllowed(['*@monitoring.example'], 'Nagios@Monitoring.example')).toBe(true);
    expect(senderAllowed(['*@monitoring.example'], 'x@evil-monitoring.example')).toBe(false);
    expect(senderAllowed(['*@*.example.org'], 'x@eu.example.org')).toBe(true);
    expect(senderAllowed(['*@*.example.org'], 'x@example.org')).toBe(false);
    expect(senderAllowed(['ops@example.org'], 'ops@example.org')).toBe(true);
    expect(senderAllowed(['ops@example.org'], 'dev@example.org')).toBe(false);
    expect(senderAllowed(['ops@example.org'], '')).toBe(false);
  });
});
