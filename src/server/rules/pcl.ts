/**
 * A parser and compiler for the part of PagerDuty Condition Language (PCL) that rule
 * conditions use. An expression is parsed once, when its rule is saved or loaded, into
 * a closure `(event, now) => boolean`; nothing is parsed per event.
 *
 *   condition  := or
 *   or         := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := 'not' unary | '(' or ')' | atom
 *   atom       := 'now' 'in' window
 *               | field 'matches' ['part' | 'regex'] string
 *               | field 'does' 'not' ('match' ['part' | 'regex'] string | 'exist' | 'start' 'with' string)
 *               | field 'exists'
 *               | field 'starts' 'with' string                       (Vigil extension)
 *               | field ('>' | '>=' | '<' | '<=' | '==' | '!=') number (Vigil extension)
 *               | 'event.timestamp' 'in' window                       (Vigil extension)
 *   window     := day (',' day)* HH:MM:SS 'to' HH:MM:SS zone
 *
 * Semantics, for every operator: an absent field (missing or null) matches nothing, and
 * the `does not` forms are exact complements (so an absent field "does not match"
 * anything). A field that is a list matches when any element does. Text comparisons are
 * case-sensitive (write `(?i)` in a regex to ignore case). A numeric comparison reads
 * numbers and numeric strings; with anything else it is false, `!=` included. Regexes
 * are RE2 (regex.ts), unanchored.
 *
 * Errors name the 1-based character position and the problem: `unknown field
 * event.foo at 7`.
 */
import { parseFieldPath, numberOf, reader, textOf, type FieldRef, type Reader, type RuleEvent } from './event.js';
import { compileRegex } from './regex.js';
import { DAY_NAMES, isValidZone, weeklyWindow } from './weekly-window.js';

export const LIMITS = { expressionLength: 2048, operators: 64, depth: 32 } as const;

export type Condition = (e: RuleEvent, now: number) => boolean;

/**
 * What a condition needs to hold, when that can be said cheaply: some text value of
 * the field read by `read` is one of `values` (from `matches '…'`, through `and`, and
 * through `or` on one field). A rule set indexes its rules by it (rules.ts), so a rule
 * whose guard fails is skipped without running its condition. Necessary, not sufficient:
 * the condition still runs when the guard passes.
 */
export interface Guard {
  /** The field path as written: guards on the same key read the same field. */
  key: string;
  read: Reader;
  values: ReadonlySet<string>;
}

export interface CompiledCondition {
  test: Condition;
  guard?: Guard;
}

type C = CompiledCondition;

export class PclError extends Error {
  constructor(
    readonly problem: string,
    /** 1-based character position in the expression. */
    readonly position: number,
  ) {
    super(`${problem} at ${position}`);
  }
}

type Token = { kind: 'word' | 'string' | 'cmp' | '(' | ')' | ',' | 'eof'; text: string; pos: number };

const STOP = new Set(['(', ')', ',', "'", '"', '<', '>', '=', '!']);

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c, text: c, pos: i });
      i++;
      continue;
    }
    if (c === '<' || c === '>' || c === '=' || c === '!') {
      const two = src.slice(i, i + 2);
      if (two === '>=' || two === '<=' || two === '==' || two === '!=') {
        out.push({ kind: 'cmp', text: two, pos: i });
        i += 2;
      } else if (c === '<' || c === '>') {
        out.push({ kind: 'cmp', text: c, pos: i });
        i++;
      } else throw new PclError(`unexpected "${c}" (comparisons are ==, !=, >, >=, <, <=)`, i + 1);
      continue;
    }
    if (c === "'" || c === '"') {
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new PclError('unterminated string', start + 1);
        const d = src[i]!;
        if (d === '\\' && i + 1 < src.length) {
          const e = src[i + 1]!;
          // \\ and an escaped quote are unescaped; any other backslash is kept, so a
          // regex may be written '\d+' or '\\d+' alike.
          if (e === '\\' || e === c) {
            text += e;
            i += 2;
            continue;
          }
          text += d;
          i++;
          continue;
        }
        if (d === c) break;
        text += d;
        i++;
      }
      i++;
      out.push({ kind: 'string', text, pos: start });
      continue;
    }
    const start = i;
    while (i < src.length && !/\s/.test(src[i]!) && !STOP.has(src[i]!)) i++;
    out.push({ kind: 'word', text: src.slice(start, i), pos: start });
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;
const OPERATORS_HINT = 'matches, matches part, matches regex, exists, does not match, does not exist, starts with, >, >=, <, <=, ==, !=';

class Parser {
  private i = 0;
  private operators = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  private isWord(text: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text === text;
  }
  private expectWord(text: string, after: string): Token {
    const t = this.next();
    if (t.kind !== 'word' || t.text !== text) throw new PclError(`expected "${text}" after ${after}, got ${describe(t)}`, t.pos + 1);
    return t;
  }

  parse(): C {
    const c = this.or();
    const t = this.peek();
    if (t.kind !== 'eof') throw new PclError(`expected "and", "or" or the end of the condition, got ${describe(t)}`, t.pos + 1);
    return c;
  }

  private countOperator(t: Token): void {
    if (++this.operators > LIMITS.operators) throw new PclError(`more than ${LIMITS.operators} and/or operators`, t.pos + 1);
  }

  private or(): C {
    const parts = [this.and()];
    while (this.isWord('or')) {
      this.countOperator(this.next());
      parts.push(this.and());
    }
    if (parts.length === 1) return parts[0]!;
    const tests = parts.map((p) => p.test);
    const test: Condition =
      tests.length === 2
        ? ((a, b) => (e, now) => a(e, now) || b(e, now))(tests[0]!, tests[1]!)
        : (e, now) => {
            for (const t of tests) if (t(e, now)) return true;
            return false;
          };
    // One field, several values: the guard is their union. Anything else: no guard.
    const guards = parts.map((p) => p.guard);
    const first = guards[0];
    if (first && guards.every((g) => g && g.key === first.key)) return { test, guard: { key: first.key, read: first.read, values: new Set(guards.flatMap((g) => [...g!.values])) } };
    return { test };
  }

  private and(): C {
    const parts = [this.unary()];
    while (this.isWord('and')) {
      this.countOperator(this.next());
      parts.push(this.unary());
    }
    if (parts.length === 1) return parts[0]!;
    const tests = parts.map((p) => p.test);
    const test: Condition =
      tests.length === 2
        ? ((a, b) => (e, now) => a(e, now) && b(e, now))(tests[0]!, tests[1]!)
        : (e, now) => {
            for (const t of tests) if (!t(e, now)) return false;
            return true;
          };
    // Every part must hold, so any part's guard is the whole's: take the narrowest.
    const guard = parts.map((p) => p.guard).filter((g) => g !== undefined).sort((a, b) => a.values.size - b.values.size)[0];
    return guard ? { test, guard } : { test };
  }

  private unary(): C {
    const t = this.peek();
    if (t.kind === 'word' && t.text === 'not') {
      this.next();
      this.enter(t);
      const inner = this.unary().test;
      this.depth--;
      return { test: (e, now) => !inner(e, now) };
    }
    if (t.kind === '(') {
      this.next();
      this.enter(t);
      const inner = this.or();
      this.depth--;
      const close = this.next();
      if (close.kind !== ')') throw new PclError(`expected ")" to close the "(" at ${t.pos + 1}, got ${describe(close)}`, close.pos + 1);
      return inner;
    }
    return this.atom();
  }

  private enter(t: Token): void {
    if (++this.depth > LIMITS.depth) throw new PclError(`nested more than ${LIMITS.depth} levels deep`, t.pos + 1);
  }

  private atom(): C {
    const t = this.next();
    if (t.kind !== 'word') throw new PclError(`expected a condition (event.<field> … or now in …), got ${describe(t)}`, t.pos + 1);
    if (t.text === 'now') {
      this.expectWord('in', '"now"');
      const w = this.window();
      return { test: (_e, now) => w(now) };
    }
    const parsed = parseFieldPath(t.text);
    if (!parsed.ok) throw new PclError(parsed.problem, t.pos + 1);
    if (this.peek().kind === 'word' && this.peek().text === 'matches' && parsed.ref.kind !== 'timestamp') {
      // Equality is the one operator a rule set can index.
      const read = reader(parsed.ref);
      this.next();
      const m = this.match(read, `${t.text} matches`);
      return m.equals === undefined ? { test: m.test } : { test: m.test, guard: { key: t.text, read, values: new Set([m.equals]) } };
    }
    return { test: this.operator(t, parsed.ref) };
  }

  private operator(field: Token, ref: FieldRef): Condition {
    const op = this.next();
    const read = reader(ref);
    const asText = ref.kind === 'timestamp' ? (e: RuleEvent) => new Date(e.timestamp).toISOString() : read;
    if (op.kind === 'cmp') {
      const n = this.next();
      if (n.kind !== 'word' || !NUMBER.test(n.text)) throw new PclError(`expected a number after ${op.text}, got ${describe(n)} (compare text with matches)`, n.pos + 1);
      return numeric(read, op.text, Number(n.text));
    }
    if (op.kind !== 'word') throw new PclError(`expected an operator after ${field.text} (${OPERATORS_HINT}), got ${describe(op)}`, op.pos + 1);
    switch (op.text) {
      case 'matches':
        return this.match(asText, `${field.text} matches`).test;
      case 'exists':
        return (e) => present(read(e));
      case 'starts': {
        this.expectWord('with', '"starts"');
        const s = this.string('starts with');
        return (e) => anyText(asText(e), (v) => v.startsWith(s));
      }
      case 'does': {
        this.expectWord('not', '"does"');
        const w = this.next();
        if (w.kind === 'word' && w.text === 'match') {
          const m = this.match(asText, `${field.text} does not match`).test;
          return (e, now) => !m(e, now);
        }
        if (w.kind === 'word' && w.text === 'exist') return (e) => !present(read(e));
        if (w.kind === 'word' && w.text === 'start') {
          this.expectWord('with', '"does not start"');
          const s = this.string('does not start with');
          return (e) => !anyText(asText(e), (v) => v.startsWith(s));
        }
        throw new PclError(`expected match, match part, match regex, exist or start with after "does not", got ${describe(w)}`, w.pos + 1);
      }
      case 'in': {
        if (ref.kind !== 'timestamp') throw new PclError(`"in" applies to now and event.timestamp only`, op.pos + 1);
        const w = this.window();
        return (e) => w(e.timestamp);
      }
      default:
        throw new PclError(`unknown operator "${op.text}" after ${field.text} (${OPERATORS_HINT})`, op.pos + 1);
    }
  }

  /** After `matches` / `does not match`: ['part' | 'regex'] string. `equals`: the string, for plain equality. */
  private match(read: (e: RuleEvent) => unknown, what: string): { test: Condition; equals?: string } {
    if (this.isWord('part')) {
      this.next();
      const s = this.string(`${what} part`);
      return { test: (e) => anyText(read(e), (v) => v.includes(s)) };
    }
    if (this.isWord('regex')) {
      this.next();
      const at = this.peek().pos;
      const pattern = this.string(`${what} regex`);
      const compiled = compileRegex(pattern);
      if (!compiled.ok) throw new PclError(compiled.problem, at + 1);
      const re = compiled.regex;
      return { test: (e) => anyText(read(e), (v) => re.test(v)) };
    }
    const s = this.string(what);
    return { test: (e) => anyText(read(e), (v) => v === s), equals: s };
  }

  private string(after: string): string {
    const t = this.next();
    if (t.kind !== 'string') throw new PclError(`expected a quoted string after ${after}, got ${describe(t)}`, t.pos + 1);
    return t.text;
  }

  /** Mon,Tue 09:00:00 to 17:00:00 Europe/Paris → a test of an instant. */
  private window(): (at: number) => boolean {
    const days = new Set<number>();
    for (;;) {
      const d = this.next();
      const idx = d.kind === 'word' ? DAY_NAMES.findIndex((n) => n.toLowerCase() === d.text.toLowerCase()) : -1;
      if (idx < 0) throw new PclError(`expected a day (${DAY_NAMES.slice(1).join(', ')}, Sun), got ${describe(d)}`, d.pos + 1);
      days.add(idx);
      if (this.peek().kind !== ',') break;
      this.next();
    }
    const start = this.time('the days');
    this.expectWord('to', 'the start time');
    const end = this.time('"to"');
    const z = this.next();
    if (z.kind !== 'word') throw new PclError(`expected a time zone (e.g. Europe/Paris), got ${describe(z)}`, z.pos + 1);
    if (!isValidZone(z.text)) throw new PclError(`unknown time zone ${z.text}`, z.pos + 1);
    if (start.seconds === end.seconds) throw new PclError('the window is empty: start and end times are equal', end.pos + 1);
    const w = weeklyWindow(days, start.seconds, end.seconds, z.text);
    return (at) => w.contains(at);
  }

  private time(after: string): { seconds: number; pos: number } {
    const t = this.next();
    const m = t.kind === 'word' ? TIME.exec(t.text) : null;
    if (!m) throw new PclError(`expected a time HH:MM:SS after ${after}, got ${describe(t)}`, t.pos + 1);
    return { seconds: Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]), pos: t.pos };
  }
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the condition';
  if (t.kind === 'string') return `the string '${t.text.length > 20 ? t.text.slice(0, 20) + '…' : t.text}'`;
  return `"${t.text.length > 40 ? t.text.slice(0, 40) + '…' : t.text}"`;
}

const present = (v: unknown): boolean => v !== undefined && v !== null;

function anyText(v: unknown, pred: (s: string) => boolean): boolean {
  if (typeof v === 'string') return pred(v);
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) {
    for (const x of v) {
      const s = textOf(x);
      if (s !== undefined && pred(s)) return true;
    }
    return false;
  }
  const s = textOf(v);
  return s !== undefined && pred(s);
}

function numeric(read: (e: RuleEvent) => unknown, op: string, n: number): Condition {
  const cmp: (x: number) => boolean =
    op === '>' ? (x) => x > n : op === '>=' ? (x) => x >= n : op === '<' ? (x) => x < n : op === '<=' ? (x) => x <= n : op === '==' ? (x) => x === n : (x) => x !== n;
  const one = (v: unknown): boolean => {
    const x = numberOf(v);
    return !Number.isNaN(x) && cmp(x);
  };
  return (e) => {
    const v = read(e);
    if (Array.isArray(v)) return v.some(one);
    return one(v);
  };
}

/**
 * Compile one PCL expression. Throws PclError (with the position) when it is not a
 * valid condition; the closure it returns never throws.
 */
export function compileCondition(expression: string): Condition {
  return compileGuarded(expression).test;
}

/** compileCondition, with the condition's guard when it has one. */
export function compileGuarded(expression: string): CompiledCondition {
  if (!expression.trim()) throw new PclError('the expression is empty', 1);
  if (expression.length > LIMITS.expressionLength) throw new PclError(`the expression is longer than ${LIMITS.expressionLength} characters`, LIMITS.expressionLength + 1);
  return new Parser(lex(expression)).parse();
}
