import { describe, expect, it } from 'vitest';
import { readability, readingTip, sentenceCount, syllables } from './readability.js';

describe('readability', () => {
  it('English: Flesch reading ease and Flesch–Kincaid grade of a textbook sentence', () => {
    // The classic example: 6 words, 6 syllables, 1 sentence: 206.835 − 1.015·6 − 84.6·1 = 116.145; grade 0.39·6 + 11.8 − 15.59 = −1.45.
    const r = readability('The cat sat on the mat.', 'en');
    expect(r).toMatchObject({ sentences: 1, words: 6, syllables: 6, score: 116.1, level: 'easy' });
    expect(r.grade).toBeCloseTo(-1.4, 1);
    expect(r.level).toBe('easy');
    expect(readingTip(r)).toBeNull();
  });

  it('English: a plain update reads easily; jargon in one long sentence does not', () => {
    const plain = readability('We are aware of a problem with the chat line. We are working on it. Calls are not affected.', 'en');
    expect(plain.sentences).toBe(3);
    expect(plain.words).toBe(19);
    expect(plain.level).toBe('easy');
    const jargon = readability(
      'Notwithstanding the aforementioned infrastructural complications, organizational interdependencies necessitated comprehensive reconfiguration of telecommunications provisioning, which consequently precipitated intermittent unavailability of asynchronous messaging functionality across geographically distributed counselling endpoints.',
      'en',
    );
    expect(jargon.level).toBe('hard');
    expect(jargon.grade!).toBeGreaterThan(20);
    expect(jargon.level).toBe('hard');
    expect(readingTip(jargon)).toBe('sentences');
  });

  it('the fair band suggests everyday words when the sentences are already short', () => {
    const r = readability('Our telephone infrastructure experienced degradation. Connectivity restoration is progressing.', 'en');
    expect(r.level === 'fair' || r.level === 'hard').toBe(true);
    expect(readingTip(r)).toBe('words');
  });

  it('French: Kandel–Moles', () => {
    const r = readability('Le chat dort. Nous savons que le service de messagerie ne marche pas. Les appels fonctionnent.', 'fr');
    expect(r.sentences).toBe(3);
    expect(r.words).toBe(16);
    // 207 − 1.015·(16/3) − 73.6·(syllables/16), computed by hand from the syllable count.
    expect(r.score).toBeCloseTo(207 - 1.015 * (16 / 3) - 73.6 * (r.syllables / 16), 0);
    expect(r.level).toBe('easy');
    expect(readability("Nonobstant les complications infrastructurelles susmentionnées, l'interdépendance organisationnelle a nécessité une reconfiguration exhaustive de l'approvisionnement en télécommunications.", 'fr').level).toBe('hard');
  });

  it('Spanish: Fernández Huerta', () => {
    const r = readability('Sabemos que hay un problema con el chat. Estamos trabajando en ello. Las llamadas funcionan.', 'es');
    expect(r).toMatchObject({ sentences: 3, words: 15 });
    expect(r.score).toBeCloseTo(206.84 - 60 * (r.syllables / 15) - 102 * (3 / 15), 0);
    expect(r.level).toBe('easy');
    expect(readability('No obstante las complicaciones infraestructurales anteriormente mencionadas, las interdependencias organizacionales requirieron una reconfiguración exhaustiva del aprovisionamiento de telecomunicaciones.', 'es').level).toBe('hard');
  });

  it('syllable heuristics per language', () => {
    expect(['the', 'cake', 'table', 'reading', 'beautiful', 'counsellor', 'restored'].map((w) => syllables(w, 'en'))).toEqual([1, 1, 2, 2, 3, 3, 2]);
    expect(['personnes', 'service', 'rétabli', 'appels'].map((w) => syllables(w, 'fr'))).toEqual([2, 2, 3, 2]);
    expect(['llamadas', 'problema', 'aeropuerto', 'servicio'].map((w) => syllables(w, 'es'))).toEqual([3, 3, 5, 3]);
  });

  it('sentences: decimals and times do not end one; an empty text has no score', () => {
    expect(sentenceCount('Between 02:10 and 03:05 about 40.5 people waited. Then it worked')).toBe(2);
    expect(readability('   ', 'en')).toMatchObject({ words: 0, score: null, level: null });
    expect(readingTip(readability('', 'fr'))).toBeNull();
  });
});
