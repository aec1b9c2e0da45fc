import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { acknowledge, listIncidents, listPriorities, resolve, snoozedUntil } from '../../data/incidents';
import { useLive } from '../../data/live';
import { canRespond } from '../../data/people';
import { listServices } from '../../data/services';
import type { Incident, IncidentStatus, Session, Urgency } from '../../data/types';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, Field, Loading, PageHeader, StatusBadge, Time, UrgencyBadge } from '../ui';
import { PriorityBadge } from './priority';
import { msg } from '../../i18n';

const STATUS_FILTERS: { value: string; label: string; statuses: IncidentStatus[] }[] = [
  { value: 'open', label: 'Open', statuses: ['triggered', 'acknowledged'] },
  { value: 'triggered', label: 'Triggered', statuses: ['triggered'] },
  { value: 'acknowledged', label: 'Acknowledged', statuses: ['acknowledged'] },
  { value: 'resolved', label: 'Resolved', statuses: ['resolved'] },
  { value: 'all', label: 'All', statuses: ['triggered', 'acknowledged', 'resolved'] },
];

export function IncidentList({ session }: { session: Session }) {
  const { search } = useLocation();
  const status = search.get('status') ?? 'open';
  const urgency = search.get('urgency') ?? '';
  const service = search.get('service') ?? '';
  const priority = search.get('priority') ?? '';
  const statuses = (STATUS_FILTERS.find((f) => f.value === status) ?? STATUS_FILTERS[0]!).statuses;

  const services = useAsync(() => listServices(), []);
  const priorities = useAsync(() => listPriorities(), []);
  const list = useAsync(
    () => listIncidents({ statuses, ...(urgency ? { urgencies: [urgency as Urgency] } : {}), ...(service ? { serviceIds: [service] } : {}), ...(priority ? { priorityIds: [priority] } : {}), limit: 100 }),
    [status, urgency, service, priority],
  );
  useLive(() => void list.reload());

  const set = (k: string, v: string) => {
    const sp = new URLSearchParams(location.search);
    if (v) sp.set(k, v);
    else sp.delete(k);
    navigate(`/incidents${sp.toString() ? `?${sp}` : ''}`, { replace: true });
  };

  return (
    <>
      <PageHeader title={msg('incidents.incidentList.incidents')} />
      <form className="filters" aria-label={msg('incidents.incidentList.filter_incidents')} onSubmit={(e) => e.preventDefault()}>
        <Field label={msg('incidents.incidentList.status')}>
          {(id) => (
            <select id={id} value={status} onChange={(e) => set('status', e.target.value === 'open' ? '' : e.target.value)}>
              {STATUS_FILTERS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={msg('incidents.incidentList.urgency')}>
          {(id) => (
            <select id={id} value={urgency} onChange={(e) => set('urgency', e.target.value)}>
              <option value="">{msg('incidents.incidentList.any')}</option>
              <option value="high">{msg('incidents.incidentList.high')}</option>
              <option value="low">{msg('incidents.incidentList.low')}</option>
            </select>
          )}
        </Field>
        <Field label={msg('incidents.incidentList.priority')}>
          {(id) => (
            <select id={id} value={priority} onChange={(e) => set('priority', e.target.value)}>
              <option value="">{msg('incidents.incidentList.any')}</option>
              {(priorities.data ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={msg('incidents.incidentList.service')}>
          {(id) => (
            <select id={id} value={service} onChange={(e) => set('service', e.target.value)}>
              <option value="">{msg('incidents.incidentList.all_services')}</option>
              {(services.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      <ErrorBox error={list.error} />
      {list.data === undefined && !list.error ? (
        <Loading what={msg('incidents.incidentList.incidents_2')} />
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {list.data?.total ?? list.data?.incidents.length ?? 0} {status === 'all' ? '' : (STATUS_FILTERS.find((f) => f.value === status)?.label ?? '').toLowerCase()}{' '}{msg('incidents.incidentList.incident')}{(list.data?.total ?? 0) === 1 ? '' : 's'}
          </p>
          {list.data && list.data.incidents.length > 0 ? (
            <ul className="incidents" aria-label={msg('incidents.incidentList.incidents')}>
              {list.data.incidents.map((i) => (
                <IncidentRow key={i.id} incident={i} session={session} onChanged={() => void list.reload()} />
              ))}
            </ul>
          ) : (
            <p className="all-clear">{msg('incidents.incidentList.nothing_here')}</p>
          )}
        </>
      )}
    </>
  );
}

/** One incident as a row with its main actions inline: at 3 a.m. acknowledging should take one tap. */
export function IncidentRow({ incident: i, session, onChanged }: { incident: Incident; session: Session; onChanged?: () => void }) {
  const [local, setLocal] = useState<Incident | null>(null);
  const inc = local && local.updated_at >= i.updated_at ? local : i;
  const ack = useAction(async () => setLocal((await acknowledge(inc.id)).incident));
  const res = useAction(async () => setLocal((await resolve(inc.id)).incident));
  const who = inc.assignments.map((a) => a.assignee.summary).filter(Boolean).join(', ');
  const act = canRespond(session.user.role);
  return (
    <li className={`incident incident-${inc.status} urgency-row-${inc.urgency}`} data-incident-id={inc.id}>
      <div className="incident-main">
        <div className="incident-badges">
          <StatusBadge status={inc.status} />
          <UrgencyBadge urgency={inc.urgency} />
          <PriorityBadge priority={inc.priority} />
        </div>
        <Link to={`/incidents/${inc.id}`} className="incident-title">
          <span className="muted">#{inc.incident_number}</span> {inc.title}
        </Link>
        <p className="incident-meta">
          {inc.service.summary} · <Time iso={inc.created_at} />
          {who && <> · {who}</>}
          {snoozedUntil(inc) && (
            <>
              {' '}{msg('incidents.incidentList.snoozed_triggers_again')}{' '}<Time iso={snoozedUntil(inc)!} />
            </>
          )}
        </p>
      </div>
      {act && inc.status !== 'resolved' && (
        <div className="incident-actions">
          {inc.status === 'triggered' && (
            <button type="button" className="btn btn-primary" disabled={ack.busy} onClick={() => void ack.run().then(() => onChanged?.())} aria-label={msg('incidents.incidentList.acknowledge_incident', { incident_number: inc.incident_number })}>{msg('incidents.incidentList.acknowledge')}</button>
          )}
          <button type="button" className="btn btn-secondary" disabled={res.busy} onClick={() => void res.run().then(() => onChanged?.())} aria-label={msg('incidents.incidentList.resolve_incident', { incident_number: inc.incident_number })}>{msg('incidents.incidentList.resolve')}</button>
        </div>
      )}
      <ErrorBox error={ack.error ?? res.error} />
    </li>
  );
}
