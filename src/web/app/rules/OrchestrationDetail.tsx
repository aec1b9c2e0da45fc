import { useState } from 'react';
import { describeMatches, describeRoute, fingerprint } from '../../data/rule-draft';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import { addRoutingKey, deleteOrchestration, getOrchestration, getRouter, saveRouter, testRouter } from '../../data/rules';
import { listServices } from '../../data/services';
import type { RouterTestResult, RoutingKey, Session } from '../../data/types';
import { Link, navigate } from '../router';
import { ErrorBox, Field, Loading, PageHeader, Time } from '../ui';
import { PathEditor } from './PathEditor';
import { RouteActions } from './RouteActions';
import { RoutingKeyOnce } from './RoutingKeyOnce';
import { SampleEventBox } from './SampleEventBox';
import { msg } from '../../i18n';

/** /event_orchestrations/:id: a global orchestration's routing keys, its router's rules, and a test box for them. */
export function OrchestrationDetail({ id, session }: { id: string; session: Session }) {
  const orch = useAsync(() => getOrchestration(id), [id]);
  const router = useAsync(() => getRouter(id), [id]);
  const services = useAsync(() => listServices(), []);
  const manage = canManage(session.user.role);
  const [result, setResult] = useState<{ result: RouterTestResult; tested: string } | null>(null);
  const remove = useAction(async () => {
    if (!confirm(msg('rules.orchestrationDetail.delete_this_orchestration_its_routing_keys'))) return;
    await deleteOrchestration(id);
    navigate('/event_orchestrations');
  });

  if (orch.error || router.error) return <ErrorBox error={orch.error ?? router.error} />;
  if (!orch.data || !router.data) return <Loading what={msg('rules.orchestrationDetail.the_orchestration')} />;
  const o = orch.data;
  return (
    <>
      <p className="crumbs">
        <Link to="/services">{msg('rules.orchestrationDetail.services')}</Link> › <Link to="/event_orchestrations">{msg('rules.orchestrationDetail.event_routing')}</Link>
      </p>
      <PageHeader title={o.name}>
        {manage && (
          <button type="button" className="btn btn-quiet" disabled={remove.busy} onClick={() => void remove.run()}>{msg('rules.orchestrationDetail.delete_orchestration')}</button>
        )}
      </PageHeader>
      {o.description && <p>{o.description}</p>}
      <ErrorBox error={remove.error} />
      <RoutingKeys orchestrationId={o.id} keys={o.integrations} manage={manage} onAdded={() => void orch.reload()} />
      <PathEditor
        kind="router"
        path={router.data}
        manage={manage}
        save={(wire) => saveRouter(o.id, wire)}
        renderActions={(slot) => <RouteActions {...slot} services={services.data} catchAll={slot.setId === null} />}
        aside={(api) => (
          <SampleEventBox
            heading="Test the routing with a sample event"
            explain={api.report}
            test={async (event, now) => {
              const wire = api.wire();
              const r = await testRouter(o.id, { event, orchestration_path: wire, ...(now ? { now } : {}) });
              api.accept();
              setResult({ result: r, tested: fingerprint(wire) });
            }}
          >
            {result && (
              <div className="test-result" role="group" aria-labelledby="result-h">
                <h3 id="result-h">{msg('rules.orchestrationDetail.result')}</h3>
                <ul className="plain matched">
                  {describeMatches(result.result.matched, true).map((m, i) => (
                    <li key={i}>{m}</li>
                  ))}
                </ul>
                <p className="verdict verdict-quiet">{describeRoute(result.result)}</p>
                {result.result.route_to && <Link to={`/services/${encodeURIComponent(result.result.route_to.id)}/rules`}>{msg('rules.orchestrationDetail.its_event_rules')}</Link>}
                {api.fingerprint !== result.tested && <p className="muted small">{msg('rules.orchestrationDetail.the_rules_changed_since_this_test')}</p>}
              </div>
            )}
          </SampleEventBox>
        )}
      />
    </>
  );
}

function RoutingKeys({ orchestrationId, keys, manage, onAdded }: { orchestrationId: string; keys: RoutingKey[]; manage: boolean; onAdded: () => void }) {
  const [label, setLabel] = useState('');
  const [fresh, setFresh] = useState<RoutingKey | null>(null);
  const add = useAction(async () => {
    setFresh(await addRoutingKey(orchestrationId, label.trim()));
    setLabel('');
    onAdded();
  });
  return (
    <section className="card keys-card" aria-labelledby="keys-h">
      <h2 id="keys-h">{msg('rules.orchestrationDetail.routing_keys')}</h2>
      {fresh && <RoutingKeyOnce integration={fresh} onDone={() => setFresh(null)} />}
      <ul className="plain" aria-label={msg('rules.orchestrationDetail.routing_keys')}>
        {keys.map((k) => (
          <li key={k.id}>
            <strong>{k.label}</strong>{' '}
            <span className="muted small">{msg('rules.orchestrationDetail.key_starts')}{' '}<code>{k.routing_key_hint}</code>{' '}{msg('rules.orchestrationDetail.added')}{' '}<Time iso={k.created_at} />{' '}{msg('rules.orchestrationDetail.send_to')}{' '}<code>{k.ingest_url}</code>
            </span>
          </li>
        ))}
      </ul>
      {manage && (
        <form
          className="row-form"
          onSubmit={(e) => {
            e.preventDefault();
            void add.run();
          }}
        >
          <Field label={msg('rules.orchestrationDetail.label_of_a_new_key')} hint={msg('rules.orchestrationDetail.e_g_grafana_each_tool_may')}>
            {(id, d) => <input id={id} aria-describedby={d} required maxLength={255} value={label} onChange={(e) => setLabel(e.target.value)} />}
          </Field>
          <button type="submit" className="btn btn-secondary" disabled={add.busy || !label.trim()}>{msg('rules.orchestrationDetail.new_routing_key')}</button>
        </form>
      )}
      <ErrorBox error={add.error} />
    </section>
  );
}
