/**
 * docs/sources.md's recipes, as written there: each `sh` block whose first line is a
 * `# <name>` comment is run with bash and the real curl against a listening Vigil (only its
 * address and the keys are replaced), and what Vigil then holds is checked. Also: the page
 * shows the very files that prometheus-chain.test.ts runs Prometheus and Alertmanager on.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, serviceWithKey, type TestApp } from '../harness.js';
import { alertsOf, incident, incidentsOf, req } from '../api/helpers.js';
import { alertmanagerYml, prometheusYml, rules } from './prometheus-recipe.js';

const run = promisify(execFile);
const DOC = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/sources.md'), 'utf8');
const PLACEHOLDER_URL = 'https://vigil.example.org';

/** The named `sh` blocks of the page: `# events: trigger` → its text. */
function recipes(): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of DOC.matchAll(/```sh\n# ([^\n]+)\n([\s\S]*?)```/g)) out.set(m[1]!.trim(), m[2]!);
  return out;
}

describe('docs/sources.md', () => {
  it("shows the Prometheus chain test's files: the rule, prometheus.yml and alertmanager.yml", () => {
    const keys = { webhook: 'ALERTMANAGER_KEY', header: 'ALERTMANAGER_KEY', events: 'EVENTS_V2_KEY', opsgenie: 'OPSGENIE_KEY' };
    expect(DOC).toContain('```yaml\n' + rules(true) + '```');
    expect(DOC).toContain('```yaml\n' + prometheusYml('alertmanager.example.org:9093') + '```');
    expect(DOC).toContain('```yaml\n' + alertmanagerYml(PLACEHOLDER_URL, keys) + '```');
  });

  it('names every recipe this file runs', () => {
    expect([...recipes().keys()].sort()).toEqual(['events: acknowledge', 'events: resolve', 'events: trigger', 'heartbeat: crontab', 'heartbeat: ping', 'opsgenie: close', 'opsgenie: create']);
  });
});

describe.each(DIALECTS)("docs/sources.md's curl recipes, run as written, on %s", (dialect) => {
  let t: TestApp;
  let vigil: string;
  const keys: Record<string, string> = {};
  let services: Record<'events' | 'heartbeat' | 'opsgenie', string>;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    vigil = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    const events = await serviceWithKey(t, 'events_v2', 'Backups');
    const genie = await serviceWithKey(t, 'opsgenie', 'Crisis chat');
    const hb = await t.app.inject({ method: 'POST', url: `/api/v1/services/${events.serviceId}/integrations`, headers: t.auth, payload: { integration: { type: 'heartbeat', name: 'Nightly backup', heartbeat_interval_seconds: 90000 } } });
    expect(hb.statusCode, hb.body).toBe(201);
    keys.EVENTS_V2_KEY = events.key;
    keys.OPSGENIE_KEY = genie.key;
    keys.HEARTBEAT_KEY = hb.json().integration.integration_key;
    services = { events: events.serviceId, heartbeat: hb.json().integration.id, opsgenie: genie.serviceId };
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Run the named recipe with bash: Vigil's address and the real keys in place of the placeholders. */
  async function recipe(name: string, rewrite: (s: string) => string = (s) => s): Promise<string> {
    let script = recipes().get(name);
    if (!script) throw new Error(`docs/sources.md has no recipe "# ${name}"`);
    script = script.replaceAll(PLACEHOLDER_URL, vigil);
    for (const [k, v] of Object.entries(keys)) script = script.replaceAll(k, v);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', rewrite(script)], { timeout: 30_000 });
    return stdout;
  }

  it('Events API v2: trigger, acknowledge, resolve', async () => {
    expect(JSON.parse(await recipe('events: trigger'))).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'backup-db-1' });
    const [inc] = await incidentsOf(t, services.events);
    expect(inc).toMatchObject({ status: 'triggered', title: 'Nightly backup of db-1 failed', incident_key: 'backup-db-1' });
    const [alert] = await alertsOf(t, inc!.id);
    expect(alert!.severity).toBe('error');
    expect(alert!.body.details).toEqual({ exit_code: 2, log: '/var/log/backup.log' });

    expect(JSON.parse(await recipe('events: acknowledge')).status).toBe('success');
    expect((await incident(t, inc!.id)).status).toBe('acknowledged');
    expect(JSON.parse(await recipe('events: resolve')).status).toBe('success');
    expect((await incident(t, inc!.id)).status).toBe('resolved');
  });

  it('heartbeat: the ping, and the crontab line once its job succeeded', async () => {
    const ping = JSON.parse(await recipe('heartbeat: ping'));
    expect(ping).toMatchObject({ status: 'success', message: 'Heartbeat received' });
    const due = Date.parse(ping.next_due_at);
    expect(Math.abs(due - (Date.now() + 90_000_000))).toBeLessThan(60_000);
    const state = async () => (await req(t, 'GET', `/api/v1/services/${services.events}/integrations/${services.heartbeat}`)).json().integration.heartbeat;
    expect(await state()).toMatchObject({ interval_seconds: 90000, state: 'up', next_due_at: ping.next_due_at });

    // The crontab line's command, as cron would run it, with a job that succeeds in place of the backup.
    const line = recipes().get('heartbeat: crontab')!.trim();
    expect(line).toMatch(/^30 2 \* \* \* \/usr\/local\/bin\/backup-db && curl /);
    await new Promise((r) => setTimeout(r, 20));
    const out = await recipe('heartbeat: crontab', (s) => s.trim().split(/\s+/).slice(5).join(' ').replace('/usr/local/bin/backup-db', 'true'));
    expect(out).toBe(''); // > /dev/null
    const after = await state();
    expect(after.state).toBe('up');
    expect(Date.parse(after.next_due_at)).toBeGreaterThan(due);
  });

  it('the Opsgenie-compatible API: create, then close by alias', async () => {
    expect(JSON.parse(await recipe('opsgenie: create'))).toMatchObject({ result: 'Request will be processed' });
    const [inc] = await incidentsOf(t, services.opsgenie);
    expect(inc).toMatchObject({ status: 'triggered', title: 'Crisis chat gateway is not answering', incident_key: 'chat-gw' });
    const [alert] = await alertsOf(t, inc!.id);
    expect(alert!.severity).toBe('critical');
    expect(JSON.stringify(alert!.body)).toContain('"region":"north"');
    expect(JSON.parse(await recipe('opsgenie: close'))).toMatchObject({ result: 'Request will be processed' });
    expect((await incident(t, inc!.id)).status).toBe('resolved');
  });
});
