/**
 * A local Power Automate running the Teams template "Send webhook alerts to a channel"
 * (channels BRIEF §6): `POST /workflows/{id}/triggers/manual/paths/invoke?api-version=…&sp=…&sv=…&sig=…`.
 * Like the real trigger it checks the URL's `sig` (401 `DirectApiInvalidAuthorizationSignature`
 * when wrong, `DirectApiAuthorizationRequired` when missing), a known workflow (404
 * `WorkflowNotFound`), a JSON body, and the ~28 KB message cap (413); errors are
 * `{error: {code, message}}`. A request it accepts answers **202 with an empty body** before
 * the flow runs; the run then fails, as the template does, when `attachments` is missing or
 * null, an attachment is not an Adaptive Card, or the card uses what webhook cards cannot
 * (`Action.Submit`, a version above 1.5): those runs are in `runs` with status `Failed`,
 * the way the flow's run history shows them, and nothing is posted.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startServer, type TestServer } from './helpers.js';

export interface TeamsCardAction {
  type: string;
  title: string;
  url?: string;
}

export interface TeamsCard {
  type: string;
  version: string;
  body: { type: string; text?: string; facts?: { title: string; value: string }[]; actions?: TeamsCardAction[]; [k: string]: unknown }[];
  actions?: TeamsCardAction[];
}

export interface TeamsRun {
  workflowId: string;
  status: 'Succeeded' | 'Failed';
  error?: string;
  /** The cards posted to the channel (one per attachment) when the run succeeded. */
  cards: TeamsCard[];
}

export interface FakeTeams extends TestServer {
  runs: TeamsRun[];
  /** The cards the channel shows (runs that succeeded). */
  posted(): TeamsCard[];
  /** A new workflow; answers its trigger URL. */
  addWorkflow(): string;
  deleteWorkflow(url: string): void;
  /** The next requests answer 429 with this Retry-After (seconds). */
  throttleNext(retryAfterSeconds: number, times?: number): void;
  /** The next requests answer 502 (a gateway in front of the flow). */
  failNext(times?: number): void;
}

const fail = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
};

function checkCard(a: unknown): string | null {
  const att = a as { contentType?: unknown; content?: TeamsCard } | null;
  if (!att || att.contentType !== 'application/vnd.microsoft.card.adaptive') return 'attachment is not an Adaptive Card';
  const c = att.content;
  if (!c || c.type !== 'AdaptiveCard' || !Array.isArray(c.body)) return 'content is not an AdaptiveCard with a body';
  if (!/^1\.[0-5]$/.test(String(c.version))) return `card version ${String(c.version)} is not supported`;
  const actions = [...(c.actions ?? []), ...c.body.flatMap((e) => (e.type === 'ActionSet' ? (e.actions ?? []) : []))];
  for (const act of actions) {
    if (act.type === 'Action.Submit' || act.type === 'Action.Execute') return `${act.type} is not supported on cards posted by a workflow`;
    if (act.type === 'Action.OpenUrl' && !/^https?:\/\//.test(String(act.url ?? ''))) return 'Action.OpenUrl needs an absolute url';
  }
  return null;
}

export async function startFakeTeams(): Promise<FakeTeams> {
  const runs: TeamsRun[] = [];
  const flows = new Map<string, string>();
  const forced: { status: number; retryAfter?: number }[] = [];
  const server = await startServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const m = /^\/workflows\/([0-9a-f]{32})\/triggers\/manual\/paths\/invoke$/.exec(url.pathname);
    if (req.method !== 'POST' || !m) return fail(res, 404, 'TriggerNotFound', 'The trigger could not be found.');
    const id = m[1]!;
    const sig = url.searchParams.get('sig');
    if (!sig) return fail(res, 401, 'DirectApiAuthorizationRequired', 'The request must be authenticated only by Shared Access scheme.');
    const want = flows.get(id);
    if (want === undefined) return fail(res, 404, 'WorkflowNotFound', `The workflow '${id}' could not be found.`);
    if (sig !== want) return fail(res, 401, 'DirectApiInvalidAuthorizationSignature', `The provided authorization signature '${sig.slice(0, 6)}…' is not valid for the request.`);
    if (!url.searchParams.get('api-version')) return fail(res, 400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    const f = forced.shift();
    if (f?.status === 429) return fail(res, 429, 'WorkflowRequestsThrottled', 'Rate limit is exceeded.', { 'retry-after': String(f.retryAfter ?? 1) });
    if (f) return fail(res, f.status, 'BadGateway', 'The gateway did not receive a response.');
    if (req.body.length > 28 * 1024) return fail(res, 413, 'MessageTooLarge', 'Request entity too large');
    let body: { attachments?: unknown };
    try {
      body = JSON.parse(req.body.toString('utf8')) as typeof body;
    } catch {
      return fail(res, 400, 'InvalidRequestContent', 'The request content is not valid JSON.');
    }
    // Accepted: 202 now; the flow runs afterwards, and its failures show only in the run history.
    res.writeHead(202, { 'x-ms-workflow-run-id': randomBytes(8).toString('hex') });
    res.end();
    const run: TeamsRun = { workflowId: id, status: 'Succeeded', cards: [] };
    if (!Array.isArray(body.attachments)) {
      runs.push({ ...run, status: 'Failed', error: "The 'from' property value in the 'foreach' action inputs is of type 'Null'. The value must be an array." });
      return;
    }
    for (const a of body.attachments) {
      const problem = checkCard(a);
      if (problem) return void runs.push({ ...run, status: 'Failed', error: problem });
      run.cards.push((a as { content: TeamsCard }).content);
    }
    runs.push(run);
  });
  return Object.assign(server, {
    runs,
    posted: () => runs.filter((r) => r.status === 'Succeeded').flatMap((r) => r.cards),
    addWorkflow: () => {
      const id = randomBytes(16).toString('hex');
      const sig = randomBytes(32).toString('base64url');
      flows.set(id, sig);
      return `${server.url}/workflows/${id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;
    },
    deleteWorkflow: (flowUrl: string) => {
      const id = /workflows\/([0-9a-f]+)\//.exec(flowUrl)?.[1];
      if (id) flows.delete(id);
    },
    throttleNext: (retryAfterSeconds: number, times = 1) => {
      for (let i = 0; i < times; i++) forced.push({ status: 429, retryAfter: retryAfterSeconds });
    },
    failNext: (times = 1) => {
      for (let i = 0; i < times; i++) forced.push({ status: 502 });
    },
  });
}
