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

const TYPE_LABEL: Record<string, () => string> = {
  events_v2: () => 'Events API v2',
  alertmanager: () => msg('services.serviceDetail.alertmanager_webhook'),
  heartbeat: () => msg('services.serviceDetail.heartbeat'),
  opsgenie: () => 'Opsgenie Alert API',
  generic_webhook: () => msg('services.serviceDetail.type_generic_webhook'),
  email: () => msg('services.serviceDetail.type_email'),
};
const typeLabel = (t: string) => TYPE_LABEL[t]?.() ?? t;

/** A generic webhook's own mapping: JSONata expressions (docs/sources.md); labels in the reader's language. */
const MAPPING_FIELDS = ['summary', 'source', 'severity', 'dedup_key', 'action', 'events', 'custom_details', 'links'] as const;
const mappingFields = () =>
  MAPPING_FIELDS.map((id) => ({
    id,
    label: msg(`services.serviceDetail.mapping_field.${id}`),
    hint: msg(`services.serviceDetail.mapping_field.${id}_hint`),
  }));

/** How an email integration opens incidents (`email_incident_creation`). */
const EMAIL_CREATION = ['on_new_email', 'on_new_email_subject', 'only_if_no_open_incidents', 'use_rules'] as const;
type EmailCreation = (typeof EMAIL_CREATION)[number];
const emailCreation = (v: string) => ((EMAIL_CREATION as readonly string[]).includes(v) ? msg(`services.serviceDetail.email_creation.${v as EmailCreation}`) : v);

/** `ops@a.example, *@b.example` → the list the API takes. */
/** An example pattern, the same in every language. */
const SENDERS_EXAMPLE = '*@monitoring.example.org';

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
                      <option value="generic_webhook">{msg('services.serviceDetail.generic_webhook_any_json_or_form')}</option>
                      <option value="email">{msg('services.serviceDetail.email_an_address_that_opens_incidents')}</option>
                    </select>
                  )}
                </Field>
                {type === 'generic_webhook' && (
                  <Field label={msg('services.serviceDetail.mapping')} hint={msg('services.serviceDetail.mapping_hint')}>
                    {(fid, d) => (
                      <select id={fid} aria-describedby={d} value={preset} onChange={(e) => setPreset(e.target.value)}>
                        {WEBHOOK_PRESETS.map((p) => (
                          <option key={p.id} value={p.id}>
                            {p.label}
                          </option>
                        ))}
                        <option value="">{msg('services.serviceDetail.custom_mapping')}</option>
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
                  <legend>{msg('services.serviceDetail.mapping_jsonata_legend')}</legend>
                  {mappingFields().map((f) => (
                    <Field key={f.id} label={f.label} hint={f.hint}>
                      {(fid, d) => <input id={fid} aria-describedby={d} className="mono" maxLength={4096} value={mapping[f.id] ?? ''} onChange={(e) => setMapping({ ...mapping, [f.id]: e.target.value })} />}
                    </Field>
                  ))}
                </fieldset>
              )}
              {type === 'email' && (
                <div className="row">
                  <Field label={msg('services.serviceDetail.email_incidents')}>
                    {(fid) => (
                      <select id={fid} value={creation} onChange={(e) => setCreation(e.target.value)}>
                        {EMAIL_CREATION.filter((v) => v !== 'use_rules').map((v) => (
                          <option key={v} value={v}>
                            {emailCreation(v)}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  <Field label={msg('services.serviceDetail.allowed_senders')} hint={msg('services.serviceDetail.allowed_senders_hint')}>
                    {(fid, d) => <input id={fid} aria-describedby={d} value={senders} onChange={(e) => setSenders(e.target.value)} placeholder={SENDERS_EXAMPLE} />}
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
        <strong>{i.name}</strong> <span className="muted">· {typeLabel(i.vigil_type)}</span>
        <p className="muted small">{msg('services.serviceDetail.key_starts')}{' '}<code>{i.integration_key_hint}</code>{' '}{msg('services.serviceDetail.added')}{' '}<Time iso={i.created_at} />
          {i.heartbeat && <>{' '}{msg('services.serviceDetail.heartbeat_every')}{' '}{i.heartbeat.interval_seconds}s, {i.heartbeat.state}</>}
        </p>
        {i.vigil_type === 'email' && (
          <p className="muted small" data-testid="email-integration">
            {msg('services.serviceDetail.email_address_line', { address: `${i.integration_key_hint}…@${i.integration_email_domain}` })} · {emailCreation(i.email_incident_creation ?? 'on_new_email')}
            {i.email_allowed_senders?.length ? <>{' '}{msg('services.serviceDetail.only_from', { senders: i.email_allowed_senders.join(', ') })}</> : null}
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
      setParseError(msg('services.serviceDetail.sample_not_json', { error: e instanceof Error ? e.message : String(e) }));
      return;
    }
    setParseError(null);
    setResult(await testMapping(serviceId, i.id, payload));
  });
  return (
    <form
      className="sample-payload"
      aria-label={msg('services.serviceDetail.test_with_a_sample_payload_of', { name: i.name })}
      onSubmit={(e) => {
        e.preventDefault();
        void run.run();
      }}
    >
      <p className="muted small">
        {msg('services.serviceDetail.mapping_of_integration', { mapping: i.webhook?.preset ? (WEBHOOK_PRESETS.find((p) => p.id === i.webhook?.preset)?.label ?? i.webhook.preset) : msg('services.serviceDetail.mapping_custom') })} <code>{i.ingest_url}</code>
      </p>
      <Field label={msg('services.serviceDetail.test_with_a_sample_payload')} hint={msg('services.serviceDetail.paste_a_json_payload')}>
        {(fid, d) => <textarea id={fid} aria-describedby={d} className="mono" rows={6} value={text} onChange={(e) => setText(e.target.value)} />}
      </Field>
      <button type="submit" className="btn btn-secondary" disabled={run.busy || !text.trim()}>
        {msg('services.serviceDetail.test_mapping')}
      </button>{' '}
      <button type="button" className="btn btn-quiet" disabled={showFailed.busy} onClick={() => void showFailed.run()}>
        {msg('services.serviceDetail.recent_mapping_errors')}
      </button>
      <ErrorBox error={showFailed.error} />
      {failed &&
        (failed.length === 0 ? (
          <p className="muted small">{msg('services.serviceDetail.no_payload_failed_the_mapping')}</p>
        ) : (
          <ul className="plain mapping-errors">
            {failed.map((f) => (
              <li key={f.id}>
                <Time iso={f.created_at} /> · {f.error}
                <details>
                  <summary>{msg('services.serviceDetail.payload')}</summary>
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
            <span data-testid="mapping-error">{msg('services.serviceDetail.the_mapping_fails_on_this_payload', { error: result.error })}</span>
            {msg('services.serviceDetail.such_a_payload_is_still_answered')}
          </Notice>
        ) : (
          <div role="status" data-testid="mapped-events">
            <p>
              {msg('services.serviceDetail.events_would_result', { count: result.events.length })}
            </p>
            <ul className="plain">
              {result.events.map((e, n) => (
                <li key={n}>
                  <strong>{e.action}</strong> · {e.severity} · <span className="mapped-summary">{e.summary}</span>
                  <span className="muted small">
                    {' '}
                    {msg('services.serviceDetail.dedup_key')} <code>{e.dedup_key}</code>
                    {e.source && <>{' '}{msg('services.serviceDetail.source', { source: e.source })}</>}
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
      {i.vigil_type === 'generic_webhook' && <CodeBlock label={msg('services.serviceDetail.paste_this_url_into_the_tool')} code={i.ingest_url} />}
      {i.vigil_type === 'email' && i.integration_email && (
        <>
          <p>{msg('services.serviceDetail.send_or_forward_alert_email')}</p>
          <div className="key-line">
            <code className="key" data-testid="integration-email">
              {i.integration_email}
            </code>
            <CopyButton text={i.integration_email} label={msg('services.serviceDetail.copy_the_email_address')} />
          </div>
          <CodeBlock label={msg('services.serviceDetail.postmark_inbound_webhook_url')} code={i.ingest_url} />
        </>
      )}
      <button type="button" className="btn btn-secondary" onClick={onDone}>{msg('services.serviceDetail.i_have_copied_it')}</button>
    </div>
  );
}
