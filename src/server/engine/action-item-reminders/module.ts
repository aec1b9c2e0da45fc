/**
 * Overdue action items: an open postmortem action item whose due date has passed (the day
 * ended in the organization's zone) is reminded to its owner by email, then once a day
 * until it is done or dropped (at most a minute late: the module looks once a minute), in the
 * owner's language (their locale, else the organization's).
 *
 * An idempotent tick(now). The timer is the item's row (`next_reminder_at`); items are
 * claimed in one transaction (PostgreSQL: FOR UPDATE SKIP LOCKED, so nodes share the work),
 * and each reminder's outbox row is queued in the same transaction that moves the timer on,
 * with an idempotency key per item and reminder number: one reminder per due instant, whatever
 * the number of nodes or restarts. The deliver module sends it with retries.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { queueNotice } from '../../notify/notify.service.js';
import { findOrganization } from '../../org/org.service.js';
import { requireIncident } from '../../incident/incident.service.js';
import { nextReminder, reminderText } from '../../postmortem/postmortem.js';
import { getUser } from '../../org/org.store.js';
import { localeFor } from '../../lib/i18n/translate.js';
import { claimDueReminders, updateActionItem } from '../../postmortem/postmortem.store.js';
import type { EngineModule } from '../engine.js';

const BATCH = 50;

export class ActionItemRemindersModule implements EngineModule {
  readonly name = 'action-item-reminders';

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: { baseUrl: string },
  ) {}

  /** Reminders are daily: look at most once a minute, so a page's engine pass never waits on this query. */
  private lastScan = -Infinity;

  async tick(now: number): Promise<number> {
    if (now >= this.lastScan && now - this.lastScan < 60_000) return 0;
    this.lastScan = now;
    return this.db.transaction().execute(async (trx) => {
      const due = await claimDueReminders(trx, now, BATCH);
      let work = 0;
      for (const item of due) {
        const [org, incident, owner] = await Promise.all([findOrganization(trx, item.org_id), requireIncident(trx, item.org_id, item.incident_id).catch(() => null), getUser(trx, item.org_id, item.owner_id)]);
        // Days since the due date: the day after it is 1 day late.
        const late = Math.floor((now - item.due_at) / 86_400_000) + 1;
        const url = incident ? `${this.opts.baseUrl.replace(/\/$/, '')}/incidents/${incident.number}` : '';
        const { subject, text } = reminderText(localeFor(owner?.locale, org?.default_locale), item, late, incident ? { number: Number(incident.number), title: incident.title, url } : null);
        const n = item.reminders_sent + 1;
        await queueNotice(trx, item.org_id, [item.owner_id], { key: `action-item:${item.id}:${n}`, eventType: 'action_item.overdue', subject, text, now });
        await updateActionItem(trx, item.org_id, item.id, { reminders_sent: n, next_reminder_at: nextReminder(item, now) });
        work++;
      }
      return work;
    });
  }
}
