import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import { listPolicies } from '../../data/schedules';
import { alertmanagerSnippet, createIntegration, curlSnippet, getService, heartbeatSnippet, listIntegrations, rotateKey, sendTestEvent, updateService, webhookSnippet } from '../../data/services';
import type { Integration, ServicePatch, Session } from '../../data/types';
import { Link } from '../router';
import { CodeBlock, CopyButton, ErrorBox, Field, Loading, Notice, PageHeader, Time } from '../ui';
import { ServiceTabs } from './ServiceTabs';
import { AlertSettings } from './AlertSettings';

const TYPE_LABEL: Record<string, string> = { events_v2: 'Events API v2', alertmanager: 'Alertmanager webhook', heartbeat: 'Heartbeat', opsgenie: 'Opsgenie Alert API', email: 'Email' };

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
  const [creation, setCreation] = useState('on_new_email');
  const [senders, setSenders] = useState('');
  const add = useAction(async () => {
    const extra = type === 'email' ? { email_incident_creation: creation, ...(senderList(senders).length ? { email_allowed_senders: senderList(senders) } : {}) } : {};
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
  if (!svc.data) return <Loading what="the service" />;
  const s = svc.data;
  return (
    <>
      <p className="crumbs">
        <Link to="/services">Services</Link>
      </p>
      <PageHeader title={s.name}>
        <Link to={`/incidents?service=${s.id}&status=all`} className="btn btn-secondary">
          Incidents
        </Link>
      </PageHeader>
      <ServiceTabs id={s.id} current="overview" />
      {s.description && <p>{s.description}</p>}
      <div className="grid">
        <section className="card span-2" aria-labelledby="int-h">
          <h2 id="int-h">Integrations</h2>
          {fresh && <NewKey integration={fresh} origin={origin} onDone={() => setFresh(null)} />}
          <ErrorBox error={integrations.error} />
          {!integrations.data ? (
            <Loading what="integrations" />
          ) : integrations.data.length === 0 ? (
            <p>No integration yet: add one so your monitoring can open incidents here.</p>
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
              <h3>Add an integration</h3>
              <div className="row">
                <Field label="Type">
                  {(fid) => (
                    <select id={fid} value={type} onChange={(e) => setType(e.target.value)}>
                      <option value="events_v2">Events API v2 (PagerDuty-compatible)</option>
                      <option value="alertmanager">Alertmanager webhook</option>
                      <option value="heartbeat">Heartbeat</option>
                      <option value="email">Email (an address that opens incidents)</option>
                    </select>
                  )}
                </Field>
                <Field label="Name" hint="Optional, e.g. Prometheus">
                  {(fid, d) => <input id={fid} aria-describedby={d} maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />}
                </Field>
              </div>
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
              <button type="submit" className="btn btn-primary" disabled={add.busy}>
                Add integration
              </button>
            </form>
          )}
        </section>
        <section className="card" aria-labelledby="set-h">
          <h2 id="set-h">Settings</h2>
          <Field label="Escalation policy" hint="Who is paged when this service opens an incident.">
            {(fid, d) => (
              <select id={fid} aria-describedby={d} disabled={!manage || setPolicy.busy} value={s.escalation_policy?.id ?? ''} onChange={(e) => void setPolicy.run(e.target.value)}>
                <option value="">None (nobody is paged)</option>
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
          <Field label="State">
            {(fid) => (
              <select id={fid} disabled={!manage || setStatus.busy} value={s.status} onChange={(e) => void setStatus.run(e.target.value as ServicePatch['status'])}>
                <option value="active">Active</option>
                <option value="maintenance">In maintenance (no pages)</option>
                <option value="disabled">Disabled (takes no events)</option>
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
    if (!confirm('Replace the key? The old key stops working at once.')) return;
    onKey(await rotateKey(serviceId, i.id));
  });
  return (
    <li className="integration">
      <div>
        <strong>{i.name}</strong> <span className="muted">· {TYPE_LABEL[i.vigil_type] ?? i.vigil_type}</span>
        <p className="muted small">
          key starts <code>{i.integration_key_hint}</code> · added <Time iso={i.created_at} />
          {i.heartbeat && <> · heartbeat every {i.heartbeat.interval_seconds}s, {i.heartbeat.state}</>}
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
          <button type="button" className="btn btn-secondary" disabled={test.busy} onClick={() => void test.run()}>
            Send a test event
          </button>
          <button type="button" className="btn btn-quiet" disabled={rotate.busy} onClick={() => void rotate.run()}>
            New key
          </button>
        </div>
      )}
      {sent && (
        <Notice tone="ok">
          Test event sent. An incident opens on this service; <Link to={`/incidents?service=${serviceId}`}>see it</Link>.
        </Notice>
      )}
      <ErrorBox error={test.error ?? rotate.error} />
    </li>
  );
}

function NewKey({ integration: i, origin, onDone }: { integration: Integration; origin: string; onDone: () => void }) {
  const key = i.integration_key ?? '';
  return (
    <div className="new-key" role="region" aria-label="New integration key">
      <Notice tone="warn">
        <strong>Copy this key now.</strong> It is stored hashed and shown only this once.
      </Notice>
      <div className="key-line">
        <code className="key" data-testid="integration-key">
          {key}
        </code>
        <CopyButton text={key} label="Copy the integration key" />
      </div>
      {i.vigil_type === 'events_v2' && (
        <>
          <CodeBlock label="Send a test event with curl" code={curlSnippet(origin, key)} />
          <CodeBlock label="Alertmanager (alertmanager.yml)" code={alertmanagerSnippet(origin, key)} />
        </>
      )}
      {i.vigil_type === 'alertmanager' && <CodeBlock label="Alertmanager (alertmanager.yml)" code={webhookSnippet(i.ingest_url)} />}
      {i.vigil_type === 'heartbeat' && <CodeBlock label="Ping it" code={heartbeatSnippet(i.ingest_url)} />}
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
      <button type="button" className="btn btn-secondary" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}
