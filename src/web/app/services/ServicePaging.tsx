import { useState } from 'react';
import { useAsync } from '../../data/hooks';
import { getPagingPath } from '../../data/paging';
import { getService } from '../../data/services';
import { Link } from '../router';
import { ErrorBox, Field, Loading, Notice, PageHeader, UrgencyBadge } from '../ui';
import { ServiceTabs } from './ServiceTabs';

/** 'YYYY-MM-DDTHH:mm' in the browser's zone, what <input type="datetime-local"> holds. */
function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

/** /services/:id/paging: "Who gets paged?" at a chosen moment, level by level, with every gap. */
export function ServicePaging({ id }: { id: string }) {
  const svc = useAsync(() => getService(id), [id]);
  const [moment, setMoment] = useState(() => toLocalInput(new Date()));
  const [urgency, setUrgency] = useState<'' | 'high' | 'low'>('');
  const at = moment ? new Date(moment).toISOString() : undefined;
  const path = useAsync(() => getPagingPath(id, { ...(at ? { at } : {}), ...(urgency ? { urgency } : {}) }), [id, at, urgency]);

  if (svc.error) return <ErrorBox error={svc.error} />;
  if (!svc.data) return <Loading what="the service" />;
  const s = svc.data;
  const p = path.data;
  return (
    <>
      <p className="crumbs">
        <Link to="/services">Services</Link> › <Link to={`/services/${encodeURIComponent(s.id)}`}>{s.name}</Link>
      </p>
      <PageHeader title={`${s.name}: who gets paged?`} />
      <ServiceTabs id={s.id} current="paging" />
      <p className="lede">Pick a moment — “Sunday 03:00” — to see who an alert on this service would wake, how, and when; and what would go wrong. Nothing is sent.</p>
      <form className="inline-form" onSubmit={(e) => e.preventDefault()}>
        <Field label="At">{(fid) => <input id={fid} type="datetime-local" value={moment} onChange={(e) => setMoment(e.target.value)} />}</Field>
        <Field label="Urgency">
          {(fid) => (
            <select id={fid} value={urgency} onChange={(e) => setUrgency(e.target.value as '' | 'high' | 'low')}>
              <option value="">As the service decides then (critical alert)</option>
              <option value="high">High</option>
              <option value="low">Low</option>
            </select>
          )}
        </Field>
      </form>
      {path.error && <ErrorBox error={path.error} />}
      {!p && !path.error && <Loading what="the paging path" />}
      {p && (
        <section aria-live="polite" aria-label="Paging path">
          <p>
            At {when(p.at)} an alert would be <UrgencyBadge urgency={p.urgency} /> urgency
            {p.escalation_policy ? (
              <>
                {' '}and follow <Link to={`/escalation_policies/${encodeURIComponent(p.escalation_policy.id)}`}>{p.escalation_policy.summary}</Link>
                {p.num_loops ? `, repeating ${p.num_loops} time${p.num_loops === 1 ? '' : 's'}` : ''}.
              </>
            ) : (
              '.'
            )}
          </p>
          {p.gaps.length > 0 ? (
            <Notice tone="warn">
              <strong>Gaps at that moment</strong>
              <ul>
                {p.gaps.map((g) => (
                  <li key={g}>{g}</li>
                ))}
              </ul>
            </Notice>
          ) : (
            <Notice tone="ok">No gaps: every level reaches someone who can be paged.</Notice>
          )}
          <ol className="paging-levels">
            {p.levels.map((l) => (
              <li key={l.level}>
                <h3>
                  Level {l.level} · {when(l.fires_at)}
                  {l.escalation_delay_in_minutes ? ` · next level after ${l.escalation_delay_in_minutes} min` : ''}
                </h3>
                {l.people.length === 0 ? (
                  <p>Nobody.</p>
                ) : (
                  <ul>
                    {l.people.map((person) => (
                      <li key={person.user.id}>
                        <Link to={`/users/${encodeURIComponent(person.user.id)}`}>{person.user.summary}</Link> <span className="muted">({person.via})</span>
                        {person.problem ? (
                          <span className="field-error"> — {person.problem}</span>
                        ) : (
                          <ul>
                            {person.notifications.map((n) => (
                              <li key={`${n.contact_method.id}-${n.at}`}>
                                {when(n.at)}: {n.channel} to {n.contact_method.label || n.contact_method.type}
                              </li>
                            ))}
                          </ul>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  );
}
