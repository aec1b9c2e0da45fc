/**
 * "Page me on this device": register the service worker, subscribe to Web Push with the
 * organization's VAPID key, and add the subscription as a push_notification contact method.
 * iOS allows this only in the Home Screen app and from a tap (Notification.requestPermission
 * must run in the click handler).
 */
import { api } from './client';
import type { ContactMethod } from './types';
import { msg } from '../i18n';

export function pushSupported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** Registers /sw.js (scope: the whole app). Harmless to call on every load. */
export async function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return null;
  try {
    return await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch {
    return null;
  }
}

function keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64url.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}

/** Subscribes this browser and adds it as a contact method of `userId` (unverified until the code it receives is entered). */
export async function addThisDevice(userId: string, label: string): Promise<ContactMethod> {
  if (!pushSupported()) throw new Error(msg('data.push.this_browser_cannot_receive_push_notifications'));
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error(msg('data.push.notifications_are_blocked_for_vigil_in'));
  const reg = (await registerServiceWorker()) ?? (await navigator.serviceWorker.ready);
  await navigator.serviceWorker.ready;
  const { vapid_key } = await api<{ vapid_key: { public_key: string } }>('GET', '/api/v1/push/vapid_key');
  const key = keyBytes(vapid_key.public_key);
  let sub = await reg.pushManager.getSubscription();
  // A subscription made with a rotated key must be replaced (a browser holds one per worker).
  if (sub && !sameKey(sub.options.applicationServerKey, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const r = await api<{ contact_method: ContactMethod }>('POST', `/api/v1/users/${encodeURIComponent(userId)}/contact_methods`, {
    contact_method: { type: 'push_notification_contact_method', label, subscription: sub.toJSON() },
  });
  return r.contact_method;
}
