import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import { listPolicies } from '../../data/schedules';
import { alertmanagerSnippet, createIntegration, curlSnippet, getService, heartbeatSnippet, listIntegrations, listMappingErrors, rotateKey, sendTestEvent, testMapping, updateService, WEBHOOK_PRESETS, webhookSnippet } from '../../data/services';
import type { Integration, MappingError, ServicePatch, Session, TestMappingResult } from '../../data/types';
import { Link } from '../router';
import { CodeBlock, CopyButton, ErrorBox, Field, Loading, Notice, PageHeader, Time } from '../ui';
import { ServiceTabs } from './ServiceTabs';
import { AlertSettings } from './AlertSettings';
import { msg } from '../../i18n';

const TYPE_LABEL: Record<string, string> = { events_v2: 'Events API v2', alertmanager: 'Alertmanager webhook', heartbeat: 'Heartbeat', opsgenie: 'Opsgenie Alert API', generic_webhook: 'Generic webhook', email: 'Email' };

/** A generic webhook's own mapping: JSONata expressions (docs/sources.md). */
const MAPPING_FIELDS: { id: string; label: string; hint: string }[] = [
  { id: 'summary', label: 'Summary', hint: 'Required, e.g. title & " on " & host' },
  { id: 'source', label: 'Source', hint: 'e.g. host' },
  { id: 'severity', label: 'Severity', hint: 'Gives critical, error, warning or info (else error)' },
  { id: 'dedup_key', label: 'Dedup key', hint: 'e.g. id (missing: summary and source)' },
  { id: 'action', label: 'Action', hint: 'Gives trigger, acknowledge or resolve, e.g. state = "ok" ? "resolve" : "trigger"' },
  { id: 'events', label: 'Events', hint: 'Optional: the list whose items each become an event, e.g. alerts' },
  { id: 'custom_details', label: 'Custom details', hint: 'Missing: the whole payload' },
  { id: 'links', label: 'Links', hint: 'e.g. [{"href": url, "text": "Open"}]' },
];

const EMAIL_CREATION: Record<string, string> = {
  on_new_email: 'A new incident for each message',
  on_new_email_subject: 'One incident per subject while it is open',
  only_if_no_open_incidents: 'A new incident only when none from this address is open',
  use_rules: 'By parser rules (set through the API)',
};

/** `ops@a.example, *@b.example` → the list the API takes. */
const senderList = (text: string) => text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);

export function ServiceDetail({ id, session }: { id: string; session: Session }) {
  const svc = useAsync(() => getService(id), [id]);
  const integrations = useAsync(() => listIntegrations(id), [id]);
  const policies = useAsync(() => listPolicies(), []);
  const [type, setType] = useState('events_v2');
  const [name, setName] = useState('');
  const [fresh, setFresh] = useState<Integration | null>(null);
  const [preset, setPreset] = useState('uptime_kuma');
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [creation, setCreation] = useState('on_new_email');
  const [senders, setSenders] = useState('');
  const add = useAction(async () => {
    const own = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v.trim() !== ''));
    const extra =
      type === 'generic_webhook'
        ? preset
          ? { preset }
          : { mapping: own }
        : type === 'email'
          ? { email_incident_creation: creation, ...(senderList(senders).length ? { email_allowed_senders: senderList(senders) } : {}) }
          : {};
    const i = await createIntegration(id, type, name.trim(), extra);
    setFresh(i);
    setName('');
    await integrations.reload();
  });
  const manage = canManage(session.user.role);
  const origin = location.origin;
  const setPolicy = useAction(async (policyId: string) => (await updateService(id, { escalation_policy: policyId ? { id: policyId } : null }), svc.reload()));
  const setStatus = useAction(async (status: ServicePatch['status']) => (await updateService(id, { status }), svc.reload()));

  if (svc.error) return <ErrorBox error={svc.error} />;
  if (!svc.data) return <Loading what={msg('services.serviceDetail.the_service')} />;
  const s = svc.data;
  return (
    <>
      <p className="crumbs">
        <Link to="/services">{msg('services.serviceDetail.services')}</Link>
      </p>
      <PageHeader title={s.name}>
        <Link to={`/incidents?service=${s.id}&status=all`} className="btn btn-secondary">{msg('services.serviceDetail.incidents')}</Link>
      </PageHeader>
      <ServiceTabs id={s.id} current="overview" />
      {s.description && <p>{s.description}</p>}
      <div className="grid">
        <section className="card span-2" aria-labelledby="int-h">
          <h2 id="int-h">{msg('services.serviceDetail.integrations')}</h2>
          {fresh && <NewKey integration={fresh} origin={origin} onDone={() => setFresh(null)} />}
          <ErrorBox error={integrations.error} />
          {!integrations.data ? (
            <Loading what={msg('services.serviceDetail.integrations_2')} />
          ) : integrations.data.length === 0 ? (
            <p>{msg('services.serviceDetail.no_integration_yet_add_one_so')}</p>
          ) : (
            <ul className="plain integrations">
              {integrations.data.map((i) => (
                <IntegrationItem key={i.id} serviceId={s.id} integration={i} manage={manage} onKey={setFresh} />
              ))}
            </ul>
          )}
          {manage && (
            <form
              className="add-integration"
              onSubmit={(e) => {
                e.preventDefault();
                void add.run();
              }}
            >
              <h3>{msg('services.serviceDetail.add_an_integration')}</h3>
              <div className="row">
                <Field label={msg('services.serviceDetail.type')}>
                  {(fid) => (
                    <select id={fid} value={type} onChange={(e) => setType(e.target.value)}>
                      <option value="events_v2">{msg('services.serviceDetail.events_api_v2_pagerduty_compatible')}</option>
                      <option value="alertmanager">{msg('services.serviceDetail.alertmanager_webhook')}</option>
                      <option value="heartbeat">{msg('services.serviceDetail.heartbeat')}</option>
                      <option value="generic_webhook">Generic webhook (any JSON or form POST)</option>
                      <option value="email">Email (an address that opens incidents)</option>
                    </select>
                  )}
                </Field>
                {type === 'generic_webhook' && (
                  <Field label="Mapping" hint="A ready-made mapping for the tool, or your own (JSONata)">
                    {(fid, d) => (
                      <select id={fid} aria-describedby={d} value={preset} onChange={(e) => setPreset(e.target.value)}>
                        {WEBHOOK_PRESETS.map((p) => (
                          <option key={p.id} value={p.id}>
                            {p.label}
                          </option>
                        ))}
                        <option value="">Custom mapping</option>
                      </select>
                    )}
                  </Field>
                )}
                <Field label={msg('services.serviceDetail.name')} hint={msg('services.serviceDetail.optional_e_g_prometheus')}>
                  {(fid, d) => <input id={fid} aria-describedby={d} maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />}
                </Field>
              </div>
              {type === 'generic_webhook' && preset === '' && (
                <fieldset className="mapping">
                  <legend>Mapping (JSONata expressions over the payload)</legend>
                  {MAPPING_FIELDS.map((f) => (
                    <Field key={f.id} label={f.label} hint={f.hint}>
                      {(fid, d) => <input id={fid} aria-describedby={d} className="mono" maxLength={4096} value={mapping[f.id] ?? ''} onChange={(e) => setMapping({ ...mapping, [f.id]: e.target.value })} />}
                    </Field>
                  ))}
                </fieldset>
              )}
              {type === 'email' && (
                <div className="row">
                  <Field label="Incidents">
                    {(fid) => (
                      <select id={fid} value={creation} onChange={(e) => setCreation(e.target.value)}>
                        {Object.entries(EMAIL_CREATION)
                          .filter(([v]) => v !== 'use_rules')
                          .map(([v, label]) => (
                            <option key={v} value={v}>
                              {label}
                            </option>
                          ))}
                      </select>
                    )}
                  </Field>
                  <Field label="Allowed senders" hint="Optional: addresses or *@example.com, separated by commas. Others are refused.">
                    {(fid, d) => <input id={fid} aria-describedby={d} value={senders} onChange={(e) => setSenders(e.target.value)} placeholder="*@monitoring.example.org" />}
                  </Field>
                </div>
              )}
              <ErrorBox error={add.error} />
              <button type="submit" className="btn btn-primary" disabled={add.busy}>{msg('services.serviceDetail.add_integration')}</button>
            </form>
          )}
        </section>
        <section className="card" aria-labelledby="set-h">
          <h2 id="set-h">{msg('services.serviceDetail.settings')}</h2>
          <Field label={msg('services.serviceDetail.escalation_policy')} hint={msg('services.serviceDetail.who_is_paged_when_this_service')}>
            {(fid, d) => (
              <select id={fid} aria-describedby={d} disabled={!manage || setPolicy.busy} value={s.escalation_policy?.id ?? ''} onChange={(e) => void setPolicy.run(e.target.value)}>
                <option value="">{msg('services.serviceDetail.none_nobody_is_paged')}</option>
                {(policies.data ?? []).map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
                {s.escalation_policy && !(policies.data ?? []).some((p) => p.id === s.escalation_policy!.id) && <option value={s.escalation_policy.id}>{s.escalation_policy.summary ?? s.escalation_policy.id}</option>}
              </select>
            )}
          </Field>
          <ErrorBox error={setPolicy.error} />
          <Field label={msg('services.serviceDetail.state')}>
            {(fid) => (
              <select id={fid} disabled={!manage || setStatus.busy} value={s.status} onChange={(e) => void setStatus.run(e.target.value as ServicePatch['status'])}>
                <option value="active">{msg('services.serviceDetail.active')}</option>
                <option value="maintenance">{msg('services.serviceDetail.in_maintenance_no_pages')}</option>
                <option value="disabled">{msg('services.serviceDetail.disabled_takes_no_events')}</option>
              </select>
            )}
          </Field>
          <ErrorBox error={setStatus.error} />
        </section>
        <AlertSettings service={s} manage={manage} onSaved={async () => void (await svc.reload())} />
      </div>
    </>
  );
}

function IntegrationItem({ serviceId, integration: i, manage, onKey }: { serviceId: string; integration: Integration; manage: boolean; onKey: (i: Integration) => void }) {
  const [sent, setSent] = useState<string | null>(null);
  const test = useAction(async () => setSent((await sendTestEvent(serviceId, i.id)).dedup_key));
  const rotate = useAction(async () => {
    if (!confirm(msg('services.serviceDetail.replace_the_key_the_old_key'))) return;
    onKey(await rotateKey(serviceId, i.id));
  });
  return (
    <li className="integration">
      <div>
        <strong>{i.name}</strong> <span className="muted">· {TYPE_LABEL[i.vigil_type] ?? i.vigil_type}</span>
        <p className="muted small">{msg('services.serviceDetail.key_starts')}{' '}<code>{i.integration_key_hint}</code>{' '}{msg('services.serviceDetail.added')}{' '}<Time iso={i.created_at} />
          {i.heartbeat && <>{' '}{msg('services.serviceDetail.heartbeat_every')}{' '}{i.heartbeat.interval_seconds}s, {i.heartbeat.state}</>}
        </p>
        {i.vigil_type === 'email' && (
          <p className="muted small" data-testid="email-integration">
            address <code>{i.integration_key_hint}…@{i.integration_email_domain}</code> · {EMAIL_CREATION[i.email_incident_creation ?? 'on_new_email']}
            {i.email_allowed_senders?.length ? <> · only from {i.email_allowed_senders.join(', ')}</> : null}
          </p>
        )}
      </div>
      {manage && (
        <div className="row-actions">
          <button type="button" className="btn btn-secondary" disabled={test.busy} onClick={() => void test.run()}>{msg('services.serviceDetail.send_a_test_event')}</button>
          <button type="button" className="btn btn-quiet" disabled={rotate.busy} onClick={() => void rotate.run()}>{msg('services.serviceDetail.new_key')}</button>
        </div>
      )}
      {sent && (
        <Notice tone="ok">{msg('services.serviceDetail.test_event_sent_an_incident_opens')}{' '}<Link to={`/incidents?service=${serviceId}`}>{msg('services.serviceDetail.see_it')}</Link>.
        </Notice>
      )}
      <ErrorBox error={test.error ?? rotate.error} />
      {manage && i.vigil_type === 'generic_webhook' && <SamplePayload serviceId={serviceId} integration={i} />}
    </li>
  );
}

/** Generic webhook: paste a payload the tool would send, see the events it gives (or why the mapping fails); nothing is written. */
function SamplePayload({ serviceId, integration: i }: { serviceId: string; integration: Integration }) {
  const [text, setText] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const [result, setResult] = useState<TestMappingResult | null>(null);
  const [failed, setFailed] = useState<MappingError[] | null>(null);
  const showFailed = useAction(async () => setFailed(await listMappingErrors(serviceId, i.id)));
  const run = useAction(async () => {
    setResult(null);
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch (e) {
      setParseError(`The sample is not JSON: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    setParseError(null);
    setResult(await testMapping(serviceId, i.id, payload));
  });
  return (
    <form
      className="sample-payload"
      aria-label={`Test ${i.name} with a sample payload`}
      onSubmit={(e) => {
        e.preventDefault();
        void run.run();
      }}
    >
      <p className="muted small">
        Mapping: {i.webhook?.preset ? (WEBHOOK_PRESETS.find((p) => p.id === i.webhook?.preset)?.label ?? i.webhook.preset) : 'custom'} · POST to <code>{i.ingest_url}</code>
      </p>
      <Field label="Test with a sample payload" hint="Paste a JSON payload as the tool sends it; nothing is stored">
        {(fid, d) => <textarea id={fid} aria-describedby={d} className="mono" rows={6} value={text} onChange={(e) => setText(e.target.value)} />}
      </Field>
      <button type="submit" className="btn btn-secondary" disabled={run.busy || !text.trim()}>
        Test mapping
      </button>{' '}
      <button type="button" className="btn btn-quiet" disabled={showFailed.busy} onClick={() => void showFailed.run()}>
        Recent mapping errors
      </button>
      <ErrorBox error={showFailed.error} />
      {failed &&
        (failed.length === 0 ? (
          <p className="muted small">No payload failed the mapping lately.</p>
        ) : (
          <ul className="plain mapping-errors">
            {failed.map((f) => (
              <li key={f.id}>
                <Time iso={f.created_at} /> · {f.error}
                <details>
                  <summary>Payload</summary>
                  <pre className="mono small">{JSON.stringify(f.payload, null, 2)}</pre>
                </details>
              </li>
            ))}
          </ul>
        ))}
      {parseError && <Notice tone="warn">{parseError}</Notice>}
      <ErrorBox error={run.error} />
      {result &&
        (result.error !== null ? (
          <Notice tone="warn">
            <span data-testid="mapping-error">The mapping fails on this payload: {result.error}</span>. Such a payload is still answered 202 and kept for admins, without an alert.
          </Notice>
        ) : (
          <div role="status" data-testid="mapped-events">
            <p>
              {result.events.length} {result.events.length === 1 ? 'event' : 'events'} would result:
            </p>
            <ul className="plain">
              {result.events.map((e, n) => (
                <li key={n}>
                  <strong>{e.action}</strong> · {e.severity} · <span className="mapped-summary">{e.summary}</span>
                  <span className="muted small">
                    {' '}
                    · dedup key <code>{e.dedup_key}</code>
                    {e.source && <> · source {e.source}</>}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        ))}
    </form>
  );
}

function NewKey({ integration: i, origin, onDone }: { integration: Integration; origin: string; onDone: () => void }) {
  const key = i.integration_key ?? '';
  return (
    <div className="new-key" role="region" aria-label={msg('services.serviceDetail.new_integration_key')}>
      <Notice tone="warn">
        <strong>{msg('services.serviceDetail.copy_this_key_now')}</strong>{' '}{msg('services.serviceDetail.it_is_stored_hashed_and_shown')}</Notice>
      <div className="key-line">
        <code className="key" data-testid="integration-key">
          {key}
        </code>
        <CopyButton text={key} label={msg('services.serviceDetail.copy_the_integration_key')} />
      </div>
      {i.vigil_type === 'events_v2' && (
        <>
          <CodeBlock label={msg('services.serviceDetail.send_a_test_event_with_curl')} code={curlSnippet(origin, key)} />
          <CodeBlock label={msg('services.serviceDetail.alertmanager_alertmanager_yml')} code={alertmanagerSnippet(origin, key)} />
        </>
      )}
      {i.vigil_type === 'alertmanager' && <CodeBlock label={msg('services.serviceDetail.alertmanager_alertmanager_yml')} code={webhookSnippet(i.ingest_url)} />}
      {i.vigil_type === 'heartbeat' && <CodeBlock label={msg('services.serviceDetail.ping_it')} code={heartbeatSnippet(i.ingest_url)} />}
      {i.vigil_type === 'generic_webhook' && <CodeBlock label="Paste this URL into the tool's webhook settings (see docs/sources.md)" code={i.ingest_url} />}
      {i.vigil_type === 'email' && i.integration_email && (
        <>
          <p>Send or forward alert email to this address (it holds the key, so keep it as private as the key):</p>
          <div className="key-line">
            <code className="key" data-testid="integration-email">
              {i.integration_email}
            </code>
            <CopyButton text={i.integration_email} label="Copy the email address" />
          </div>
          <CodeBlock label="Postmark inbound webhook URL" code={i.ingest_url} />
        </>
      )}
      <button type="button" className="btn btn-secondary" onClick={onDone}>{msg('services.serviceDetail.i_have_copied_it')}</button>
    </div>
  );
}
