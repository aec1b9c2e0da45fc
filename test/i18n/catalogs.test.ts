/**
 * No user-facing string left untranslated (issue 19 item 3), server side:
 *  - every catalog has every id of the English one, non-empty, valid ICU, with the same
 *    placeholders (a translation that drops `{url}` would lose the link);
 *  - the renderers of what people read (notify/channels: email, SMS, voice, push, ntfy and
 *    the chat channels) hold no English prose: every string literal in them that reads as
 *    words (two words in a row, or one capitalised word) is either in the allow-list below
 *    (technical text: headers, error details for the delivery log and the API's configuration
 *    errors, which stay English like every API error) or the test fails, naming file and text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { createIntl } from '@formatjs/intl';
import { CATALOGS, LANGUAGES, format, formatDateTime, formatNumber, languageOf, parseLocale, pickLanguage } from '../../src/server/lib/i18n/translate.js';
import { en } from '../../src/server/lib/i18n/messages/en.js';

function placeholders(elements: MessageFormatElement[], out = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time) out.add(e.value);
    if (e.type === TYPE.plural || e.type === TYPE.select) {
      out.add(e.value);
      for (const o of Object.values(e.options)) placeholders(o.value, out);
    }
    if (e.type === TYPE.tag) placeholders(e.children, out);
  }
  return out;
}

describe('the server catalogs', () => {
  const ids = Object.keys(en).sort();

  it.each(LANGUAGES.filter((l) => l !== 'en'))('%s has every English id, non-empty, valid ICU, with the same placeholders', (lang) => {
    const catalog = CATALOGS[lang] as Record<string, string>;
    expect(Object.keys(catalog).sort()).toEqual(ids);
    for (const id of ids) {
      const text = catalog[id]!;
      expect(text.trim(), `${lang} ${id}`).not.toBe('');
      const want = [...placeholders(parse(en[id as keyof typeof en]))].sort();
      expect([...placeholders(parse(text))].sort(), `${lang} ${id}`).toEqual(want);
    }
  });

  it('English parses too, and the translations are translations (most texts differ from English)', () => {
    for (const id of ids) expect(() => parse(en[id as keyof typeof en]), id).not.toThrow();
    for (const lang of ['fr', 'es'] as const) {
      const same = ids.filter((id) => CATALOGS[lang][id as keyof typeof en] === en[id as keyof typeof en]);
      // Only a few texts read the same ("Service", "NOTE", "{service} · {urgency} · {status}"): an untranslated copy of English would be many.
      expect(same.length, `${lang} same as English: ${same.join(', ')}`).toBeLessThan(ids.length / 8);
    }
  });

  it('words every message, in every language and several locale spellings, exactly as FormatJS formatMessage does (the compiled-message memo)', () => {
    const values = (elements: MessageFormatElement[], out: Record<string, string | number> = {}): Record<string, string | number> => {
      for (const e of elements) {
        if (e.type === TYPE.argument) out[e.value] ??= `«${e.value}»`;
        if (e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time) out[e.value] = 1_772_442_000_000;
        if (e.type === TYPE.plural) out[e.value] = 2;
        if (e.type === TYPE.select) out[e.value] = Object.keys(e.options).find((k) => k !== 'other') ?? 'other';
        if (e.type === TYPE.plural || e.type === TYPE.select) for (const o of Object.values(e.options)) values(o.value, out);
        if (e.type === TYPE.tag) values(e.children, out);
      }
      return out;
    };
    for (const locale of ['en-US', 'fr', 'fr_fr', 'es-MX', 'de-DE']) {
      const intl = createIntl({ locale: parseLocale(locale) ?? 'en-US', defaultLocale: 'en', messages: CATALOGS[languageOf(parseLocale(locale))], onError: (err) => { throw err; } });
      for (const id of ids) {
        const v = values(parse(intl.messages[id] as string));
        // Twice: the first call compiles, the second reads the memo.
        for (let i = 0; i < 2; i++) expect(format(locale, id as keyof typeof en, v), `${locale} ${id}`).toBe(intl.formatMessage({ id }, v));
      }
    }
    // A missing value still fails as FormatJS fails, naming the message.
    expect(() => format('fr', 'text.bundleHeadline', { count: 1 })).toThrow(/text\.bundleHeadline/);
  });

  it('formats with the locale: numbers, dates in a zone, plurals; picks a language among those offered', () => {
    expect(formatNumber('en-US', 1234)).toBe('1,234');
    expect(formatNumber('fr-FR', 1234)).toBe('1\u202f234');
    const at = Date.parse('2026-03-02T09:00:00Z');
    expect(formatDateTime('fr-FR', at, 'Europe/Paris')).toMatch(/^2 mars 2026(,| à) 10:00 UTC\+1$/);
    expect(formatDateTime('es-ES', at, 'America/Mexico_City')).toMatch(/^2 mar 2026, 3:00 (GMT-6|CST)$/);
    expect(formatDateTime('en-US', at, 'America/New_York')).toBe('Mar 2, 2026, 4:00 AM EST');
    expect(format('fr-FR', 'text.bundleHeadline', { count: 1, label: 'RÉSOLU' })).toBe('1 incident RÉSOLU');
    expect(format('es', 'text.bundleHeadline', { count: 3, label: 'ACTIVADO' })).toBe('3 incidentes ACTIVADO');
    expect(format('de-DE', 'action.acknowledge')).toBe('Acknowledge');
    expect(parseLocale('fr_fr')).toBe('fr-FR');
    expect(parseLocale('es-419')).toBe('es-419');
    expect(parseLocale('de')).toBeNull();
    expect(pickLanguage(['fr', 'en'], undefined, 'es;q=1, en;q=0.9, fr;q=0.1')).toBe('en');
    expect(pickLanguage(['fr', 'en'], 'EN-gb', undefined)).toBe('en');
    expect(pickLanguage(['fr', 'en'], undefined, undefined)).toBe('fr');
  });
});

/**
 * The functions that word what people read, by file (relative to src/server/notify/channels).
 * Every channel folder must be listed, so a new channel cannot escape the check. The webhook
 * channel sends PagerDuty's machine payloads to systems, not words to people.
 */
const RENDERERS: Record<string, string[]> = {
  'text.ts': ['*'],
  'email/email.ts': ['subjectFor', 'facts', 'incidentText', 'incidentHtml', 'page', 'renderEmail'],
  'sms/twilio.ts': ['twimlSay', 'smsLabel', 'replyHint', 'smsText', 'voiceText', 'twimlGather', 'smsReplyText', 'twimlSayHangup', 'twimlAskAgain'],
  'ntfy/ntfy.ts': ['body', 'actions', 'buildNtfyPublish'],
  'push/push.ts': ['incidentBody', 'buildPushPayload'],
  'telegram/telegram.ts': ['bodyLines', 'telegramText', 'actionButtons'],
  'discord/discord.ts': ['actionLinks', 'incidentEmbed', 'buildDiscordBody'],
  'teams/teams.ts': ['incidentBody', 'incidentActions', 'buildTeamsCard'],
  'matrix/matrix.ts': ['links', 'incidentParts', 'buildMatrixContent'],
  'slack/slack.ts': ['incidentBlocks', 'headline', 'fallbackText', 'buildSlackPayload'],
  'webhook/webhook.ts': [],
};

/** Words in renderers that are not prose: the product's name, Adaptive Card style values. */
const ALLOWED = new Set(['Vigil', 'Bolder', 'Medium', 'Attention', 'Good', 'Warning', 'None', 'Full']);

const ROOT = join(import.meta.dirname, '../../src/server/notify/channels');

/** Renderers outside the channels (relative to src/server): the status page subscriber mails, the account mails, the coverage digest, the action item reminders, the keypress answers and the one-click link pages. */
const OTHER_RENDERERS: Record<string, string[]> = {
  'status-page/subscriptions.ts': ['componentNotice', 'updateNotice', 'maintenanceNotice', 'noticeEmail', 'confirmEmail'],
  'account/mailer.ts': ['accountEmail', 'twoFactorResetEmail', 'emailChangedNotice'],
  'volunteer/digest.ts': ['digestText'],
  'postmortem/postmortem.ts': ['reminderText'],
  'incident/voice.service.ts': ['liveTokens', 'answerKeypress', 'acknowledge', 'escalate'],
  'incident/matrix-reply.service.ts': ['actOnMatrixMessage'],
  'http/presenters/one-click-page.ts': ['unusablePage', 'incidentAskPage', 'outcomeText', 'incidentOutcomePage', 'testPageAskPage', 'testPageConfirmedPage'],
};
const SERVER = join(import.meta.dirname, '../../src/server');

/** String literals and the fixed parts of template literals inside the named functions (all of the file for '*'), outside type positions. */
function literals(file: string, names: string[]): string[] {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const collect = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isTypeNode(node)) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
    if (ts.isTemplateExpression(node)) {
      out.push(node.head.text);
      for (const s of node.templateSpans) out.push(s.literal.text);
    }
    ts.forEachChild(node, collect);
  };
  const seen = new Set<string>();
  const visit = (node: ts.Node): void => {
    const name = ts.isFunctionDeclaration(node) ? node.name?.text : ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) ? node.name.text : undefined;
    if (name && names.includes(name)) {
      seen.add(name);
      return collect(node);
    }
    ts.forEachChild(node, visit);
  };
  if (names.includes('*')) {
    collect(src);
    seen.add('*');
  } else visit(src);
  expect([...seen].sort(), `renderers found in ${file}`).toEqual([...new Set(names)].sort());
  return out;
}

/** Two words in a row, or one capitalised word, once markup is taken out. */
const PROSE = /[A-Za-z]{2,} [A-Za-z]{2,}|^\W*[A-Z][a-z]{2,}\W*$/;
const prose = (text: string) => PROSE.test(text.replace(/<[^>]*>?/g, ' ').replace(/^[^<]*>/, ' ').trim());

describe('the renderers hold no English prose', () => {
  it('every channel folder is listed', () => {
    const dirs = readdirSync(ROOT).filter((f) => statSync(join(ROOT, f)).isDirectory());
    for (const d of dirs) expect(Object.keys(RENDERERS).some((k) => k.startsWith(`${d}/`)), d).toBe(true);
  });

  it('every literal that reads as words in a renderer comes from the catalog instead', () => {
    const found: string[] = [];
    const files = [...Object.entries(RENDERERS).map(([rel, names]) => [rel, join(ROOT, rel), names] as const), ...Object.entries(OTHER_RENDERERS).map(([rel, names]) => [rel, join(SERVER, rel), names] as const)];
    for (const [rel, file, names] of files) {
      for (const text of literals(file, names)) if (prose(text) && !ALLOWED.has(text.replace(/[^A-Za-z ]/g, '').trim())) found.push(`${rel}: ${JSON.stringify(text)}`);
    }
    expect(found).toEqual([]);
  });
});
