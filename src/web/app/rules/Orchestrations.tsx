import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import { createOrchestration, listOrchestrations } from '../../data/rules';
import type { Orchestration, Session } from '../../data/types';
import { Link } from '../router';
import { ErrorBox, Field, Loading, PageHeader } from '../ui';
import { RoutingKeyOnce } from './RoutingKeyOnce';

/** /event_orchestrations: the organization's global orchestrations (one routing key for every tool, a router picking the service). */
export function Orchestrations({ session }: { session: Session }) {
  const list = useAsync(() => listOrchestrations(), []);
  const manage = canManage(session.user.role);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [fresh, setFresh] = useState<Orchestration | null>(null);
  const create = useAction(async () => {
    const o = await createOrchestration(name.trim(), description.trim());
    setFresh(o);
    setName('');
    setDescription('');
    await list.reload();
  });
  const freshKey = fresh?.integrations.find((i) => i.parameters.routing_key);
  return (
    <>
      <p className="crumbs">
        <Link to="/services">Services</Link>
      </p>
      <PageHeader title="Event routing" />
      <p className="lede">
        One routing key for the whole organization: every monitoring tool sends to it, and a router's rules pick the service of each event by its content. A service's own
        integration keys keep working beside it.
      </p>
      {fresh && freshKey && (
        <section className="card" aria-labelledby="fresh-h">
          <h2 id="fresh-h">{fresh.name} is ready</h2>
          <RoutingKeyOnce integration={freshKey} onDone={() => setFresh(null)} />
          <Link to={`/event_orchestrations/${encodeURIComponent(fresh.id)}`} className="btn btn-primary">
            Write its routing rules
          </Link>
        </section>
      )}
      <div className="grid">
        <section className="card span-2" aria-labelledby="orch-h">
          <h2 id="orch-h">Global orchestrations</h2>
          <ErrorBox error={list.error} />
          {!list.data ? (
            <Loading what="orchestrations" />
          ) : list.data.length === 0 ? (
            <p>None yet. Create one to get an organization-wide routing key.</p>
          ) : (
            <ul className="plain" aria-label="Global orchestrations">
              {list.data.map((o) => (
                <li key={o.id}>
                  <Link to={`/event_orchestrations/${encodeURIComponent(o.id)}`} className="big-link">
                    {o.name}
                  </Link>
                  {o.description && <p className="small">{o.description}</p>}
                  <p className="muted small">
                    routes to {o.routes} service{o.routes === 1 ? '' : 's'} · {o.integrations.length} routing key{o.integrations.length === 1 ? '' : 's'}
                    {o.integrations.map((i) => (
                      <span key={i.id}>
                        {' '}
                        · <code>{i.routing_key_hint}…</code>
                      </span>
                    ))}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </section>
        {manage && (
          <section className="card" aria-labelledby="new-orch-h">
            <h2 id="new-orch-h">New global orchestration</h2>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void create.run();
              }}
            >
              <Field label="Name">{(id) => <input id={id} required maxLength={255} value={name} placeholder="All monitoring" onChange={(e) => setName(e.target.value)} />}</Field>
              <Field label="Description" hint="Optional: which tools send here.">
                {(id, d) => <textarea id={id} aria-describedby={d} rows={2} maxLength={1024} value={description} onChange={(e) => setDescription(e.target.value)} />}
              </Field>
              <ErrorBox error={create.error} />
              <button type="submit" className="btn btn-primary" disabled={create.busy || !name.trim()}>
                Create orchestration
              </button>
            </form>
          </section>
        )}
      </div>
    </>
  );
}
