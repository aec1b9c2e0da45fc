#!/usr/bin/env node
/**
 * `npm start`: serve from the built output, building first only when a source file
 * is newer than what was built (or nothing was built). A built checkout starts in
 * well under a second instead of rebuilding the server and the web app every time.
 * Arguments after `npm start --` go to `vigil serve`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['src', 'package.json', 'tsconfig.json', 'vite.config.ts'];
const BUILT = ['dist/cli/main.js', 'dist/server/app.js', 'dist/web/index.html'];

function newest(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of fs.readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

function oldestBuilt() {
  let m = Infinity;
  for (const f of BUILT) {
    const st = fs.statSync(path.join(root, f), { throwIfNoEntry: false });
    if (!st) return 0;
    m = Math.min(m, st.mtimeMs);
  }
  return m;
}

const sourcesAt = Math.max(...SOURCES.map((s) => newest(path.join(root, s))));
const builtAt = oldestBuilt();
if (builtAt === 0 || sourcesAt > builtAt) {
  process.stderr.write(builtAt === 0 ? 'vigil: no build yet; building (once)\n' : 'vigil: sources changed since the last build; rebuilding\n');
  const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
// glibc gives each thread that allocates an arena of its own (up to 8 per core) and keeps their
// freed pages: two arenas hold 4–6 MiB less when idle at no measured cost per event (docs/benchmarks.md,
// "Idle memory, stop 29"). glibc reads it only at a process's start, hence here; a value set outside wins.
const env = { MALLOC_ARENA_MAX: '2', ...process.env };
const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), 'serve', ...process.argv.slice(2)], { stdio: 'inherit', env });
// A signal to this wrapper (systemd, a supervisor, `kill`) reaches the server, which stops in order.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
