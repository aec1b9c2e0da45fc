/**
 * The configuration files of docs/sources.md's Prometheus recipe, as text: the chain test
 * (prometheus-chain.test.ts) runs Prometheus and Alertmanager on them, and checks that
 * docs/sources.md shows the same text (with placeholder addresses and keys, and the
 * recipe's timings where the test's are shorter).
 */

/** The alerting rule: always firing (`vector(1)`), or never (`vector(1) == 0`, an empty result). */
export function rules(firing: boolean): string {
  return `groups:
  - name: crisis-line
    rules:
      - alert: CrisisChatDown
        expr: ${firing ? 'vector(1)' : 'vector(1) == 0'}
        for: 0s
        labels:
          severity: critical
          service: crisis-chat
        annotations:
          summary: Crisis chat gateway is not answering
          runbook_url: https://wiki.example.org/runbooks/crisis-chat
`;
}

/** docs/sources.md's prometheus.yml (rule_files and alerting added to your own); the test evaluates every second. */
export function prometheusYml(alertmanager: string, evaluationInterval = '15s'): string {
  return `global:
  evaluation_interval: ${evaluationInterval}
rule_files:
  - rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['${alertmanager}']
`;
}

/**
 * docs/sources.md's alertmanager.yml: one route, four receivers (a real setup picks one). The
 * test waits 1 s where the recipe waits Alertmanager's defaults; the rest is the same text.
 */
export function alertmanagerYml(vigil: string, keys: { webhook: string; header: string; events: string; opsgenie: string }, timing = { groupWait: '30s', groupInterval: '5m' }): string {
  return `route:
  receiver: vigil-webhook
  group_by: ['alertname']
  group_wait: ${timing.groupWait}
  group_interval: ${timing.groupInterval}
  repeat_interval: 4h
  routes:
    - receiver: vigil-webhook
      continue: true
    - receiver: vigil-webhook-header
      continue: true
    - receiver: vigil-events-v2
      continue: true
    - receiver: vigil-opsgenie

receivers:
  - name: vigil-webhook
    webhook_configs:
      - url: '${vigil}/v1/alertmanager/${keys.webhook}'
        send_resolved: true

  - name: vigil-webhook-header
    webhook_configs:
      - url: '${vigil}/v1/alertmanager'
        http_config:
          authorization:
            credentials: '${keys.header}'
        send_resolved: true

  - name: vigil-events-v2
    pagerduty_configs:
      - routing_key: '${keys.events}'
        url: '${vigil}/v2/enqueue'
        send_resolved: true
        severity: '{{ if .CommonLabels.severity }}{{ .CommonLabels.severity | toLower }}{{ else }}error{{ end }}'
        description: '{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}'
        details:
          summary: '{{ .CommonAnnotations.summary }}'
          runbook_url: '{{ .CommonAnnotations.runbook_url }}'

  - name: vigil-opsgenie
    opsgenie_configs:
      - api_url: '${vigil}/'
        api_key: '${keys.opsgenie}'
        send_resolved: true
        message: '{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}'
        priority: '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}'
        details:
          runbook_url: '{{ .CommonAnnotations.runbook_url }}'
`;
}
