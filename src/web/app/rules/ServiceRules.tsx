import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import { fingerprint } from '../../data/rule-draft';
import { getRulesActive, getServiceRules, listPriorities, saveServiceRules, setRulesActive, testServiceRules } from '../../data/rules';
import { getService } from '../../data/services';
import type { ServiceTestResult as Result, Session } from '../../data/types';
import { Link } from '../router';
import { ServiceTabs } from '../services/ServiceTabs';
import { ErrorBox, Loading, PageHeader } from '../ui';
import { PathEditor } from './PathEditor';
import { SampleEventBox } from './SampleEventBox';
import { ServiceActions } from './ServiceActions';
import { ServiceTestResult } from './ServiceTestResult';
import { msg } from '../../i18n';

/** /services/:id/rules: a service's event rules, their on/off switch, and the test box. */
export function ServiceRules({ id, session }: { id: string; session: Session }) {
  const svc = useAsync(() => getService(id), [id]);
  const path = useAsync(() => getServiceRules(id), [id]);
  const priorities = useAsync(() => listPriorities().catch(() => null), []);
  const manage = canManage(session.user.role);
  const [result, setResult] = useState<{ result: Result; tested: string } | null>(null);

  if (svc.error || path.error) return <ErrorBox error={svc.error ?? path.error} />;
  if (!svc.data || !path.data) return <Loading what={msg('rules.serviceRules.the_event_rules')} />;
  const s = svc.data;
  return (
    <>
      <p className="crumbs">
        <Link to="/services">{msg('rules.serviceRules.services')}</Link> › <Link to={`/services/${encodeURIComponent(s.id)}`}>{s.name}</Link>
      </p>
      <PageHeader title={msg('rules.serviceRules.event_rules', { name: s.name })} />
      <ServiceTabs id={s.id} current="rules" />
      <p className="lede">{msg('rules.serviceRules.rules_act_on_every_event_this')}</p>
      <RulesSwitch serviceId={s.id} manage={manage} />
      <PathEditor
        kind="service"
        path={path.data}
        manage={manage}
        save={(wire) => saveServiceRules(s.id, wire)}
        renderActions={(slot) => <ServiceActions {...slot} priorities={priorities.data} />}
        aside={(api) => (
          <SampleEventBox
            heading="Test against a sample event"
            explain={api.report}
            test={async (event, now) => {
              const wire = api.wire();
              const r = await testServiceRules(s.id, { event, orchestration_path: wire, ...(now ? { now } : {}) });
              api.accept();
              setResult({ result: r, tested: fingerprint(wire) });
            }}
          >
            {result && <ServiceTestResult result={result.result} stale={api.fingerprint !== result.tested} />}
          </SampleEventBox>
        )}
      />
    </>
  );
}

/** PUT …/active: the rules are kept either way; off, events go on as sent. */
function RulesSwitch({ serviceId, manage }: { serviceId: string; manage: boolean }) {
  const active = useAsync(() => getRulesActive(serviceId), [serviceId]);
  const toggle = useAction(async (on: boolean) => (await setRulesActive(serviceId, on), active.reload()));
  return (
    <section className="card rules-switch" aria-label={msg('rules.serviceRules.rules_on_or_off')}>
      {active.data === undefined ? (
        active.error ? (
          <ErrorBox error={active.error} />
        ) : (
          <Loading what={msg('rules.serviceRules.whether_the_rules_apply')} />
        )
      ) : (
        <>
          <div className="check">
            <input id="rules-on" type="checkbox" role="switch" aria-describedby="rules-on-hint" checked={active.data} disabled={!manage || toggle.busy} onChange={(e) => void toggle.run(e.target.checked)} />
            <label htmlFor="rules-on">{msg('rules.serviceRules.apply_these_rules_to_incoming_events')}</label>
          </div>
          <p className="hint" id="rules-on-hint">
            {active.data ? msg('rules.serviceRules.on_every_event_sent_to_this') : msg('rules.serviceRules.off_the_rules_are_kept_and')}
          </p>
        </>
      )}
      <ErrorBox error={toggle.error} />
    </section>
  );
}
