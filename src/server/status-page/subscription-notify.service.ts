/**
 * The engine's side of status page subscriptions (engine/status-subscriptions): what the
 * public page shows, compared with what subscribers were last told.
 */
import type { Kysely } from 'kysely';
import { plannedMaintenance } from '../maintenance/maintenance.service.js';
import type { Database } from '../storage/schema.js';
import * as pages from './status-page.store.js';
import * as store from './subscription.store.js';
import { publicId, type ComponentState } from './status-page.js';
import { readPublicPage } from './status-page.service.js';
import { pageComponents, pageZone, tell } from './subscription.service.js';
import { ANNOUNCE_MS, ENDED_LOOKBACK_MS, componentNotice, isDue, maintenanceNotice, maintenancePhases, observe, told, watched, type MaintenancePhase, type Watch } from './subscriptions.js';

type Db = Kysely<Database>;

/** What one pass over an organization did: messages queued, and the next time it has something due without any write (a throttled notice, a maintenance start or end), or null. */
export interface NotifyPass {
  queued: number;
  nextAt: number | null;
}

/**
 * The engine's pass over one organization (engine/status-subscriptions): component states
 * against the watch (throttled notices), and maintenance announced, started and ended.
 * Idempotent: every message's key is derived from what it tells, and the outbox keeps the
 * first row of a key, so two nodes (or a pass replayed) queue each message once.
 */
export async function notifyOrganization(db: Db, now: number, publicUrl: string, orgId: string): Promise<NotifyPass> {
  const page = await pages.getStatusPage(db, orgId);
  if (!page || !page.enabled) return { queued: 0, nextAt: null };
  const due: number[] = [];
  const view = await readPublicPage(db, { now: () => now }, page.slug);
  const components = await pageComponents(db, orgId, page);
  const stateOf = new Map(view.groups.flatMap((g) => g.components.map((c) => [c.id, c.state] as const)));
  const [subscribers, zone] = await Promise.all([store.confirmedSubscribers(db, orgId), pageZone(db, orgId)]);
  const watches = new Map((await store.watchesOf(db, orgId)).map((w) => [w.service_id, w]));
  let queued = 0;
  for (const c of components) {
    const state = watched((stateOf.get(c.id) ?? 'operational') as ComponentState);
    const row = watches.get(c.serviceId);
    if (!row) {
      // First sight: the baseline, nothing to tell.
      await store.saveWatch(db, { org_id: orgId, service_id: c.serviceId, state, told_state: state, changes: 0, first_change_at: null, due_at: null, last_sent_at: null, updated_at: now });
      continue;
    }
    let w: Watch = observe(row, state, now);
    if (isDue(w, now)) {
      await db.transaction().execute(async (trx) => {
        queued += await tell(trx, now, publicUrl, page, subscribers, [c.serviceId], `component:${c.serviceId}:${w.due_at}`, (lang) => componentNotice(lang, zone, page.title, c, w));
        w = told(w, now);
        await store.saveWatch(trx, { ...row, ...w, updated_at: now });
      });
    } else if (w !== row) {
      await store.saveWatch(db, { ...row, ...w, updated_at: now });
    }
    if (w.changes > 0 && w.due_at !== null) due.push(w.due_at);
  }
  const serviceIds = components.map((c) => c.serviceId);
  const planned = await plannedMaintenance(db, orgId, serviceIds, now - ENDED_LOOKBACK_MS, now + ANNOUNCE_MS);
  const keyOf = (windowId: string, start: number, phase: MaintenancePhase) => `maintenance:${windowId}:${start}:${phase}`;
  const allKeys = planned.flatMap((m) => (['scheduled', 'started', 'ended'] as const).map((p) => keyOf(m.window.id, m.occurrence.start, p)));
  const sent = await store.noticesSent(db, orgId, allKeys);
  for (const m of planned) {
    // The occurrence's next edge: its start, then its end (announcements come with the writes that create windows, or the next look).
    const edge = m.occurrence.start > now ? m.occurrence.start : m.occurrence.end > now ? m.occurrence.end : null;
    if (edge !== null) due.push(edge);
    const has = new Set((['scheduled', 'started', 'ended'] as const).filter((p) => sent.has(keyOf(m.window.id, m.occurrence.start, p))));
    for (const phase of maintenancePhases(m.occurrence, now, has)) {
      const covered = m.serviceIds.filter((id) => serviceIds.includes(id));
      const names = components.filter((c) => covered.includes(c.serviceId)).map((c) => c.name);
      const key = keyOf(m.window.id, m.occurrence.start, phase);
      await db.transaction().execute(async (trx) => {
        if (!(await store.markNoticeSent(trx, orgId, key, now))) return;
        queued += await tell(trx, now, publicUrl, page, subscribers, covered, key, (lang) => maintenanceNotice(lang, zone, page.title, phase, { id: publicId(orgId, 'maintenance', m.window.id), description: m.window.description, components: names, start: m.occurrence.start, end: m.occurrence.end }));
      });
    }
  }
  return { queued, nextAt: due.length ? Math.min(...due) : null };
}

/** The organizations the engine passes over, and the unconfirmed subscribers it forgets. */
export const organizationsToNotify = store.organizationsWithSubscribers;
export const forgetUnconfirmed = store.deleteExpired;
