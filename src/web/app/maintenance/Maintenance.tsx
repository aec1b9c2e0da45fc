/** Maintenance windows: in progress, upcoming and past; create one (optionally weekly); end one now. */
import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { createWindow, endWindow, listWindows, recurrenceLabel, windowRequest, type WindowFilter } from '../../data/maintenance';
import { canManage } from '../../data/people';
import { listServices } from '../../data/services';
import type { MaintenanceWindow, Session } from '../../data/types';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, Field, Loading, PageHeader } from '../ui';

const TABS: { value: WindowFilter; label: string }[] = [
  { value: 'ongoing', label: 'In progress' },
  { value: 'future', label: 'Upcoming' },
  { value: 'past', label: 'Past' },
];

/** In the window's own zone when it has one (its times are wall-clock times there). */
const fmt = (iso: string, timeZone: string | null) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) });

export function Maintenance({ session, focusId }: { session: Session; focusId?: string | undefined }) {
  const { search } = useLocation();
  const filter = (TABS.find((t) => t.value === search.get('filter'))?.value ?? 'ongoing') as WindowFilter;
  const list = useAsync(() => listWindows(filter), [filter]);
  const manage = canManage(session.user.role);
  const end = useAction(async (w: MaintenanceWindow) => {
    await endWindow(w.id);
    await list.reload();
  });
  return (
    <>
      <PageHeader title="Maintenance windows" />
      <p className="muted">
        While a window is in progress, events on its services are stored and shown but open no incident and page no one, and the public status page says so. <Link to="/services">Back to services</Link>
      </p>
      <nav className="tabs" aria-label="Maintenance windows">
        {TABS.map((t) => (
          <Link key={t.value} to={`/maintenance?filter=${t.value}`} aria-current={t.value === filter ? 'page' : undefined}>
            {t.label}
          </Link>
        ))}
      </nav>
      <div className="grid">
        <section className="card span-2" aria-labelledby="mw-h">
          <h2 id="mw-h">{TABS.find((t) => t.value === filter)!.label}</h2>
          <ErrorBox error={list.error ?? end.error} />
          {!list.data ? (
            <Loading what="maintenance windows" />
          ) : list.data.length === 0 ? (
            <p>No maintenance windows {filter === 'ongoing' ? 'in progress' : filter === 'future' ? 'coming up' : 'yet'}.</p>
          ) : (
            <ul className="plain services">
              {list.data.map((w) => {
                const occurrence = w.next_occurrence ?? { start_time: w.start_time, end_time: w.end_time };
                const repeat = recurrenceLabel(w.recurrence);
                return (
                  <li key={w.id} data-maintenance-window={w.id} aria-current={w.id === focusId ? 'true' : undefined}>
                    <strong>{w.summary}</strong> {repeat && <span className="badge">{repeat}</span>}
                    <p className="muted small">
                      {fmt(occurrence.start_time, w.time_zone)} – {fmt(occurrence.end_time, w.time_zone)}
                      {w.time_zone && <> ({w.time_zone})</>} · {w.services.map((s) => ('name' in s ? s.name : (s.summary ?? s.id))).join(', ')}
                    </p>
                    {manage && filter !== 'past' && (
                      <button type="button" className="btn btn-secondary btn-small" disabled={end.busy} onClick={() => void end.run(w)}>
                        {filter === 'ongoing' ? 'End now' : 'Cancel'}
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </section>
        {manage && <NewWindow onCreated={(w) => navigate(`/maintenance?filter=${Date.parse((w.next_occurrence ?? w).start_time) <= Date.now() ? 'ongoing' : 'future'}`)} reload={list.reload} />}
      </div>
    </>
  );
}

function NewWindow({ onCreated, reload }: { onCreated: (w: MaintenanceWindow) => void; reload: () => Promise<void> }) {
  const services = useAsync(() => listServices(), []);
  const [serviceIds, setServiceIds] = useState<string[]>([]);
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [description, setDescription] = useState('');
  const [weekly, setWeekly] = useState(false);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const create = useAction(async () => {
    const w = await createWindow(windowRequest({ serviceIds, start, end, description, weekly, timeZone }));
    setServiceIds([]);
    setDescription('');
    onCreated(w);
    await reload();
  });
  return (
    <section className="card" aria-labelledby="new-mw-h">
      <h2 id="new-mw-h">New maintenance window</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <fieldset>
          <legend>Services</legend>
          {(services.data ?? []).map((s) => (
            <div key={s.id} className="check">
              <input id={`mw-s-${s.id}`} type="checkbox" checked={serviceIds.includes(s.id)} onChange={(e) => setServiceIds(e.target.checked ? [...serviceIds, s.id] : serviceIds.filter((x) => x !== s.id))} />
              <label htmlFor={`mw-s-${s.id}`}>{s.name}</label>
            </div>
          ))}
        </fieldset>
        <Field label="Starts" hint={`Your time zone: ${timeZone}. A start in the past means now.`}>
          {(id, d) => <input id={id} aria-describedby={d} type="datetime-local" required value={start} onChange={(e) => setStart(e.target.value)} />}
        </Field>
        <Field label="Ends">{(id) => <input id={id} type="datetime-local" required value={end} onChange={(e) => setEnd(e.target.value)} />}</Field>
        <Field label="Description" hint="Shown on the services' timelines and on the public status page.">
          {(id, d) => <input id={id} aria-describedby={d} maxLength={1024} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <div className="check">
          <input id="mw-weekly" type="checkbox" checked={weekly} onChange={(e) => setWeekly(e.target.checked)} />
          <label htmlFor="mw-weekly">Repeat every week at the same local time</label>
        </div>
        <ErrorBox error={create.error} />
        <button type="submit" className="btn btn-primary" disabled={create.busy || serviceIds.length === 0 || !start || !end}>
          Create window
        </button>
      </form>
    </section>
  );
}
