/**
 * The installable app in real Chromium against a real Vigil process: the page links a
 * manifest Chromium parses as installable, the service worker registers and activates with
 * the whole app as its scope, and a push delivered through the DevTools protocol
 * (ServiceWorker.deliverPushMessage: Chromium cannot subscribe to a push service offline, so
 * the push is injected) is shown as a notification with the page's title, body, tag and the
 * Acknowledge / Resolve actions. The payload is what the push channel builds for a
 * high-urgency page (buildPushPayload), so worker and server agree on its shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildPushPayload } from '../../src/server/notify/channels/push/push.js';
import { incident, message } from '../channels/helpers.js';
import { chromiumInstalled, launchChromium, startVigil, type VigilProcess } from './server.js';

describe.skipIf(!chromiumInstalled())('installable app and push in Chromium', () => {
  let vigil: VigilProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    vigil = await startVigil({ email: 'olive@harbor.example', password: 'night shift tea 42', org: 'Harbor Crisis Line', name: 'Olive Owner', startTimeoutMs: 60_000 });
    browser = await launchChromium();
    context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: vigil.url });
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await vigil?.stop();
  });

  it('registers the service worker, has an installable manifest, and shows a pushed page with its actions', async () => {
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    await page.goto(`${vigil.url}/login`);
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${vigil.url}/`);

    const cdp = await context.newCDPSession(page);
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string; critical: number }[]; data?: string };
    expect(manifest.url).toBe(`${vigil.url}/manifest.webmanifest`);
    expect(manifest.errors).toEqual([]);
    expect(JSON.parse(manifest.data!)).toMatchObject({ display: 'standalone', short_name: 'Vigil' });

    const registrations: { registrationId: string; scopeURL: string }[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] }) => {
      for (const r of e.registrations) if (!r.isDeleted) registrations.push(r);
    });
    await cdp.send('ServiceWorker.enable');
    for (let i = 0; i < 50 && !registrations.some((r) => r.scopeURL === `${vigil.url}/`); i++) await new Promise((r) => setTimeout(r, 100));
    const reg = registrations.find((r) => r.scopeURL === `${vigil.url}/`)!;
    expect(reg).toBeDefined();

    const payload = buildPushPayload(message({ incidents: [incident({ impactLine: 'About 40 people affected', htmlUrl: `${vigil.url}/incidents/PINC042`, ackUrl: `${vigil.url}/a/ack`, resolveUrl: `${vigil.url}/a/resolve` })] }), vigil.url);
    const deliver = () => cdp.send('ServiceWorker.deliverPushMessage', { origin: vigil.url, registrationId: reg.registrationId, data: JSON.stringify(payload) });
    await deliver();

    type Shown = { title: string; body: string; tag: string; requireInteraction: boolean; actions: string[]; max: number };
    let shown: Shown[] = [];
    for (let i = 0; i < 150 && shown.length === 0; i++) {
      // Once, on a loaded machine, no notification showed within 15 s of a single injection (its
      // cause not found; it passed alone and in the next runs): the same push is injected again
      // every 5 s. It carries one tag, so however many arrive, one notification shows.
      if (i > 0 && i % 50 === 0) await deliver();
      shown = await page.evaluate(async () => {
        const r = await navigator.serviceWorker.ready;
        const max = (Notification as unknown as { maxActions: number }).maxActions;
        return (await r.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, requireInteraction: n.requireInteraction, actions: ((n as unknown as { actions: { title: string }[] }).actions ?? []).map((a) => a.title), max }));
      });
      if (shown.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(shown).toHaveLength(1);
    const n = shown[0]!;
    expect(n.title).toBe('#42 TRIGGERED: Chat queue not answering');
    expect(n.body).toContain('Crisis chat · high urgency');
    expect(n.body).toContain('About 40 people affected');
    expect(n.tag).toBe('vigil-incident-PINC042');
    expect(n.requireInteraction).toBe(true);
    // As many of Acknowledge, Resolve, Open as this platform shows (Notification.maxActions).
    expect(n.max).toBeGreaterThanOrEqual(2);
    expect(n.actions).toEqual(['Acknowledge', 'Resolve', 'Open'].slice(0, n.max));
    // Signed out, the app's session probe answers 401; nothing else may fail.
    expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  }, 60_000);
});
