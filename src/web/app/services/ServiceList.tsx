import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import { createService, listServices } from '../../data/services';
import type { Session } from '../../data/types';
import { Link, navigate } from '../router';
import { ErrorBox, Field, Loading, PageHeader, Time } from '../ui';

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
      <PageHeader title="Services">
        <Link to="/event_orchestrations" className="btn btn-secondary">
          Event routing
        </Link>
        <Link to="/maintenance" className="btn btn-secondary">
          Maintenance windows
        </Link>
      </PageHeader>
      <div className="grid">
        <section className="card span-2" aria-labelledby="svc-h">
          <h2 id="svc-h">What people depend on</h2>
          <ErrorBox error={list.error} />
          {!list.data ? (
            <Loading what="services" />
          ) : list.data.length === 0 ? (
            <p>No services yet. Create the first one: a service is anything people depend on, such as a chat line or an application form.</p>
          ) : (
            <ul className="plain services">
              {list.data.map((s) => (
                <li key={s.id}>
                  <Link to={`/services/${s.id}`} className="big-link">
                    {s.name}
                  </Link>
                  {s.status !== 'active' && <span className="badge">{s.status}</span>}
                  <p className="muted small">
                    {s.integrations.length} integration{s.integrations.length === 1 ? '' : 's'} · {s.escalation_policy ? `policy ${s.escalation_policy.summary ?? ''}` : 'no escalation policy'}
                    {s.last_incident_timestamp && (
                      <>
                        {' '}
                        · last incident <Time iso={s.last_incident_timestamp} />
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
            <h2 id="new-h">New service</h2>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void create.run();
              }}
            >
              <Field label="Name">{(id) => <input id={id} required maxLength={255} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
              <Field label="Description" hint="Optional. Who uses it, what an outage means.">
                {(id, d) => <textarea id={id} aria-describedby={d} rows={2} maxLength={1024} value={description} onChange={(e) => setDescription(e.target.value)} />}
              </Field>
              <ErrorBox error={create.error} />
              <button type="submit" className="btn btn-primary" disabled={create.busy || !name.trim()}>
                Create service
              </button>
            </form>
          </section>
        )}
      </div>
    </>
  );
}
