#!/usr/bin/env node
/**
 * Measures the server's structure from its source, for docs/architecture.md and the
 * layering test: folder-level import cycles (value imports only: `import type` is
 * erased at build), files that run SQL outside stores and storage/, hand-built outbox
 * rows, dialect branches outside storage/dialect.ts, route files importing stores, and
 * the longest function and largest file. `node scripts/architecture.mjs` prints the table;
 * `--json` prints the figures.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SERVER = path.join(ROOT, 'src/server');

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

const rel = (p) => path.relative(ROOT, p).split(path.sep).join('/');
/** The folder a server file belongs to: its first directory under src/server ('.' for files at the top). */
export function folderOf(file) {
  const r = path.relative(SERVER, file).split(path.sep);
  return r.length > 1 ? r[0] : r[0].replace(/\.tsx?$/, '');
}

function valueImports(sf) {
  const out = [];
  for (const st of sf.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      const spec = st.moduleSpecifier.text;
      if (!spec.startsWith('.')) continue;
      if (ts.isImportDeclaration(st)) {
        const c = st.importClause;
        if (c?.isTypeOnly) continue;
        // import { type A, type B } from '…' carries no value either.
        if (c && !c.name && c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)) continue;
      } else if (st.isTypeOnly) continue;
      out.push(spec);
    }
  }
  return out;
}

function resolveSpec(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const cand of [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), `${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(cand)) return cand;
  return null;
}

/** Strongly connected components of size > 1 (Tarjan). */
function cycles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), on = new Set(), stack = [], out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

// Statements, not transactions: a service or an engine module owns its unit of work.
const SQL = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql(<[^>]*>)?`|executeQuery\(/;
const DIALECT_BRANCH = /dialect\s*[!=]==?\s*'(postgres|sqlite)'|'(postgres|sqlite)'\s*[!=]==?\s*\w*dialect|isPostgres\(/g;

/** Which domain folders' stores write each table (insert, update, delete; query builder or hand-written SQL). */
export function tableWriters() {
  const writers = new Map();
  for (const f of walk(SERVER).filter((x) => x.endsWith('.store.ts'))) {
    const text = fs.readFileSync(f, 'utf8');
    const folder = folderOf(f);
    const tables = [
      ...[...text.matchAll(/\.(?:insertInto|updateTable|deleteFrom)\('([a-z_]+)/g)].map((m) => m[1]),
      ...[...text.matchAll(/\b(?:INSERT INTO|(?<!FOR (?:NO KEY )?)UPDATE|DELETE FROM)\s+([a-z_]+)\b/g)].map((m) => m[1]),
      ...[...text.matchAll(/insertRows<[^>]*>\(\s*'([a-z_]+)'/g)].map((m) => m[1]),
    ];
    for (const t of tables) {
      if (!writers.has(t)) writers.set(t, new Set());
      writers.get(t).add(folder);
    }
  }
  return Object.fromEntries([...writers].sort().map(([t, f]) => [t, [...f].sort()]));
}

export function measure() {
  const files = walk(SERVER);
  const folderGraph = new Map();
  const pairs = new Set();
  let sqlOutside = [], outboxBuilders = [], dialectBranches = [], routesImportingStores = [];
  let longest = { name: '', lines: 0 }, longestOutsideMigrations = { name: '', lines: 0 }, largest = { file: '', lines: 0 };
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const sf = ts.createSourceFile(f, text, ts.ScriptTarget.ES2022, true, f.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const from = folderOf(f);
    if (!folderGraph.has(from)) folderGraph.set(from, new Set());
    const specs = valueImports(sf);
    for (const spec of specs) {
      const target = resolveSpec(f, spec);
      if (!target || !target.startsWith(SERVER)) continue;
      const to = folderOf(target);
      if (to !== from) {
        folderGraph.get(from).add(to);
        pairs.add(`${from}>${to}`);
      }
    }
    const r = rel(f);
    const inStorage = r.startsWith('src/server/storage/');
    const isStore = r.endsWith('.store.ts');
    if (!inStorage && !isStore && SQL.test(text)) sqlOutside.push(r);
    // An outbox row is written wherever an object literal carries both idempotency_key and next_attempt_at.
    const literals = (text.match(/idempotency_key\s*:/g) ?? []).length;
    if (literals && /next_attempt_at\s*:/.test(text) && !inStorage) outboxBuilders.push(`${r} (${literals})`);
    if (r !== 'src/server/storage/dialect.ts') {
      const n = (text.match(DIALECT_BRANCH) ?? []).length;
      if (n) dialectBranches.push(`${r} (${n})`);
    }
    if (/\/(http\/routes|routes)\//.test(r) || r.endsWith('.routes.ts')) {
      const stores = sf.statements.filter((s) => ts.isImportDeclaration(s) && /\.store\.js$/.test(s.moduleSpecifier.text));
      if (stores.length) routesImportingStores.push(r);
    }
    const lines = text.split('\n').length;
    if (lines > largest.lines) largest = { file: r, lines };
    const visit = (node) => {
      if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const n = end - start + 1;
        const name = () => `${r}:${start + 1} ${node.name?.getText?.() ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : '(anonymous)')}`;
        if (n > longest.lines) longest = { name: name(), lines: n };
        if (n > longestOutsideMigrations.lines && !r.includes('/migrations/')) longestOutsideMigrations = { name: name(), lines: n };
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  const folderCycles = cycles(folderGraph);
  const mutual = [...pairs].filter((p) => { const [a, b] = p.split('>'); return a < b && pairs.has(`${b}>${a}`); }).map((p) => p.replace('>', '⇄'));
  const countOf = (list) => list.reduce((s, x) => s + Number(/\((\d+)\)$/.exec(x)?.[1] ?? 1), 0);
  return {
    files: files.length,
    folderCycles,
    foldersInCycles: folderCycles.reduce((s, c) => s + c.length, 0),
    mutualPairs: mutual,
    sqlOutsideStores: sqlOutside,
    outboxRowBuilders: outboxBuilders,
    outboxRowBuildersCount: countOf(outboxBuilders),
    dialectBranches,
    dialectBranchesCount: countOf(dialectBranches),
    routesImportingStores,
    longestFunction: longest,
    longestFunctionOutsideMigrations: longestOutsideMigrations,
    largestFile: largest,
    folderGraph: Object.fromEntries([...folderGraph].map(([k, v]) => [k, [...v].sort()])),
    tablesWrittenByMoreThanOneFolder: Object.entries(tableWriters()).filter(([, f]) => f.length > 1).map(([t, f]) => `${t}: ${f.join(', ')}`),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = measure();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(m, null, 2));
  } else {
    console.log(`server files (not tests)            ${m.files}`);
    console.log(`folder cycles (value imports)       ${m.folderCycles.length}${m.folderCycles.map((c) => `\n  ${c.join(' ')}`).join('')}`);
    console.log(`folders importing each other        ${m.mutualPairs.length} ${m.mutualPairs.join(', ')}`);
    console.log(`files running SQL outside stores    ${m.sqlOutsideStores.length}${m.sqlOutsideStores.map((f) => `\n  ${f}`).join('')}`);
    console.log(`outbox rows built by hand           ${m.outboxRowBuildersCount}${m.outboxRowBuilders.map((f) => `\n  ${f}`).join('')}`);
    console.log(`dialect branches outside dialect.ts ${m.dialectBranchesCount}${m.dialectBranches.map((f) => `\n  ${f}`).join('')}`);
    console.log(`route files importing stores        ${m.routesImportingStores.length}${m.routesImportingStores.map((f) => `\n  ${f}`).join('')}`);
    console.log(`tables written by two folders       ${m.tablesWrittenByMoreThanOneFolder.length}${m.tablesWrittenByMoreThanOneFolder.map((f) => `\n  ${f}`).join('')}`);
    console.log(`longest function                    ${m.longestFunction.lines} lines, ${m.longestFunction.name}`);
    console.log(`  outside migrations                ${m.longestFunctionOutsideMigrations.lines} lines, ${m.longestFunctionOutsideMigrations.name}`);
    console.log(`largest file                        ${m.largestFile.lines} lines, ${m.largestFile.file}`);
  }
}
