/** Status page subscribers on the wire (owners and admins only): addresses are personal data. */
import { iso, isoOrNull } from '../../lib/clock.js';
import type { SubscriberView } from '../../status-page/subscription.service.js';

export function presentSubscriber(v: SubscriberView) {
  const r = v.row;
  return {
    id: r.id,
    type: r.type,
    email: r.type === 'email' ? r.address : null,
    url: r.type === 'webhook' ? r.address : null,
    components: v.components.map((c) => ({ id: c.id, name: c.name })),
    confirmed: r.confirmed_at !== null,
    created_at: iso(Number(r.created_at)),
    confirmed_at: isoOrNull(r.confirmed_at === null ? null : Number(r.confirmed_at)),
    expires_at: isoOrNull(r.expires_at === null ? null : Number(r.expires_at)),
    language: r.type === 'email' ? (r.language ?? null) : null,
  };
}
