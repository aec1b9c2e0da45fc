/**
 * The web UI's languages (English, French, Spanish) through FormatJS: ICU messages from the
 * catalogs beside this file, dates and numbers in the person's locale and time zone.
 *
 * One IntlShape is current at a time; `msg()` reads it, so a component needs no hook to
 * translate. Changing the language re-creates it, and <App> (through useLanguage) renders
 * every screen again in the new language, keeping what each holds.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { createIntl, createIntlCache, RawIntlProvider, type IntlShape } from 'react-intl';
import en from './en.json';

export type MessageId = keyof typeof en;
export type Lang = 'en' | 'fr' | 'es';
export const LANGS: readonly Lang[] = ['en', 'fr', 'es'];
/** PagerDuty's user `locale` values for each language. */
export const LOCALE_OF: Record<Lang, 'en-US' | 'fr-FR' | 'es-ES'> = { en: 'en-US', fr: 'fr-FR', es: 'es-ES' };
/** Each language named in itself, for the choosers. */
export const LANGUAGE_NAME: Record<Lang, string> = { en: 'English', fr: 'Français', es: 'Español' };
/** English is built in (every id falls back to it); French and Spanish load when first chosen, each its own file. */
const CATALOGS: Partial<Record<Lang, Record<string, string>>> = { en };
const LOADERS: Record<Exclude<Lang, 'en'>, () => Promise<{ default: Record<string, string> }>> = {
  fr: () => import('./fr.json'),
  es: () => import('./es.json'),
};

/** Fetch a language's catalog (once). */
export async function loadLanguage(lang: Lang): Promise<void> {
  if (CATALOGS[lang] || lang === 'en') return;
  CATALOGS[lang] = (await LOADERS[lang]()).default;
}

/** The person's region within the language (en-GB's "1 Dec", fr-CA…) when the browser says so, else the language's own. */
function formatLocale(lang: Lang): string {
  const tags = typeof navigator !== 'undefined' ? (navigator.languages ?? [navigator.language]) : [];
  return tags.find((t) => langOf(t) === lang && /^[a-z]{2}-[A-Za-z]{2}$/.test(t)) ?? LOCALE_OF[lang];
}

const STORAGE_KEY = 'vigil.language';
const cache = createIntlCache();

/** "fr-FR", "fr", "es_ES", "es-419"… to a language the UI has; null for anything else. */
export function langOf(tag: string | null | undefined): Lang | null {
  const l = (tag ?? '').toLowerCase().slice(0, 2);
  return (LANGS as readonly string[]).includes(l) ? (l as Lang) : null;
}

function build(lang: Lang, timeZone: string | undefined): IntlShape {
  return createIntl(
    {
      locale: formatLocale(lang),
      defaultLocale: 'en-US',
      messages: CATALOGS[lang] ?? en,
      ...(timeZone ? { timeZone } : {}),
      // A missing translation falls back to the English text (the catalog test keeps them complete).
      onError: (e) => {
        if (e.code !== 'MISSING_TRANSLATION') console.warn(e.message);
      },
    },
    cache,
  );
}

let current: { lang: Lang; timeZone: string | undefined; intl: IntlShape } = { lang: 'en', timeZone: undefined, intl: build('en', undefined) };
const listeners = new Set<() => void>();

/** The language a signed-out page starts in: ?lang=, then the remembered choice, then the browser's. */
export function initialLanguage(allowed: readonly Lang[] = LANGS): Lang {
  const search = typeof location !== 'undefined' ? new URLSearchParams(location.search).get('lang') : null;
  const candidates = [langOf(search), langOf(remembered()), ...(typeof navigator !== 'undefined' ? (navigator.languages ?? [navigator.language]).map(langOf) : [])];
  return candidates.find((l): l is Lang => l !== null && allowed.includes(l)) ?? allowed[0] ?? 'en';
}

function remembered(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function rememberLanguage(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts until the page is closed
  }
}

/** Make `lang` (and the zone dates are shown in) current once its catalog is here; every mounted screen renders again. */
export async function setLanguage(lang: Lang, timeZone: string | undefined = current.timeZone): Promise<void> {
  await loadLanguage(lang);
  if (lang === current.lang && timeZone === current.timeZone) return;
  current = { lang, timeZone, intl: build(lang, timeZone) };
  document.documentElement.lang = LOCALE_OF[lang];
  for (const fn of listeners) fn();
}

export const language = (): Lang => current.lang;
export const intl = (): IntlShape => current.intl;

type Values = Record<string, string | number | boolean | Date | null | undefined>;

/** The current language's text for a message id (ICU placeholders filled from `values`). */
export function msg(id: MessageId, values?: Values): string {
  return current.intl.formatMessage({ id, defaultMessage: en[id] }, values);
}

/** A date and time in the person's locale and zone (`timeZone` overrides the zone: a schedule's own). */
export function fmtDateTime(at: string | number | Date, opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' }): string {
  return current.intl.formatDate(typeof at === 'string' ? Date.parse(at) : at, opts);
}

/** A date in the person's locale but this browser's zone: for the calendars and forms laid out in local time. */
export function fmtLocal(at: string | number | Date, opts: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(formatLocale(current.lang), opts).format(typeof at === 'string' ? Date.parse(at) : at);
}

export function fmtTime(at: string | number | Date, opts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' }): string {
  return current.intl.formatTime(typeof at === 'string' ? Date.parse(at) : at, opts);
}

export function fmtNumber(n: number, opts?: Intl.NumberFormatOptions): string {
  return current.intl.formatNumber(n, opts);
}

/** "5 minutes ago", "in 2 hours" in the current language. */
export function fmtAgo(iso: string, now = Date.now()): string {
  const s = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(s);
  const f = (v: number, unit: 'second' | 'minute' | 'hour' | 'day') => current.intl.formatRelativeTime(v, unit, { numeric: 'auto' });
  if (abs < 60) return f(s, 'second');
  if (abs < 3600) return f(Math.round(s / 60), 'minute');
  if (abs < 86400) return f(Math.round(s / 3600), 'hour');
  return f(Math.round(s / 86400), 'day');
}

/** The current language; the calling component renders again when it changes. */
export function useLanguage(): Lang {
  const [, force] = useState(0);
  useEffect(() => {
    const fn = () => force((n) => n + 1);
    listeners.add(fn);
    return () => void listeners.delete(fn);
  }, []);
  return current.lang;
}

/** Gives react-intl's components (FormattedDate…) the current language; the app renders again on a change (useLanguage). */
export function I18nRoot({ children }: { children: ReactNode }) {
  useLanguage();
  return <RawIntlProvider value={current.intl}>{children}</RawIntlProvider>;
}

/** The small language switch of the signed-out pages (and the status page, over its own languages). */
export function LanguageSwitch({ languages = LANGS, onChange }: { languages?: readonly Lang[]; onChange?: (l: Lang) => void }) {
  if (languages.length < 2) return null;
  return (
    <nav className="language-switch" aria-label={msg('i18n.language_switch')}>
      <ul>
        {languages.map((l) => (
          <li key={l}>
            <button
              type="button"
              className="btn btn-quiet btn-small"
              lang={LOCALE_OF[l]}
              aria-pressed={l === current.lang}
              onClick={() => {
                rememberLanguage(l);
                void setLanguage(l).then(() => onChange?.(l));
              }}
            >
              {LANGUAGE_NAME[l]}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
