/**
 * Regular expressions in rules run on re2js, a port of RE2: matching time is linear in
 * the input whatever the pattern, so a rule like `(a+)+$` cannot stall ingest the way
 * it stalls a backtracking engine. The price is RE2's syntax, which PagerDuty's PCL
 * uses too: no backreferences, no lookahead or lookbehind. Patterns that need them are
 * refused when the rule is saved, with RE2's own reason.
 */
import type { RE2JS } from 're2js';
import { lazyRequire } from '../lib/lazy-require.js';

/** Loaded with the first rule that uses a regex: a node whose rules use none never holds it. */
const re2js = lazyRequire<typeof import('re2js')>('re2js');

export const MAX_PATTERN_LENGTH = 1024;

export interface Regex {
  readonly source: string;
  /** Whether the pattern matches anywhere in `text` (unanchored, like PCL's `matches regex`). */
  test(text: string): boolean;
  /**
   * PagerDuty's extraction: the capture groups of the first match appended together,
   * or the whole match when the pattern has no group; undefined when it does not match.
   */
  extract(text: string): string | undefined;
}

export function compileRegex(pattern: string): { ok: true; regex: Regex } | { ok: false; problem: string } {
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, problem: `regular expression is longer than ${MAX_PATTERN_LENGTH} characters` };
  let re: RE2JS;
  try {
    re = re2js().RE2JS.compile(pattern);
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    return { ok: false, problem: `invalid regular expression (RE2 syntax: no backreferences, lookahead or lookbehind): ${msg}` };
  }
  const groups = re.groupCount();
  const literal = requiredLiteral(pattern);
  return {
    ok: true,
    regex: {
      source: pattern,
      test: literal === null ? (text) => re.test(text) : (text) => text.includes(literal) && re.test(text),
      extract(text) {
        const m = re.matcher(text);
        if (!m.find()) return undefined;
        if (groups === 0) return m.group(0) ?? '';
        let out = '';
        for (let g = 1; g <= groups; g++) out += m.group(g) ?? '';
        return out;
      },
    },
  };
}

/**
 * A string every match of `pattern` contains, or null when none is found: the longest
 * run of plain characters at the top level of the pattern (outside groups and classes,
 * with no top-level alternation, dropping a character a quantifier applies to). Text
 * without it cannot match, and `includes` answers that far sooner than the regex engine
 * (most rules do not match most events). Conservative: anything unusual (case-insensitive
 * flags, \Q…\E, classes containing brackets) gives null, which only costs speed.
 */
export function requiredLiteral(pattern: string): string | null {
  if (/\(\?[a-zA-Z]*i/.test(pattern) || pattern.includes('\\Q')) return null;
  let depth = 0;
  let best = '';
  let run = '';
  const flush = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const d = pattern[i + 1];
      i++;
      if (depth > 0) continue;
      // An escaped punctuation character is itself; \d, \b, \x41, \pL… are not plain characters.
      if (d !== undefined && /[!-/:-@[-`{-~]/.test(d)) {
        run += d;
        continue;
      }
      flush();
      // Skip what the escape spans: \x41, \x{263a}, \pL, \p{Greek}, \123.
      const rest = pattern.slice(i + 1);
      const span = d === 'x' ? /^(\{[^}]*\}|[0-9A-Fa-f]{0,2})/.exec(rest) : d === 'p' || d === 'P' ? /^(\{[^}]*\}|.)/.exec(rest) : d !== undefined && /[0-7]/.test(d) ? /^[0-7]{0,2}/.exec(rest) : null;
      if (span) i += span[0].length;
      continue;
    }
    if (c === '[') {
      flush();
      // Skip the class: a ] first (or after ^) is literal; a class holding [ is given up on.
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      for (; j < pattern.length && pattern[j] !== ']'; j++) {
        if (pattern[j] === '[') return null;
        if (pattern[j] === '\\') j++;
      }
      i = j;
      continue;
    }
    if (c === '(') {
      // A flags group, (?s) or (?-m), is no atom: a quantifier after it applies to the character
      // before it (RE2 reads "Aa(?s)*" as "Aa*"), so it neither ends the run nor joins it.
      const flags = depth === 0 ? /^\(\?[a-zA-Z-]*\)/.exec(pattern.slice(i)) : null;
      if (flags) {
        i += flags[0].length - 1;
        continue;
      }
      if (depth === 0) flush();
      depth++;
      continue;
    }
    if (c === ')') {
      depth--;
      continue;
    }
    if (depth > 0) continue;
    if (c === '|') return null;
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      // The quantified character may repeat or vanish: it ends the run, and is not in it.
      run = run.slice(0, -1);
      flush();
      if (c === '{') {
        const close = pattern.indexOf('}', i);
        if (close > i) i = close;
      }
      continue;
    }
    if (c === '.' || c === '^' || c === '$') {
      flush();
      continue;
    }
    run += c;
  }
  flush();
  return best.length >= 2 ? best : null;
}
