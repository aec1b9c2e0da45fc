/**
 * Prometheus Alertmanager (Debian package `prometheus-alertmanager`) on loopback,
 * for the side-by-side columns. Alertmanager keeps alerts in memory: a 200 from
 * /api/v2/alerts means "in this process's memory", not "on disk" (its
 * --storage.path holds only silences and the notification log, snapshotted
 * periodically). Clustering is off (--cluster.listen-address=).
 *
 * Routing: alerts carrying a `probe` label are each their own group
 * (group_by ['...']) with group_wait 0s and group_interval 1s, and go to the
 * webhook receiver, so a new probe alert is notified at once. Load alerts go to a
 * receiver with no integrations (Vigil pages the load incident once; this keeps
 * Alertmanager from sending one webhook per load alert).
 */
import fs from 'node:fs';
import path from 'node:path';
import { freePort, spawnChild, waitReady, type Child } from './proc.js';

export function alertmanagerBinary(): string | null {
  for (const p of ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager', '/usr/bin/alertmanager']) {
    if (fs.existsSync(p)) return p;
  }
  return null;
}

export async function startAlertmanager(bin: string, tmp: string, receiverUrl: string, extraArgs: string[] = []): Promise<{ child: Child; url: string }> {
  const dir = fs.mkdtempSync(path.join(tmp, 'am-'));
  const config = path.join(dir, 'alertmanager.yml');
  fs.writeFileSync(
    config,
    [
      'route:',
      '  receiver: blackhole',
      "  group_by: ['alertname']",
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 24h',
      '  routes:',
      '    - receiver: hook',
      '      matchers: [\'probe=~".+"\']',
      "      group_by: ['...']",
      '      group_wait: 0s',
      '      group_interval: 1s',
      'receivers:',
      '  - name: blackhole',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: ${receiverUrl}`,
      '        send_resolved: false',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child = spawnChild(
    'alertmanager',
    bin,
    [`--config.file=${config}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn', ...extraArgs],
    {},
    tmp,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/-/ready`, 20_000);
  return { child, url };
}
