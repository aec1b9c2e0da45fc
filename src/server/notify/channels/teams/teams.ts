/**
 * Microsoft Teams through a Power Automate "workflow" webhook (channels BRIEF §6): the Teams
 * template "Send webhook alerts to a channel" gives a trigger URL whose `sig` query parameter
 * is the credential (the method's address, sealed at rest, write-only). We POST the envelope
 * the template loops over, `{type: "message", attachments: [{contentType:
 * "application/vnd.microsoft.card.adaptive", content: <Adaptive Card 1.4>}]}`; without
 * `attachments` the flow fails after answering 202.
 *
 * Webhook-posted cards cannot call us back (`Action.Submit` is unsupported), so Acknowledge,
 * Resolve and Open are `Action.OpenUrl` buttons to the single-use action pages. The links are
 * readable by everyone in the channel: they carry only an opaque token.
 *
 * 202 means "the flow started", not "posted": a card the flow could not post shows only in the
 * flow's run history. Legacy Office 365 connector URLs (`*.webhook.office.com`) are retired and
 * refused.
 */
import type { ChannelAdapter, DeliveryResult, Destination, IncidentView, Message } from '../../channel.js';
import { permanent } from '../../channel.js';
import { classifyStatus, postHttp, withDetail, type HttpOptions } from '../http.js';
import { bundleHeadline, incidentStatusLine, incidentTitle, confirmSuffix, isTest, isVerification, oneLine, statusWord, tr, truncate, urgencyValue } from '../text.js';

/** Power Automate's hosts: the older Logic Apps one and the Power Platform one (accept both). */
const TEAMS_HOST = /(^|\.)(logic\.azure\.com|api\.powerplatform\.com)$/i;
const LEGACY_HOST = /(^|\.)(webhook\.office\.com|outlook\.office\.com|outlook\.office365\.com)$/i;
/** `.../workflows/<id>/triggers/<name>/paths/invoke`, under `/powerautomate/automations/direct` on Power Platform. */
const TRIGGER_PATH = /^(?:\/powerautomate\/automations\/direct)?\/workflows\/[0-9A-Za-z-]{8,64}\/triggers\/[A-Za-z0-9_.-]{1,80}\/paths\/invoke\/?$/;

/** The workflow URL to store, or why not (`namesHost`: the outbound policy's allow list, as for Discord). */
export function parseTeamsWorkflow(address: string, namesHost: (host: string) => boolean = () => false): URL | string {
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    return 'must be a Teams workflow URL (https://…logic.azure.com/workflows/…/paths/invoke?…&sig=…)';
  }
  if (LEGACY_HOST.test(url.hostname)) return 'Office 365 connector URLs are retired; create a workflow ("Send webhook alerts to a channel") and give its URL';
  const own = TEAMS_HOST.test(url.hostname);
  if (!own && !namesHost(url.hostname)) return `host ${url.hostname} is not Power Automate's (*.logic.azure.com or *.api.powerplatform.com)`;
  if (url.protocol !== 'https:' && (own || url.protocol !== 'http:')) return 'must be an https URL';
  if (url.username || url.password || url.hash) return 'credentials or a fragment are not allowed';
  if (!TRIGGER_PATH.test(url.pathname)) return 'must be a Teams workflow trigger URL (…/workflows/<id>/triggers/manual/paths/invoke?…)';
  if (!url.searchParams.get('sig')) return 'the sig query parameter (the workflow URL’s credential) is missing: copy the whole URL';
  if (!url.searchParams.get('api-version')) return 'the api-version query parameter is missing: copy the whole URL';
  return url;
}

type CardElement = Record<string, unknown>;

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.4';
  body: CardElement[];
  actions?: { type: 'Action.OpenUrl'; title: string; url: string }[];
  msteams?: { width: 'Full' };
}

export interface TeamsEnvelope {
  type: 'message';
  attachments: { contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }[];
}

const text = (s: string, extra: CardElement = {}): CardElement => ({ type: 'TextBlock', text: s, wrap: true, ...extra });

function incidentBody(msg: Message, inc: IncidentView): CardElement[] {
  const loud = inc.status === 'triggered' && inc.urgency === 'high';
  const body: CardElement[] = [text(truncate(incidentTitle(msg, inc), 500), { weight: 'Bolder', size: 'Medium', color: loud ? 'Attention' : inc.status === 'resolved' ? 'Good' : 'Warning' })];
  body.push(text(truncate(incidentStatusLine(inc, msg.locale), 300), { isSubtle: true, spacing: 'None' }));
  if (inc.impactLine) body.push(text(truncate(oneLine(inc.impactLine), 500)));
  if (msg.note) body.push(text(tr(msg, 'text.note', { content: truncate(oneLine(msg.note.content), 1000) })));
  const facts = [
    { title: tr(msg, 'email.fact.service'), value: truncate(oneLine(inc.service.name), 200) },
    { title: tr(msg, 'email.fact.urgency'), value: urgencyValue(inc.urgency, msg.locale) },
    { title: tr(msg, 'email.fact.status'), value: statusWord(inc.status, msg.locale) },
  ];
  if (inc.assignees.length) facts.push({ title: tr(msg, 'email.fact.assignedTo'), value: truncate(inc.assignees.map((a) => oneLine(a.name)).join(', '), 500) });
  if (inc.impactLine) facts.push({ title: tr(msg, 'chat.fact.affected'), value: truncate(oneLine(inc.impactLine), 500) });
  body.push({ type: 'FactSet', facts });
  return body;
}

/** Acknowledge and Resolve where they still apply, and Open. */
function incidentActions(msg: Message, inc: IncidentView): NonNullable<AdaptiveCard['actions']> {
  const out: NonNullable<AdaptiveCard['actions']> = [];
  if (inc.ackUrl && inc.status === 'triggered') out.push({ type: 'Action.OpenUrl', title: tr(msg, 'action.acknowledge'), url: inc.ackUrl });
  if (inc.resolveUrl && inc.status !== 'resolved') out.push({ type: 'Action.OpenUrl', title: tr(msg, 'action.resolve'), url: inc.resolveUrl });
  out.push({ type: 'Action.OpenUrl', title: tr(msg, 'action.openNumber', { number: inc.number }), url: inc.htmlUrl });
  return out;
}

/** The Adaptive Card for one message. Pure. */
export function buildTeamsCard(msg: Message): AdaptiveCard {
  const card = (body: CardElement[], actions?: AdaptiveCard['actions']): AdaptiveCard => ({ $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body, ...(actions?.length ? { actions } : {}), msteams: { width: 'Full' } });
  if (isVerification(msg)) return card([text(tr(msg, 'text.verificationTitle'), { weight: 'Bolder' }), text(tr(msg, 'push.verificationBody', { org: oneLine(msg.orgName), code: `**${msg.code ?? ''}**` }))]);
  if (msg.incidents.length === 0) {
    if (isTest(msg)) return card([text(tr(msg, 'text.testTitle', { org: oneLine(msg.orgName) }), { weight: 'Bolder' }), text(`${tr(msg, 'teams.test')}${confirmSuffix(msg)}`)]);
    return card([text(oneLine(msg.notice?.subject ?? 'Vigil'), { weight: 'Bolder' }), text(truncate(msg.notice?.text ?? tr(msg, 'ntfy.notification'), 5000))]);
  }
  if (msg.incidents.length === 1) return card(incidentBody(msg, msg.incidents[0]!), incidentActions(msg, msg.incidents[0]!));
  // A bundle: one line per incident, each with its own buttons (an ActionSet per incident).
  const body: CardElement[] = [text(bundleHeadline(msg), { weight: 'Bolder', size: 'Medium' })];
  for (const inc of msg.incidents.slice(0, 20)) {
    body.push(text(truncate(`#${inc.number} ${oneLine(inc.title)} · ${oneLine(inc.service.name)} · ${statusWord(inc.status, msg.locale)}`, 300), { separator: true }));
    body.push({ type: 'ActionSet', actions: incidentActions(msg, inc) });
  }
  if (msg.incidents.length > 20) body.push(text(tr(msg, 'chat.more', { count: msg.incidents.length - 20 })));
  return card(body);
}

export function buildTeamsEnvelope(msg: Message): TeamsEnvelope {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: buildTeamsCard(msg) }] };
}

export class TeamsChannel implements ChannelAdapter {
  readonly type = 'teams' as const;
  readonly #opts: HttpOptions;

  constructor(opts: HttpOptions = {}) {
    this.#opts = opts;
  }

  /**
   * 202 (or 200 from a flow with a Response action) is delivered, as far as anyone can tell.
   * Power Automate's errors are `{error: {code, message}}`; the reason is `teams_<code>` when
   * there is one, else `http_<status>`:
   * - 429 (the flow's throttle) and 5xx: retried, after `Retry-After` when given;
   * - 404 with an error body (the workflow or its trigger was deleted): the method is removed
   *   (`destinationGone`) and the page moves on;
   * - 401/403 (a wrong `sig`, a flow not triggerable by "Anyone"), 400, 413 (over ~28 KB):
   *   permanent.
   */
  async send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    const url = parseTeamsWorkflow(dest.address, () => true);
    if (typeof url === 'string') return withDetail(permanent('invalid_url'), url);
    const headers = new Headers({ 'Content-Type': 'application/json' });
    const attempt = await postHttp(url, headers, JSON.stringify(buildTeamsEnvelope(msg)), this.#opts, signal);
    if ('failure' in attempt) return attempt.failure;
    const { reply } = attempt;
    const result = classifyStatus(reply, (this.#opts.now ?? Date.now)());
    if (result.kind === 'sent') return result;
    let error: { code?: unknown; message?: unknown } | undefined;
    try {
      error = (JSON.parse(reply.body) as { error?: typeof error }).error;
    } catch {
      // An HTML error page from a proxy: the status says enough.
    }
    const code = typeof error?.code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(error.code) ? `teams_${error.code}` : null;
    const detail = typeof error?.message === 'string' ? error.message : reply.body.trim();
    if (reply.status === 404 && error) return withDetail({ kind: 'permanent', reason: code ?? 'http_404', destinationGone: true }, detail);
    return withDetail({ ...result, reason: code ?? result.reason }, detail);
  }
}
