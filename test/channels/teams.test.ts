import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTeamsCard, buildTeamsEnvelope, parseTeamsWorkflow, TeamsChannel } from '../../src/server/notify/channels/teams/teams.js';
import { normalizeTeamsAddress } from '../../src/server/notify/contact-channels.js';
import { closedPort, incident, message } from './helpers.js';
import { startFakeTeams, type FakeTeams } from './fake-teams.js';
import { localPolicy } from '../outbound-allow.js';

let teams: FakeTeams;
beforeEach(async () => {
  teams = await startFakeTeams();
});
afterEach(async () => {
  await teams.close();
});

const channel = new TeamsChannel({ policy: localPolicy, timeoutMs: 1_000 });

describe('TeamsChannel posting an Adaptive Card to a workflow', () => {
  it('a page: the envelope the template loops over, a 1.4 card with what/where/affected, a FactSet and OpenUrl buttons', async () => {
    const flow = teams.addWorkflow();
    expect(await channel.send({ address: flow }, message({ incidents: [incident({ impactLine: 'About 40 people affected' })] }))).toEqual({ kind: 'sent' });
    expect(teams.runs).toHaveLength(1);
    expect(teams.runs[0]!.status).toBe('Succeeded');
    const [card] = teams.posted();
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const texts = card!.body.filter((e) => e.type === 'TextBlock').map((e) => e.text);
    expect(texts).toEqual(['#42 TRIGGERED: Chat queue not answering', 'Crisis chat · high urgency · triggered', 'About 40 people affected']);
    expect(card!.body[0]).toMatchObject({ weight: 'Bolder', color: 'Attention', wrap: true });
    expect(card!.body.find((e) => e.type === 'FactSet')!.facts).toEqual([
      { title: 'Service', value: 'Crisis chat' },
      { title: 'Urgency', value: 'high' },
      { title: 'Status', value: 'triggered' },
      { title: 'Assigned to', value: 'Ada' },
      { title: 'Affected', value: 'About 40 people affected' },
    ]);
    expect(card!.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Acknowledge', url: 'https://vigil.example.org/a/ack-token-PINC042' },
      { type: 'Action.OpenUrl', title: 'Resolve', url: 'https://vigil.example.org/a/resolve-token-PINC042' },
      { type: 'Action.OpenUrl', title: 'Open #42', url: 'https://vigil.example.org/incidents/PINC042' },
    ]);
    expect(buildTeamsEnvelope(message())).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null }] });
  });

  it('acknowledged: Resolve and Open only; a bundle has buttons per incident; a verification code is text only', async () => {
    expect(buildTeamsCard(message({ incidents: [incident({ status: 'acknowledged' })] })).actions!.map((a) => a.title)).toEqual(['Resolve', 'Open #42']);
    const bundle = buildTeamsCard(message({ incidents: [incident({ id: 'A', number: 1 }), incident({ id: 'B', number: 2 })] }));
    expect(bundle.body.filter((e) => e.type === 'ActionSet')).toHaveLength(2);
    const flow = teams.addWorkflow();
    expect(await channel.send({ address: flow }, message({ incidents: [incident({ id: 'A', number: 1 }), incident({ id: 'B', number: 2 })] }))).toEqual({ kind: 'sent' });
    expect(teams.runs[0]!.status).toBe('Succeeded');
    const code = buildTeamsCard(message({ kind: 'verification', eventType: 'pagey.ping', incidents: [], code: '123456' }));
    expect(JSON.stringify(code.body)).toContain('123456');
    expect(code.actions).toBeUndefined();
  });

  it('429 honours Retry-After; 5xx retried; a deleted workflow is gone; a wrong sig is permanent', async () => {
    const flow = teams.addWorkflow();
    teams.throttleNext(7);
    expect(await channel.send({ address: flow }, message())).toMatchObject({ kind: 'retryable', reason: 'teams_WorkflowRequestsThrottled', retryAfterMs: 7000 });
    teams.failNext();
    expect(await channel.send({ address: flow }, message())).toMatchObject({ kind: 'retryable', reason: 'teams_BadGateway' });
    const wrong = flow.replace(/sig=[^&]+/, 'sig=not-the-signature');
    expect(await channel.send({ address: wrong }, message())).toMatchObject({ kind: 'permanent', reason: 'teams_DirectApiInvalidAuthorizationSignature' });
    teams.deleteWorkflow(flow);
    expect(await channel.send({ address: flow }, message())).toMatchObject({ kind: 'permanent', reason: 'teams_WorkflowNotFound', destinationGone: true });
    expect(teams.runs).toHaveLength(0);
    const port = await closedPort();
    expect(await channel.send({ address: `http://127.0.0.1:${port}/workflows/${'a'.repeat(32)}/triggers/manual/paths/invoke?api-version=1&sig=x` }, message())).toMatchObject({ kind: 'retryable', reason: 'connection_refused' });
  });

  it('addresses: Power Automate hosts and a trigger path with sig (or a host the outbound policy names); legacy connectors refused', () => {
    const none = () => false;
    const logic = 'https://prod-12.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=AbC';
    expect(normalizeTeamsAddress(logic, none)).toBe(logic.replace(':443', ''));
    const pp = 'https://default0a1b.02.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=xyz';
    expect(normalizeTeamsAddress(pp, none)).toBe(pp);
    expect(typeof parseTeamsWorkflow(teams.addWorkflow(), (h) => localPolicy.namesHost(h))).not.toBe('string');
    const cases: [string, RegExp][] = [
      ['https://contoso.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi', /Office 365 connector URLs are retired/],
      ['https://evil.example/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=1&sig=x', /is not Power Automate's/],
      [logic.replace(/&sig=AbC/, ''), /sig query parameter/],
      [logic.replace('https:', 'http:'), /must be an https URL/],
      ['https://prod-12.westeurope.logic.azure.com/workflows/x/run?api-version=1&sig=x', /must be a Teams workflow trigger URL/],
      [teams.addWorkflow(), /is not Power Automate's/],
      ['not a url', /must be a Teams workflow URL/],
    ];
    for (const [bad, why] of cases) {
      let errors: string[] = [];
      try {
        normalizeTeamsAddress(bad, none);
      } catch (e) {
        errors = (e as { errors: string[] }).errors;
      }
      expect(errors.join(' '), bad).toMatch(/^contact_method\.address: /);
      expect(errors.join(' '), bad).toMatch(why);
    }
  });
});
