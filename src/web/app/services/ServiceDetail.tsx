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
import { msg } from '../../i18n';

const TYPE_LABEL: Record<string, string> = { events_v2: 'Events API v2', alertmanager: 'Alertmanager webhook', heartbeat: 'Heartbeat', opsgenie: 'Opsgenie Alert API' };

export function ServiceDetail({ id, session }: { id: string; session: Session }) {
  const svc = useAsync(() => getService(id), [id]);
  const integrations = useAsync(() => listIntegrations(id), [id]);
  const policies = useAsync(() => listPolicies(), []);
  const [type, setType] = useState('events_v2');
  const [name, setName] = useState('');
  const [fresh, setFresh] = useState<Integration | null>(null);
  const add = useAction(async () => {
    const i = await createIntegration(id, type, name.trim());
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
                    </select>
                  )}
                </Field>
                <Field label={msg('services.serviceDetail.name')} hint={msg('services.serviceDetail.optional_e_g_prometheus')}>
                  {(fid, d) => <input id={fid} aria-describedby={d} maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />}
                </Field>
              </div>
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
    </li>
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
      <button type="button" className="btn btn-secondary" onClick={onDone}>{msg('services.serviceDetail.i_have_copied_it')}</button>
    </div>
  );
}
