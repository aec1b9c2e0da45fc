/**
 * Regular expressions in rules run on re2js, a port of RE2: matching time is linear in
 * the input whatever the pattern, so a rule like `(a+)+$` cannot stall ingest the way
 * it stalls a backtracking engine. The price is RE2's syntax, which PagerDuty's PCL
 * uses too: no backreferences, no lookahead or lookbehind. Patterns that need them are
 * refused when the rule is saved, with RE2's own reason.
 */
import { RE2JS } from 're2js';

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
    re = RE2JS.compile(pattern);
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    return { ok: false, problem: `invalid regular expression (RE2 syntax: no backreferences, lookahead or lookbehind): ${msg}` };
  }
  const groups = re.groupCount();
  return {
    ok: true,
    regex: {
      source: pattern,
      test: (text) => re.test(text),
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
