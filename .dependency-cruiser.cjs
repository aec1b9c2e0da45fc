/**
 * The server's layering, checked on every test run (test/architecture/layering.test.ts) and
 * by `npx depcruise src --config`. docs/architecture.md draws the same picture.
 *
 * Layers, lowest first: a folder may import its own layer and the layers below it, never one
 * above. Only value imports count (`import type` is erased by the compiler and ties nothing
 * at run time).
 */
const LAYERS = [
  ['lib', 'errors\\.ts', 'config', 'storage'],
  ['org'],
  ['notify'],
  ['escalation'],
  ['service'],
  ['maintenance'],
  ['rules'],
  ['incident'],
  ['schedule'],
  ['volunteer'],
  ['oncall'],
  ['account', 'status-page'],
  ['ingest'],
  ['impact'],
  ['analytics'],
  ['postmortem'],
  ['report'],
  ['engine', 'observability'],
  ['http'],
  ['app\\.ts', 'main\\.ts'],
];

const at = (names) => `^src/server/(${names.join('|')})(/|$)`;

const layering = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer[0].replace(/\\\./g, '.')}`,
  comment: `${layer.join(', ').replace(/\\\./g, '.')} must not import a higher layer (${LAYERS.slice(i + 1).flat().join(', ').replace(/\\\./g, '.')})`,
  severity: 'error',
  from: { path: at(layer) },
  to: { path: at(LAYERS.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    ...layering,
    {
      name: 'no-domain-folder-cycle',
      comment: 'domain folders import each other one way only',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/server/[^/]+/?$' },
      to: { circular: true },
    },
    {
      name: 'contract-is-pure',
      comment: 'src/contract holds wire schemas shared by the server, the web app and the CLI: it imports nothing of theirs',
      severity: 'error',
      from: { path: '^src/contract' },
      to: { path: '^src/(server|web|cli)' },
    },
    {
      name: 'web-app-apart',
      comment: 'the web app talks to the server over HTTP only; it shares src/contract types',
      severity: 'error',
      from: { path: '^src/web' },
      to: { path: '^src/(server|cli)' },
    },
    {
      name: 'queries-in-stores',
      comment: 'the query builder belongs to stores and storage/ (routes call services)',
      severity: 'error',
      from: { path: '^src/server/http/' },
      to: { path: '\\.store\\.ts$' },
    },
  ],
  options: {
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.test\\.tsx?$|node_modules)' },
    includeOnly: '^src/',
  },
};
