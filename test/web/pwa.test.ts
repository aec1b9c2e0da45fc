/**
 * The installable app's files as the server answers them: a manifest a browser accepts for
 * installation (name, start URL within scope, standalone display, 192 and 512 px PNG icons
 * that really are PNGs of those sizes), and the service worker at the root (so its scope is
 * the whole app), as JavaScript, never cached. Served from a copy of src/web/public.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config/config.js';
import { makeDeps } from '../../src/server/main.js';
import { createTestDb, type TestDb } from '../harness.js';

describe('PWA files', () => {
  let db: TestDb;
  let app: App;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-pwa-'));
    fs.cpSync('src/web/public', dir, { recursive: true });
    fs.copyFileSync('src/web/index.html', path.join(dir, 'index.html'));
    fs.mkdirSync(path.join(dir, 'assets'));
    db = await createTestDb('sqlite');
    process.env.VIGIL_WEB_DIR = dir;
    app = await buildApp(makeDeps(db.handle, loadConfig({ PORT: '0' })), { logger: false });
  });
  afterAll(async () => {
    delete process.env.VIGIL_WEB_DIR;
    await app.close();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the page links the manifest, and the manifest is installable with real PNG icons', async () => {
    const page = await app.inject({ method: 'GET', url: '/incidents' });
    expect(page.body).toContain('<link rel="manifest" href="/manifest.webmanifest" />');
    const r = await app.inject({ method: 'GET', url: '/manifest.webmanifest' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/manifest\+json/);
    const m = r.json();
    expect(m).toMatchObject({ name: 'Vigil on-call', short_name: 'Vigil', display: 'standalone', scope: '/' });
    expect(m.start_url.startsWith(m.scope)).toBe(true);
    const sizes = new Set<number>();
    for (const icon of m.icons as { src: string; sizes: string; type: string }[]) {
      const img = await app.inject({ method: 'GET', url: icon.src });
      expect(img.statusCode, icon.src).toBe(200);
      expect(img.headers['content-type']).toBe('image/png');
      const png = img.rawPayload;
      expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
      const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      expect(`${w}x${h}`).toBe(icon.sizes);
      sizes.add(w);
    }
    expect([...sizes].sort()).toEqual([192, 512]);
  });

  it('the service worker is at the root, JavaScript, not cached, and handles push and notificationclick', async () => {
    const r = await app.inject({ method: 'GET', url: '/sw.js' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/javascript/);
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.body).toContain("addEventListener('push'");
    expect(r.body).toContain("addEventListener('notificationclick'");
    expect(r.body).toContain('event.waitUntil(');
  });
});
