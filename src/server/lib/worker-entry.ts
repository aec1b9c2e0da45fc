/**
 * Where a worker thread's built entry is. From dist it sits beside the module that starts
 * it; under the test runner (sources are .ts) it is the built copy in dist/, which
 * `npm test` builds first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `relative` is the entry's path from `from` (the starting module's import.meta.url), as built: './x.worker.js'. */
export function workerEntry(relative: string, from: string, what: string): URL {
  const here = new URL(relative, from);
  if (fs.existsSync(here)) return here;
  const sep = path.sep;
  const built = fileURLToPath(here).replace(`${sep}src${sep}server${sep}`, `${sep}dist${sep}server${sep}`);
  if (fs.existsSync(built)) return pathToFileURL(built);
  throw new Error(`${what} is not built (${built}); run npm run build`);
}
