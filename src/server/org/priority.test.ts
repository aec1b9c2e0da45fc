import { describe, expect, it } from 'vitest';
import { checkPriority, rerank } from './priority.js';

const list = (...ids: string[]) => ids.map((id, i) => ({ id, rank: i + 1 }));
const ranks = (m: Map<string, number>) => Object.fromEntries(m);

describe('rerank', () => {
  it.each([
    ['a new one first', list('a', 'b', 'c'), { id: 'n', rank: 1 }, { n: 1, a: 2, b: 3, c: 4 }],
    ['a new one last', list('a', 'b'), { id: 'n', rank: 3 }, { n: 3 }],
    ['a new one past the end goes last', list('a', 'b'), { id: 'n', rank: 9 }, { n: 3 }],
    ['moving down', list('a', 'b', 'c', 'd'), { id: 'a', rank: 3 }, { b: 1, c: 2, a: 3 }],
    ['moving up', list('a', 'b', 'c', 'd'), { id: 'd', rank: 2 }, { d: 2, b: 3, c: 4 }],
    ['staying', list('a', 'b'), { id: 'b', rank: 2 }, {}],
  ])('%s', (_, ordered, place, want) => {
    expect(ranks(rerank(ordered, place))).toEqual(want);
  });

  it('closes gaps (after a removal) when nothing is placed', () => {
    expect(ranks(rerank([{ id: 'a', rank: 1 }, { id: 'c', rank: 3 }, { id: 'd', rank: 4 }]))).toEqual({ c: 2, d: 3 });
  });
});

describe('checkPriority', () => {
  const ctx = { creating: true, others: ['P1', 'P2'], slots: 3 };
  it.each([
    ['a good one, trimmed and normalized', { name: ' SEV0 ', description: ' Down ', color: '#A8171C', rank: 1 }, { name: 'SEV0', description: 'Down', color: 'a8171c', rank: 1 }],
    ['an empty description and no colour are null', { name: 'P3', description: '', color: null }, { name: 'P3', description: null, color: null }],
    ['read-only fields sent back are left alone', { name: 'P3', id: 'x', type: 'priority', summary: 'P3', self: 'u', html_url: null, created_at: 't', updated_at: 't' }, { name: 'P3' }],
  ])('accepts %s', (_, input, fields) => {
    expect(checkPriority(input as never, ctx)).toEqual({ ok: true, fields });
  });

  it.each([
    ['no name on create', {}, ['priority.name: is required']],
    ['a taken name, whatever its case', { name: 'p2' }, ['priority.name: a priority named p2 already exists']],
    ['a bad colour and rank, and an unknown field', { name: 'P3', color: 'red', rank: 4, level: 1 }, ['priority.level: unknown field', 'priority.color: six hex digits, such as a8171c', 'priority.rank: must be an integer from 1 to 3']],
  ])('refuses %s, naming each field', (_, input, errors) => {
    expect(checkPriority(input as never, ctx)).toEqual({ ok: false, errors });
  });

  it('needs no name to change one', () => {
    expect(checkPriority({ color: 'ffffff' }, { creating: false, others: [], slots: 1 })).toEqual({ ok: true, fields: { color: 'ffffff' } });
  });
});
