/**
 * Plain-language public updates (issue 19 item 2), pure: templates per phase and language
 * with placeholders filled from the incident, and the "people affected" sentence a
 * resolving update may carry. Short sentences, everyday words, no internal names: the
 * public reads the components' public names, times in the organization's time zone and a
 * rounded figure ("about 40"), never an incident title.
 */
import type { PublicStatus } from './status-page.js';

export type UpdateLanguage = 'en' | 'fr' | 'es';
export const UPDATE_LANGUAGES: readonly UpdateLanguage[] = ['en', 'fr', 'es'];
export const PLACEHOLDERS = ['components', 'start', 'end', 'people'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export interface UpdateTemplate {
  id: string;
  status: PublicStatus;
  language: UpdateLanguage;
  /** With {components}, {start}, {end}, {people} left in. */
  text: string;
}

type Texts = Record<string, { status: PublicStatus; text: string }>;

const TEXTS: Record<UpdateLanguage, Texts> = {
  en: {
    investigating: { status: 'investigating', text: 'We are aware of a problem with {components} since {start}. We are looking into it and will post an update soon.' },
    investigating_short: { status: 'investigating', text: 'Some people cannot reach {components} right now. We are looking into it.' },
    identified: { status: 'identified', text: 'We have found the cause of the problem with {components}. We are working on a fix.' },
    monitoring: { status: 'monitoring', text: 'A fix is in place for {components}. We are checking that everything works.' },
    resolved: { status: 'resolved', text: 'Service restored: {components} has been working again since {end}. Thank you for your patience.' },
    resolved_people: { status: 'resolved', text: 'Service restored. Between {start} and {end} about {people} people could not reach {components}. It works again now.' },
  },
  fr: {
    investigating: { status: 'investigating', text: 'Nous savons que {components} ne fonctionne pas bien depuis {start}. Nous cherchons la cause et publierons bientôt des nouvelles.' },
    investigating_short: { status: 'investigating', text: 'Certaines personnes ne peuvent pas joindre {components} en ce moment. Nous nous en occupons.' },
    identified: { status: 'identified', text: 'Nous avons trouvé la cause du problème sur {components}. Nous travaillons à le corriger.' },
    monitoring: { status: 'monitoring', text: 'Une correction est en place pour {components}. Nous vérifions que tout fonctionne.' },
    resolved: { status: 'resolved', text: 'Service rétabli : {components} fonctionne de nouveau depuis {end}. Merci de votre patience.' },
    resolved_people: { status: 'resolved', text: "Service rétabli. Entre {start} et {end}, environ {people} personnes n'ont pas pu joindre {components}. Tout fonctionne à nouveau." },
  },
  es: {
    investigating: { status: 'investigating', text: 'Sabemos que hay un problema con {components} desde las {start}. Lo estamos revisando y pronto daremos más noticias.' },
    investigating_short: { status: 'investigating', text: 'Algunas personas no pueden comunicarse con {components} en este momento. Ya estamos trabajando en ello.' },
    identified: { status: 'identified', text: 'Encontramos la causa del problema con {components}. Estamos trabajando para solucionarlo.' },
    monitoring: { status: 'monitoring', text: 'Ya aplicamos una solución para {components}. Estamos comprobando que todo funcione bien.' },
    resolved: { status: 'resolved', text: 'Servicio restablecido: {components} funciona de nuevo desde las {end}. Gracias por su paciencia.' },
    resolved_people: { status: 'resolved', text: 'Servicio restablecido. Entre las {start} y las {end}, unas {people} personas no pudieron comunicarse con {components}. Ya funciona de nuevo.' },
  },
};

export function templates(language: UpdateLanguage): UpdateTemplate[] {
  return Object.entries(TEXTS[language]).map(([id, t]) => ({ id, status: t.status, language, text: t.text }));
}

/** Which placeholders a text uses, in order of first use. */
export function placeholdersOf(text: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (const m of text.matchAll(/\{(\w+)\}/g)) if ((PLACEHOLDERS as readonly string[]).includes(m[1]!) && !out.includes(m[1] as Placeholder)) out.push(m[1] as Placeholder);
  return out;
}

/** Fill what is known; `missing` names what is not (the text then keeps those placeholders and is not ready to post). */
export function fill(text: string, values: Partial<Record<Placeholder, string>>): { text: string; missing: Placeholder[] } {
  const missing = placeholdersOf(text).filter((p) => values[p] === undefined);
  return { text: text.replace(/\{(\w+)\}/g, (all, name: string) => values[name as Placeholder] ?? all), missing };
}

const AND: Record<UpdateLanguage, string> = { en: 'and', fr: 'et', es: 'y' };
const OUR_SERVICE: Record<UpdateLanguage, string> = { en: 'our service', fr: 'notre service', es: 'nuestro servicio' };

/** "Chat line", "Chat line and Phone", "Chat, Phone and Email": the components' public names; none: "our service". */
export function componentList(names: readonly string[], language: UpdateLanguage): string {
  const ns = [...new Set(names.filter((n) => n.trim()))];
  if (ns.length === 0) return OUR_SERVICE[language];
  if (ns.length === 1) return ns[0]!;
  return `${ns.slice(0, -1).join(', ')} ${AND[language]} ${ns[ns.length - 1]}`;
}

const LOCALE: Record<UpdateLanguage, string> = { en: 'en-GB', fr: 'fr-FR', es: 'es-ES' };

function parts(at: number, timeZone: string, language: UpdateLanguage) {
  const f = new Intl.DateTimeFormat(LOCALE[language], { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', day: 'numeric', month: 'short', timeZoneName: 'short' });
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return { time: `${p.hour}:${p.minute}`, day: `${p.day} ${p.month}`, zone: p.timeZoneName ?? timeZone };
}

/**
 * A time as the public reads it, in the organization's time zone: "02:10 UTC"; with the date
 * ("7 Dec 02:10 UTC") when `withDay`. `zone: false` leaves the zone out (the first of a pair).
 */
export function publicTime(at: number, timeZone: string, language: UpdateLanguage, opts: { withDay?: boolean; zone?: boolean } = {}): string {
  const p = parts(at, timeZone, language);
  return `${opts.withDay ? `${p.day} ` : ''}${p.time}${opts.zone === false ? '' : ` ${p.zone}`}`;
}

/** Whether two instants fall on different local days in the zone (the range then names the days). */
export function differentDays(a: number, b: number, timeZone: string): boolean {
  const d = (t: number) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
  return d(a) !== d(b);
}

/** "about 40": two significant figures, exact under 10; in the language's digits grouping. */
export function roughCount(x: number, language: UpdateLanguage): string {
  const n = Math.round(x);
  let r = n;
  if (n >= 10) {
    const f = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
    r = Math.round(n / f) * f;
  }
  return r.toLocaleString(LOCALE[language]);
}

export interface PeopleAffectedFacts {
  /** The estimate (people, or contacts when the metric counts contacts and no people-per-contact factor is set). */
  estimate: number;
  unit: 'people' | 'contacts';
  from: number;
  to: number;
  components: string[];
  timeZone: string;
}

/**
 * "Between 02:10 and 03:05 UTC about 40 people could not reach Chat line." in the language,
 * times in the organization's zone (with the days when the range crosses midnight).
 */
export function peopleAffectedSentence(f: PeopleAffectedFacts, language: UpdateLanguage): string {
  const withDay = differentDays(f.from, f.to, f.timeZone);
  const start = publicTime(f.from, f.timeZone, language, { withDay, zone: false });
  const end = publicTime(f.to, f.timeZone, language, { withDay });
  const n = roughCount(f.estimate, language);
  const c = componentList(f.components, language);
  if (f.unit === 'contacts') {
    if (language === 'fr') return `Entre ${start} et ${end}, environ ${n} appels ou messages vers ${c} n'ont pas abouti.`;
    if (language === 'es') return `Entre las ${start} y las ${end}, unas ${n} llamadas o mensajes a ${c} no llegaron.`;
    return `Between ${start} and ${end} about ${n} calls or messages to ${c} did not get through.`;
  }
  if (language === 'fr') return `Entre ${start} et ${end}, environ ${n} personnes n'ont pas pu joindre ${c}.`;
  if (language === 'es') return `Entre las ${start} y las ${end}, unas ${n} personas no pudieron comunicarse con ${c}.`;
  return `Between ${start} and ${end} about ${n} people could not reach ${c}.`;
}
