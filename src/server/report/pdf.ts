/**
 * HTML to PDF with the Chromium the tests use (Debian's `chromium`, or VIGIL_CHROMIUM), driven
 * by playwright-core. The browser is launched on demand, shared by the renders in flight and
 * closed when the last one ends; at most `concurrency` pages render at once (the others wait
 * their turn inside the same timeout). Pages render with JavaScript off and every request
 * refused: the HTML carries everything it shows. A missing browser is a 503 naming it.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { VigilError } from '../errors.js';

export interface PdfOptions {
  executablePath: string;
  /** Pages rendering at once. */
  concurrency?: number;
  /** For one render, waiting for a turn included. */
  timeoutMs?: number;
}

export interface PdfRenderer {
  render(html: string, opts?: { landscape?: boolean }): Promise<Buffer>;
}

const unavailable = (why: string) => new VigilError('unavailable', [why], { message: 'PDF rendering unavailable' });

export function createPdfRenderer(o: PdfOptions): PdfRenderer {
  const limit = Math.max(1, o.concurrency ?? 2);
  const timeoutMs = o.timeoutMs ?? 30_000;
  let browser: Promise<Browser> | null = null;
  let inFlight = 0;
  let running = 0;
  const waiting: (() => void)[] = [];

  const launch = async (): Promise<Browser> => {
    const { chromium } = await import('playwright-core');
    return chromium.launch({ executablePath: o.executablePath, timeout: timeoutMs, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'] });
  };
  const turn = () => (running < limit ? (running++, Promise.resolve()) : new Promise<void>((ok) => waiting.push(ok)));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  async function renderOnce(html: string, landscape: boolean, deadline: { expired: boolean }): Promise<Buffer> {
    await turn();
    try {
      if (deadline.expired) throw unavailable('pdf: timed out waiting for a turn');
      browser ??= launch();
      const context = await (await browser).newContext({ javaScriptEnabled: false, offline: true });
      try {
        const page = await context.newPage();
        await page.route('**/*', (route) => route.abort());
        await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
        return await page.pdf({ format: 'A4', landscape, printBackground: true, margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' } });
      } finally {
        await context.close().catch(() => undefined);
      }
    } finally {
      release();
    }
  }

  return {
    async render(html, opts = {}) {
      if (!existsSync(o.executablePath)) throw unavailable(`pdf: Chromium is not installed at ${o.executablePath} (install the chromium package, or set VIGIL_CHROMIUM to its path)`);
      inFlight++;
      const deadline = { expired: false };
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, fail) => {
          timer = setTimeout(() => {
            deadline.expired = true;
            fail(unavailable(`pdf: rendering took longer than ${timeoutMs / 1000} s`));
          }, timeoutMs);
        });
        return await Promise.race([renderOnce(html, opts.landscape ?? false, deadline), timeout]);
      } catch (e) {
        if (e instanceof VigilError) throw e;
        throw unavailable(`pdf: Chromium at ${o.executablePath} failed: ${String((e as Error).message ?? e).split('\n')[0]!.slice(0, 200)}`);
      } finally {
        clearTimeout(timer);
        if (--inFlight === 0 && browser) {
          const b = browser;
          browser = null;
          await b.then((x) => x.close()).catch(() => undefined);
        }
      }
    },
  };
}

const renderers = new Map<string, PdfRenderer>();

/** One renderer per browser path for the process, so the concurrency bound holds across requests. */
export function pdfRenderer(executablePath: string): PdfRenderer {
  let r = renderers.get(executablePath);
  if (!r) renderers.set(executablePath, (r = createPdfRenderer({ executablePath })));
  return r;
}
