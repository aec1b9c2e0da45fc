import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pickNext, roundRobinOrder, type Candidate } from './round-robin.js';

const c = (userId: string, lastPagedAt: number | null, joinedAt = 0): Candidate => ({ userId, lastPagedAt, joinedAt });

describe('round-robin order', () => {
  it.each<[string, Candidate[], string[]]>([
    ['least recently paged first', [c('a', 30), c('b', 10), c('c', 20)], ['b', 'c', 'a']],
    ['never paged before anyone paged', [c('a', 1), c('b', null), c('c', 0)], ['b', 'c', 'a']],
    ['ties by joining order', [c('a', null, 5), c('b', null, 1), c('c', null, 3)], ['b', 'c', 'a']],
    ['then by id', [c('b', 7, 1), c('a', 7, 1)], ['a', 'b']],
  ])('%s', (_n, input, expected) => {
    expect(roundRobinOrder(input).map((x) => x.userId)).toEqual(expected);
  });

  it('is stable whatever the input order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ userId: fc.string({ minLength: 1, maxLength: 3 }), lastPagedAt: fc.option(fc.integer({ min: 0, max: 5 })), joinedAt: fc.integer({ min: 0, max: 3 }) }), { maxLength: 12 }), (cands) => {
        const unique = [...new Map(cands.map((x) => [x.userId, x])).values()];
        const a = roundRobinOrder(unique).map((x) => x.userId);
        const b = roundRobinOrder([...unique].reverse()).map((x) => x.userId);
        expect(a).toEqual(b);
      }),
    );
  });

  it('skips those already tried for this step', () => {
    expect(pickNext([c('a', null), c('b', 5)], new Set(['a']))?.userId).toBe('b');
    expect(pickNext([c('a', null)], new Set(['a']))).toBeNull();
  });
});

/**
 * Simulate a pool over many pages: at each page a random subset of the members is
 * available (qualifies); the round robin pages one of them.
 */
function simulate(n: number, availability: boolean[][]): { counts: number[]; violations: number } {
  const last: (number | null)[] = Array(n).fill(null);
  const history: number[][] = Array.from({ length: n }, () => []);
  const counts = Array(n).fill(0) as number[];
  let violations = 0;
  availability.forEach((avail, t) => {
    const cands = avail.flatMap((ok, i) => (ok ? [c(`u${String(i).padStart(3, '0')}`, last[i]!, i)] : []));
    const next = pickNext(cands);
    if (!next) return;
    const i = Number(next.userId.slice(1));
    // Fairness: everyone available now has been paged since i's previous page (or i was never paged).
    const prev = last[i];
    if (prev !== null) for (const other of cands) if (other.userId !== next.userId && (other.lastPagedAt === null || other.lastPagedAt < prev!)) violations++;
    last[i] = t;
    history[i]!.push(t);
    counts[i]!++;
  });
  return { counts, violations };
}

describe('round-robin fairness (fast-check)', () => {
  it('with everyone always available, page counts never differ by more than one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 500 }), (n, pages) => {
        const { counts } = simulate(n, Array.from({ length: pages }, () => Array(n).fill(true)));
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('whoever is paged again, everyone available at that moment was paged since their last page', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: 1, maxLength: 300 }))),
        ([n, availability]) => {
          expect(simulate(n, availability).violations).toBe(0);
        },
      ),
    );
  });

  it('over many pages, volunteers with the same availability are paged about equally', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.double({ min: 0.3, max: 0.9, noNaN: true }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (n, p, seed) => {
        // A seeded stream (mulberry32) of availability: each member available with probability p at each page.
        let a = seed;
        const rnd = () => {
          a = (a + 0x6d2b79f5) | 0;
          let t = Math.imul(a ^ (a >>> 15), 1 | a);
          t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
          return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
        const pages = 3000;
        const availability = Array.from({ length: pages }, () => Array.from({ length: n }, () => rnd() < p));
        const { counts } = simulate(n, availability);
        const mean = counts.reduce((x, y) => x + y, 0) / n;
        for (const k of counts) expect(Math.abs(k - mean) / mean).toBeLessThan(0.12);
      }),
      { numRuns: 50 },
    );
  });
});
