/**
 * The renderer's refusals, each a 503 naming the reason, against real executables that are
 * not a working Chromium: one that is missing, one that exits at once, one that never answers.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VigilError } from '../errors.js';
import { createPdfRenderer } from './pdf.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-pdf-'));
const script = (name: string, body: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<VigilError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(VigilError);
  expect((e as VigilError).status).toBe(503);
  return e as VigilError;
}

describe('PDF renderer refusals', () => {
  it('a missing browser, one that exits, and one that never answers within the timeout', async () => {
    const missing = await refusal(createPdfRenderer({ executablePath: path.join(dir, 'chromium') }).render('<p>x</p>'));
    expect(missing.errors[0]).toBe(`pdf: Chromium is not installed at ${path.join(dir, 'chromium')} (install the chromium package, or set VIGIL_CHROMIUM to its path)`);
    const exits = script('exits', 'exit 3');
    expect((await refusal(createPdfRenderer({ executablePath: exits, timeoutMs: 10_000 }).render('<p>x</p>'))).errors[0]).toMatch(new RegExp(`^pdf: Chromium at ${exits} failed: `));
    const hangs = script('hangs', 'exec sleep 30');
    const started = Date.now();
    expect((await refusal(createPdfRenderer({ executablePath: hangs, timeoutMs: 400 }).render('<p>x</p>'))).errors[0]).toBe('pdf: rendering took longer than 0.4 s');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
