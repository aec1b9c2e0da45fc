/**
 * A page by phone call, answered on the keypad, and the carrier's word on how the call went.
 *
 * A call placed through an organization's own Twilio-compatible provider posts to that
 * provider's routes (notify/voice-route.service.ts); its tokens and call ids must then be
 * of the provider's organization.
 *
 * Keypress: the call's <Gather> action carries the single-use keypress tokens of the
 * incidents it read out (one per incident, joined by dots). The route has checked Twilio's
 * request signature; here each token must be a live `keypress` token of one organization
 * and one person, who must still be a member allowed to respond. Key 1 acknowledges every
 * incident of the call as that person; key 2 escalates each open one to its next level at
 * once (PagerDuty's escalate: an acknowledgement is withdrawn, the level is paged). The
 * tokens are spent by the first key that acts; silence or another key spends nothing. What
 * the call says back is in the called person's language (the `language` of TwiML's <Say>).
 *
 * Status callback: every final call status is written on the timeline of the incidents the
 * call was about. `busy`, `no-answer`, `failed` and `canceled` mean nobody heard the page,
 * so the call counts as a failed delivery after all: the notification is marked failed and
 * the person's next verified method is paged, as for any permanent failure.
 */
import { VigilError } from '../errors.js';
import type { ActionTokenTable, IncidentTable, NotificationTable } from '../storage/schema.js';
import { format, localeFor, type MessageId, type Values } from '../lib/i18n/translate.js';
import { keypressTokenOwner, lookupKeypressToken, spendActionToken } from '../notify/action-token.js';
import { getContactMethod } from '../notify/contact.store.js';
import { queueFallback } from '../notify/notify.service.js';
import * as outbox from '../notify/outbox.store.js';
import { getOrganization, getUser } from '../org/org.store.js';
import { can } from '../org/roles.js';
import type { AgentRef, Channel } from './incident.js';
import { escalateNow, inTransaction, setStatus, type UnitOfWork } from './incident.service.js';
import { getIncidentsByIds } from './incident.store.js';
import { appendLog, type Tx } from './timeline.js';
import { say, type Wording } from '../lib/i18n/translate.js';

/** What to tell the caller, in `locale` (the called person's language): words to say before hanging up, or ask for a key again. */
export type KeypressAnswer = ({ say: string } | { askAgain: true }) & { locale: string };

/** At most this many tokens in one action URL (a call reads out at most five incidents in full). */
const MAX_TOKENS = 20;

type Refusal = 'voiceAnswer.cannotAct' | 'voiceAnswer.used' | 'voiceAnswer.expired';

async function liveTokens(u: UnitOfWork, tokens: string[], now: number): Promise<ActionTokenTable[] | Refusal> {
  const rows: ActionTokenTable[] = [];
  for (const token of tokens) {
    const t = await lookupKeypressToken(u.db, token, now);
    if (!t.ok) return t.reason === 'unknown' ? 'voiceAnswer.cannotAct' : t.reason === 'used' ? 'voiceAnswer.used' : 'voiceAnswer.expired';
    rows.push(t.row);
  }
  const first = rows[0];
  if (!first || rows.some((r) => r.org_id !== first.org_id || r.user_id !== first.user_id)) return 'voiceAnswer.cannotAct';
  return rows;
}

/** The called person's language: the member the call's first token names (theirs, else their organization's), else English. */
async function callLocale(u: UnitOfWork, tokens: string[], onlyOrgId?: string): Promise<string> {
  const owner = await keypressTokenOwner(u.db, tokens[0] ?? '');
  if (!owner || (onlyOrgId !== undefined && owner.org_id !== onlyOrgId)) return localeFor(null, null);
  const [user, org] = await Promise.all([getUser(u.db, owner.org_id, owner.user_id), getOrganization(u.db, owner.org_id)]);
  return localeFor(user?.locale, org?.default_locale);
}

/** The key pressed on a call (`Digits`), for the tokens in its action URL (`t`). */
export async function answerKeypress(u: UnitOfWork, tokenList: string, digits: string, callSid: string, onlyOrgId?: string): Promise<KeypressAnswer> {
  const tokens = tokenList.split('.').filter(Boolean).slice(0, MAX_TOKENS);
  const locale = await callLocale(u, tokens, onlyOrgId);
  const say = (id: MessageId, values?: Values) => ({ say: format(locale, id, values), locale });
  if (digits === '') return say('voiceAnswer.noKey');
  if (digits !== '1' && digits !== '2') return { askAgain: true, locale };
  const now = u.clock.now();
  const live = await liveTokens(u, tokens, now);
  // Through an organization's own provider (`onlyOrgId`): only that organization's tokens act.
  const rows = typeof live !== 'string' && onlyOrgId !== undefined && live[0]!.org_id !== onlyOrgId ? 'voiceAnswer.cannotAct' : live;
  if (typeof rows === 'string') return say(rows);
  const { org_id: orgId, user_id: userId } = rows[0]!;
  const user = await getUser(u.db, orgId, userId);
  if (!user || user.deleted_at !== null) return say('voiceAnswer.notMember');
  if (!can(user.role, 'respond')) return say('voiceAnswer.cannotRespond', { role: user.role });
  const agent: AgentRef = { id: user.id, type: 'user_reference', summary: user.name };
  const channel: Channel = { type: 'voice', ...(callSid ? { call_sid: callSid } : {}) };
  const said = await inTransaction(u, async (tx) => {
    for (const r of rows) if (!(await spendActionToken(tx.trx, r, now))) return null;
    const incidents = await getIncidentsByIds(tx.trx, orgId, rows.map((r) => r.incident_id));
    const out: string[] = [];
    for (const inc of incidents) out.push(format(locale, ...(digits === '1' ? await acknowledge(tx, inc, agent, channel) : await escalate(tx, inc, agent, channel))));
    return out;
  });
  if (!said) return say('voiceAnswer.used');
  return say('voiceAnswer.goodbye', { said: said.join(' ') });
}

type Said = [MessageId, Values];

async function acknowledge(tx: Tx, inc: IncidentTable, agent: AgentRef, channel: Channel): Promise<Said> {
  const number = Number(inc.number);
  if (inc.status === 'resolved') return ['voiceAnswer.alreadyResolved', { number }];
  if (inc.status === 'acknowledged' && inc.snoozed_until === null) return ['voiceAnswer.alreadyAcknowledged', { number }];
  await setStatus(tx, inc, 'acknowledged', agent, channel);
  return ['voiceAnswer.acknowledged', { number }];
}

async function escalate(tx: Tx, inc: IncidentTable, agent: AgentRef, channel: Channel): Promise<Said> {
  const number = Number(inc.number);
  if (inc.status === 'resolved') return ['voiceAnswer.alreadyResolved', { number }];
  try {
    const { level } = await escalateNow(tx, inc, undefined, agent, channel);
    return ['voiceAnswer.escalated', { number, level }];
  } catch (err) {
    if (err instanceof VigilError) return ['voiceAnswer.noPolicy', { number }];
    throw err;
  }
}

/** Final call statuses that mean nobody heard the page (Twilio's CallStatus). */
const UNANSWERED = new Set(['busy', 'no-answer', 'failed', 'canceled']);
/** The call statuses that are put on the timeline (the others are on the way to one of these). */
const FINAL_STATUSES = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

/**
 * A call status callback: on the timeline of the call's incidents, and, when nobody
 * answered, a failed delivery that moves on to the person's next method. Statuses on the
 * way (queued, ringing, in-progress) change nothing. Unknown call ids are ignored.
 */
export async function recordCallStatus(u: UnitOfWork, callSid: string, status: string, onlyOrgId?: string): Promise<void> {
  if (!FINAL_STATUSES.has(status)) return;
  const words = say('timeline.voice.status', { status: status.replace('-', '_') });
  const rows = (await outbox.findByProviderId(u.db, callSid)).filter((r) => r.channel === 'voice' && (onlyOrgId === undefined || r.org_id === onlyOrgId));
  const first = rows[0];
  if (!first) return;
  const orgId = first.org_id;
  await inTransaction(u, async (tx) => {
    const unanswered = UNANSWERED.has(status);
    const failedNow = unanswered && (await outbox.failSent(tx.trx, orgId, rows.map((r) => r.id), `call_${status.replace('-', '_')}`));
    const [user, method] = await Promise.all([first.user_id ? getUser(tx.trx, orgId, first.user_id) : undefined, first.contact_method_id ? getContactMethod(tx.trx, orgId, first.contact_method_id) : undefined]);
    const target = callee(user?.name, method);
    const incidents = await getIncidentsByIds(tx.trx, orgId, [...new Set(rows.map((r) => r.incident_id).filter((x): x is string => !!x))]);
    for (const inc of incidents) {
      const summary = unanswered ? say('timeline.voice.callFailed', { target, status: words, again: failedNow ? 'no' : 'yes' }) : say('timeline.voice.call', { target, status: words });
      await appendLog(tx, orgId, inc.service_id, inc.id, 'notify_log_entry', summary, null, { type: 'auto', channel: 'voice' }, { notification_id: first.id, call_status: status, ...(unanswered ? { failed: true } : {}) });
    }
    if (!failedNow) return;
    for (const r of rows) await fallBack(tx, r, incidents.find((i) => i.id === r.incident_id));
  });
}

/** Who a call or SMS was for: `Ana (work phone)`, `someone` when the person is gone. */
export function callee(name: string | undefined, method: { label: string | null; address: string } | undefined): Wording | string {
  const who = name ?? say('timeline.someone');
  if (!method) return who;
  return typeof who === 'string' ? `${who} (${method.label || method.address})` : say('timeline.someoneAt', { address: method.label || method.address });
}

/** As the deliver module does after a permanent failure: the person's next verified method, while the incident is still triggered. */
export async function fallBack(tx: Tx, row: NotificationTable, incident: IncidentTable | undefined): Promise<void> {
  if (!incident || incident.status !== 'triggered' || !row.user_id || !row.step_key) return;
  const next = await queueFallback(tx.trx, tx.now, row);
  if (next) tx.changes.push({ orgId: row.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: 'updated' });
  else await appendLog(tx, row.org_id, incident.service_id, incident.id, 'notify_log_entry', say('timeline.notify.noOtherMethod'), null, { type: 'auto' }, { user_id: row.user_id });
}
