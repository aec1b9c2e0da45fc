/**
 * No user-facing string of the web UI is left untranslated:
 * - every message id of the English catalog is in French and Spanish, not empty, parses as ICU,
 *   and uses the same placeholders (no id only in a translation);
 * - a scan of src/web/app/**\/*.tsx with the TypeScript compiler finds no JSX text, no string
 *   literal in a JSX expression (a ternary's branches included), and no string-literal
 *   aria-label, title, placeholder, alt, label, hint or what that is not a message lookup.
 * Non-words (punctuation, digits, units such as "·", "—", "%", "ms") are allowed as they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import en from '../../src/web/i18n/en.json' with { type: 'json' };
import es from '../../src/web/i18n/es.json' with { type: 'json' };
import fr from '../../src/web/i18n/fr.json' with { type: 'json' };

const ROOT = path.resolve(import.meta.dirname, '../..');
const APP = path.join(ROOT, 'src/web/app');
const ATTRIBUTES = new Set(['aria-label', 'title', 'placeholder', 'alt', 'label', 'hint', 'what', 'aria-description']);
/** Words that stay as they are in every language: the product's name, units, technical names. */
const SAME_EVERYWHERE = /\b(Vigil|ms|min|h|UTC|ICS|CSV|PDF|JSON|PCL|API|SMS|P[1-5])\b/g;
const decode = (s: string) => s.replace(/&(nbsp|amp|lt|gt|quot|apos|rsquo|hellip|mdash|ndash|middot);/g, ' ');
const wordy = (s: string) => /\p{L}{2,}/u.test(decode(s).replace(SAME_EVERYWHERE, ' '));

function placeholders(elements: MessageFormatElement[], out = new Set<string>()): Set<string> {
  for (const e of elements) {
    if (e.type === TYPE.literal || e.type === TYPE.pound) continue;
    out.add(e.value);
    if (e.type === TYPE.plural || e.type === TYPE.select) for (const o of Object.values(e.options)) placeholders(o.value, out);
    if (e.type === TYPE.tag) placeholders(e.children, out);
  }
  return out;
}

describe('web UI catalogs', () => {
  const english = en as Record<string, string>;
  for (const [name, catalog] of [['fr', fr], ['es', es]] as const) {
    it(`${name}: every message is translated, parses as ICU and keeps its placeholders`, () => {
      const cat = catalog as Record<string, string>;
      const problems: string[] = [];
      for (const [id, text] of Object.entries(english)) {
        const t = cat[id];
        if (typeof t !== 'string' || !t.trim()) {
          problems.push(`${id}: missing`);
          continue;
        }
        let want: Set<string>, got: Set<string>;
        try {
          want = placeholders(parse(text));
        } catch (e) {
          problems.push(`${id}: the English text does not parse: ${(e as Error).message}`);
          continue;
        }
        try {
          got = placeholders(parse(t));
        } catch (e) {
          problems.push(`${id}: does not parse: ${(e as Error).message}`);
          continue;
        }
        if ([...want].sort().join() !== [...got].sort().join()) problems.push(`${id}: placeholders {${[...got].join(', ')}} instead of {${[...want].join(', ')}}`);
      }
      for (const id of Object.keys(cat)) if (!(id in english)) problems.push(`${id}: not in the English catalog`);
      expect(problems).toEqual([]);
    });
  }

  it('a real share of the French and Spanish texts differ from the English (not copies)', () => {
    const ids = Object.keys(en).filter((id) => wordy((en as Record<string, string>)[id]!));
    for (const cat of [fr, es] as Record<string, string>[]) {
      const same = ids.filter((id) => cat[id] === (en as Record<string, string>)[id]);
      expect(same.length / ids.length).toBeLessThan(0.1);
    }
  });
});

/** Every user-facing string literal of a .tsx file that is not a message lookup, as file:line "text". */
export function leftovers(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const out: string[] = [];
  const at = (n: ts.Node, text: string) => out.push(`${path.relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1} ${JSON.stringify(text.trim())}`);
  const literals = (e: ts.Expression, found: ts.Node[] = []): ts.Node[] => {
    if (ts.isParenthesizedExpression(e)) literals(e.expression, found);
    else if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) found.push(e);
    else if (ts.isTemplateExpression(e)) {
      found.push(e);
      // A literal inside a placeholder (`${gap ? 'Nobody' : name}: ...`) is read too.
      for (const span of e.templateSpans) literals(span.expression, found);
    }
    else if (ts.isConditionalExpression(e)) literals(e.whenFalse, literals(e.whenTrue, found));
    else if (ts.isBinaryExpression(e) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(e.operatorToken.kind)) {
      literals(e.right, found);
      if (e.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) literals(e.left, found);
    }
    return found;
  };
  const textOf = (n: ts.Node): string => (ts.isTemplateExpression(n) ? [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join(' ') : (n as ts.StringLiteral).text);
  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node)) {
      if (wordy(node.text)) at(node, node.text.replace(/\s+/g, ' '));
    } else if (ts.isJsxAttribute(node) && ATTRIBUTES.has(node.name.getText(sf)) && node.initializer) {
      const init = node.initializer;
      if (ts.isStringLiteral(init)) {
        if (wordy(init.text)) at(init, init.text);
      } else if (ts.isJsxExpression(init) && init.expression) for (const l of literals(init.expression)) if (wordy(textOf(l))) at(l, textOf(l));
    } else if (ts.isJsxExpression(node) && node.expression && (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))) {
      for (const l of literals(node.expression)) if (wordy(textOf(l))) at(l, textOf(l));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const tsxFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? tsxFiles(path.join(dir, d.name)) : d.name.endsWith('.tsx') ? [path.join(dir, d.name)] : []));

describe('web UI source', () => {
  it('no JSX text or labelling attribute of src/web/app is left as a literal string', () => {
    const files = tsxFiles(APP);
    expect(files.length).toBeGreaterThan(30);
    expect(files.flatMap(leftovers)).toEqual([]);
  });

  it('the scan finds what it should (a literal text, a literal aria-label, a string in a ternary)', () => {
    const tmp = path.join(fs.mkdtempSync(path.join(ROOT, 'node_modules/.vitest-i18n-')), 'Probe.tsx');
    fs.writeFileSync(tmp, `export const P = ({ a, n }: { a: boolean; n: string }) => (<div aria-label="Main menu" title={msg('x')}>Hello there {a ? 'Open' : 'Closed'} · 5 ms {msg('y')}<span title={\`\${a ? 'Nobody home' : n} · \${n}\`} /></div>);\n`);
    try {
      expect(leftovers(tmp).map((l) => l.replace(/^.*?:\d+ /, ''))).toEqual(['"Main menu"', '"Hello there"', '"Open"', '"Closed"', '"Nobody home"']);
    } finally {
      fs.rmSync(path.dirname(tmp), { recursive: true });
    }
  });

  it('every message id looked up in the source is in the English catalog', () => {
    const used = new Set<string>();
    const scan = (dir: string) => {
      for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, d.name);
        if (d.isDirectory()) scan(p);
        else if (/\.tsx?$/.test(d.name)) for (const m of fs.readFileSync(p, 'utf8').matchAll(/\bmsg\('([^']+)'/g)) used.add(m[1]!);
      }
    };
    scan(path.join(ROOT, 'src/web'));
    expect([...used].filter((id) => !(id in en))).toEqual([]);
  });
});
