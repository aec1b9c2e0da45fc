/*
 * Vigil's service worker: shows pages that arrive by Web Push and lets the responder act
 * from the lock screen. The push payload (src/server/notify/channels/push/push.ts) carries
 * the title, body, tag, urgency and actions; Acknowledge and Resolve POST their single-use
 * link (no session needed: the token is the credential), Open opens the incident.
 * Every push shows a notification (iOS drops subscriptions whose pushes show nothing).
 */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let p = null;
  try {
    p = event.data ? event.data.json() : null;
  } catch {
    p = null;
  }
  if (!p || typeof p.title !== 'string') p = { title: 'Vigil', body: event.data ? event.data.text() : '', tag: 'vigil', url: '/', actions: [], requireInteraction: false, renotify: false };
  const actions = (p.actions || []).slice(0, Math.max(0, self.Notification && Notification.maxActions ? Notification.maxActions : 3));
  event.waitUntil(
    self.registration.showNotification(p.title, {
      body: p.body || '',
      tag: p.tag || 'vigil',
      // renotify needs a tag; both are ignored where unsupported (Safari).
      renotify: !!p.renotify && !!p.tag,
      requireInteraction: !!p.requireInteraction,
      icon: '/icon-192.png',
      badge: '/icon-192.png',
      data: { url: p.url || '/', actions: p.actions || [] },
      actions: actions.map((a) => ({ action: a.action, title: a.title })),
    }),
  );
});

async function act(url, title) {
  try {
    const res = await fetch(url, { method: 'POST', credentials: 'omit', cache: 'no-store' });
    const ok = res.ok;
    await self.registration.showNotification(ok ? `${title}: done` : `${title}: not done`, {
      body: ok ? 'Vigil recorded it.' : res.status === 410 ? 'That button was already used or has expired.' : 'Open Vigil to act on the incident.',
      tag: 'vigil-action-result',
      icon: '/icon-192.png',
    });
  } catch {
    await self.registration.showNotification(`${title}: no connection`, { body: 'Open Vigil when you are back online.', tag: 'vigil-action-result', icon: '/icon-192.png' });
  }
}

async function open(url) {
  const all = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const c of all) {
    if ('focus' in c && new URL(c.url).origin === new URL(url, self.location.origin).origin) {
      await c.focus();
      if ('navigate' in c) return c.navigate(url);
      return;
    }
  }
  return self.clients.openWindow(url);
}

self.addEventListener('notificationclick', (event) => {
  const n = event.notification;
  const data = n.data || {};
  n.close();
  const chosen = (data.actions || []).find((a) => a.action === event.action);
  if (chosen && (chosen.action === 'ack' || chosen.action === 'resolve')) event.waitUntil(act(chosen.url, chosen.title));
  else event.waitUntil(open((chosen && chosen.url) || data.url || '/'));
});
