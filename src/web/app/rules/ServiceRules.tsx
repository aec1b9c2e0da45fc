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

/** /services/:id/rules: a service's event rules, their on/off switch, and the test box. */
export function ServiceRules({ id, session }: { id: string; session: Session }) {
  const svc = useAsync(() => getService(id), [id]);
  const path = useAsync(() => getServiceRules(id), [id]);
  const priorities = useAsync(() => listPriorities().catch(() => null), []);
  const manage = canManage(session.user.role);
  const [result, setResult] = useState<{ result: Result; tested: string } | null>(null);

  if (svc.error || path.error) return <ErrorBox error={svc.error ?? path.error} />;
  if (!svc.data || !path.data) return <Loading what="the event rules" />;
  const s = svc.data;
  return (
    <>
      <p className="crumbs">
        <Link to="/services">Services</Link> › <Link to={`/services/${encodeURIComponent(s.id)}`}>{s.name}</Link>
      </p>
      <PageHeader title={`${s.name}: event rules`} />
      <ServiceTabs id={s.id} current="rules" />
      <p className="lede">Rules act on every event this service receives, before it becomes an alert: keep noise out, pause a flapping check, set urgency or priority, rewrite the title.</p>
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
    <section className="card rules-switch" aria-label="Rules on or off">
      {active.data === undefined ? (
        active.error ? (
          <ErrorBox error={active.error} />
        ) : (
          <Loading what="whether the rules apply" />
        )
      ) : (
        <>
          <div className="check">
            <input id="rules-on" type="checkbox" role="switch" aria-describedby="rules-on-hint" checked={active.data} disabled={!manage || toggle.busy} onChange={(e) => void toggle.run(e.target.checked)} />
            <label htmlFor="rules-on">Apply these rules to incoming events</label>
          </div>
          <p className="hint" id="rules-on-hint">
            {active.data ? 'On: every event sent to this service goes through the saved rules.' : 'Off: the rules are kept, and events go on as sent.'}
          </p>
        </>
      )}
      <ErrorBox error={toggle.error} />
    </section>
  );
}
