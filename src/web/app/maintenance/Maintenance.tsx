/** Maintenance windows: in progress, upcoming and past; create one (optionally weekly); end one now. */
import { useState } from 'react';
import { useAction, useAsync } from '../../data/hooks';
import { createWindow, endWindow, listWindows, recurrenceLabel, windowRequest, type WindowFilter } from '../../data/maintenance';
import { canManage } from '../../data/people';
import { listServices } from '../../data/services';
import type { MaintenanceWindow, Session } from '../../data/types';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, Field, Loading, PageHeader } from '../ui';
import { fmtDateTime, fmtLocal, msg } from '../../i18n';

const TABS: { value: WindowFilter; label: string }[] = [
  { value: 'ongoing', get label() { return msg('maintenance.maintenance.in_progress_2'); } },
  { value: 'future', label: 'Upcoming' },
  { value: 'past', label: 'Past' },
];

/** In the window's own zone when it has one (its times are wall-clock times there). */
const fmt = (iso: string, timeZone: string | null) => (timeZone ? fmtDateTime(iso, { dateStyle: 'medium', timeStyle: 'short', timeZone }) : fmtLocal(iso, { dateStyle: 'medium', timeStyle: 'short' }));

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
      <PageHeader title={msg('maintenance.maintenance.maintenance_windows')} />
      <p className="muted">{msg('maintenance.maintenance.while_a_window_is_in_progress')}{' '}<Link to="/services">{msg('maintenance.maintenance.back_to_services')}</Link>
      </p>
      <nav className="tabs" aria-label={msg('maintenance.maintenance.maintenance_windows')}>
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
            <Loading what={msg('maintenance.maintenance.maintenance_windows_2')} />
          ) : list.data.length === 0 ? (
            <p>{msg('maintenance.maintenance.no_maintenance_windows')}{' '}{filter === 'ongoing' ? msg('maintenance.maintenance.in_progress') : filter === 'future' ? msg('maintenance.maintenance.coming_up') : msg('maintenance.maintenance.yet')}.</p>
          ) : (
            <ul className="plain services">
              {list.data.map((w) => {
                const occurrence = w.next_occurrence ?? { start_time: w.start_time, end_time: w.end_time };
                const repeat = recurrenceLabel(w.recurrence);
                return (
                  <li key={w.id} data-maintenance-window={w.id} aria-current={w.id === focusId ? 'true' : undefined}>
                    <strong>{w.description ?? msg('maintenance.maintenance.window_number', { number: String(w.sequence_number) })}</strong> {repeat && <span className="badge">{repeat}</span>}
                    <p className="muted small">
                      {fmt(occurrence.start_time, w.time_zone)} – {fmt(occurrence.end_time, w.time_zone)}
                      {w.time_zone && <> ({w.time_zone})</>} · {w.services.map((s) => ('name' in s ? s.name : (s.summary ?? s.id))).join(', ')}
                    </p>
                    {manage && filter !== 'past' && (
                      <button type="button" className="btn btn-secondary btn-small" disabled={end.busy} onClick={() => void end.run(w)}>
                        {filter === 'ongoing' ? msg('maintenance.maintenance.end_now') : msg('maintenance.maintenance.cancel')}
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
      <h2 id="new-mw-h">{msg('maintenance.maintenance.new_maintenance_window')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <fieldset>
          <legend>{msg('maintenance.maintenance.services')}</legend>
          {(services.data ?? []).map((s) => (
            <div key={s.id} className="check">
              <input id={`mw-s-${s.id}`} type="checkbox" checked={serviceIds.includes(s.id)} onChange={(e) => setServiceIds(e.target.checked ? [...serviceIds, s.id] : serviceIds.filter((x) => x !== s.id))} />
              <label htmlFor={`mw-s-${s.id}`}>{s.name}</label>
            </div>
          ))}
        </fieldset>
        <Field label={msg('maintenance.maintenance.starts')} hint={msg('maintenance.maintenance.your_time_zone_a_start_in', { timeZone: timeZone })}>
          {(id, d) => <input id={id} aria-describedby={d} type="datetime-local" required value={start} onChange={(e) => setStart(e.target.value)} />}
        </Field>
        <Field label={msg('maintenance.maintenance.ends')}>{(id) => <input id={id} type="datetime-local" required value={end} onChange={(e) => setEnd(e.target.value)} />}</Field>
        <Field label={msg('maintenance.maintenance.description')} hint={msg('maintenance.maintenance.shown_on_the_services_timelines_and')}>
          {(id, d) => <input id={id} aria-describedby={d} maxLength={1024} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <div className="check">
          <input id="mw-weekly" type="checkbox" checked={weekly} onChange={(e) => setWeekly(e.target.checked)} />
          <label htmlFor="mw-weekly">{msg('maintenance.maintenance.repeat_every_week_at_the_same')}</label>
        </div>
        <ErrorBox error={create.error} />
        <button type="submit" className="btn btn-primary" disabled={create.busy || serviceIds.length === 0 || !start || !end}>{msg('maintenance.maintenance.create_window')}</button>
      </form>
    </section>
  );
}
