/**
 * The server's languages (issue 19 item 3): every text the server writes for a person is
 * an ICU message (FormatJS) from the catalog of that person's language, with dates in their
 * time zone and numbers in their locale's style. Pure: callers pass timestamps (from the
 * injected clock or a row), never read the time here.
 *
 * A locale is a BCP 47 tag (PagerDuty's `user.locale`, `fr-FR`); its language picks the
 * catalog, the whole tag formats dates and numbers (`fr-CA` writes dates the Canadian way).
 */
import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { en, type Catalog, type MessageId } from './messages/en.js';
import { es } from './messages/es.js';
import { fr } from './messages/fr.js';

export type { MessageId } from './messages/en.js';

/** The languages Vigil's server speaks, in the order they are offered. */
export const LANGUAGES = ['en', 'fr', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

export const CATALOGS: Record<Language, Catalog> = { en, fr, es };

/** The locale of an organization that chose none, and of a person whose organization is unknown. */
export const DEFAULT_LOCALE = 'en-US';

/** A tag Vigil accepts: one of its languages, optionally a region (`fr`, `fr-FR`, `es-MX`). */
const LOCALE_RE = /^([a-zA-Z]{2})(?:[-_]([a-zA-Z]{2}|\d{3}))?$/;

/** The canonical form of a locale Vigil speaks (`fr_fr` → `fr-FR`), or null for anything else. */
export function parseLocale(value: string): string | null {
  const m = LOCALE_RE.exec(value.trim());
  if (!m) return null;
  const lang = m[1]!.toLowerCase();
  if (!(LANGUAGES as readonly string[]).includes(lang)) return null;
  try {
    return Intl.getCanonicalLocales(m[2] ? `${lang}-${m[2]}` : lang)[0] ?? null;
  } catch {
    return null;
  }
}

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/** The catalog's language of a locale; English for anything Vigil does not speak. */
export function languageOf(locale: string | null | undefined): Language {
  const lang = (locale ?? '').slice(0, 2).toLowerCase();
  return isLanguage(lang) ? lang : 'en';
}

/** A person's locale: theirs, else their organization's default, else English. */
export function localeFor(userLocale: string | null | undefined, orgLocale: string | null | undefined): string {
  return userLocale ?? orgLocale ?? DEFAULT_LOCALE;
}

const cache = createIntlCache();
const intls = new Map<string, IntlShape<string>>();
/** The Intl of each locale as callers spell it (`fr_fr`, `fr-FR`), so a hot path parses a tag once. */
const bySpelling = new Map<string, IntlShape<string>>();

function intlFor(locale: string | null | undefined): IntlShape<string> {
  const spelled = bySpelling.get(locale ?? '');
  if (spelled) return spelled;
  const key = parseLocale(locale ?? '') ?? DEFAULT_LOCALE;
  let intl = intls.get(key);
  if (!intl) {
    intl = createIntl({ locale: key, defaultLocale: 'en', messages: CATALOGS[languageOf(key)], onError: (err) => { throw err; } }, cache);
    intls.set(key, intl);
  }
  // Spellings come from stored rows and requests: a bounded memo, not a leak.
  if (bySpelling.size >= 1_000) bySpelling.clear();
  bySpelling.set(locale ?? '', intl);
  return intl;
}

export type Values = Record<string, string | number>;

type MessageFormat = ReturnType<IntlShape<string>['formatters']['getMessageFormat']>;
/**
 * Each locale's compiled messages, by id. FormatJS memoizes its compiled messages too, but
 * under a key it builds with JSON.stringify on every call, a cost the ingest path paid for
 * every timeline entry; this is the same compiled message under the message's id.
 */
const compiled = new Map<IntlShape<string>, Map<MessageId, MessageFormat>>();

function compiledMessage(intl: IntlShape<string>, id: MessageId): MessageFormat {
  let byId = compiled.get(intl);
  if (!byId) compiled.set(intl, (byId = new Map()));
  let mf = byId.get(id);
  if (!mf) {
    // What intl.formatMessage compiles for a catalog message (no time zone set, so its formats as given).
    mf = intl.formatters.getMessageFormat(intl.messages[id] as string, intl.locale, intl.formats, { formatters: intl.formatters });
    byId.set(id, mf);
  }
  return mf;
}

/** A catalog text in a locale's language, its ICU placeholders filled with `values`. */
export function format(locale: string | null | undefined, id: MessageId, values?: Values): string {
  const intl = intlFor(locale);
  if (!Object.hasOwn(intl.messages, id)) return intl.formatMessage({ id }, values);
  try {
    return compiledMessage(intl, id).format(values) as string;
  } catch {
    // FormatJS's own path, for its error (a missing value names the message).
    return intl.formatMessage({ id }, values);
  }
}

/** A date and time as a person reads it: their locale's style, in their zone, with the zone's short name. */
export function formatDateTime(locale: string | null | undefined, epochMs: number, timeZone: string): string {
  return intlFor(locale).formatDate(epochMs, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'short' });
}

/**
 * A calendar date (`YYYY-MM-DD`, a day in no zone) as a person reads it: `March 2, 2026`,
 * `2 mars 2026`, `2 de marzo de 2026`; with `weekday`, `Wednesday, March 4, 2026`, `mercredi 4 mars 2026`.
 */
export function formatCalendarDate(locale: string | null | undefined, isoDate: string, opts: { weekday?: boolean } = {}): string {
  return intlFor(locale).formatDate(Date.parse(`${isoDate}T12:00:00Z`), { ...(opts.weekday ? { weekday: 'long' } : {}), year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

/** A stretch of time in a zone, the shared parts written once: `Tue, Mar 3, 7:00 – 9:00 PM`, `mar. 3 mars, 19:00 – 21:00`. */
export function formatTimeRange(locale: string | null | undefined, startMs: number, endMs: number, timeZone: string): string {
  const key = parseLocale(locale ?? '') ?? DEFAULT_LOCALE;
  return new Intl.DateTimeFormat(key, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit', timeZone }).formatRange(startMs, endMs);
}

/** A number in a locale's style (`1,234` in en, `1 234` in fr, `1234` or `1.234` in es). */
export function formatNumber(locale: string | null | undefined, n: number): string {
  return intlFor(locale).formatNumber(n);
}

/**
 * The language to answer in among `offered` (the first being the default): `?lang=` when
 * offered, else the first of Accept-Language's offered languages by quality, else the default.
 */
export function pickLanguage(offered: readonly Language[], lang: string | undefined, acceptLanguage: string | undefined): Language {
  const fallback = offered[0] ?? 'en';
  if (lang) {
    const l = languageOf(parseLocale(lang));
    if (parseLocale(lang) && offered.includes(l)) return l;
  }
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .map((part, i) => {
        const [tag = '', ...params] = part.trim().split(';');
        const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
        return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), i };
      })
      .filter((x) => x.tag && Number.isFinite(x.q) && x.q > 0)
      .sort((a, b) => b.q - a.q || a.i - b.i);
    for (const { tag } of ranked) {
      const l = tag.slice(0, 2).toLowerCase();
      if (isLanguage(l) && offered.includes(l)) return l;
    }
  }
  return fallback;
}

/**
 * A text to be worded when it is read, not when it is written: a catalog message and its
 * values, a value being itself a Wording when it is a phrase of its own (`the website`), or
 * a list of phrases (worded and joined with `; `). Timeline entries store one
 * (log_entries.wording) so each reader reads them in their language.
 */
export interface Wording {
  id: MessageId;
  values?: Record<string, WordingValue>;
}
export type WordingValue = string | number | Wording | (string | Wording)[];

export function say(id: MessageId, values?: Wording['values']): Wording {
  return values ? { id, values } : { id };
}

/** A Wording in a locale's language; its phrase values worded first. */
export function word(locale: string | null | undefined, w: Wording): string {
  const values: Values = {};
  for (const [k, v] of Object.entries(w.values ?? {})) values[k] = wordValue(locale, v);
  return format(locale, w.id, values);
}

function wordValue(locale: string | null | undefined, v: WordingValue): string | number {
  if (Array.isArray(v)) return v.map((x) => wordValue(locale, x)).join('; ');
  return typeof v === 'object' ? word(locale, v) : v;
}

/**
 * A stored Wording worded, or null when it cannot be: not JSON, or a message id this version
 * no longer has (the caller then shows the text stored beside it).
 */
export function wordStored(locale: string | null | undefined, json: string | null): string | null {
  if (!json) return null;
  try {
    const w = JSON.parse(json) as Wording;
    return known(w) ? word(locale, w) : null;
  } catch {
    return null;
  }
}

function known(w: Wording): boolean {
  if (typeof w !== 'object' || w === null || !Object.hasOwn(en, w.id)) return false;
  return Object.values(w.values ?? {}).every(knownValue);
}

function knownValue(v: WordingValue): boolean {
  if (Array.isArray(v)) return v.every(knownValue);
  return typeof v !== 'object' || known(v);
}
