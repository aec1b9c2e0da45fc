/**
 * docs/sources.md's Prometheus recipe, end to end with the real programs: Debian's
 * `prometheus` evaluates an always-firing rule every second and sends it to Debian's
 * `prometheus-alertmanager`, which routes every alert to four receivers, all Vigil:
 * its webhook (`webhook_configs` → /v1/alertmanager/<key>, and → /v1/alertmanager with the
 * key in the Authorization header), its PagerDuty integration
 * (`pagerduty_configs` → /v2/enqueue with a routing key) and its Opsgenie integration
 * (`opsgenie_configs` → /v2/alerts with a GenieKey). Each receiver opens an incident on
 * its own service; the rule is then rewritten so that it stops
 * firing, Prometheus reloads it (POST /-/reload), and the four incidents resolve.
 *
 * The configuration files written here are the ones docs/sources.md shows (only the
 * addresses and keys differ). Skipped only when the Debian packages are not installed
 * (.ci/run installs them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, serviceWithKey, type TestApp } from '../harness.js';
import { alertsOf, incident, incidentsOf, type Json } from '../api/helpers.js';
import { alertmanagerYml, prometheusYml, rules } from './prometheus-recipe.js';

const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
const ALERTMANAGER = process.env.ALERTMANAGER_PATH ?? '/usr/bin/prometheus-alertmanager';
const installed = fs.existsSync(PROMETHEUS) && fs.existsSync(ALERTMANAGER);
if (!installed) console.warn(`\n!!! ${PROMETHEUS} or ${ALERTMANAGER} is missing (apt-get install prometheus prometheus-alertmanager): the Prometheus → Alertmanager → Vigil test is SKIPPED !!!\n`);

/** Every wait of this file is bounded. */
const WAIT_MS = 60_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Program {
  name: string;
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

function start(name: string, bin: string, args: string[]): Program {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return {
    name,
    child,
    log: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => (child.kill('SIGKILL'), resolve()), 5000);
        child.once('exit', () => (clearTimeout(t), resolve()));
      });
    },
  };
}

/** Poll `probe` until it returns a value (not undefined), at most WAIT_MS; the failure names what was awaited and the programs' last output. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, programs: Program[]): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    const dead = programs.find((p) => p.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode}) while waiting for ${what}:\n${dead.log()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}\n${programs.map((p) => `--- ${p.name}:\n${p.log().slice(-4000)}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const ready = (url: string) => async () => ((await fetch(url)).ok ? true : undefined);

describe.skipIf(!installed).each(DIALECTS)('Prometheus → Alertmanager → Vigil, four receivers, on %s', (dialect) => {
  let t: TestApp;
  let dir: string;
  let promUrl: string;
  let webhook: { serviceId: string; key: string };
  let events: { serviceId: string; key: string };
  let genie: { serviceId: string; key: string };
  let header: { serviceId: string; key: string };
  const programs: Program[] = [];

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const vigil = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    webhook = await serviceWithKey(t, 'alertmanager', 'Crisis chat (Alertmanager webhook)');
    events = await serviceWithKey(t, 'events_v2', 'Crisis chat (Events API v2)');
    genie = await serviceWithKey(t, 'opsgenie', 'Crisis chat (Opsgenie API)');
    header = await serviceWithKey(t, 'alertmanager', 'Crisis chat (Alertmanager webhook, key in a header)');

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-prometheus-'));
    const [amPort, promPort] = [await freePort(), await freePort()];
    fs.writeFileSync(path.join(dir, 'alertmanager.yml'), alertmanagerYml(vigil, { webhook: webhook.key, header: header.key, events: events.key, opsgenie: genie.key }, { groupWait: '1s', groupInterval: '1s' }));
    fs.writeFileSync(path.join(dir, 'rules.yml'), rules(true));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), prometheusYml(`127.0.0.1:${amPort}`, '1s'));

    const am = start('alertmanager', ALERTMANAGER, [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    programs.push(am);
    await waitFor('Alertmanager /-/ready', ready(`http://127.0.0.1:${amPort}/-/ready`), programs);

    const prom = start('prometheus', PROMETHEUS, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--web.enable-lifecycle',
      // Prometheus sends a firing alert at once and then every resend delay (1 minute by default); its
      // first send can come before it has found the Alertmanager, and would then wait a minute.
      '--rules.alert.resend-delay=1s',
      '--log.level=warn',
    ]);
    programs.push(prom);
    promUrl = `http://127.0.0.1:${promPort}`;
    await waitFor('Prometheus /-/ready', ready(`${promUrl}/-/ready`), programs);
  }, WAIT_MS * 2 + 30_000);

  afterAll(async () => {
    for (const p of programs.reverse()) await p.stop();
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = (serviceId: string) => async () => {
    const incs = await incidentsOf(t, serviceId);
    return incs.length > 0 ? incs : undefined;
  };

  it('a firing rule opens an incident through each receiver, with its labels and annotations', async () => {
    const [viaWebhook] = await waitFor('an incident from the webhook receiver', open(webhook.serviceId), programs);
    const [viaEvents] = await waitFor('an incident from the pagerduty_configs receiver', open(events.serviceId), programs);
    const [viaHeader] = await waitFor('an incident from the webhook receiver with the key in its Authorization header', open(header.serviceId), programs);
    const [viaGenie] = await waitFor('an incident from the opsgenie_configs receiver', open(genie.serviceId), programs);

    // Webhook: one alert per Prometheus alert, keyed by its fingerprint; the summary is alertname, where, and the summary annotation.
    expect(viaWebhook!.status).toBe('triggered');
    expect(viaWebhook!.title).toBe('CrisisChatDown on crisis-chat: Crisis chat gateway is not answering');
    const [wAlert] = await alertsOf(t, viaWebhook!.id);
    expect(wAlert!.severity).toBe('critical');
    const wDetails = wAlert!.body.details as Json;
    expect(wDetails.labels).toMatchObject({ alertname: 'CrisisChatDown', severity: 'critical', service: 'crisis-chat' });
    expect(wDetails.annotations).toEqual({ summary: 'Crisis chat gateway is not answering', runbook_url: 'https://wiki.example.org/runbooks/crisis-chat' });
    expect(wDetails.generatorURL).toMatch(/\/graph\?g0\.expr=vector%281%29/);
    // The same webhook with the key sent as 'Authorization: Bearer <key>' (http_config.authorization): the same incident.
    expect(viaHeader!.title).toBe(viaWebhook!.title);
    expect(viaHeader!.incident_key).toBe(viaWebhook!.incident_key);

    // pagerduty_configs: one alert per Alertmanager group; description and details from the templates in alertmanager.yml.
    expect(viaEvents!.status).toBe('triggered');
    expect(viaEvents!.title).toBe('CrisisChatDown: Crisis chat gateway is not answering');
    expect(viaEvents!.incident_key).toMatch(/^[0-9a-f]{64}$/);
    const [eAlert] = await alertsOf(t, viaEvents!.id);
    expect(eAlert!.severity).toBe('critical');
    const eDetails = eAlert!.body.details as Json;
    expect(eDetails.summary).toBe('Crisis chat gateway is not answering');
    expect(eDetails.runbook_url).toBe('https://wiki.example.org/runbooks/crisis-chat');
    // Alertmanager adds its own details (strings before 0.30, JSON after): the firing alert's labels are in them.
    expect(JSON.stringify(eDetails.firing)).toContain('CrisisChatDown');
    expect(String(eDetails.num_firing)).toBe('1');

    // opsgenie_configs: message, priority (P1: critical) and details from alertmanager.yml; the alias is the group's key.
    expect(viaGenie!.status).toBe('triggered');
    expect(viaGenie!.title).toBe('CrisisChatDown: Crisis chat gateway is not answering');
    const [gAlert] = await alertsOf(t, viaGenie!.id);
    expect(gAlert!.severity).toBe('critical');
    expect(JSON.stringify(gAlert!.body)).toContain('https://wiki.example.org/runbooks/crisis-chat');
  }, WAIT_MS + 10_000);

  it('the rule stops firing (rules rewritten, POST /-/reload): the four incidents resolve', async () => {
    fs.writeFileSync(path.join(dir, 'rules.yml'), rules(false));
    const reload = await fetch(`${promUrl}/-/reload`, { method: 'POST' });
    expect(reload.status, await reload.text()).toBe(200);
    const rulesNow = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: { query: string }[] }[] } };
    expect(rulesNow.data.groups[0]!.rules[0]!.query).toBe('vector(1) == 0');

    for (const [receiver, s] of [['webhook', webhook], ['webhook (key in a header)', header], ['pagerduty_configs', events], ['opsgenie_configs', genie]] as const) {
      const [inc] = await incidentsOf(t, s.serviceId);
      const resolved = await waitFor(`the ${receiver} receiver's incident to resolve`, async () => {
        const now = await incident(t, inc!.id);
        return now.status === 'resolved' ? now : undefined;
      }, programs);
      expect(resolved.status).toBe('resolved');
      // Still one incident per service: the resolve closed the incident it opened, and nothing fired again.
      expect(await incidentsOf(t, s.serviceId)).toHaveLength(1);
    }
  }, WAIT_MS * 2 + 10_000);
});
