import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import { createService, listServices } from '../../data/services';
import type { Session } from '../../data/types';
import { Link, navigate } from '../router';
import { ErrorBox, Field, Loading, PageHeader, Time } from '../ui';
import { msg } from '../../i18n';

export function ServiceList({ session }: { session: Session }) {
  const list = useAsync(() => listServices(), []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useAction(async () => {
    const s = await createService(name.trim(), description.trim());
    navigate(`/services/${s.id}`);
  });
  const manage = canManage(session.user.role);
  return (
    <>
      <PageHeader title={msg('services.serviceList.services')}>
        <Link to="/event_orchestrations" className="btn btn-secondary">{msg('services.serviceList.event_routing')}</Link>
        <Link to="/maintenance" className="btn btn-secondary">{msg('services.serviceList.maintenance_windows')}</Link>
      </PageHeader>
      <div className="grid">
        <section className="card span-2" aria-labelledby="svc-h">
          <h2 id="svc-h">{msg('services.serviceList.what_people_depend_on')}</h2>
          <ErrorBox error={list.error} />
          {!list.data ? (
            <Loading what={msg('services.serviceList.services_2')} />
          ) : list.data.length === 0 ? (
            <p>{msg('services.serviceList.no_services_yet_create_the_first')}</p>
          ) : (
            <ul className="plain services">
              {list.data.map((s) => (
                <li key={s.id}>
                  <Link to={`/services/${s.id}`} className="big-link">
                    {s.name}
                  </Link>
                  {s.status !== 'active' && <span className="badge">{s.status}</span>}
                  <p className="muted small">
                    {s.integrations.length}{' '}{msg('services.serviceList.integration')}{s.integrations.length === 1 ? '' : 's'} · {s.escalation_policy ? msg('services.serviceList.policy', { v0: s.escalation_policy.summary ?? '' }) : msg('services.serviceList.no_escalation_policy')}
                    {s.last_incident_timestamp && (
                      <>
                        {' '}{msg('services.serviceList.last_incident')}{' '}<Time iso={s.last_incident_timestamp} />
                      </>
                    )}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </section>
        {manage && (
          <section className="card" aria-labelledby="new-h">
            <h2 id="new-h">{msg('services.serviceList.new_service')}</h2>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void create.run();
              }}
            >
              <Field label={msg('services.serviceList.name')}>{(id) => <input id={id} required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
              <Field label={msg('services.serviceList.description')} hint={msg('services.serviceList.optional_who_uses_it_what_an')}>
                {(id, d) => <textarea id={id} aria-describedby={d} rows={2} maxLength={1024} value={description} onChange={(e) => setDescription(e.target.value)} />}
              </Field>
              <ErrorBox error={create.error} />
              <button type="submit" className="btn btn-primary" disabled={create.busy || !name.trim()}>{msg('services.serviceList.create_service')}</button>
            </form>
          </section>
        )}
      </div>
    </>
  );
}
