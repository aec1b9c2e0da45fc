import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileRegex, requiredLiteral } from './regex.js';

describe('regexes', () => {
  it('extract: capture groups appended, or the whole match; undefined without a match', () => {
    const ex = (p: string, s: string) => {
      const r = compileRegex(p);
      if (!r.ok) throw new Error(r.problem);
      return r.regex.extract(s);
    };
    expect(ex('^([^.]+)\\.', 'web-3.eu.example')).toBe('web-3');
    expect(ex('(web)-(\\d+)', 'host web-17 down')).toBe('web17');
    expect(ex('\\d+%', 'disk at 93% now')).toBe('93%');
    expect(ex('(a)?b', 'xb')).toBe('');
    expect(ex('nothing', 'here')).toBeUndefined();
  });

  const literals: [string, string | null][] = [
    ['db[0-9]+-server', '-server'],
    ['^(CRITICAL|SEVERE):', null],
    ['^(ERR|WARN)-8\\b', '-8'],
    ['disk (full|almost full) on', 'disk '],
    ['\\x41bc\\x{263a}de\\pLfg\\p{Greek}hi', 'bc'],
    ['abc?d', 'ab'],
    ['abc*', 'ab'],
    ['abc+x', 'ab'],
    ['ab{2,3}cd', 'cd'],
    ['a\\.example\\.com', 'a.example.com'],
    ['x\\d+yz', 'yz'],
    ['(?i)error', null],
    ['(?i:error) timeout', null],
    ['error|warning', null],
    ['(a|b)c', null],
    ['[)(]abc', 'abc'],
    ['[]abc]def', 'def'],
    ['[^]x]yz', 'yz'],
    ['[[:alpha:]]abc', null],
    ['\\Qa.b\\E', null],
    ['a', null],
    ['', null],
    ['(?s)start.*end', 'start'],
    // A flags group is no atom: the quantifier after it applies to the character before (RE2: "Aa(?s)*" is "Aa*").
    ['Aa(?s)*', null],
    ['abc(?s)+de', 'ab'],
    ['ab(?s)cd', 'abcd'],
    ['^$', null],
  ];
  it.each(literals)('required literal of %s is %s', (pattern, expected) => {
    expect(requiredLiteral(pattern)).toBe(expected);
  });

  it('every text a pattern matches contains its required literal (property, against RE2 itself)', () => {
    const atom = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('a', 'b', '-', 'x', 'A') },
      fc.constantFrom('\\.', '\\-', '[ab]', '[^a]', '.', '\\b', '\\d', '\\w', '^', '$', '[]a]', '\\x41', '\\x{41}', '\\pL', '\\p{Lu}', '\\101'),
      fc.constantFrom('(a|b)', '(ab)', '(?:a|-)', '(?i)', '(?i:a)', '(?s)', '[(]', '[)]'),
    );
    const quantified = fc.tuple(atom, fc.constantFrom('', '', '', '*', '+', '?', '{2}', '{0,2}', '*?', '{1,}')).map(([a, q]) => a + q);
    const pattern = fc.tuple(fc.array(quantified, { minLength: 1, maxLength: 8 }), fc.option(fc.array(quantified, { minLength: 1, maxLength: 3 }))).map(([a, alt]) => a.join('') + (alt ? '|' + alt.join('') : ''));
    const text = fc.stringMatching(/^[ab\-xA.1 ]{0,16}$/);
    fc.assert(
      fc.property(pattern, fc.array(text, { minLength: 1, maxLength: 20 }), (p, texts) => {
        let re: RE2JS;
        try {
          re = RE2JS.compile(p);
        } catch {
          return; // not a pattern RE2 accepts: never stored
        }
        const lit = requiredLiteral(p);
        const compiled = compileRegex(p);
        if (!compiled.ok) throw new Error(compiled.problem);
        for (const t of [...texts, ...texts.map((x) => x + (lit ?? '')), lit ?? '']) {
          if (lit !== null && re.test(t)) expect(t.includes(lit), `${p} matched ${JSON.stringify(t)} without ${JSON.stringify(lit)}`).toBe(true);
          expect(compiled.regex.test(t)).toBe(re.test(t));
        }
      }),
      { numRuns: 5000, examples: [['Aa(?s)*', ['A']]] },
    );
  });
});
