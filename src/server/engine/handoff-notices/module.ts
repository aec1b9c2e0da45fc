/**
 * On-call handoff notices (PagerDuty's oncall_handoff_notification_rules): for each rule, the
 * member's shifts on every schedule (overrides included, rendered in the schedule's zone, so a
 * DST change moves the notice with the handoff) that start (`oncall`) or end (`offcall`) within
 * `notify_advance_in_minutes` from now are told once, on the rule's contact method, through the
 * outbox.
 *
 * An idempotent tick(now). The timer is the rule's row: `checked_until` says which notice times
 * have been dealt with; a rule is claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so nodes share
 * the work) at most every CHECK_EVERY_MS, its notices are queued for notice times in
 * (checked_until, now] and checked_until moves to now in the same transaction. A notice whose
 * time passed more than STALE_MS ago (the engine was down) is not sent late.
 */
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { claimDueHandoffRules, handoffKinds, setCheckedUntil } from '../../notify/handoff.service.js';
import { getContactMethod } from '../../notify/contact.store.js';
import { queueHandoffNotice } from '../../notify/notify.service.js';
import { userHandoffs, type Handoff } from '../../schedule/schedule.service.js';
import type { Database } from '../../storage/schema.js';
import type { EngineModule } from '../engine.js';

type Db = Kysely<Database>;

export const CHECK_EVERY_MS = 30_000;
export const STALE_MS = 60 * 60_000;
const BATCH = 100;

/** The notice's words: which schedule, on or off, when in the schedule's zone, how long from now. */
export function handoffText(h: Handoff, now: number): { subject: string; text: string } {
  const when = `${DateTime.fromMillis(h.at, { zone: h.schedule.timeZone }).toFormat('ccc d LLL yyyy HH:mm')} ${h.schedule.timeZone} (${new Date(h.at).toISOString().slice(11, 16)} UTC)`;
  const minutes = Math.max(0, Math.round((h.at - now) / 60_000));
  const verb = h.kind === 'oncall' ? 'You go on call' : 'You go off call';
  const subject = `${verb} for ${h.schedule.name} ${minutes === 0 ? 'now' : `in ${minutes} minute${minutes === 1 ? '' : 's'}`}`;
  return { subject, text: `${verb} for the schedule ${h.schedule.name} at ${when}.` };
}

export class HandoffNoticesModule implements EngineModule {
  readonly name = 'handoff-notices';

  constructor(private readonly db: Db) {}

  async tick(now: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const rules = await claimDueHandoffRules(trx, now - CHECK_EVERY_MS, BATCH);
      let work = 0;
      for (const rule of rules) {
        const advance = rule.notify_advance_in_minutes * 60_000;
        const after = Math.max(rule.checked_until, now - STALE_MS);
        const kinds = handoffKinds(rule.handoff_type);
        const handoffs = (await userHandoffs(trx, rule.org_id, rule.user_id, after + advance, now + advance)).filter((h) => kinds.includes(h.kind));
        const method = handoffs.length ? await getContactMethod(trx, rule.org_id, rule.contact_method_id) : undefined;
        for (const h of handoffs) {
          const { subject, text } = handoffText(h, now);
          work += await queueHandoffNotice(trx, rule.org_id, method, { key: `handoff:${rule.id}:${h.schedule.id}:${h.kind}:${h.at}`, subject, text, now });
        }
        await setCheckedUntil(trx, rule.org_id, rule.id, now);
        work++;
      }
      return work;
    });
  }
}
