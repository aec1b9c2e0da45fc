import { describe, expect, it } from 'vitest';
import { durationWords } from './incident.js';
import { word } from '../lib/i18n/translate.js';

describe('durationWords (a snooze on the timeline)', () => {
  it.each([
    [45, '45 s'],
    [60, '1 min'],
    [2700, '45 min'],
    [3600, '1 h'],
    [5400, '1 h 30 min'],
    [4 * 3600, '4 h'],
    [86_400, '1 d'],
    [604_800, '7 d'],
    [90_000, '1 d 1 h'],
  ])('%i s → %s', (seconds, words) => {
    expect(word('en', durationWords(seconds))).toBe(words);
  });
  it('in French, days are "j"', () => {
    expect(word('fr', durationWords(90_000))).toBe('1 j 1 h');
    expect(word('fr', durationWords(5400))).toBe('1 h 30 min');
  });
});
