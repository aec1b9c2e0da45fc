/**
 * How easy a public update is to read, as the coordinator types it (issue 19 item 2). Pure:
 * the web app shows the hint live under the message; the server and the tests use the same
 * function. Each language has its own reading-ease formula over sentence, word and syllable
 * counts (a higher score reads more easily, about 0–100):
 *   - English: Flesch reading ease, 206.835 − 1.015·(words/sentences) − 84.6·(syllables/words)
 *     (and the Flesch–Kincaid grade, 0.39·(words/sentences) + 11.8·(syllables/words) − 15.59);
 *   - French: Kandel and Moles, 207 − 1.015·(words/sentences) − 73.6·(syllables/words);
 *   - Spanish: Fernández Huerta, 206.84 − 0.60·(syllables per 100 words) − 1.02·(sentences per 100 words)
 *     (the usual corrected form: 206.84 − 60·(syllables/words) − 102·(sentences/words)).
 * Syllables are counted by a heuristic per language: groups of vowels, with English's silent
 * final "e" and French's mute final "e"/"es"/"ent" dropped. Good enough to tell "We are
 * aware of a problem." from a paragraph of jargon, which is all the hint needs.
 */

export type ReadingLanguage = 'en' | 'fr' | 'es';
export const READING_LANGUAGES: readonly ReadingLanguage[] = ['en', 'fr', 'es'];

export type ReadingLevel = 'easy' | 'fair' | 'hard';

export interface Readability {
  language: ReadingLanguage;
  sentences: number;
  words: number;
  syllables: number;
  /** The language's reading-ease score (higher is easier), rounded to one decimal; null for an empty text. */
  score: number | null;
  /** English only: the Flesch–Kincaid grade level, rounded to one decimal. */
  grade: number | null;
  level: ReadingLevel | null;
  /** Words per sentence, rounded to one decimal (0 for an empty text). */
  wordsPerSentence: number;
}

const WORD_RE = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

export function words(text: string): string[] {
  return text.match(WORD_RE) ?? [];
}

/** Sentences end at . ! ? … (a run of them counts once); trailing text without a stop is a sentence too. */
export function sentenceCount(text: string): number {
  const parts = text
    .replace(/(\d)[.,](\d)/g, '$1$2')
    .split(/[.!?…;:]+(?=\s|$)|\n\s*\n/u)
    .filter((p) => words(p).length > 0);
  return parts.length;
}

const VOWELS: Record<ReadingLanguage, RegExp> = {
  en: /[aeiouy]+/g,
  fr: /[aeiouyàâäéèêëîïôöùûüœæ]+/g,
  es: /[aeiouáéíóúü]+/g,
};

/** Syllables of one word, by the language's heuristic; at least 1. */
export function syllables(word: string, lang: ReadingLanguage): number {
  let w = word.toLowerCase().replace(/[^\p{L}]/gu, '');
  if (!w) return 1; // a number reads as a word of one syllable or more: keep it simple
  if (lang === 'en') {
    if (w.length <= 3) return 1;
    w = w.replace(/(?:[^laeiouy]es|[^laeiouydt]ed|[^laeiouy]e)$/, (m) => m[0]!).replace(/^y/, '');
  } else if (lang === 'fr') {
    // A mute final e (une, arrivent, personnes) is not pronounced.
    if (w.length > 3) w = w.replace(/(?:ent|es|e)$/, '');
  } else {
    // Spanish: a strong vowel pair (a, e, o with each other) is a hiatus: two syllables.
    w = w.replace(/([aeoáéó])(?=[aeoáéó])/g, '$1-');
  }
  const groups = w.match(VOWELS[lang]) ?? [];
  return Math.max(1, groups.length);
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function levelOf(score: number): ReadingLevel {
  if (score >= 60) return 'easy';
  if (score >= 40) return 'fair';
  return 'hard';
}

export function readability(text: string, lang: ReadingLanguage): Readability {
  const ws = words(text);
  const n = ws.length;
  if (n === 0) return { language: lang, sentences: 0, words: 0, syllables: 0, score: null, grade: null, level: null, wordsPerSentence: 0 };
  const s = Math.max(1, sentenceCount(text));
  const syl = ws.reduce((sum, w) => sum + syllables(w, lang), 0);
  const wps = n / s;
  const spw = syl / n;
  let score: number;
  if (lang === 'en') score = 206.835 - 1.015 * wps - 84.6 * spw;
  else if (lang === 'fr') score = 207 - 1.015 * wps - 73.6 * spw;
  else score = 206.84 - 60 * spw - 102 * (s / n);
  const grade = lang === 'en' ? round1(0.39 * wps + 11.8 * spw - 15.59) : null;
  return { language: lang, sentences: s, words: n, syllables: syl, score: round1(score), grade, level: levelOf(score), wordsPerSentence: round1(wps) };
}

/**
 * What would make a text that is not easy easier: shorter sentences (over 20 words a sentence)
 * or shorter, everyday words; null when it reads easily or is empty. The web app words the
 * hint in the person's language (incidents/PublicUpdateForm.tsx).
 */
export function readingTip(r: Readability): 'sentences' | 'words' | null {
  if (r.level === null || r.level === 'easy') return null;
  return r.wordsPerSentence > 20 ? 'sentences' : 'words';
}
