import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { canManage } from '../../data/people';
import { createOrchestration, listOrchestrations } from '../../data/rules';
import type { Orchestration, Session } from '../../data/types';
import { Link } from '../router';
import { ErrorBox, Field, Loading, PageHeader } from '../ui';
import { RoutingKeyOnce } from './RoutingKeyOnce';
import { msg } from '../../i18n';

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
        <Link to="/services">{msg('rules.orchestrations.services')}</Link>
      </p>
      <PageHeader title={msg('rules.orchestrations.event_routing')} />
      <p className="lede">{msg('rules.orchestrations.one_routing_key_for_the_whole')}</p>
      {fresh && freshKey && (
        <section className="card" aria-labelledby="fresh-h">
          <h2 id="fresh-h">{fresh.name}{' '}{msg('rules.orchestrations.is_ready')}</h2>
          <RoutingKeyOnce integration={freshKey} onDone={() => setFresh(null)} />
          <Link to={`/event_orchestrations/${encodeURIComponent(fresh.id)}`} className="btn btn-primary">{msg('rules.orchestrations.write_its_routing_rules')}</Link>
        </section>
      )}
      <div className="grid">
        <section className="card span-2" aria-labelledby="orch-h">
          <h2 id="orch-h">{msg('rules.orchestrations.global_orchestrations')}</h2>
          <ErrorBox error={list.error} />
          {!list.data ? (
            <Loading what={msg('rules.orchestrations.orchestrations')} />
          ) : list.data.length === 0 ? (
            <p>{msg('rules.orchestrations.none_yet_create_one_to_get')}</p>
          ) : (
            <ul className="plain" aria-label={msg('rules.orchestrations.global_orchestrations')}>
              {list.data.map((o) => (
                <li key={o.id}>
                  <Link to={`/event_orchestrations/${encodeURIComponent(o.id)}`} className="big-link">
                    {o.name}
                  </Link>
                  {o.description && <p className="small">{o.description}</p>}
                  <p className="muted small">{msg('rules.orchestrations.routes_to')}{' '}{o.routes}{' '}{msg('rules.orchestrations.service')}{o.routes === 1 ? '' : 's'} · {o.integrations.length}{' '}{msg('rules.orchestrations.routing_key')}{o.integrations.length === 1 ? '' : 's'}
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
            <h2 id="new-orch-h">{msg('rules.orchestrations.new_global_orchestration')}</h2>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void create.run();
              }}
            >
              <Field label={msg('rules.orchestrations.name')}>{(id) => <input id={id} required maxLength={255} value={name} placeholder={msg('rules.orchestrations.all_monitoring')} onChange={(e) => setName(e.target.value)} />}</Field>
              <Field label={msg('rules.orchestrations.description')} hint={msg('rules.orchestrations.optional_which_tools_send_here')}>
                {(id, d) => <textarea id={id} aria-describedby={d} rows={2} maxLength={1024} value={description} onChange={(e) => setDescription(e.target.value)} />}
              </Field>
              <ErrorBox error={create.error} />
              <button type="submit" className="btn btn-primary" disabled={create.busy || !name.trim()}>{msg('rules.orchestrations.create_orchestration')}</button>
            </form>
          </section>
        )}
      </div>
    </>
  );
}
